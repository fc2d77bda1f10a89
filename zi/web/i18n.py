"""The one translation layer: Indonesian message ids, an English catalogue beside them."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import gettext, lazy_gettext, ngettext

DIRECTORY = Path(__file__).resolve().parent.parent / "translations"

lazy = lazy_gettext


def compile_catalogs() -> None:
    """Compile .po to .mo when the .po is newer, so a fresh clone needs no extra build step."""
    for po in DIRECTORY.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


__all__ = ["DIRECTORY", "compile_catalogs", "gettext", "lazy", "ngettext"]
