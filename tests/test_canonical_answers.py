"""Answers are stored in one canonical form, so the unit's and TPI's layers compare equal."""

from __future__ import annotations

import importlib
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from zi import answers as store
from zi.demo import PROCUREMENT
from zi.models import Answer, Assessment, AuditEvent, Unit, User
from zi.scoring import AnswerError, canonical, item_value

m0009 = importlib.import_module("zi.migrations.m0009_canonical_answers")


@pytest.mark.parametrize(
    ("code", "given", "stored"),
    [
        ("P-MP-i-b", "a", "A"),
        ("P-MP-i-b", " b ", "B"),
        ("P-PT-i-c", "e", "E"),
        ("P-MP-i-a", "ya", "Ya"),
        ("P-MP-i-a", "YA", "Ya"),
        ("P-MP-i-a", " tidak", "Tidak"),
        ("H-I-a", "3,72", 3.72),
        ("H-I-a", "3.60", 3.6),
        ("H-I-a", " 4 ", 4),
        ("H-I-a", 4.0, 4),
        ("H-I-a", Decimal("2.50"), 2.5),
        ("H-I-a", Fraction(7, 2), 3.5),
        ("H-I-a", "3.1234567890123456789012345", "3.1234567890123456789012345"),  # beyond a float
        ("R-AK-i-a", {"achieved": 3.0, "targets": 4}, {"targets": 4, "achieved": 3}),
        ("H-I-a", None, None),
    ],
)
def test_canonical_form(criteria, code, given, stored):
    item = criteria.item(code)
    result = canonical(item, given)
    assert result == stored and type(result) is type(stored)
    if given is not None:
        assert item_value(item, result) == item_value(item, given), "same value, other spelling"
        assert canonical(item, result) == result, "canonical of canonical is itself"


def test_canonical_keeps_a_whole_survey_index_exact(criteria):
    assert json.loads(json.dumps(canonical(criteria.item("H-I-a"), "3,60"))) == 3.6
    assert item_value(criteria.item("H-I-a"), 3.6) == Fraction(36, 40)


@pytest.mark.parametrize(("code", "given"), [
    ("P-MP-i-b", "F"), ("P-MP-i-a", "A"), ("H-I-a", "4,1"), ("H-I-a", "1e999999999"),
    ("R-AK-i-a", {"targets": "4", "achieved": 1}), ("R-AK-i-a", {"targets": 0, "achieved": 0}),
])
def test_canonical_refuses_what_item_value_refuses(criteria, code, given):
    with pytest.raises(AnswerError, match=code):
        canonical(criteria.item(code), given)


# --- saving -----------------------------------------------------------------------------------


@pytest.fixture
def assessment(db):
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


@pytest.fixture
def head(db):
    return User.get(User.email == "pimpinan@contoh.go.id")


@pytest.fixture
def tpi(db):
    return User.get(User.email == "tpi@contoh.go.id")


def stored(assessment, code, layer="unit") -> Answer:
    return Answer.get((Answer.assessment == assessment) & (Answer.layer == layer)
                      & (Answer.item_code == code))


def seen(assessment, code, layer="unit") -> int:
    """The version a person saw on the page (0: not answered yet)."""
    found = Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == layer)
                               & (Answer.item_code == code))
    return found.version if found else 0


def test_save_stores_the_canonical_form(criteria, assessment, head):
    store.save_answer(criteria, assessment, head, "unit", "P-MP-i-b", "b", "", seen(assessment, "P-MP-i-b"))
    store.save_answer(criteria, assessment, head, "unit", "H-I-a", "3,25", "", seen(assessment, "H-I-a"))
    store.save_answer(criteria, assessment, head, "unit", "R-AK-i-a", {"targets": 4.0, "achieved": 2}, "",
                      seen(assessment, "R-AK-i-a"))
    assert stored(assessment, "P-MP-i-b").value == "B"
    assert stored(assessment, "H-I-a").value == 3.25
    assert stored(assessment, "R-AK-i-a").value == {"targets": 4, "achieved": 2}
    assert raw(stored(assessment, "H-I-a")) == "3.25", "JSON text of a number, not of a string"


def test_unit_a_and_tpi_upper_a_are_no_difference(criteria, assessment, head, tpi):
    store.save_answer(criteria, assessment, head, "unit", "P-MP-i-b", "a", "", seen(assessment, "P-MP-i-b"))
    store.save_answer(criteria, assessment, tpi, "tpi", "P-MP-i-b", "A", "", 0)
    store.save_answer(criteria, assessment, head, "unit", "P-MP-i-a", "ya", "", seen(assessment, "P-MP-i-a"))
    store.save_answer(criteria, assessment, tpi, "tpi", "P-MP-i-a", "Ya", "", 0)
    store.save_answer(criteria, assessment, tpi, "tpi", "P-MP-ii-a", "Ya", "", 0)  # the unit said Tidak
    layers = store.both_layers(assessment)
    assert layers["unit"]["P-MP-i-b"].value == layers["tpi"]["P-MP-i-b"].value == "A"
    assert store.differences(layers["unit"], layers["tpi"]) == ["P-MP-ii-a"]


def test_another_spelling_of_the_same_answer_is_no_change(criteria, assessment, head):
    """The version and audit rules stay: saving `a` over `A` changes nothing, records nothing."""
    before = stored(assessment, "P-MP-i-b")
    assert before.value == "A"
    events = AuditEvent.select().count()
    again = store.save_answer(criteria, assessment, head, "unit", "P-MP-i-b", " a", before.note,
                              before.version)
    assert (again.value, again.version) == ("A", before.version)
    assert AuditEvent.select().count() == events
    changed = store.save_answer(criteria, assessment, head, "unit", "P-MP-i-b", "c", before.note,
                                before.version)
    assert (changed.value, changed.version) == ("C", before.version + 1)
    assert AuditEvent.select().count() == events + 1


# --- the data migration -----------------------------------------------------------------------


def put_raw(answer: Answer, text: str | None) -> None:
    """Write a value as an earlier release stored it, bypassing save_answer."""
    db = Answer._meta.database
    db.execute_sql(f'UPDATE "answer" SET value = {db.param} WHERE id = {db.param}', (text, answer.id))


def raw(answer: Answer) -> str | None:
    db = Answer._meta.database
    return db.execute_sql(f'SELECT value FROM "answer" WHERE id = {db.param}', (answer.id,)).fetchone()[0]


def test_migration_canonicalises_stored_answers(criteria, assessment, head, tpi, db):
    letter = stored(assessment, "P-MP-i-b")
    yes = stored(assessment, "P-MP-i-a")
    counts = stored(assessment, "R-MP-i-a")
    tpi_letter = store.save_answer(criteria, assessment, tpi, "tpi", "P-MP-i-b", "A", "", 0)
    survey = Answer.create(assessment=assessment, layer="unit", item_code="H-I-a", value=None, version=4)
    invalid = stored(assessment, "P-MP-ii-b")
    unknown = Answer.create(assessment=assessment, layer="unit", item_code="X-GONE-1", value=None)
    empty = Answer.create(assessment=assessment, layer="tpi", item_code="H-II-a", value=None)
    put_raw(letter, json.dumps("a"))
    put_raw(yes, json.dumps("ya"))
    put_raw(counts, json.dumps({"agents": 7.0, "changes": 5}))
    put_raw(survey, json.dumps("3,72"))
    put_raw(invalid, json.dumps("Z"))
    put_raw(unknown, json.dumps("a"))
    layers = store.both_layers(assessment)
    assert store.differences(layers["unit"], layers["tpi"]) == ["P-MP-i-b"], "the bug, before"
    versions = {a.id: a.version for a in Answer.select()}
    events = AuditEvent.select().count()

    with db.atomic():
        m0009.up(db)

    assert json.loads(raw(letter)) == "A"
    assert json.loads(raw(yes)) == "Ya"
    assert json.loads(raw(counts)) == {"agents": 7, "changes": 5}
    assert raw(counts) == '{"agents": 7, "changes": 5}'
    assert json.loads(raw(survey)) == 3.72
    assert json.loads(raw(invalid)) == "Z", "a value that cannot be read is left"
    assert json.loads(raw(unknown)) == "a", "an item the criteria do not know is left"
    assert raw(empty) is None
    assert json.loads(raw(tpi_letter)) == "A"
    layers = store.both_layers(assessment)
    assert store.differences(layers["unit"], layers["tpi"]) == []
    assert {a.id: a.version for a in Answer.select()} == versions, "versions stay"
    assert AuditEvent.select().count() == events, "no audit event: the answers did not change"

    with db.atomic():
        m0009.up(db)  # running it again changes nothing
    assert json.loads(raw(survey)) == 3.72


def test_migration_leaves_answers_of_unknown_criteria(assessment, db):
    period = assessment.period
    db.execute_sql(f'UPDATE "period" SET criteria_id = {db.param} WHERE id = {db.param}',
                   ("lke-1999", period.id))
    letter = stored(assessment, "P-MP-i-b")
    put_raw(letter, json.dumps("a"))
    with db.atomic():
        m0009.up(db)
    assert json.loads(raw(letter)) == "a"
