"""The schema a database reaches does not depend on its history: upgraded one migration at a time from
m0001 (reopened between steps, with rows in its tables) or created by a fresh `zi db upgrade`, it has the
same tables, columns (types, nullability, defaults), indexes, constraints and triggers, and every field of
the peewee models is a column of it. On SQLite, and on PostgreSQL when ZI_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from peewee import ForeignKeyField, PostgresqlDatabase

from zi import migrations
from zi.db import database, open_database
from zi.models import ALL_MODELS

POSTGRES_BASE_URL = os.environ.get("ZI_TEST_DATABASE_URL", "")


def _space(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def sqlite_schema(db) -> dict:
    def rows(sql: str) -> list[tuple]:
        return [tuple(r) for r in db.execute_sql(sql).fetchall()]

    tables = sorted(n for (n,) in rows("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'"))
    schema = {"tables": tables, "triggers": sorted(
        (name, table, _space(sql)) for name, table, sql in
        rows("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"))}
    for table in tables:
        # (name, declared type, not null, default, primary key position), in column order
        schema[f"columns {table}"] = [(name, kind.upper(), notnull, default, pk) for _, name, kind, notnull,
                                      default, pk in rows(f'PRAGMA table_info("{table}")')]
        schema[f"indexes {table}"] = sorted(
            (unique, origin, partial, tuple(c for _, _, c in rows(f'PRAGMA index_info("{name}")')))
            for _, name, unique, origin, partial in rows(f'PRAGMA index_list("{table}")'))
        schema[f"foreign keys {table}"] = sorted(r[2:] for r in rows(f'PRAGMA foreign_key_list("{table}")'))
    return schema


def postgres_schema(db) -> dict:
    def rows(sql: str) -> list[tuple]:
        return sorted(tuple(r) for r in db.execute_sql(sql).fetchall())

    return {
        "tables": rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"),
        "columns": rows("SELECT table_name, column_name, ordinal_position, data_type,"
                        " character_maximum_length, is_nullable, column_default"
                        " FROM information_schema.columns WHERE table_schema = 'public'"),
        "indexes": rows("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"),
        "constraints": rows("SELECT c.conrelid::regclass::text, c.conname, c.contype,"
                            " pg_get_constraintdef(c.oid) FROM pg_constraint c"
                            " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'"),
        "triggers": rows("SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid)"
                         " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                         " JOIN pg_namespace n ON n.oid = c.relnamespace"
                         " WHERE n.nspname = 'public' AND NOT t.tgisinternal"),
        "functions": rows("SELECT p.proname, p.prosrc FROM pg_proc p"
                          " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"),
    }


def schema_of(db) -> dict:
    return postgres_schema(db) if isinstance(db, PostgresqlDatabase) else sqlite_schema(db)


def column_family(kind: str) -> str:
    kind = kind.lower()
    for family, words in (("integer", ("int", "serial")), ("text", ("char", "text", "json")),
                          ("time", ("timestamp", "datetime")), ("date", ("date",)), ("bool", ("bool",)),
                          ("real", ("real", "double", "float", "numeric", "decimal"))):
        if any(word in kind for word in words):
            return family
    return kind


def model_mismatches(db) -> list[str]:
    """Every model field is a column of its table, of the same kind and nullability; foreign keys exist."""
    found = []
    tables = set(db.get_tables())
    types = db.get_context_options()["field_types"]  # the database's column type of each field type
    for model in ALL_MODELS:
        table = model._meta.table_name
        if table not in tables:
            found.append(f"{model.__name__}: no table {table}")
            continue
        columns = {c.name: c for c in db.get_columns(table)}
        keys = {(fk.column, fk.dest_table) for fk in db.get_foreign_keys(table)}
        for field in model._meta.sorted_fields:
            column = columns.get(field.column_name)
            where = f"{model.__name__}.{field.name} ({table}.{field.column_name})"
            if column is None:
                found.append(f"{where}: no such column")
                continue
            expected = column_family(types.get(field.field_type, field.field_type))
            if column_family(column.data_type) != expected:
                found.append(f"{where}: column is {column.data_type}, field is {field.field_type}")
            if column.null != bool(field.null) and not field.primary_key:
                found.append(f"{where}: column null={column.null}, field null={field.null}")
            if isinstance(field, ForeignKeyField) and (field.column_name, field.rel_model._meta.table_name) \
                    not in keys:
                found.append(f"{where}: no foreign key to {field.rel_model._meta.table_name}")
    return found


def one_row_each_step(db, number: int) -> None:
    """Rows in the tables as the steps go, so each migration runs on a database in use."""
    if number == 1:
        db.execute_sql("INSERT INTO instansi (id, name, kind, created_at) "
                       "VALUES (1, 'Pemerintah Kabupaten Contoh', 'pemda', '2025-01-02 03:04:05')")
        db.execute_sql("INSERT INTO unit (id, instansi_id, name, created_at) "
                       "VALUES (1, 1, 'Bagian Umum', '2025-01-02 03:04:05')")


def upgrade_step_by_step(open_db):
    """m0001, then each later migration on its own, the database closed and reopened between steps."""
    for number in range(1, migrations.latest_version() + 1):
        db = open_db()
        db.connect(reuse_if_open=True)
        assert migrations.upgrade(db, target=number) == [number]
        if number == 1:
            with db.atomic():
                one_row_each_step(db, number)
        db.close()
    db = open_db()
    db.connect(reuse_if_open=True)
    return db


def zi_db_upgrade(url: str, tmp_path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ZI_")}
    env.update(DATABASE_URL=url, SECRET_KEY="schema-test", ZI_INSTANCE_DIR=str(tmp_path / "instance"))
    result = subprocess.run([sys.executable, "-c", "from zi.cli import main; main()", "db", "upgrade"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def restore_proxy():
    previous = database.obj
    yield
    database.initialize(previous)


def compare(step_db, fresh_db) -> None:
    stepped, fresh = schema_of(step_db), schema_of(fresh_db)
    assert stepped.keys() == fresh.keys()
    for key in stepped:
        assert stepped[key] == fresh[key], key
    assert migrations.current_version(step_db) == migrations.current_version(fresh_db) \
        == migrations.latest_version()
    assert model_mismatches(fresh_db) == []
    assert model_mismatches(step_db) == []


def _upgrades_agree(fresh_url: str, step_url: str, tmp_path, trigger_name: int) -> None:
    """`zi db upgrade` into fresh_url and migration after migration into step_url give one schema,
    append-only audit triggers included (`trigger_name`: their name's place in a trigger row)."""
    zi_db_upgrade(fresh_url, tmp_path)
    step_db = upgrade_step_by_step(lambda: open_database(step_url))
    fresh_db = open_database(fresh_url)
    fresh_db.connect()
    try:
        compare(step_db, fresh_db)
        triggers = {t[trigger_name] for t in schema_of(fresh_db)["triggers"]}
        assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers
    finally:
        step_db.close()
        fresh_db.close()


def test_sqlite_upgraded_step_by_step_equals_a_fresh_zi_db_upgrade(tmp_path, restore_proxy):
    fresh_url, step_url = f"sqlite:///{tmp_path}/fresh.sqlite3", f"sqlite:///{tmp_path}/steps.sqlite3"
    _upgrades_agree(fresh_url, step_url, tmp_path, trigger_name=0)


def test_a_missing_column_is_seen(tmp_path, restore_proxy):
    """The checks above can fail: a database one migration short differs and misses model fields."""
    db = open_database(f"sqlite:///{tmp_path}/short.sqlite3")
    db.connect()
    migrations.upgrade(db, target=1)
    try:
        assert any("no such column" in m or "no table" in m for m in model_mismatches(db))
        assert "prerequisite" not in schema_of(db)["tables"]
    finally:
        db.close()


def _sibling(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/')}_schema_{suffix}"))


def _recreate(base_url: str, url: str) -> None:
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(base_url)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()


@pytest.mark.skipif(not POSTGRES_BASE_URL, reason="PostgreSQL needs ZI_TEST_DATABASE_URL")
def test_postgres_upgraded_step_by_step_equals_a_fresh_zi_db_upgrade(tmp_path, restore_proxy):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    fresh_url, step_url = _sibling(POSTGRES_BASE_URL, f"fresh_{worker}"), _sibling(POSTGRES_BASE_URL,
                                                                                   f"steps_{worker}")
    for url in (fresh_url, step_url):
        _recreate(POSTGRES_BASE_URL, url)
    _upgrades_agree(fresh_url, step_url, tmp_path, trigger_name=1)
