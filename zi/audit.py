"""The audit log: who changed what, when, from which value to which. Append-only."""

from __future__ import annotations

from peewee import JOIN

from .models import AuditEvent, User


def record(action: str, user=None, *, instansi=None, unit=None, assessment=None, item_code: str = "",
           old=None, new=None, reason: str = "") -> AuditEvent:
    if assessment is not None and unit is None:
        unit = assessment.unit
    if unit is not None and instansi is None:
        instansi = unit.instansi_id
    return AuditEvent.create(
        action=action, user=user, instansi=instansi, unit=unit, assessment=assessment,
        item_code=item_code, old=old, new=new, reason=reason,
    )


def events_for(assessment=None, item_code: str | None = None, instansi=None):
    """The events, newest first, as a query: callers take a page of it (zi.paging) rather than a cut."""
    query = (AuditEvent.select(AuditEvent, User).join(User, JOIN.LEFT_OUTER)
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    if assessment is not None:
        query = query.where(AuditEvent.assessment == assessment)
    if item_code:
        query = query.where(AuditEvent.item_code == item_code)
    if instansi is not None:
        query = query.where(AuditEvent.instansi == instansi)
    return query
