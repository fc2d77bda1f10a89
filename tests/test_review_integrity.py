"""Review that cannot mislead: answers carried over from last year wait for a confirmation before
the head submits, a unit change after TPI's answer is seen and blocks acceptance until TPI confirms
or updates, revision requests can be withdrawn, answers and dossier names read as people write them.

Domain level, on the demo database (fixture `db`)."""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from tests.conftest import SPTJM_LETTER as LETTER
from tests.conftest import best_answer
from zi import admin, migrations, workflow
from zi import answers as store
from zi.access import Access
from zi.db import database, open_database
from zi.demo import PROCUREMENT
from zi.dossier.names import dossier_filename, slug
from zi.messages import in_locale
from zi.models import Answer, Assessment, AuditEvent, Period, RevisionRequest, Unit, User
from zi.workflow import WorkflowError

m0010 = importlib.import_module("zi.migrations.m0010_review_marks")


@pytest.fixture
def people(db):
    return {role: User.get(User.email == f"{who}@contoh.go.id") for role, who in
            (("head", "pimpinan"), ("member", "anggota"), ("tpi", "tpi"), ("admin", "admin"))}


@pytest.fixture
def assessment(db):
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def roles(user, assessment) -> set[str]:
    return Access(user).roles(assessment.unit)


def answer(assessment, layer: str, code: str) -> Answer | None:
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == layer)
                              & (Answer.item_code == code))


def save(criteria, assessment, user, layer, code, value, note=""):
    current = answer(assessment, layer, code)
    return store.save_answer(criteria, assessment, user, layer, code, value, note,
                             current.version if current else 0)


def fill(criteria, assessment, layer, user) -> None:
    with Answer._meta.database.atomic():
        for item in criteria.items:
            if answer(assessment, layer, item.code) is None:
                save(criteria, assessment, user, layer, item.code, best_answer(item))


def transition(assessment, action, user, criteria, layer="unit", **kw):
    report = store.report(criteria, assessment, store.layer_answers(assessment, layer))
    return workflow.transition(assessment, action, user, roles(user, assessment),
                               complete=report.complete, missing=report.unanswered, **kw)


@pytest.fixture
def next_year(db, criteria, people, assessment):
    """2027 created with last year's answers copied: the procurement unit's 2027 assessment, after the
    2026 one was completed (every item answered)."""
    fill(criteria, assessment, "unit", people["head"])
    instansi = assessment.unit.instansi
    admin.create_period(instansi, 2027, criteria.id, date(2027, 1, 1), date(2027, 12, 31),
                        actor=people["admin"], copy_previous=True)
    return (Assessment.select().join(Period)
            .where((Assessment.unit == assessment.unit) & (Period.year == 2027)).get())


# --- carried over from last year ----------------------------------------------------------------


def test_copied_answers_are_marked_with_their_year(next_year, criteria):
    marks = store.item_marks(next_year)
    assert set(marks) == {item.code for item in criteria.items}
    for found in marks.values():
        (mark,) = found
        assert mark == store.CARRIED and mark.year == 2026
    assert answer(next_year, "unit", "P-MP-i-a").carried_from == 2026


def test_the_head_cannot_submit_until_each_carried_answer_is_confirmed_or_changed(
        next_year, criteria, people):
    with pytest.raises(WorkflowError) as refused:
        transition(next_year, "submit", people["head"], criteria, sptjm=True, **LETTER)
    assert refused.value.message_id == workflow.NOT_CONFIRMED
    assert refused.value.params["year"] == 2026
    assert len(refused.value.params["items"]) == len(criteria.items)
    assert "2026" in in_locale(refused.value, "en") and "to confirm" not in str(refused.value)

    # Changing an answer clears its mark; saving it unchanged does not.
    item = criteria.item("P-MP-i-b")
    kept = answer(next_year, "unit", "P-MP-i-b")
    save(criteria, next_year, people["member"], "unit", "P-MP-i-b", kept.value, kept.note)
    assert answer(next_year, "unit", "P-MP-i-b").carried_from == 2026
    other = next(o.key for o in item.options if o.key != kept.value)
    save(criteria, next_year, people["member"], "unit", "P-MP-i-b", other)
    assert answer(next_year, "unit", "P-MP-i-b").carried_from is None
    assert "P-MP-i-b" not in store.item_marks(next_year)

    # A note is a change too.
    kept = answer(next_year, "unit", "P-MP-ii-a")
    save(criteria, next_year, people["head"], "unit", "P-MP-ii-a", kept.value, "Masih berlaku, SK diperbarui")
    assert answer(next_year, "unit", "P-MP-ii-a").carried_from is None

    rest = store.marked(next_year, store.CARRIED)
    version = answer(next_year, "unit", rest[0]).version
    assert store.confirm_carried(next_year, people["head"], rest) == sorted(rest)
    assert answer(next_year, "unit", rest[0]).version == version  # confirming changes no answer
    assert store.confirm_carried(next_year, people["head"], rest) == []  # once
    events = AuditEvent.select().where((AuditEvent.assessment == next_year)
                                       & (AuditEvent.action == "answer:confirm_carried"))
    assert events.count() == len(rest)
    assert {e.old["carried_from"] for e in events} == {2026}

    transition(next_year, "submit", people["head"], criteria, sptjm=True, **LETTER)
    assert Assessment.get_by_id(next_year.id).status == "submitted"


def test_the_missing_items_are_named_in_the_refusal(assessment, criteria, people):
    with pytest.raises(WorkflowError) as refused:
        transition(assessment, "submit", people["head"], criteria, sptjm=True, **LETTER)
    unanswered = store.report(criteria, assessment, store.layer_answers(assessment, "unit")).unanswered
    assert refused.value.message_id == workflow.MISSING
    assert list(refused.value.params["items"]) == unanswered and refused.value.params["n"] == len(unanswered)
    assert str(refused.value) == "Semua butir harus dijawab sebelum diajukan."
    assert in_locale(refused.value, "en") == "Every item must be answered before submitting."


# --- changed since TPI's review -----------------------------------------------------------------


@pytest.fixture
def reviewed(db, criteria, people, assessment):
    """Submitted, in review, TPI's layer copied from the unit's, P-MP-i-b flagged, back at the unit."""
    fill(criteria, assessment, "unit", people["head"])
    transition(assessment, "submit", people["head"], criteria, sptjm=True, **LETTER)
    transition(assessment, "start_review", people["tpi"], criteria)
    assert store.copy_unit_to_tpi(assessment, people["tpi"]) == len(criteria.items)
    store.request_revision(assessment, people["tpi"], "P-MP-i-b", "Lampirkan SK")
    transition(assessment, "request_revision", people["tpi"], criteria)
    return Assessment.get_by_id(assessment.id)


def test_a_unit_change_after_tpi_answered_is_marked_and_blocks_acceptance(reviewed, criteria, people):
    assert store.item_marks(reviewed) == {}
    tpi_answer = answer(reviewed, "tpi", "P-MP-i-b")
    assert tpi_answer.reviewed_unit_version == answer(reviewed, "unit", "P-MP-i-b").version

    save(criteria, reviewed, people["head"], "unit", "P-MP-i-b", "B", "SK terlampir")
    marks = store.item_marks(reviewed)
    assert set(marks) == {"P-MP-i-b"} and marks["P-MP-i-b"] == {store.CHANGED}
    (mark,) = marks["P-MP-i-b"]
    assert mark.unit_version == answer(reviewed, "unit", "P-MP-i-b").version

    transition(reviewed, "resubmit", people["head"], criteria, sptjm=True, **LETTER)
    transition(reviewed, "start_review", people["tpi"], criteria)
    # copying the unit layer again fills only empty TPI answers: the mark stays
    assert store.copy_unit_to_tpi(reviewed, people["tpi"]) == 0
    assert store.marked(reviewed, store.CHANGED) == ["P-MP-i-b"]
    with pytest.raises(WorkflowError) as refused:
        transition(reviewed, "accept", people["tpi"], criteria, layer="tpi")
    assert refused.value.message_id == workflow.CHANGED_SINCE_REVIEW
    assert refused.value.params["items"] == ("P-MP-i-b",)
    assert Assessment.get_by_id(reviewed.id).status == "in_review"

    # A confirmation given against an older version of the unit's answer is refused.
    with pytest.raises(store.ReviewError):
        store.confirm_review(reviewed, people["tpi"], "P-MP-i-b", mark.unit_version - 1)
    assert store.marked(reviewed, store.CHANGED) == ["P-MP-i-b"]
    store.confirm_review(reviewed, people["tpi"], "P-MP-i-b", mark.unit_version)
    assert store.item_marks(reviewed) == {}
    event = AuditEvent.get((AuditEvent.assessment == reviewed)
                           & (AuditEvent.action == "answer:confirm_review"))
    assert event.item_code == "P-MP-i-b" and event.new == {"reviewed_unit_version": mark.unit_version}
    assert answer(reviewed, "tpi", "P-MP-i-b").value == tpi_answer.value  # TPI's answer kept

    transition(reviewed, "accept", people["tpi"], criteria, layer="tpi")
    assert Assessment.get_by_id(reviewed.id).status == "accepted"


def test_tpi_updating_its_answer_clears_the_mark(reviewed, criteria, people):
    save(criteria, reviewed, people["head"], "unit", "P-MP-i-b", "C")
    transition(reviewed, "resubmit", people["head"], criteria, sptjm=True, **LETTER)
    transition(reviewed, "start_review", people["tpi"], criteria)
    assert store.marked(reviewed, store.CHANGED) == ["P-MP-i-b"]
    save(criteria, reviewed, people["tpi"], "tpi", "P-MP-i-b", "C")
    assert store.item_marks(reviewed) == {}
    unit_version = answer(reviewed, "unit", "P-MP-i-b").version
    assert answer(reviewed, "tpi", "P-MP-i-b").reviewed_unit_version == unit_version


def test_a_tpi_answer_without_a_unit_answer_is_changed_once_the_unit_answers(assessment, criteria, people):
    Assessment.update(status="in_review").where(Assessment.id == assessment.id).execute()
    assessment = Assessment.get_by_id(assessment.id)
    code = next(item.code for item in criteria.items if answer(assessment, "unit", item.code) is None)
    item = criteria.item(code)
    save(criteria, assessment, people["tpi"], "tpi", code, best_answer(item))
    assert answer(assessment, "tpi", code).reviewed_unit_version == 0
    assert code not in store.item_marks(assessment)
    Assessment.update(status="draft").where(Assessment.id == assessment.id).execute()
    save(criteria, assessment, people["head"], "unit", code, best_answer(item))
    assert store.item_marks(assessment)[code] == {store.CHANGED}


def test_confirming_needs_a_tpi_answer(assessment, people):
    with pytest.raises(store.ReviewError) as refused:
        store.confirm_review(assessment, people["tpi"], "P-MP-i-a")
    assert "P-MP-i-a" in str(refused.value) and "P-MP-i-a" in in_locale(refused.value, "en")


def test_item_marks_is_one_query(next_year):
    from tests.web.support import count_queries

    with count_queries() as log:
        marks = store.item_marks(next_year)
    assert marks and log.count == 1


# --- withdrawing a revision request --------------------------------------------------------------


def test_tpi_withdraws_a_revision_request(assessment, people):
    store.request_revision(assessment, people["tpi"], "P-MP-i-b", "Kurang SK")
    assert "P-MP-i-b" in workflow.open_revisions(assessment)
    store.withdraw_revision(assessment, people["tpi"], "P-MP-i-b")
    assert workflow.open_revisions(assessment) == {}
    request = RevisionRequest.get(RevisionRequest.item_code == "P-MP-i-b")
    assert request.resolved_at is not None  # kept, closed
    event = AuditEvent.get(AuditEvent.action == "revision_withdraw")
    assert event.old == "Kurang SK" and event.user_id == people["tpi"].id and event.item_code == "P-MP-i-b"
    with pytest.raises(store.ReviewError):
        store.withdraw_revision(assessment, people["tpi"], "P-MP-i-b")


# --- dossier names ---------------------------------------------------------------------------------


def test_slugs_are_ascii_lowercase_and_hyphenated():
    assert slug("Bagian Pengadaan Barang dan Jasa") == "bagian-pengadaan-barang-dan-jasa"
    assert slug("Dinas Penanaman Modal & PTSP") == "dinas-penanaman-modal-ptsp"
    assert slug("Sekretariat DPRD — Kab. Bône") == "sekretariat-dprd-kab-bone"
    assert slug("日本") == "unit" and slug("") == "unit"
    long = slug("kata " * 40)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("kata-kata")


def test_dossier_names(assessment):
    assert dossier_filename(assessment, "kemenpan", "pdf", final=True) == \
        "dosir-kemenpan-bagian-pengadaan-barang-dan-jasa-2026-final.pdf"
    assert dossier_filename(assessment, "internal", "zip", final=False) == \
        "dosir-internal-bagian-pengadaan-barang-dan-jasa-2026.zip"
    assert dossier_filename(assessment, "internal", "pdf", final=True, superseded_on=date(2026, 11, 30)) == \
        "dosir-internal-bagian-pengadaan-barang-dan-jasa-2026-final-diganti-2026-11-30.pdf"


# --- the migration -----------------------------------------------------------------------------------


def test_m0010_counts_existing_tpi_answers_as_reviewed(tmp_path):
    previous = database.obj
    db = open_database(f"sqlite:///{tmp_path}/old.sqlite3")
    db.connect()
    try:
        migrations.upgrade(db, target=9)
        db.execute_sql("INSERT INTO instansi (id, name, kind, created_at) "
                       "VALUES (1, 'I', 'pemda', '2026-01-01')")
        db.execute_sql("INSERT INTO unit (id, instansi_id, name, region, created_at) "
                       "VALUES (1, 1, 'U', '', '2026-01-01')")
        db.execute_sql("INSERT INTO period (id, instansi_id, year, criteria_id, opens_on, closes_on) "
                       "VALUES (1, 1, 2026, 'lke-2021', '2026-01-01', '2026-12-31')")
        db.execute_sql("INSERT INTO assessment (id, unit_id, period_id, status, prior_predicate, updated_at) "
                       "VALUES (1, 1, 1, 'in_review', 'none', '2026-01-01')")
        for layer, code, version in (("unit", "P-MP-i-a", 3), ("tpi", "P-MP-i-a", 1), ("tpi", "P-MP-i-b", 2),
                                     ("unit", "P-MP-i-c", 1)):
            db.execute_sql("INSERT INTO answer (assessment_id, layer, item_code, value, note, version, "
                           "updated_at) VALUES (1, ?, ?, '\"Ya\"', '', ?, '2026-01-01')",
                           (layer, code, version))
        with db.atomic():
            m0010.up(db)
        rows = db.execute_sql("SELECT layer, item_code, carried_from, reviewed_unit_version FROM answer "
                              "ORDER BY id").fetchall()
        assert rows == [("unit", "P-MP-i-a", None, None), ("tpi", "P-MP-i-a", None, 3),
                        ("tpi", "P-MP-i-b", None, 0), ("unit", "P-MP-i-c", None, None)]
    finally:
        db.close()
        database.initialize(previous)
