"""The English catalogue is complete: every message id the code and the templates use (gettext, _,
N_, lazy, ngettext) has an English translation, placeholders intact, each msgid once."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import zi
from zi.catalogs import DIRECTORY

PACKAGE = Path(zi.__file__).resolve().parent
ENGLISH = DIRECTORY / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "lazy": None, "lazy_gettext": None,
            "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def used_message_ids() -> dict[str, str]:
    """Every message id in zi/**/*.py and zi/templates/**/*.html, with where it is first used."""
    found: dict[str, str] = {}
    sources = [("python", path) for path in sorted(PACKAGE.rglob("*.py"))]
    templates = sorted((PACKAGE / "templates").rglob("*.html"))
    sources += [("jinja2.ext:babel_extract", path) for path in templates]
    for method, path in sources:
        for lineno, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS, options={"extensions": ""}):
            for text in message if isinstance(message, tuple) else (message,):
                if text:
                    found.setdefault(text, f"{path.relative_to(PACKAGE.parent)}:{lineno}")
    return found


def english():
    with ENGLISH.open("rb") as source:
        return read_po(source)


def test_extraction_sees_python_and_templates():
    used = used_message_ids()
    assert "Log audit" in used  # a template's _()
    assert "Draf" in used  # an N_ label in zi/states.py
    assert any(where.startswith("zi/web/") for where in used.values())  # a view's gettext


def test_every_message_id_has_an_english_translation():
    catalogue = english()
    missing = []
    for text, where in used_message_ids().items():
        entry = catalogue.get(text)
        translation = entry.string if entry else ""
        if isinstance(translation, tuple | list):
            translation = translation[0] if all(translation) else ""
        if not translation or (entry and entry.fuzzy):
            missing.append(f"{where}: {text!r}")
    assert not missing, "no English translation in messages.po for:\n" + "\n".join(sorted(missing))


def test_translations_keep_the_placeholders():
    wrong = []
    for entry in english():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple | list) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{ids[0]!r} → {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def _msgids(text: str) -> list[str]:
    """The msgids of a .po file as written (continuation lines joined), obsolete entries left out."""
    ids, current = [], None
    for line in text.splitlines():
        if line.startswith("msgid "):
            current = [line[6:].strip()[1:-1]]
            ids.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line.strip()[1:-1])
        else:
            current = None
    return ["".join(parts) for parts in ids]


def test_each_msgid_once():
    ids = _msgids(ENGLISH.read_text(encoding="utf-8"))
    repeated = sorted({text for text in ids if ids.count(text) > 1})
    assert not repeated, f"msgids written twice in messages.po: {repeated}"
