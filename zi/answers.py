"""Reading and writing the two answer layers of an assessment, and scoring them."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import IntegrityError

from . import audit, scoring, text
from .criteria import Criteria
from .models import Answer, Assessment, Period, RevisionRequest, now
from .states import Layer


class StaleEdit(Exception):
    """The answer changed since the page was loaded; `current` is the newer answer."""

    def __init__(self, current: Answer):
        self.current = current
        super().__init__(f"{current.item_code} was changed by someone else")


def layer_answers(assessment: Assessment, layer: str) -> dict[str, Answer]:
    query = Answer.select().where((Answer.assessment == assessment) & (Answer.layer == layer))
    return {a.item_code: a for a in query}


def both_layers(assessment: Assessment) -> dict[str, dict[str, Answer]]:
    """Both layers in one query: {'unit': {code: Answer}, 'tpi': {...}}."""
    layers: dict[str, dict[str, Answer]] = {"unit": {}, "tpi": {}}
    for a in Answer.select().where(Answer.assessment == assessment):
        layers[a.layer][a.item_code] = a
    return layers


def report(criteria: Criteria, assessment: Assessment, answers: dict[str, Answer]) -> scoring.ScoreReport:
    """Score stored answers. Stored values were validated when saved; an answer that no longer
    fits (criteria edited since) counts as unanswered rather than breaking the page."""
    values = {}
    for code, answer in answers.items():
        item = criteria.items_by_code.get(code)
        if item is None or answer.value is None:
            continue
        try:
            values[code] = scoring.item_value(item, answer.value)
        except scoring.AnswerError:
            continue
    return scoring.score_values(criteria, values, assessment.prior_predicate)


@dataclass(frozen=True)
class Reports:
    """Both layers of an assessment scored, and the one rule for which is final: TPI's layer once
    TPI has answered anything, before that the unit's self-assessment. Pages, the dashboard and
    the dossiers all read this value."""

    criteria: Criteria
    unit: scoring.ScoreReport
    tpi: scoring.ScoreReport | None  # None: TPI has not answered
    layers: dict[str, dict[str, Answer]]

    @property
    def final_layer(self) -> Layer:
        return Layer.TPI if self.tpi is not None else Layer.UNIT

    @property
    def final(self) -> scoring.ScoreReport:
        return self.tpi if self.tpi is not None else self.unit

    @property
    def final_answers(self) -> dict[str, Answer]:
        return self.layers[self.final_layer]

    @property
    def differences(self) -> list[str]:
        return differences(self.layers["unit"], self.layers["tpi"])

    def area_rows(self) -> list[dict]:
        """What the per-area chart draws: each area's % of its weight, unit and (if any) TPI."""
        return [{"label": a.name, "percent": self.unit.areas[a.code].percent,
                 "tpi": self.tpi.areas[a.code].percent if self.tpi is not None else None}
                for a in self.criteria.areas]

    def final_rows(self) -> list[dict]:
        """The same chart with the final layer only (the dossier for KemenPAN-RB)."""
        return [{"label": a.name, "percent": self.final.areas[a.code].percent} for a in self.criteria.areas]


class WithReports:
    """Shortcuts for a value holding `reports` (the dashboard's Summary, the dossier's data)."""

    reports: Reports

    @property
    def unit_report(self) -> scoring.ScoreReport:
        return self.reports.unit

    @property
    def tpi_report(self) -> scoring.ScoreReport | None:
        return self.reports.tpi

    @property
    def layers(self) -> dict[str, dict[str, Answer]]:
        return self.reports.layers


def reports(criteria: Criteria, assessment: Assessment,
            layers: dict[str, dict[str, Answer]] | None = None) -> Reports:
    """Score both layers (read in one query unless `layers` is given)."""
    layers = both_layers(assessment) if layers is None else layers
    return Reports(criteria=criteria, unit=report(criteria, assessment, layers["unit"]),
                   tpi=report(criteria, assessment, layers["tpi"]) if layers["tpi"] else None,
                   layers=layers)


def save_answer(criteria: Criteria, assessment: Assessment, user, layer: str, item_code: str,
                value, note: str, expected_version: int) -> Answer:
    """Validate and store one answer. `expected_version` is the version the person saw (0: none);
    if someone saved in between, StaleEdit is raised and nothing is written. A note over
    NOTE_MAX_CHARS raises TextTooLong."""
    item = criteria.item(item_code)
    note = text.bounded(note)
    # One stored form per answer (`a` → `A`), so layers and saves compare equal; raises
    # AnswerError naming the item and what is allowed.
    value = scoring.canonical(item, value)
    with Answer._meta.database.atomic():  # the answer and its audit row, or neither
        return _write(assessment, user, layer, item_code, value, note, expected_version)


def _write(assessment, user, layer, item_code, value, note, expected_version) -> Answer:
    current = Answer.get_or_none(
        (Answer.assessment == assessment) & (Answer.layer == layer) & (Answer.item_code == item_code)
    )
    if current is None:
        if expected_version != 0:
            raise StaleEdit(Answer(assessment=assessment, layer=layer, item_code=item_code,
                                   value=None, note="", version=0))
        try:
            with Answer._meta.database.atomic():
                answer = Answer.create(assessment=assessment, layer=layer, item_code=item_code,
                                       value=value, note=note, version=1, updated_by=user)
        except IntegrityError:
            raise StaleEdit(_current(assessment, layer, item_code)) from None
        old = None
    else:
        if current.value == value and current.note == note:
            return current
        updated = (
            Answer.update(value=value, note=note, version=Answer.version + 1, updated_by=user,
                          updated_at=now())
            .where((Answer.id == current.id) & (Answer.version == expected_version))
            .execute()
        )
        if updated == 0:
            raise StaleEdit(current)
        old = {"value": current.value, "note": current.note}
        answer = Answer.get_by_id(current.id)
    audit.record(f"answer:{layer}", user, assessment=assessment, item_code=item_code, old=old,
                 new={"value": value, "note": note})
    return answer


def _current(assessment, layer, item_code) -> Answer:
    return Answer.get(
        (Answer.assessment == assessment) & (Answer.layer == layer) & (Answer.item_code == item_code)
    )


def differences(unit: dict[str, Answer], tpi: dict[str, Answer]) -> list[str]:
    """Item codes where TPI's answer differs from the unit's (both answered)."""
    return [
        code for code, answer in tpi.items()
        if code in unit and answer.value is not None and unit[code].value != answer.value
    ]


def copy_unit_to_tpi(assessment: Assessment, user) -> int:
    """Start TPI's layer from the unit's answers where TPI has none yet."""
    layers = both_layers(assessment)
    copied = 0
    for code, answer in layers["unit"].items():
        if code not in layers["tpi"] and answer.value is not None:
            Answer.create(assessment=assessment, layer="tpi", item_code=code, value=answer.value,
                          note="", version=1, updated_by=user)
            copied += 1
    if copied:
        audit.record("copy_unit_to_tpi", user, assessment=assessment, new={"items": copied})
    return copied


def request_revision(assessment: Assessment, user, item_code: str, comment: str) -> RevisionRequest:
    comment = text.bounded(comment)  # TextTooLong past NOTE_MAX_CHARS
    existing = RevisionRequest.get_or_none(
        (RevisionRequest.assessment == assessment) & (RevisionRequest.item_code == item_code)
        & RevisionRequest.resolved_at.is_null()
    )
    if existing:
        old = existing.comment
        existing.comment = comment
        existing.save()
        request = existing
    else:
        old = None
        request = RevisionRequest.create(assessment=assessment, item_code=item_code, comment=comment,
                                         created_by=user)
    audit.record("revision_request", user, assessment=assessment, item_code=item_code, old=old,
                 new=comment)
    return request


def start_from_previous(assessment: Assessment, user) -> int:
    """Copy last period's unit answers and notes into a new, empty assessment of the same unit."""
    previous = (
        Assessment.select().join(Period)
        .where((Assessment.unit == assessment.unit_id) & (Period.year < assessment.period.year))
        .order_by(Period.year.desc()).first()
    )
    if previous is None or layer_answers(assessment, "unit"):
        return 0
    rows = [
        {"assessment": assessment, "layer": "unit", "item_code": a.item_code, "value": a.value,
         "note": a.note, "version": 1, "updated_by": user, "updated_at": now()}
        for a in layer_answers(previous, "unit").values()
    ]
    if rows:
        Answer.insert_many(rows).execute()
        audit.record("copy_previous_period", user, assessment=assessment,
                     new={"from_assessment": previous.id, "items": len(rows)})
    return len(rows)


def item_marks(assessment: Assessment) -> dict[str, set[str]]:
    """Per item, the review marks a page shows beside it (filled in by the review-integrity work)."""
    return {}
