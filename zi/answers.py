"""Reading and writing the two answer layers of an assessment, and scoring them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from peewee import IntegrityError

from . import audit, scoring, text
from .criteria import Criteria
from .messages import DomainError
from .models import Answer, Assessment, Period, RevisionRequest, now
from .states import Layer
from .text import N_

# The review marks of an item (item_marks): its unit answer was copied from an earlier year and
# nobody has confirmed or changed it yet; the unit changed its answer since TPI answered it.
CARRIED = "carried"
CHANGED = "changed"


class ReviewError(DomainError):
    """A confirmation or withdrawal the state of the item does not allow; a message id and parameters."""


class Mark(str):
    """A mark name (compares equal to CARRIED / CHANGED) with what a page needs about it: the year a
    carried answer came from; for a changed one, the unit answer's current version (what TPI's
    confirmation is given against)."""

    year: int | None = None
    unit_version: int | None = None

    def __new__(cls, name: str, year: int | None = None, unit_version: int | None = None):
        mark = super().__new__(cls, name)
        mark.year, mark.unit_version = year, unit_version
        return mark


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
    """The one place an answer changes. A changed unit answer is no longer "carried over"; a TPI
    answer records which version of the unit's answer it was given against."""
    current = Answer.get_or_none(
        (Answer.assessment == assessment) & (Answer.layer == layer) & (Answer.item_code == item_code)
    )
    review = {"reviewed_unit_version": _unit_version(assessment, item_code)} if layer == "tpi" else {}
    if current is None:
        if expected_version != 0:
            raise StaleEdit(Answer(assessment=assessment, layer=layer, item_code=item_code,
                                   value=None, note="", version=0))
        try:
            with Answer._meta.database.atomic():
                answer = Answer.create(assessment=assessment, layer=layer, item_code=item_code,
                                       value=value, note=note, version=1, updated_by=user, **review)
        except IntegrityError:
            raise StaleEdit(_current(assessment, layer, item_code)) from None
        old = None
    else:
        if current.value == value and current.note == note:
            return current
        updated = (
            Answer.update(value=value, note=note, version=Answer.version + 1, updated_by=user,
                          updated_at=now(), carried_from=None, **review)
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


def _unit_version(assessment, item_code) -> int:
    """The version of the unit's answer to an item (0: not answered)."""
    version = (Answer.select(Answer.version)
               .where((Answer.assessment == assessment) & (Answer.layer == "unit")
                      & (Answer.item_code == item_code)).scalar())
    return version or 0


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
                          note="", version=1, updated_by=user, reviewed_unit_version=answer.version)
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


def start_from_previous(assessment: Assessment, user, criteria_dir=None) -> int:
    """Copy last period's unit answers and notes into a new, empty assessment of the same unit;
    each stays marked as carried over (`carried_from`) until someone confirms or changes it.
    Across criteria versions answers are mapped by code and the audit event lists the codes whose
    wording changed (`changed_texts`) and those the new version no longer has (`dropped`)."""
    from .config import Config
    from .criteria import versions

    previous = (
        Assessment.select(Assessment, Period).join(Period)
        .where((Assessment.unit == assessment.unit_id) & (Period.year < assessment.period.year))
        .order_by(Period.year.desc()).first()
    )
    if previous is None or layer_answers(assessment, "unit"):
        return 0
    answers = layer_answers(previous, "unit")
    event = {"from_assessment": previous.id}
    old_id, new_id = previous.period.criteria_id, assessment.period.criteria_id
    if old_id != new_id:
        # Another version of the item bank: answers follow their code; wording changes are reported.
        change = versions.compare_ids(old_id, new_id, criteria_dir or Config.CRITERIA_DIR)
        event["criteria"] = {"from": old_id, "to": new_id}
        if change is not None:
            event["dropped"] = [code for code in change.dropped if code in answers]
            answers = {code: a for code, a in answers.items() if code not in change.dropped}
            event["changed_texts"] = [code for code in change.changed if code in answers]
    rows = [
        {"assessment": assessment, "layer": "unit", "item_code": a.item_code, "value": a.value,
         "note": a.note, "version": 1, "updated_by": user, "updated_at": now(),
         "carried_from": previous.period.year}
        for a in answers.values()
    ]
    if rows:
        Answer.insert_many(rows).execute()
        audit.record("copy_previous_period", user, assessment=assessment,
                     new={**event, "items": len(rows)})
    return len(rows)


def item_marks(assessment: Assessment) -> dict[str, set[str]]:
    """Per item, its review marks (CARRIED, CHANGED as `Mark`s), from one query. Items without a
    mark are left out. A TPI answer whose reviewed version is unknown (None) is never CHANGED."""
    rows = (Answer.select(Answer.item_code, Answer.layer, Answer.version, Answer.carried_from,
                          Answer.reviewed_unit_version)
            .where(Answer.assessment == assessment).tuples())
    marks: dict[str, set[str]] = defaultdict(set)
    unit_versions: dict[str, int] = {}
    reviewed: dict[str, int] = {}
    for code, layer, version, carried_from, reviewed_version in rows:
        if layer == "unit":
            unit_versions[code] = version
            if carried_from is not None:
                marks[code].add(Mark(CARRIED, carried_from))
        elif reviewed_version is not None:
            reviewed[code] = reviewed_version
    for code, version in reviewed.items():
        if unit_versions.get(code, 0) != version:
            marks[code].add(Mark(CHANGED, unit_version=unit_versions.get(code, 0)))
    return dict(marks)


def marked(assessment: Assessment, mark: str) -> list[str]:
    """The codes of the items carrying `mark`."""
    return sorted(code for code, found in item_marks(assessment).items() if mark in found)


def confirm_carried(assessment: Assessment, user, item_codes: Iterable[str]) -> list[str]:
    """Keep last year's unit answers of these items as they are: each loses its carried-over mark
    (its value and version stay), with an audit event. Returns the codes that were still marked."""
    codes = list(item_codes)
    confirmed = []
    with Answer._meta.database.atomic():
        found = (Answer.select(Answer.id, Answer.item_code, Answer.carried_from)
                 .where((Answer.assessment == assessment) & (Answer.layer == "unit")
                        & Answer.item_code.in_(codes) & Answer.carried_from.is_null(False))
                 .order_by(Answer.item_code))
        for answer in list(found):
            cleared = (Answer.update(carried_from=None)
                       .where((Answer.id == answer.id) & Answer.carried_from.is_null(False)).execute())
            if cleared:
                audit.record("answer:confirm_carried", user, assessment=assessment,
                             item_code=answer.item_code, old={"carried_from": answer.carried_from})
                confirmed.append(answer.item_code)
    return confirmed


def confirm_review(assessment: Assessment, user, item_code: str,
                   seen_unit_version: int | None = None) -> Answer:
    """TPI keeps its answer after looking at the unit's changed one: the TPI answer now counts as
    given against the unit's current version. `seen_unit_version` is the version the page showed;
    if the unit changed the item again since, nothing is recorded (ReviewError)."""
    with Answer._meta.database.atomic():
        tpi = Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == "tpi")
                                 & (Answer.item_code == item_code))
        if tpi is None:
            raise ReviewError(N_("Butir %(code)s belum dijawab TPI; tidak ada yang dikonfirmasi."),
                              code=item_code)
        version = _unit_version(assessment, item_code)
        if seen_unit_version is not None and seen_unit_version != version:
            raise ReviewError(N_("Jawaban unit pada butir %(code)s berubah lagi sejak halaman ini "
                                 "dibuka. Periksa jawaban terbaru lalu konfirmasi lagi."), code=item_code)
        if tpi.reviewed_unit_version == version:
            return tpi
        Answer.update(reviewed_unit_version=version).where(Answer.id == tpi.id).execute()
        audit.record("answer:confirm_review", user, assessment=assessment, item_code=item_code,
                     old={"reviewed_unit_version": tpi.reviewed_unit_version},
                     new={"reviewed_unit_version": version})
        tpi.reviewed_unit_version = version
    return tpi


def withdraw_revision(assessment: Assessment, user, item_code: str) -> RevisionRequest:
    """TPI takes back an open revision request (flagged by mistake, or settled otherwise)."""
    with RevisionRequest._meta.database.atomic():
        request = RevisionRequest.get_or_none(
            (RevisionRequest.assessment == assessment) & (RevisionRequest.item_code == item_code)
            & RevisionRequest.resolved_at.is_null())
        if request is None:
            raise ReviewError(N_("Butir %(code)s tidak sedang diminta revisi."), code=item_code)
        request.resolved_at = now()
        request.save()
        audit.record("revision_withdraw", user, assessment=assessment, item_code=item_code,
                     old=request.comment)
    return request
