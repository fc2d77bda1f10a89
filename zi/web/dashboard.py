"""The home page: each person's units, scores against the minimums, and what awaits them."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_login import login_required
from markupsafe import Markup

from .. import admin, charts
from ..models import Assessment, Period, Unit
from ..states import AssessmentStatus
from ..summary import area_minimums, summarize, with_period
from .i18n import gettext, locale

bp = Blueprint("dashboard", __name__)

SORTS = {
    "unit": lambda s: s.assessment.unit.name.lower(),
    "total": lambda s: -s.final.total,
    "progress": lambda s: -s.answered,
    "status": lambda s: s.assessment.status,
}


@bp.route("/")
@login_required
def index():
    access = g.access
    registry = current_app.extensions["zi_criteria"]
    periods = _periods_seen(access)
    year = _chosen_year(periods["years"])
    chosen = periods["by_year"].get(year, []) if year else periods["current"]
    query = with_period(access.assessments()).where(Assessment.id.in_(chosen or [0]))
    summaries = summarize(query.order_by(Period.year.desc()), registry) if chosen else []
    newest = periods["newest"]
    current = sorted(summaries, key=lambda s: (s.assessment.unit_id, -s.assessment.period.year))
    sort = request.args.get("sort", "unit")
    current.sort(key=SORTS.get(sort, SORTS["unit"]))
    units = {s.assessment.unit_id: s.assessment.unit for s in current}
    prerequisites = admin.prerequisites_for_units(units.values())
    cards = []
    for s in current:
        roles = access.roles(s.assessment.unit)
        rows = s.reports.area_rows()
        cards.append({
            "s": s,
            "roles": roles,
            "chart": Markup(charts.area_bars_for_screens(rows, area_minimums(s.criteria), locale=locale())),
            "awaiting": _awaiting(s, roles),
            "older": year is None and newest.get(s.assessment.unit_id) != s.assessment.period.year,
            "prereq_missing": [gettext(p["label"]) for p in prerequisites.get(s.assessment.unit_id, [])
                               if p["record"] is None or p["record"].met is not True],
        })
    overview = None
    if len(current) > 1 and any(c["roles"] & {"admin", "reviewer", "tpi"} for c in cards):
        minimums = {p.code: next(t.min for t in p.thresholds if t.measure == "total")
                    for p in current[0].criteria.predicates}
        overview = Markup(charts.unit_columns(
            [{"label": s.assessment.unit.name, "total": s.final.total} for s in current], minimums,
            locale=locale()))
    return render_template("dashboard/dashboard.html", cards=cards, overview=overview, sort=sort,
                           summaries=current, years=periods["years"], year=year,
                           waiting=_waiting(access, periods["units"]) if year is None else None)


def _periods_seen(access) -> dict:
    """One light query over every assessment the person sees: the years there are, per year the
    assessments, and the default choice: each unit's newest, plus any older one not accepted yet
    (a 2026 assessment still in review stays on the dashboard when 2027 opens)."""
    rows = list(access.assessments().switch(Assessment).join(Period)
                .select(Assessment.id, Assessment.unit, Assessment.status, Period.year)
                .order_by(Period.year.desc(), Assessment.id).namedtuples())
    newest: dict[int, int] = {}
    by_year: dict[int, list[int]] = {}
    for row in rows:
        newest.setdefault(row.unit, row.year)
        by_year.setdefault(row.year, []).append(row.id)
    current = [row.id for row in rows
               if newest[row.unit] == row.year or row.status != AssessmentStatus.ACCEPTED.value]
    return {"years": sorted(by_year, reverse=True), "by_year": by_year, "current": current, "newest": newest,
            "units": set(newest)}


def _chosen_year(years: list[int]) -> int | None:
    """`?period=2026`: a year the person has assessments in; anything else is the default view."""
    raw = request.args.get("period", "")
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) == 4 and int(raw) in years:
        return int(raw)
    return None


def _waiting(access, units_with_assessment: set[int]) -> dict | None:
    """Who should be told where to go: units the person has a role on but no assessment yet (no
    period open for them), or no role at all; with the admins to ask. None: nothing to say."""
    unit_ids = {a.unit_id for a in access.assignments if a.unit_id is not None} - units_with_assessment
    if access.assignments and not unit_ids and units_with_assessment:
        return None
    instansi_ids = {a.instansi_id for a in access.assignments}
    user = access.user
    if not instansi_ids and user is not None and user.created_in_id:
        instansi_ids = {user.created_in_id}
    units = list(Unit.select().where(Unit.id.in_(list(unit_ids))).order_by(Unit.name)) if unit_ids else []
    return {"units": units, "admins": admin.admins_of(instansi_ids), "no_role": not access.assignments,
            "is_admin": access.is_admin}


def _awaiting(s, roles: set[str]) -> list[str]:
    status = s.assessment.status
    todo = []
    if roles & {"member", "head"} and status == "draft" and s.answered < s.total_items:
        todo.append(gettext("%(n)s butir belum dijawab", n=s.total_items - s.answered))
    if roles & {"member", "head"} and status == "revision":
        todo.append(gettext("%(n)s butir diminta revisi oleh TPI", n=s.open_revisions))
    if roles & {"member", "head"} and s.evidence_revisions:
        todo.append(gettext("%(n)s data dukung diminta revisi oleh TPI", n=s.evidence_revisions))
    if "head" in roles and status == "draft" and s.answered == s.total_items:
        todo.append(gettext("Siap diajukan ke TPI (SPTJM)"))
    if "tpi" in roles and status in ("submitted", "resubmitted"):
        todo.append(gettext("Menunggu reviu TPI"))
    if "tpi" in roles and status == "in_review":
        todo.append(gettext("Sedang direviu: lengkapi jawaban TPI lalu terima atau minta revisi"))
    return todo


@bp.app_template_global("unit_periods")
def unit_periods(assessment) -> list:
    """The assessments of the same unit in every period the person sees (newest first), for the
    period links of the assessment pages (assessments/_periods.html); one query."""
    return list(g.access.assessments().switch(Assessment).join(Period)
                .select(Assessment.id, Assessment.status, Period.year)
                .where(Assessment.unit == assessment.unit_id)
                .order_by(Period.year.desc()).namedtuples())
