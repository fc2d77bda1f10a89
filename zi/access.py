"""The one place that decides who may see and do what.

Every list and every lookup of units, assessments and their data goes through
`Access`: a person sees only the units they are assigned to, plus every unit of
an instansi where they are admin or instansi-wide reviewer.
"""

from __future__ import annotations

from .models import Assessment, Instansi, RoleAssignment, Unit


class NotAllowed(LookupError):
    """Raised for anything the person may not see; the web layer answers 404."""


class Access:
    def __init__(self, user):
        self.user = user
        self.assignments = list(RoleAssignment.select().where(RoleAssignment.user == user)) if user else []

    @property
    def admin_instansi_ids(self) -> set[int]:
        return {a.instansi_id for a in self.assignments if a.role == "admin" and a.unit_id is None}

    @property
    def is_admin(self) -> bool:
        return bool(self.admin_instansi_ids)

    def roles(self, unit) -> set[str]:
        """Roles on one unit: those given for it, and the instansi-wide admin/reviewer roles."""
        return {
            a.role for a in self.assignments
            if a.unit_id == unit.id or (a.unit_id is None and a.instansi_id == unit.instansi_id)
        }

    def areas(self, unit) -> set[str] | None:
        """Areas a pokja member may answer on this unit; None means every area."""
        codes: set[str] = set()
        for a in self.assignments:
            if a.unit_id == unit.id and a.role == "member":
                if not a.area_codes:
                    return None
                codes |= a.area_codes
        return codes

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
        unit = self.units().where(Unit.id == unit_id).first()
        if unit is None:
            raise NotAllowed(unit_id)
        return unit

    def assessments(self):
        return (
            Assessment.select(Assessment, Unit)
            .join(Unit)
            .where(Assessment.unit.in_(self.units().select(Unit.id)))
        )

    def assessment(self, assessment_id: int) -> Assessment:
        found = self.assessments().where(Assessment.id == assessment_id).first()
        if found is None:
            raise NotAllowed(assessment_id)
        return found

    def instansi(self, instansi_id: int) -> Instansi:
        if instansi_id not in self.admin_instansi_ids:
            raise NotAllowed(instansi_id)
        return Instansi.get_by_id(instansi_id)

    def admin_of(self, unit) -> bool:
        return unit.instansi_id in self.admin_instansi_ids

