"""Survey records (zi.surveys) and the SPTJM letter's domain rules (zi.workflow.check_letter,
zi.sptjm): on the demo database (SQLite, or PostgreSQL with ZI_TEST_DATABASE_URL)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import best_answer
from zi import answers as store
from zi import surveys, workflow
from zi.access import Access
from zi.demo import PROCUREMENT
from zi.models import Answer, Assessment, AuditEvent, SurveyRecord, Unit, User
from zi.sptjm import STATEMENT, TITLE, letter, spaced_nip

HEAD = "pimpinan@contoh.go.id"
IPAK, IPKP = "H-I-a", "H-II-a"
GOOD = surveys.Typed(respondents="120", period_start="2026-07-01", period_end="2026-09-30",
                     surveyor="BPS Kabupaten Contoh")


@pytest.fixture
def assessment(db):
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


@pytest.fixture
def head(db):
    return User.get(User.email == HEAD)


def refused(criteria, assessment, head, **typed) -> surveys.SurveyError:
    with pytest.raises(surveys.SurveyError) as caught:
        surveys.save(criteria, assessment, head, IPAK, surveys.Typed(**{**vars(GOOD), **typed}))
    return caught.value


def test_survey_items_are_the_two_indices(criteria):
    assert [item.code for item in surveys.survey_items(criteria)] == [IPAK, IPKP]
    assert not surveys.is_survey_item(criteria, "P-MP-i-a")


def test_29_respondents_are_refused_30_are_enough(criteria, assessment, head):
    err = refused(criteria, assessment, head, respondents="29")
    assert err.field == "respondents" and "minimal 30 responden" in str(err)
    assert not SurveyRecord.select().exists()
    record = surveys.save(criteria, assessment, head, IPAK,
                          surveys.Typed(**{**vars(GOOD), "respondents": "30"}))
    assert record.respondents == 30
    stored = SurveyRecord.get(SurveyRecord.item_code == IPAK)
    assert (stored.respondents, stored.period_start, stored.period_end, stored.surveyor) == (
        30, date(2026, 7, 1), date(2026, 9, 30), "BPS Kabupaten Contoh")
    assert stored.updated_by_id == head.id


@pytest.mark.parametrize("typed,field", [
    ({"respondents": ""}, "respondents"),
    ({"respondents": "tiga puluh"}, "respondents"),
    ({"respondents": "-40"}, "respondents"),
    ({"respondents": "30.5"}, "respondents"),
    ({"period_start": ""}, "period_start"),
    ({"period_end": "30/09/2026"}, "period_end"),
    ({"period_start": "2026-10-01"}, "period_end"),  # ends before it starts
    ({"surveyor": "  "}, "surveyor"),
    ({"surveyor": "x" * 256}, "surveyor"),
])
def test_a_wrong_field_is_named(criteria, assessment, head, typed, field):
    assert refused(criteria, assessment, head, **typed).field == field
    assert not SurveyRecord.select().exists()


def test_a_one_day_survey_and_a_thousands_separator_are_fine(criteria, assessment, head):
    record = surveys.save(criteria, assessment, head, IPKP, surveys.Typed(
        respondents="1.250", period_start="2026-08-17", period_end="2026-08-17",
        surveyor="Unit kerja sendiri"))
    assert record.respondents == 1250 and record.period_start == record.period_end


def test_changes_are_audited_and_emptying_removes(criteria, assessment, head):
    surveys.save(criteria, assessment, head, IPAK, GOOD)
    surveys.save(criteria, assessment, head, IPAK, GOOD)  # unchanged: no second row
    surveys.save(criteria, assessment, head, IPAK, surveys.Typed(**{**vars(GOOD), "respondents": "150"}))
    assert surveys.save(criteria, assessment, head, IPAK, surveys.Typed()) is None
    assert not SurveyRecord.select().exists()
    events = list(AuditEvent.select().where(AuditEvent.action == "survey").order_by(AuditEvent.id))
    assert [(e.old and e.old["respondents"], e.new and e.new["respondents"]) for e in events] == [
        (None, 120), (120, 150), (150, None)]
    assert {e.item_code for e in events} == {IPAK} and events[0].new["period_end"] == "2026-09-30"


def test_records_are_read_in_one_query(criteria, assessment, head):
    surveys.save(criteria, assessment, head, IPAK, GOOD)
    surveys.save(criteria, assessment, head, IPKP, GOOD)
    found = surveys.records(assessment)
    assert set(found) == {IPAK, IPKP} and found[IPKP].surveyor == "BPS Kabupaten Contoh"


def test_only_survey_items_take_a_record(criteria, assessment, head):
    with pytest.raises(surveys.SurveyError):
        surveys.save(criteria, assessment, head, "P-MP-i-a", GOOD)


def test_the_index_itself_stays_on_the_0_4_scale(criteria, assessment, head):
    """The domain refuses an index above 4 (the web adds the hint to divide a 0–100 index by 25)."""
    from zi.scoring import AnswerError

    for typed in ("86.79", "4.01", "-1"):
        with pytest.raises(AnswerError):
            store.save_answer(criteria, assessment, head, "unit", IPAK, typed, "", 0)
    assert float(store.save_answer(criteria, assessment, head, "unit", IPAK, "3.47", "", 0).value) == 3.47


# --- the SPTJM letter --------------------------------------------------------------------


def fill(criteria, assessment, user) -> None:
    current = store.layer_answers(assessment, "unit")
    with Answer._meta.database.atomic():
        for item in criteria.items:
            old = current.get(item.code)
            store.save_answer(criteria, assessment, user, "unit", item.code, best_answer(item), "",
                              old.version if old else 0)


def submit(criteria, assessment, head, **kw):
    roles = Access(head).roles(assessment.unit)
    return workflow.transition(assessment, "submit", head, roles, complete=True, sptjm=True, **kw)


def test_submit_needs_number_place_nip_and_position(criteria, assessment, head):
    fill(criteria, assessment, head)
    with pytest.raises(workflow.LetterError) as caught:
        submit(criteria, assessment, head, sptjm_number=" ", sptjm_place="")
    assert set(caught.value.fields) == {"sptjm_number", "sptjm_place"}
    User.update(nip=None, position="").where(User.id == head.id).execute()
    head = User.get_by_id(head.id)
    with pytest.raises(workflow.LetterError) as caught:
        submit(criteria, assessment, head, sptjm_number="800/12/2026", sptjm_place="Contoh")
    assert set(caught.value.fields) == {"nip", "position"}
    assert "Akun saya" in str(caught.value)
    stored = Assessment.get_by_id(assessment.id)
    assert (stored.status, stored.sptjm_at, stored.sptjm_number) == ("draft", None, None)


def test_submit_signs_the_letter(criteria, assessment, head):
    fill(criteria, assessment, head)
    submit(criteria, assessment, head, sptjm_number="  800/12/ZI/2026 ", sptjm_place="Kota Contoh")
    stored = Assessment.get_by_id(assessment.id)
    assert (stored.status, stored.sptjm_number, stored.sptjm_place, stored.sptjm_by_id) == (
        "submitted", "800/12/ZI/2026", "Kota Contoh", head.id)
    event = AuditEvent.get(AuditEvent.action == "sptjm")
    assert event.new == {"number": "800/12/ZI/2026", "place": "Kota Contoh", "name": head.name,
                         "nip": head.nip, "position": head.position}
    shown = letter(stored)
    assert shown.signed and shown.title == TITLE and shown.nip == spaced_nip(head.nip)
    assert shown.name == head.name and shown.position == head.position and shown.unit == PROCUREMENT
    assert shown.date.endswith(str(stored.sptjm_at.year)) and len(shown.statement) == len(STATEMENT)
    assert PROCUREMENT in shown.statement[0] and "Nomor 90 Tahun 2021" in shown.statement[0]


def test_nip_is_written_as_on_letters():
    assert spaced_nip("197805122003121002") == "19780512 200312 1 002"
    assert spaced_nip("19780512 200312 1 002") == "19780512 200312 1 002"
    assert spaced_nip("12345") == "12345" and spaced_nip(None) == ""


def test_a_resubmission_signs_a_new_letter(criteria, assessment, head):
    fill(criteria, assessment, head)
    submit(criteria, assessment, head, sptjm_number="800/12/ZI/2026", sptjm_place="Kota Contoh")
    Assessment.update(status="revision").where(Assessment.id == assessment.id).execute()
    again = Assessment.get_by_id(assessment.id)
    with pytest.raises(workflow.LetterError):
        workflow.transition(again, "resubmit", head, Access(head).roles(again.unit), complete=True,
                            sptjm=True)
    workflow.transition(again, "resubmit", head, Access(head).roles(again.unit), complete=True, sptjm=True,
                        sptjm_number="800/15/ZI/2026", sptjm_place="Kota Contoh")
    stored = Assessment.get_by_id(assessment.id)
    assert (stored.status, stored.sptjm_number) == ("resubmitted", "800/15/ZI/2026")
    events = AuditEvent.select().where(AuditEvent.action == "sptjm").order_by(AuditEvent.id)
    numbers = [e.new["number"] for e in events]
    assert numbers == ["800/12/ZI/2026", "800/15/ZI/2026"]


def test_concurrent_saves_never_fail_and_the_audit_chain_holds(app, db, assessment):
    """The survey record saved, emptied and saved again from several browsers at once through the
    real server: never a 500 (the first creation races on the unique index), one record at most,
    every audit row's old values those the record held just before."""
    from tests.web.support import post_in_parallel

    empty = {"respondents": "", "period_start": "", "period_end": "", "surveyor": ""}
    threads = 8
    statuses = post_in_parallel(
        app, db, HEAD, f"/assessments/{assessment.id}/surveys/{IPAK}",
        lambda n: ({**vars(GOOD), "respondents": str(100 + n)}, empty,
                   {**vars(GOOD), "respondents": str(200 + n)}), threads)
    assert statuses == [302] * (threads * 3), statuses
    records = SurveyRecord.select().where((SurveyRecord.assessment == assessment)
                                          & (SurveyRecord.item_code == IPAK))
    assert records.count() <= 1
    events = list(AuditEvent.select().where((AuditEvent.action == "survey") & (AuditEvent.item_code == IPAK)
                                            & (AuditEvent.assessment == assessment)).order_by(AuditEvent.id))
    held = None
    for event in events:
        assert event.old == held
        held = event.new
    record = records.first()
    assert (record.respondents if record else None) == (held["respondents"] if held else None)
