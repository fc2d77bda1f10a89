"""Jinja filters: numbers, dates and times for the reader (zi.formatting, shared with the dossiers,
in the request's language) and the labels of stored states (zi.states), translated.

Times: `|dt` shows a stored UTC time in the time zone of the page's unit (WIB, WITA or WIT), taken
from the first of the template's variables `a` (an assessment), `assessment`, `unit`, `doc`, `job`
or `instansi`; `|dt(obj)` names the object instead (a row of a list spanning several units, such
as an audit event of the instansi). A page without one (notifications) shows the zone of the
reader's first unit, WIB for someone without a role."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user
from jinja2 import pass_context

from .. import audit, formatting, report_format
from ..models import Instansi, RoleAssignment, Unit
from ..states import AssessmentStatus, DossierVariant, EvidenceStatus, JobStatus, Role
from .i18n import gettext, locale

# Kept for older callers: the labels live in zi.states, the formatting in zi.formatting.
ROLE_LABELS = Role.labels()
PAGE_OBJECTS = ("a", "assessment", "unit", "doc", "job", "instansi")


def number(value, places: int = 2) -> str:
    return formatting.number(value, places, locale())


def percent(value, places: int = 2) -> str:
    return formatting.percent(value, places, locale())


def date(value) -> str:
    return formatting.date(value, locale())


def _key(obj):
    """Objects of one unit (or of one instansi without a unit) share a zone: looked up once."""
    if isinstance(obj, Unit | Instansi):
        return (type(obj).__name__, obj.id)
    unit_id = getattr(obj, "unit_id", None)
    if unit_id:
        return ("Unit", unit_id)
    instansi_id = getattr(obj, "instansi_id", None)
    return ("Instansi", instansi_id) if instansi_id else None


def zone(obj) -> str:
    """The time zone of an object (zi.formatting.zone_of), remembered for the request."""
    if obj is None or isinstance(obj, str):
        return formatting.zone_of(obj)
    key = _key(obj)
    if key is None:
        return formatting.zone_of(obj)
    known = g.setdefault("zi_zones", {})
    if key not in known:
        known[key] = formatting.zone_of(obj)
    return known[key]


def page_zone(context) -> str:
    for name in PAGE_OBJECTS:
        obj = context.get(name)
        if obj is not None and not isinstance(obj, str | int):
            return zone(obj)
    return person_zone()


def person_zone() -> str:
    """A page of no unit (notifications, the dashboard): the zone of the reader's first role's unit
    (or instansi), WIB for someone signed out or without a role. One query a request."""
    if "zi_person_zone" not in g:
        found = formatting.DEFAULT_ZONE
        if current_user and current_user.is_authenticated:
            role = (RoleAssignment.select().where(RoleAssignment.user == current_user.id)
                    .order_by(RoleAssignment.unit.is_null(), RoleAssignment.id).first())
            if role is not None:
                found = zone(role.unit if role.unit_id else role.instansi)
        g.zi_person_zone = found
    return g.zi_person_zone


@pass_context
def datetime(context, value, where=None) -> str:
    shown_in = zone(where) if where is not None else page_zone(context)
    return formatting.datetime(value, locale(), shown_in)


@pass_context
def zone_label(context, where=None) -> str:
    """WIB, WITA or WIT of the page (or of `where`), e.g. for a column heading."""
    return formatting.zone_label(zone(where) if where is not None else page_zone(context))


def audit_line(event) -> audit.Line:
    """An audit event for people (zi.audit.describe), for lists that span periods (the admin page)."""
    return audit.describe(event, current_app.extensions.get("zi_criteria"), locale())


def zone_choices() -> list[tuple[str, str]]:
    """The three zones with their labels in the reader's language, for the admin's form."""
    return [(name, gettext(label)) for name, label in formatting.zone_choices()]


def register(app) -> None:
    env = app.jinja_env
    env.filters["num"] = number
    env.filters["pct"] = percent
    env.filters["dt"] = datetime
    env.filters["date"] = date
    env.globals["zone_label"] = zone_label
    env.globals["audit_line"] = audit_line
    env.globals["zone_choices"] = zone_choices
    env.globals["zone_of"] = zone
    env.filters["threshold"] = lambda label: report_format.threshold_label(label, locale())
    env.filters["answer_text"] = lambda value, item: report_format.answer_text(item, value, locale())
    env.filters["status"] = lambda s: gettext(AssessmentStatus.label_of(s))
    env.filters["role"] = lambda r: gettext(Role.label_of(r))
    env.filters["evidence_status"] = lambda s: gettext(EvidenceStatus.label_of(s))
    env.filters["job_status"] = lambda s: gettext(JobStatus.label_of(s))
    env.filters["variant"] = lambda v: gettext(DossierVariant.label_of(v))
