"""What dashboards show of many assessments at once, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from . import answers as answer_store
from .criteria import Criteria
from .evidence.service import open_evidence_revisions
from .models import Answer, Assessment, Period, RevisionRequest
from .scoring import ScoreReport

HASIL = "H"  # the page code of Hasil (results), which is no area of the criteria


def area_groups(criteria: Criteria) -> list[tuple[str, str]]:
    """The pages of an assessment: (code, heading) of each area, then Hasil."""
    return [(a.code, f"{a.number}. {a.name}") for a in criteria.areas] + [(HASIL, "Hasil")]


def item_area(criteria: Criteria, item_code: str) -> str:
    """The page an item is on: its area code, or HASIL."""
    return criteria.area_of(item_code) or HASIL


def groups_of(criteria: Criteria, code: str):
    """criteria.groups for a page code (an area, or HASIL)."""
    return criteria.groups(None if code == HASIL else code)


def expected_evidence(criteria: Criteria) -> dict[str, list[str]]:
    """The evidence each item typically needs (shown beside what is uploaded): the item's own list,
    else its sub-area's."""
    result: dict[str, list[str]] = {}
    for comp in criteria.components:
        for sub in comp.sub_components:
            for block in sub.areas:
                for sub_area in block.sub_areas:
                    for item in sub_area.items:
                        result[item.code] = list(item.evidence or sub_area.evidence)
            for item in sub.items:
                result[item.code] = list(item.evidence)
    return result


def with_period(query):
    """Join the period to an assessment query, selected in the same row."""
    return query.switch(Assessment).join(Period).select_extend(Period)


@dataclass
class Summary(answer_store.WithReports):
    assessment: Assessment
    criteria: Criteria
    reports: answer_store.Reports = field(repr=False)
    progress: dict[str, tuple[int, int]]  # area code (or "H") -> (answered, total), unit layer
    open_revisions: int
    evidence_revisions: int

    @property
    def final(self) -> ScoreReport:
        return self.reports.final

    @property
    def answered(self) -> int:
        return sum(a for a, _ in self.progress.values())

    @property
    def total_items(self) -> int:
        return sum(t for _, t in self.progress.values())


def area_of(where) -> str:
    return where.area or HASIL


def area_minimums(criteria: Criteria) -> dict[str, float]:
    return {
        p.code: t.min for p in criteria.predicates for t in p.thresholds if t.measure == "each_area_percent"
    }


def progress(criteria: Criteria, answered: dict[str, Answer]) -> dict[str, tuple[int, int]]:
    done: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for item, where in criteria.walk_items():
        key = area_of(where)
        total[key] += 1
        answer = answered.get(item.code)
        if answer is not None and answer.value is not None:
            done[key] += 1
    return {key: (done[key], total[key]) for key in total}


def summarize(assessments, registry: dict[str, Criteria]) -> list[Summary]:
    """One summary per assessment (with unit and period already joined); 3 queries more,
    whatever the number of assessments or items."""
    assessments = list(assessments)
    ids = [a.id for a in assessments]
    layers: dict[int, dict[str, dict[str, Answer]]] = {i: {"unit": {}, "tpi": {}} for i in ids}
    if ids:
        for answer in Answer.select().where(Answer.assessment.in_(ids)):
            layers[answer.assessment_id][answer.layer][answer.item_code] = answer
        revisions = defaultdict(int)
        query = RevisionRequest.select(RevisionRequest.assessment).where(
            RevisionRequest.assessment.in_(ids) & RevisionRequest.resolved_at.is_null())
        for r in query:
            revisions[r.assessment_id] += 1
    evidence_revisions = open_evidence_revisions(ids)
    result = []
    for a in assessments:
        criteria = registry[a.period.criteria_id]
        result.append(Summary(
            assessment=a,
            criteria=criteria,
            reports=answer_store.reports(criteria, a, layers[a.id]),
            progress=progress(criteria, layers[a.id]["unit"]),
            open_revisions=revisions[a.id] if ids else 0,
            evidence_revisions=evidence_revisions.get(a.id, 0),
        ))
    return result
