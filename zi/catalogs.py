"""Compiling the translation catalogues (.po → .mo): done when zi is built or set up
(setup.py, scripts/setup.sh), never by the running app."""

from __future__ import annotations

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "translations"


def compile_catalogs(directory: Path = DIRECTORY) -> list[Path]:
    """Write each catalogue's .mo when its .po is newer; returns the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in compile_catalogs():
        print(f"compiled {path}")
