"""The database handle: one peewee proxy, bound to SQLite (default) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

from .extras import require

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "normal",
}
# Every transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE). A deferred
# transaction that reads and then writes cannot wait for the lock: when another writer committed
# in between, SQLite answers "database is locked" at once, whatever the busy timeout. Taking the
# lock up front lets concurrent requests (a browser's parallel uploads) queue on the busy timeout.
SQLITE_LOCK_TYPE = "IMMEDIATE"


def open_database(url: str):
    """A peewee database for `url` (sqlite:///path or postgresql://…), bound to the proxy."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                            lock_type=SQLITE_LOCK_TYPE)
    else:
        if url.startswith(("postgres://", "postgresql://")):
            require("psycopg2", "DATABASE_URL=postgresql://…")
        db = connect(url)
        assert isinstance(db, PostgresqlDatabase), f"unsupported DATABASE_URL: {url}"
    database.initialize(db)
    return db


def locked(query):
    """`query` (a select inside a transaction) locking the rows it reads until the transaction ends,
    where the database can (PostgreSQL: SELECT … FOR UPDATE); SQLite's transactions already hold
    the write lock from their start (SQLITE_LOCK_TYPE)."""
    return query.for_update() if query.model._meta.database.for_update else query
