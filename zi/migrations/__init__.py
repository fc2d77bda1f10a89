"""Numbered schema migrations: `zi db upgrade` runs the ones a database has not had yet.

Each migration is a module `mNNNN_name.py` with `up(db)`; it describes the tables as they
were at that step (frozen), so an old database always upgrades the same way.
"""

from __future__ import annotations

import importlib
import pkgutil

from peewee import IntegerField, Model


def _migrations():
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name))
    return [(number, importlib.import_module(f"{__name__}.{name}")) for number, name in sorted(found)]


def _version_table(db):
    class SchemaVersion(Model):
        version = IntegerField()

        class Meta:
            database = db
            table_name = "zi_schema_version"

    return SchemaVersion


def current_version(db) -> int:
    table = _version_table(db)
    if not table.table_exists():
        return 0
    row = table.select().order_by(table.version.desc()).first()
    return row.version if row else 0


def latest_version() -> int:
    return _migrations()[-1][0]


def upgrade(db, target: int | None = None) -> list[int]:
    """Apply every pending migration up to `target`; returns the numbers applied."""
    table = _version_table(db)
    table.create_table(safe=True)
    applied = []
    version = current_version(db)
    for number, module in _migrations():
        if number <= version or (target is not None and number > target):
            continue
        with db.atomic():
            module.up(db)
            table.create(version=number)
        applied.append(number)
    return applied
