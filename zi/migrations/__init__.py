"""Numbered schema migrations: `zi db upgrade` runs the ones a database has not had yet.

Each migration is a module `mNNNN_name.py` with `up(db)`; it describes the tables as they
were at that step (frozen), so an old database always upgrades the same way.
"""

from __future__ import annotations

import importlib
import pkgutil

from peewee import IntegerField, Model, SqliteDatabase


def _migrations():
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name))
    return [(number, importlib.import_module(f"{__name__}.{name}")) for number, name in sorted(found)]


def model_base(db):
    """The base class of a migration's frozen models, bound to the database being upgraded."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    return Base


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
    db = getattr(db, "obj", db)  # the peewee proxy, or the database itself
    table = _version_table(db)
    table.create_table(safe=True)
    applied = []
    version = current_version(db)
    sqlite = isinstance(db, SqliteDatabase)
    if sqlite:
        # SQLite rebuilds a table to change a column; with foreign keys on, dropping the old
        # table would cascade to every row that refers to it. The SQLite manual's procedure:
        # keys off outside any transaction (inside one the pragma is silently ignored),
        # change, check, then keys back as they were.
        if db.in_transaction():
            raise RuntimeError("run migrations outside a transaction")
        keys_were = db.pragma("foreign_keys")
        db.pragma("foreign_keys", 0)
    try:
        for number, module in _migrations():
            if number <= version or (target is not None and number > target):
                continue
            with db.atomic():
                module.up(db)
                if sqlite and db.execute_sql("PRAGMA foreign_key_check").fetchall():
                    raise RuntimeError(f"migration {number} broke foreign keys")
                table.create(version=number)
            applied.append(number)
    finally:
        if sqlite:
            db.pragma("foreign_keys", keys_were)
    return applied
