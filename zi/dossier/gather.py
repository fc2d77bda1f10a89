"""Everything a dossier shows, read once from the database into plain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from .. import answers as store
from .. import charts, formatting
from ..admin import prerequisites_of
from ..criteria import Criteria
from ..evidence.service import linked_documents
from ..formatting import zone_of
from ..models import Assessment, now
from ..recommendations import recommendations_of
from ..scoring import ScoreReport
from ..sptjm import letter as sptjm_letter
from ..sptjm import spaced_nip
from ..states import AssessmentStatus, DossierVariant, EvidenceStatus
from ..summary import HASIL, area_groups, area_minimums, groups_of
from ..surveys import records as survey_records
from ..workflow import open_revisions

VARIANTS = DossierVariant.labels()  # value -> title (a message id)


@dataclass(frozen=True)
class Endorser:
    """The signer of the TPI endorsement: name, NIP (as stored), position, and whether they signed
    as Ketua TPI (else as a member of the Tim Penilai Internal)."""

    name: str
    nip: str | None
    position: str | None
    chair: bool


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
    surveys: dict = field(default_factory=dict)  # survey item code -> SurveyRecord (zi.surveys)
    recommendations: dict = field(default_factory=dict)  # area code -> TPI's AreaRecommendation
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

    @cached_property
    def endorser(self) -> Endorser | None:
        """Who signed the TPI endorsement, as at acceptance (zi.workflow.endorser): the instansi's
        Ketua TPI, or the accepting TPI member when no chair was set; None until TPI accepts.
        Assessments accepted before m0014 kept no copy: the accepting member's current profile."""
        a = self.assessment
        if a.endorsed_by_name is not None:
            return Endorser(a.endorsed_by_name, a.endorsed_by_nip, a.endorsed_by_position,
                            bool(a.endorsed_by_chair))
        if a.accepted_by_id:
            return Endorser(a.accepted_by.name, a.accepted_by.nip, a.accepted_by.position, False)
        return None

    @cached_property
    def sptjm(self):
        """The unit's SPTJM letter (zi.sptjm), always in Indonesian."""
        return sptjm_letter(self.assessment)

    @property
    def endorser_nip(self) -> str:
        """The endorser's NIP as letters print it (`19800101 200501 1 001`), "" when unknown."""
        return spaced_nip(self.endorser.nip) if self.endorser is not None else ""

    @property
    def endorsed_on(self) -> str:
        """The day TPI accepted, in the unit's zone ("" before): the endorsement's date."""
        accepted = self.assessment.accepted_at
        if accepted is None:
            return ""
        return formatting.date(formatting.local(accepted, self.zone).date(), self.locale)

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
    # The legend names the layer: the KemenPAN-RB dossier draws the final figures only.
    series = f"final:{reports.final_layer}" if variant == DossierVariant.KEMENPAN else "unit"
    return DossierData(
        variant=variant, assessment=assessment, criteria=criteria, reports=reports,
        revisions=open_revisions(assessment),
        evidence=linked_documents(assessment), prerequisites=prerequisites_of(assessment.unit),
        generated_at=now(),
        chart=charts.area_bars(rows, area_minimums(criteria), locale=locale, series=series),
        locale=locale, recommendations=recommendations_of(assessment),
        extra={"status_labels": AssessmentStatus.labels(), "evidence_labels": EvidenceStatus.labels()},
        surveys=survey_records(assessment),
    )
