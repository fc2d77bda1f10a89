"""Numbered migrations: a database of the first release upgrades without losing anything, an
upgraded database is what zi.models expects, and upgrading twice changes nothing."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    SqliteDatabase,
    TextField,
    sort_models,
)

from zi import migrations
from zi.db import SQLITE_PRAGMAS, database, open_database
from zi.models import (
    ALL_MODELS,
    Answer,
    Assessment,
    AuditEvent,
    Instansi,
    JSONField,
    Period,
    Prerequisite,
    RoleAssignment,
    Unit,
    User,
)

V1_TABLES = ["instansi", "unit", "user", "role_assignment", "period", "assessment", "answer",
             "revision_request", "audit_event"]
CREATED = "2025-01-02 03:04:05"

# Rows of a first-release database, as m0001's tables hold them (JSON values as text).
V1_ROWS = {
    "instansi": [
        {"id": 1, "name": "Kementerian Contoh", "kind": "kl", "created_at": CREATED},
    ],
    "unit": [
        {"id": 1, "instansi_id": 1, "parent_id": None, "name": "Sekretariat Jenderal", "created_at": CREATED},
        {"id": 2, "instansi_id": 1, "parent_id": 1, "name": "Biro Pengadaan", "created_at": CREATED},
    ],
    "user": [
        {"id": 1, "email": "kepala@contoh.go.id", "name": "Kepala Biro", "password_hash": "$argon2id$x",
         "active": 1, "created_at": CREATED},
        {"id": 2, "email": "tpi@contoh.go.id", "name": "Évaluator TPI", "password_hash": "$argon2id$y",
         "active": 0, "created_at": CREATED},
    ],
    "role_assignment": [
        {"id": 1, "user_id": 1, "role": "head", "instansi_id": 1, "unit_id": 2, "areas": ""},
        {"id": 2, "user_id": 2, "role": "member", "instansi_id": 1, "unit_id": 2, "areas": "MP,PT"},
        {"id": 3, "user_id": 2, "role": "reviewer", "instansi_id": 1, "unit_id": None, "areas": ""},
    ],
    "period": [
        {"id": 1, "instansi_id": 1, "year": 2025, "criteria_id": "lke-2021", "opens_on": "2025-01-01",
         "closes_on": "2025-12-31"},
    ],
    "assessment": [
        {"id": 1, "unit_id": 2, "period_id": 1, "status": "revision", "prior_predicate": "WBK",
         "sptjm_by_id": 1, "sptjm_at": "2025-03-04 05:06:07", "accepted_by_id": None, "accepted_at": None,
         "updated_at": CREATED},
    ],
    "answer": [
        {"id": 1, "assessment_id": 1, "layer": "unit", "item_code": "P-MP-i-a", "value": json.dumps("Ya"),
         "note": "SK Tim Kerja **ZI** Nomor 100/2025 — ditandatangani", "version": 3, "updated_by_id": 1,
         "updated_at": CREATED},
        {"id": 2, "assessment_id": 1, "layer": "unit", "item_code": "R-MP-i-a",
         "value": json.dumps({"agents": 5, "changes": 4}, sort_keys=True), "note": "", "version": 1,
         "updated_by_id": 1, "updated_at": CREATED},
        {"id": 3, "assessment_id": 1, "layer": "tpi", "item_code": "R-PW-i-a", "value": json.dumps("3.25"),
         "note": "", "version": 2, "updated_by_id": 2, "updated_at": CREATED},
        {"id": 4, "assessment_id": 1, "layer": "unit", "item_code": "P-MP-i-b", "value": None,
         "note": "dikosongkan", "version": 2, "updated_by_id": None, "updated_at": CREATED},
    ],
    "revision_request": [
        {"id": 1, "assessment_id": 1, "item_code": "P-MP-i-a", "comment": "Lampirkan SK", "created_by_id": 2,
         "created_at": CREATED, "resolved_at": None},
    ],
    "audit_event": [
        {"id": 1, "instansi_id": 1, "unit_id": 2, "assessment_id": 1, "item_code": "P-MP-i-a", "user_id": 1,
         "action": "answer:unit", "old": json.dumps({"note": "", "value": "Tidak"}),
         "new": json.dumps({"note": "SK", "value": "Ya"}), "reason": "", "created_at": CREATED},
    ],
}


@pytest.fixture
def sqlite_at(tmp_path):
    """Open a SQLite file as the app does (zi.db: WAL, foreign keys on), bound to zi.models."""
    previous = database.obj
    opened = []

    def open_(name: str = "zi.sqlite3"):
        db = open_database(f"sqlite:///{tmp_path / name}")
        db.connect()
        opened.append(db)
        return db

    yield open_
    for db in opened:
        db.close()
    database.initialize(previous)


def insert(db, table: str, rows: list[dict]) -> None:
    for row in rows:
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        db.execute_sql(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', list(row.values()))


def snapshot(db, table: str) -> list[dict]:
    cursor = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY id')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def columns(db, table: str) -> dict:
    return {c.name: c for c in db.get_columns(table)}


@pytest.fixture
def first_release(sqlite_at):
    """A database at schema version 1, filled with one of everything m0001 knows."""
    db = sqlite_at()
    assert migrations.upgrade(db, target=1) == [1]
    assert migrations.current_version(db) == 1
    assert "region" not in columns(db, "unit")
    assert "prerequisite" not in db.get_tables()
    with db.atomic():
        for table in V1_TABLES:
            insert(db, table, V1_ROWS[table])
    for table in V1_TABLES:  # the fixture itself holds what it should
        assert snapshot(db, table) == V1_ROWS[table], table
    return db


def test_upgrade_applies_the_rest_once(first_release):
    db = first_release
    assert migrations.latest_version() >= 2
    applied = migrations.upgrade(db)
    assert applied == list(range(2, migrations.latest_version() + 1))
    assert migrations.current_version(db) == migrations.latest_version()
    versions = [r["version"] for r in snapshot(db, "zi_schema_version")]
    assert versions == list(range(1, migrations.latest_version() + 1))
    assert db.pragma("foreign_keys") == 1  # the app's cascades still enforced on this connection

    schema = {t: sorted(columns(db, t)) for t in db.get_tables()}
    assert migrations.upgrade(db) == []
    assert migrations.current_version(db) == migrations.latest_version()
    assert [r["version"] for r in snapshot(db, "zi_schema_version")] == versions
    assert {t: sorted(columns(db, t)) for t in db.get_tables()} == schema


def test_upgrade_adds_unit_region_with_empty_default(first_release):
    db = first_release
    migrations.upgrade(db)
    region = columns(db, "unit")["region"]
    assert region.null is False
    assert [(r["id"], r["name"], r["region"]) for r in snapshot(db, "unit")] == [
        (1, "Sekretariat Jenderal", ""), (2, "Biro Pengadaan", "")]
    assert [u.region for u in Unit.select().order_by(Unit.id)] == ["", ""]
    new = Unit.create(instansi=1, name="Inspektorat")
    assert Unit.get_by_id(new.id).region == ""
    Unit.update(region="Jakarta").where(Unit.id == new.id).execute()
    assert Unit.get_by_id(new.id).region == "Jakarta"


def test_upgrade_adds_a_working_prerequisite_table(first_release):
    db = first_release
    migrations.upgrade(db)
    assert "prerequisite" in db.get_tables()
    instansi = Instansi.get_by_id(1)
    unit = Unit.get_by_id(2)
    wide = Prerequisite.create(instansi=instansi, key="wtp", met=True, note="Opini WTP 2024", updated_by=1)
    local = Prerequisite.create(instansi=instansi, unit=unit, key="lhkpn", met=None)
    got = Prerequisite.get_by_id(wide.id)
    assert (got.instansi_id, got.unit_id, got.key, got.met, got.note, got.updated_by.email) == (
        1, None, "wtp", True, "Opini WTP 2024", "kepala@contoh.go.id")
    got = Prerequisite.get_by_id(local.id)
    assert (got.unit.name, got.met, got.note) == ("Biro Pengadaan", None, "")
    assert [p.key for p in unit.prerequisites] == ["lhkpn"]
    with pytest.raises(IntegrityError), db.atomic():
        Prerequisite.create(instansi=instansi, unit=unit, key="lhkpn", met=False)
    Unit.delete().where(Unit.id == unit.id).execute()  # ON DELETE CASCADE from m0002
    assert [p.key for p in Prerequisite.select()] == ["wtp"]


def test_upgrade_keeps_every_row_and_value(first_release):
    """Regression: up to e47201c, m0002's add_column('unit', 'region', NOT NULL) rebuilt the unit
    table on SQLite (copy, DROP TABLE unit, rename) with foreign keys on, and the implicit DELETE
    of the DROP cascaded: every role assignment, assessment, answer and revision request was
    deleted, unit.parent_id and audit_event.unit_id/assessment_id set to NULL."""
    db = first_release
    migrations.upgrade(db)
    counts = {t: len(snapshot(db, t)) for t in V1_TABLES}
    assert counts == {t: len(rows) for t, rows in V1_ROWS.items()}, "rows lost by the upgrade"
    for table in V1_TABLES:
        after = snapshot(db, table)
        if table == "unit":
            assert [r.pop("region") for r in after] == ["", ""]
            assert [r.pop("timezone") for r in after] == [None, None]  # m0012: the instansi's zone
        if table == "instansi":
            assert [r.pop("timezone") for r in after] == ["Asia/Jakarta"]  # m0012: WIB
            assert [r.pop("tpi_chair_id") for r in after] == [None]  # m0014: no Ketua TPI chosen yet
        if table == "user":  # m0007: a random session token each, no creating instansi recorded
            assert len({r.pop("session_token") for r in after} - {""}) == 2
            assert [r.pop("created_in_id") for r in after] == [None, None]
            assert [r.pop("email_notifications") for r in after] == [1, 1]  # m0011: e-mail on
            assert [(r.pop("nip"), r.pop("position")) for r in after] == [(None, None)] * 2  # m0014
        if table == "assessment":  # m0014: no SPTJM letter number or place recorded yet
            assert [(r.pop("sptjm_number"), r.pop("sptjm_place")) for r in after] == [
                (None, None)] * len(after)
            # m0014: no copy of the signers as signed; the letter falls back to the live profile
            signed = ("sptjm_name", "sptjm_nip", "sptjm_position", "endorsed_by_name", "endorsed_by_nip",
                      "endorsed_by_position", "endorsed_by_chair")
            assert [tuple(r.pop(c) for c in signed) for r in after] == [(None,) * 7] * len(after)
        if table == "answer":  # m0010: nothing carried over; TPI answers reviewed against the unit (0: none)
            assert [r.pop("carried_from") for r in after] == [None] * len(after)
            assert [(r["layer"], r.pop("reviewed_unit_version")) for r in after] == [
                (r["layer"], 0 if r["layer"] == "tpi" else None) for r in V1_ROWS["answer"]]
        assert after == V1_ROWS[table], table

    # …and zi.models reads them as the app will.
    assessment = Assessment.get_by_id(1)
    assert (assessment.unit.name, assessment.period.year, assessment.status, assessment.prior_predicate,
            assessment.sptjm_by.email, assessment.sptjm_at) == (
        "Biro Pengadaan", 2025, "revision", "WBK", "kepala@contoh.go.id", datetime(2025, 3, 4, 5, 6, 7))
    assert {(a.layer, a.item_code): (a.value, a.version) for a in assessment.answers} == {
        ("unit", "P-MP-i-a"): ("Ya", 3),
        ("unit", "R-MP-i-a"): ({"agents": 5, "changes": 4}, 1),
        ("tpi", "R-PW-i-a"): ("3.25", 2),
        ("unit", "P-MP-i-b"): (None, 2),
    }
    assert Unit.get_by_id(2).parent.name == "Sekretariat Jenderal"
    assert {(r.role, r.unit_id): r.area_codes for r in RoleAssignment.select()} == {
        ("head", 2): set(), ("member", 2): {"MP", "PT"}, ("reviewer", None): set()}
    assert [r.comment for r in assessment.revision_requests] == ["Lampirkan SK"]
    event = AuditEvent.get_by_id(1)
    assert (event.assessment_id, event.unit_id, event.old, event.new) == (
        1, 2, {"note": "", "value": "Tidak"}, {"note": "SK", "value": "Ya"})
    assert User.get_by_id(2).active is False
    assert Period.get_by_id(1).closes_on == date(2025, 12, 31)


# --- a fresh database -----------------------------------------------------------


def schema_of(db, table: str):
    cols = sorted((c.name, c.data_type.upper(), c.null, c.primary_key) for c in db.get_columns(table))
    indexes = sorted((tuple(i.columns), i.unique) for i in db.get_indexes(table))
    # (referenced table, from column, to column, on update, on delete, match)
    fks = sorted(tuple(r[2:]) for r in db.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall())
    return cols, indexes, fks


def test_fresh_upgrade_matches_the_models(sqlite_at, tmp_path):
    db = sqlite_at()
    assert migrations.upgrade(db) == list(range(1, migrations.latest_version() + 1))

    reference = SqliteDatabase(str(tmp_path / "reference.sqlite3"), pragmas=SQLITE_PRAGMAS)
    with reference.bind_ctx(ALL_MODELS):
        reference.create_tables(ALL_MODELS)
    try:
        assert set(db.get_tables()) - {"zi_schema_version"} == set(reference.get_tables())
        for model in ALL_MODELS:
            table = model._meta.table_name
            assert schema_of(db, table) == schema_of(reference, table), table
    finally:
        reference.close()


def sample(field, model, created: dict):
    """A value for one field of a new row: not the default, so a lost column shows."""
    if isinstance(field, ForeignKeyField):
        if field.rel_model is model or field.rel_model not in created:  # a self-reference or a cycle
            assert field.null, f"{model.__name__}.{field.name}: a non-null reference needs a sample row"
            return None
        return created[field.rel_model].id
    if isinstance(field, JSONField):
        return {"nilai": [1, 2.5, "Ya"], "catatan": "ü ✓"}
    if isinstance(field, BooleanField):
        return not field.default if field.default is not None else False
    if isinstance(field, DateTimeField):
        return datetime(2026, 2, 3, 4, 5, 6, 789)
    if isinstance(field, DateField):
        return date(2026, 2, 3)
    if isinstance(field, IntegerField):
        return 7
    if isinstance(field, TextField | CharField):
        return f"{model.__name__}.{field.name} — ✓"
    pytest.fail(f"no sample for {model.__name__}.{field.name} ({type(field).__name__}): extend sample()")


def test_fresh_upgrade_stores_a_row_of_every_model(sqlite_at):
    db = sqlite_at()
    migrations.upgrade(db)
    created = {}
    for model in sort_models(ALL_MODELS):  # referenced tables first
        values = {f.name: sample(f, model, created) for f in model._meta.sorted_fields
                  if not isinstance(f, AutoField)}
        created[model] = model.create(**values)
    assert set(created) == set(ALL_MODELS)
    # A cycle of keys (m0014's instansi.tpi_chair -> user -> instansi.created_in): the end whose
    # table came first is set afterwards.
    for model, row in created.items():
        late = {f.name: created[f.rel_model].id for f in model._meta.sorted_fields
                if isinstance(f, ForeignKeyField) and f.rel_model is not model
                and getattr(row, f.name + "_id") is None}
        if late:
            model.update(**late).where(model.id == row.id).execute()
            created[model] = model.get_by_id(row.id)
    for model, row in created.items():
        stored = model.get_by_id(row.id)
        assert stored.__data__ == row.__data__, model.__name__
        assert all(v is not None for k, v in stored.__data__.items()
                   if not (k == "parent" and model is Unit)), model.__name__
    chair = User.create(email="ketua@contoh.go.id", name="Ketua TPI", password_hash="x")
    Instansi.update(tpi_chair=chair).where(Instansi.id == created[Instansi].id).execute()
    assert Instansi.get_by_id(created[Instansi].id).tpi_chair.email == "ketua@contoh.go.id"
    chair.delete_instance()  # ON DELETE SET NULL (m0014)
    assert Instansi.get_by_id(created[Instansi].id).tpi_chair_id is None

    # The same through the app's own names, for the tables m0001 and m0002 made.
    instansi = Instansi.get()
    parent = Unit.create(instansi=instansi, name="Sekretariat Daerah", region="Kota")
    unit = Unit.create(instansi=instansi, name="Bagian Umum", parent=parent)
    assert (Unit.get_by_id(unit.id).parent.name, Unit.get_by_id(unit.id).region) == ("Sekretariat Daerah", "")
    assessment = Assessment.create(unit=unit, period=Period.get())
    answer = Answer.create(assessment=assessment, layer="tpi", item_code="R-MP-i-a",
                           value={"agents": 5, "changes": 3}, updated_by=User.get())
    assert Answer.get_by_id(answer.id).value == {"agents": 5, "changes": 3}
    assert [a.item_code for a in Assessment.get_by_id(assessment.id).answers] == ["R-MP-i-a"]
