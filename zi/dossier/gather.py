"""Everything a dossier shows, read once from the database into plain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .. import answers as store
from .. import charts
from ..admin import prerequisites_of
from ..criteria import Criteria
from ..evidence.service import STATUS_LABELS, linked_documents
from ..models import Assessment, now
from ..scoring import ScoreReport
from ..summary import area_groups, area_minimums, area_rows, groups_of
from ..workflow import STATUS_LABELS as ASSESSMENT_STATUS
from ..workflow import open_revisions

VARIANTS = {"internal": "Dosir internal TPI", "kemenpan": "Dosir untuk KemenPAN-RB (TPN)"}


@dataclass
class DossierData:
    variant: str
    assessment: Assessment
    criteria: Criteria
    unit_report: ScoreReport
    tpi_report: ScoreReport | None
    layers: dict
    revisions: dict
    evidence: dict
    prerequisites: list[dict]
    generated_at: datetime
    chart: str
    extra: dict = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.assessment.status == "accepted"

    @property
    def report(self) -> ScoreReport:
        """The final layer: TPI's once TPI has answered, else the unit's self-assessment."""
        return self.tpi_report or self.unit_report

    @property
    def title(self) -> str:
        return VARIANTS[self.variant]

    def sections(self):
        """Per area, then Hasil: (anchor, heading, [(sub-component, sub-area or None, items)])."""
        return [(f"area-{code}", heading, groups_of(self.criteria, code))
                for code, heading in area_groups(self.criteria)]


def gather(assessment: Assessment, criteria: Criteria, variant: str) -> DossierData:
    if variant not in VARIANTS:
        raise ValueError(f"unknown dossier variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    layers = store.both_layers(assessment)
    unit_report = store.report(criteria, assessment, layers["unit"])
    tpi_report = store.report(criteria, assessment, layers["tpi"]) if layers["tpi"] else None
    final = tpi_report or unit_report
    rows = area_rows(criteria, unit_report, tpi_report)
    if variant == "kemenpan":
        rows = [{"label": a.name, "percent": final.areas[a.code].percent} for a in criteria.areas]
    return DossierData(
        variant=variant, assessment=assessment, criteria=criteria, unit_report=unit_report,
        tpi_report=tpi_report, layers=layers, revisions=open_revisions(assessment),
        evidence=linked_documents(assessment), prerequisites=prerequisites_of(assessment.unit),
        generated_at=now(), chart=charts.area_bars(rows, area_minimums(criteria)),
        extra={"status_labels": ASSESSMENT_STATUS, "evidence_labels": STATUS_LABELS},
    )
