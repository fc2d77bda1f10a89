"""Everything a dossier shows, read once from the database into plain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from .. import answers as store
from .. import charts
from ..admin import prerequisites_of
from ..criteria import Criteria
from ..evidence.service import linked_documents
from ..formatting import zone_of
from ..models import Assessment, now
from ..scoring import ScoreReport
from ..states import AssessmentStatus, DossierVariant, EvidenceStatus
from ..summary import HASIL, area_groups, area_minimums, groups_of
from ..workflow import open_revisions

VARIANTS = DossierVariant.labels()  # value -> title (a message id)


@dataclass
class DossierData(store.WithReports):
    variant: str
    assessment: Assessment
    criteria: Criteria
    reports: store.Reports
    revisions: dict
    evidence: dict
    prerequisites: list[dict]
    generated_at: datetime
    chart: str
    extra: dict = field(default_factory=dict)
    locale: str = "id"  # numbers and dates; the dossier's own text is Indonesian

    hasil: str = HASIL  # the page code of Hasil, for anchors

    @cached_property
    def zone(self) -> str:
        """The time zone the dossier's times are shown in: the unit's (WIB, WITA or WIT)."""
        return zone_of(self.assessment)

    @property
    def final(self) -> bool:
        return self.assessment.status == AssessmentStatus.ACCEPTED

    @property
    def report(self) -> ScoreReport:
        """The final layer's report (see answers.Reports)."""
        return self.reports.final

    @property
    def area_subs(self) -> list:
        """The sub-components split by change area (Pemenuhan, Reform), from the criteria."""
        return [sub for comp in self.criteria.components for sub in comp.sub_components if sub.areas]

    @property
    def results(self) -> list:
        """The components scored outside the areas (Hasil), from the criteria."""
        return [comp for comp in self.criteria.components if any(sub.items for sub in comp.sub_components)]

    @property
    def title(self) -> str:
        return VARIANTS[self.variant]

    def sections(self):
        """Per area, then Hasil: (anchor, heading, [(sub-component, sub-area or None, items)])."""
        return [(f"area-{code}", heading, groups_of(self.criteria, code))
                for code, heading in area_groups(self.criteria)]


def gather(assessment: Assessment, criteria: Criteria, variant: str, locale: str = "id") -> DossierData:
    if variant not in VARIANTS:
        raise ValueError(f"unknown dossier variant {variant!r}; expected one of {', '.join(VARIANTS)}")
    reports = store.reports(criteria, assessment)
    rows = reports.final_rows() if variant == DossierVariant.KEMENPAN else reports.area_rows()
    return DossierData(
        variant=variant, assessment=assessment, criteria=criteria, reports=reports,
        revisions=open_revisions(assessment),
        evidence=linked_documents(assessment), prerequisites=prerequisites_of(assessment.unit),
        generated_at=now(), chart=charts.area_bars(rows, area_minimums(criteria), locale=locale),
        locale=locale,
        extra={"status_labels": AssessmentStatus.labels(), "evidence_labels": EvidenceStatus.labels()},
    )
