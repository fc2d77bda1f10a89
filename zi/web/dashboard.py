"""The home page: each person's units, scores against the minimums, and what awaits them."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_login import login_required
from markupsafe import Markup

from .. import charts
from ..models import Period
from ..summary import area_minimums, summarize, with_period
from .i18n import gettext

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
    latest = with_period(access.assessments()).order_by(Period.year.desc())
    summaries = summarize(latest, registry)
    seen, current = set(), []
    for s in summaries:  # the newest period of each unit
        if s.assessment.unit_id not in seen:
            seen.add(s.assessment.unit_id)
            current.append(s)
    sort = request.args.get("sort", "unit")
    current.sort(key=SORTS.get(sort, SORTS["unit"]))
    cards = []
    for s in current:
        roles = access.roles(s.assessment.unit)
        rows = s.reports.area_rows()
        cards.append({
            "s": s,
            "roles": roles,
            "chart": Markup(charts.area_bars(rows, area_minimums(s.criteria))),
            "awaiting": _awaiting(s, roles),
        })
    overview = None
    if len(current) > 1 and any(c["roles"] & {"admin", "reviewer", "tpi"} for c in cards):
        minimums = {p.code: next(t.min for t in p.thresholds if t.measure == "total")
                    for p in current[0].criteria.predicates}
        overview = Markup(charts.unit_columns(
            [{"label": s.assessment.unit.name, "total": s.final.total} for s in current], minimums))
    return render_template("dashboard/dashboard.html", cards=cards, overview=overview, sort=sort,
                           summaries=current)


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
