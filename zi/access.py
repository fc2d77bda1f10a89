"""The one place that decides who may see and do what.

Every list and every lookup of units, assessments and their data goes through
`Access`: a person sees only the units they are assigned to, plus every unit of
an instansi where they are admin or instansi-wide reviewer. What a person may do
is a table of named actions (`ACTIONS`), each with its rule written once; views
ask `can`/`ensure`, templates get the answers as ready flags. The workflow's rules
(`workflow.can_edit`, its transitions) stay in zi/workflow.py and are called from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import workflow
from .models import (
    Assessment,
    Dossier,
    DossierJob,
    EvidenceDocument,
    EvidenceFile,
    EvidenceLink,
    EvidenceRevision,
    Instansi,
    Notification,
    Period,
    RoleAssignment,
    Unit,
)
from .summary import HASIL, item_area

UNIT_TEAM = frozenset({"member", "head"})


class NotAllowed(LookupError):
    """Raised for anything the person may not see; the web layer answers 404."""


class Forbidden(PermissionError):
    """Raised for what the person sees but may not do; the web layer answers 403."""


@dataclass(frozen=True)
class Action:
    name: str
    subject: str  # what `obj` is: assessment, document, link, instansi
    rule: Callable[..., bool]  # rule(access, obj, **context) -> bool, obj already visible
    why: str


def _tpi_reviewing(access: Access, assessment, **_) -> bool:
    return "tpi" in access.roles(assessment.unit) and assessment.status == "in_review"


def _save_answer(access: Access, assessment, *, criteria, item_code: str, layer: str,
                 revisions: dict | None = None, **_) -> bool:
    area = item_area(criteria, item_code)
    return workflow.can_edit(assessment, access.roles(assessment.unit), layer, item_code,
                             None if area == HASIL else area, access.areas(assessment.unit), revisions)


def _add_evidence(access: Access, assessment, *, criteria, item_codes: Iterable[str] = (), **_) -> bool:
    """Unit people add evidence while the unit may still change its answers; a pokja member only
    to the items of their areas (no items named: whether they may add to any)."""
    roles = access.roles(assessment.unit)
    if not roles & UNIT_TEAM or assessment.status not in ("draft", "revision"):
        return False
    areas = None if "head" in roles else access.areas(assessment.unit)
    return areas is None or all(
        c in criteria.items_by_code and item_area(criteria, c) in areas for c in item_codes)


def _unlink(access: Access, link, *, criteria, **_) -> bool:
    return _add_evidence(access, link.assessment, criteria=criteria, item_codes=[link.item_code])


def _transition(action: str) -> Callable[..., bool]:
    def rule(access: Access, assessment, **_) -> bool:
        return any(t.action == action for t in workflow.available(assessment, access.roles(assessment.unit)))
    return rule


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("assessment.view", "assessment", lambda access, obj, **_: True,
           "everyone who sees the unit reads its assessment, audit log and dossiers"),
    Action("answer.save", "assessment", _save_answer,
           "workflow.can_edit: unit layer by the unit team (pokja areas, draft or flagged items), "
           "TPI layer by TPI in review"),
    Action("tpi_layer.view", "assessment",
           lambda access, a, **_: "tpi" in access.roles(a.unit) or a.status != "draft",
           "the unit sees TPI's layer once the assessment left the draft"),
    Action("item.flag", "assessment", _tpi_reviewing, "TPI asks for a revision per item while reviewing"),
    Action("assessment.copy_unit", "assessment", _tpi_reviewing, "TPI copies the unit layer while reviewing"),
    *(Action(f"assessment.{name}", "assessment", _transition(name), f"workflow transition {name}")
      for name in workflow.TRANSITIONS),
    Action("evidence.add", "assessment", _add_evidence,
           "upload, link, new version, ZIP import: the unit team in draft or revision, pokja by area"),
    Action("evidence.unlink", "link", _unlink, "as evidence.add, for the link's item"),
    Action("evidence.review", "assessment", _tpi_reviewing, "TPI judges documents while reviewing"),
    Action("recommendation.edit", "assessment", _tpi_reviewing,
           "TPI writes its recommendation per area while reviewing; never the unit's own people"),
    Action("document.trash", "document",
           lambda access, doc, **_: bool(access.roles(doc.unit) & {"head", "admin"}),
           "the unit head or the instansi admin"),
    Action("document.restore", "document", lambda access, doc, **_: access.admin_of(doc.unit),
           "the instansi admin"),
    Action("dossier.request", "assessment", lambda access, obj, **_: True,
           "everyone who sees the unit asks for a (draft) dossier"),
    Action("notifications.view", "user", lambda access, user, **_: access.user is not None,
           "everyone signed in reads their own notifications and sets their own e-mail choice"),
    Action("notification.mark", "notification",
           lambda access, n, **_: access.user is not None and n.user_id == access.user.id,
           "a person marks only their own notifications read"),
    Action("admin.manage", "instansi",
           lambda access, instansi, **_: access.is_admin if instansi is None
           else instansi.id in access.admin_instansi_ids,
           "admins of the instansi (None: of any instansi)"),
)}


def _found(query, key):
    """The query's first row, or NotAllowed (404): what a person may not see does not exist."""
    found = query.first()
    if found is None:
        raise NotAllowed(key)
    return found


class Access:
    def __init__(self, user):
        self.user = user
        self.assignments = list(RoleAssignment.select().where(RoleAssignment.user == user)) if user else []
        self._seen: dict[int, bool] = {}  # unit id -> visible, for this request

    # --- actions ----------------------------------------------------------------------------

    def can(self, action: str, obj=None, **context) -> bool:
        """Whether the person may do `action` on `obj` (False too when obj is not visible)."""
        rule = ACTIONS[action]  # a KeyError for a misspelt action, never a silent refusal
        return self.sees(obj) and bool(rule.rule(self, obj, **context))

    def ensure(self, action: str, obj=None, **context) -> None:
        """NotAllowed (404) when obj is invisible, Forbidden (403) when visible but not allowed."""
        if not self.sees(obj):
            raise NotAllowed(action)
        if not ACTIONS[action].rule(self, obj, **context):
            raise Forbidden(action)

    def sees(self, obj) -> bool:
        if obj is None:
            return True
        if isinstance(obj, Instansi):
            return obj.id in self.admin_instansi_ids
        if isinstance(obj, EvidenceLink):
            return self.sees_unit(obj.assessment.unit_id)
        if isinstance(obj, Notification):
            return self.user is not None and obj.user_id == self.user.id
        return self.sees_unit(obj.unit_id)  # Assessment, EvidenceDocument

    def sees_unit(self, unit_id: int) -> bool:
        """One unit's visibility without listing every unit the person sees (an instansi admin
        may see thousands): assigned units from memory, instansi-wide roles with one query."""
        if unit_id not in self._seen:
            wide = {a.instansi_id for a in self.assignments if a.unit_id is None}
            self._seen[unit_id] = any(a.unit_id == unit_id for a in self.assignments) or (
                bool(wide) and Unit.select().where((Unit.id == unit_id) & Unit.instansi.in_(wide)).exists())
        return self._seen[unit_id]

    # --- roles ------------------------------------------------------------------------------

    @property
    def admin_instansi_ids(self) -> set[int]:
        return {a.instansi_id for a in self.assignments if a.role == "admin" and a.unit_id is None}

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_instansi_ids)

    def roles(self, unit) -> set[str]:
        """Roles on one unit: those given for it, and the instansi-wide admin/reviewer roles.
        A unit's own team is never its TPI (separation of duties): a row left from before that
        rule gives no TPI power on the unit."""
        roles = {
            a.role for a in self.assignments
            if a.unit_id == unit.id or (a.unit_id is None and a.instansi_id == unit.instansi_id)
        }
        if roles & UNIT_TEAM:
            roles.discard("tpi")
        return roles

    def areas(self, unit) -> set[str] | None:
        """Areas a pokja member may answer on this unit; None means every area."""
        codes: set[str] = set()
        for a in self.assignments:
            if a.unit_id == unit.id and a.role == "member":
                if not a.area_codes:
                    return None
                codes |= a.area_codes
        return codes

    def admin_of(self, unit) -> bool:
        return unit.instansi_id in self.admin_instansi_ids

    # --- lookups: each returns the object only if the person may see it ------------------------

    def units(self):
        """Query of the units this person may see."""
        unit_ids = {a.unit_id for a in self.assignments if a.unit_id is not None}
        instansi_ids = {a.instansi_id for a in self.assignments if a.unit_id is None}
        if not unit_ids and not instansi_ids:
            return Unit.select().where(Unit.id.is_null())
        condition = Unit.id.in_(list(unit_ids)) if unit_ids else None
        if instansi_ids:
            wide = Unit.instansi.in_(list(instansi_ids))
            condition = wide if condition is None else (condition | wide)
        return Unit.select(Unit, Instansi).join(Instansi).where(condition)

    def unit(self, unit_id: int) -> Unit:
        return _found(self.units().where(Unit.id == unit_id), unit_id)

    def assessments(self):
        return (
            Assessment.select(Assessment, Unit)
            .join(Unit)
            .where(Assessment.unit.in_(self.units().select(Unit.id)))
        )

    def assessment(self, assessment_id: int) -> Assessment:
        return _found(self.assessments().where(Assessment.id == assessment_id), assessment_id)

    def instansi(self, instansi_id: int) -> Instansi:
        if instansi_id not in self.admin_instansi_ids:
            raise NotAllowed(instansi_id)
        return Instansi.get_by_id(instansi_id)

    def _visible_documents(self):
        return EvidenceDocument.unit.in_(self.units().select(Unit.id))

    def document(self, document_id: int) -> EvidenceDocument:
        query = EvidenceDocument.select().where(
            (EvidenceDocument.id == document_id) & self._visible_documents())
        return _found(query, document_id)

    def _revisions(self):
        return (EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                .switch(EvidenceRevision).join(EvidenceDocument))

    def revision(self, revision_id: int) -> EvidenceRevision:
        query = self._revisions().where((EvidenceRevision.id == revision_id) & self._visible_documents())
        return _found(query, revision_id)

    def revision_by_hash(self, sha256: str) -> EvidenceRevision:
        """A revision with this content in a unit the person sees (one stored file serves many)."""
        query = self._revisions().where((EvidenceFile.sha256 == sha256.lower()) & self._visible_documents())
        return _found(query, sha256)

    def link(self, assessment: Assessment, link_id: int) -> EvidenceLink:
        """A link of this (already visible) assessment."""
        query = EvidenceLink.select().where(
            (EvidenceLink.id == link_id) & (EvidenceLink.assessment == assessment))
        return _found(query, link_id)

    def _visible_assessment_ids(self):
        return self.assessments().select(Assessment.id)

    def dossier_job(self, job_id: int) -> DossierJob:
        query = DossierJob.select().where(
            (DossierJob.id == job_id) & DossierJob.assessment.in_(self._visible_assessment_ids()))
        return _found(query, job_id)

    def dossier(self, dossier_id: int) -> Dossier:
        query = Dossier.select().where(
            (Dossier.id == dossier_id) & Dossier.assessment.in_(self._visible_assessment_ids()))
        return _found(query, dossier_id)

    def notifications(self):
        """The person's own notifications: nobody sees another's."""
        owner = self.user.id if self.user is not None else None
        return Notification.select().where(Notification.user == owner)

    def notification(self, notification_id: int) -> Notification:
        return _found(self.notifications().where(Notification.id == notification_id), notification_id)

    # admin lookups: within an instansi the person administers

    def admin_unit(self, instansi: Instansi, unit_id: int) -> Unit:
        self.instansi(instansi.id)
        return _found(Unit.select().where((Unit.id == unit_id) & (Unit.instansi == instansi)), unit_id)

    def role_assignment(self, instansi: Instansi, assignment_id: int) -> RoleAssignment:
        self.instansi(instansi.id)
        query = RoleAssignment.select().where(
            (RoleAssignment.id == assignment_id) & (RoleAssignment.instansi == instansi))
        return _found(query, assignment_id)

    def period(self, instansi: Instansi, period_id: int) -> Period:
        self.instansi(instansi.id)
        query = Period.select().where((Period.id == period_id) & (Period.instansi == instansi))
        return _found(query, period_id)
