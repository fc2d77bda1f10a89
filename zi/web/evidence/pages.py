"""The evidence page of an assessment (per-area status chart, a filter by area and status, the matching
items beside their documents) and the document page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, render_template, request, session, url_for
from flask_login import login_required
from markupsafe import Markup

from ... import charts
from ...evidence import service
from ...evidence.sniff import PREVIEWABLE
from ...models import Assessment, EvidenceDocument, EvidenceFile, EvidenceLink, EvidenceRevision
from ...summary import area_groups, area_of, groups_of, item_area
from ..i18n import gettext, locale
from . import bp
from .common import REFUSED_KEY, UPLOAD_SUMMARY_KEY, context

ALL = "all"
FILTER_STATUSES = (ALL, *service.STATUSES)


@bp.route("/assessments/<int:assessment_id>/evidence")
@login_required
def overview(assessment_id: int):
    return overview_page(*context(assessment_id))


@dataclass(frozen=True)
class View:
    """What the page shows: one area (or all) and one status (or all); `item` alone narrows it to one
    item (the row a script refreshes, a refused review); `keep` shows an item that a change just moved
    out of the filter, so the person stays where they were."""

    area: str
    status: str
    item: str | None = None
    keep: str | None = None

    def args(self, **extra) -> dict:
        return {"area": self.area, "status": self.status, **extra}

    def shows(self, code: str, status: str) -> bool:
        if self.item:
            return code == self.item
        return code == self.keep or self.status in (ALL, status)


def _count(counts: dict, area: str, status: str) -> int:
    row = counts.get("total" if area == ALL else area, {})
    return sum(row.values()) if status == ALL else row.get(status, 0)


def choose_view(values, criteria, counts: dict, *, reviewing: bool, mine: set[str] | None) -> View:
    """The view a request asks for; what it leaves out, or asks for in vain, gets a default that keeps
    the page small: TPI reviewing sees what awaits review, everyone one area (a pokja member their
    first one, TPI the first with something awaiting)."""
    codes = [code for code, _ in area_groups(criteria)]
    item = values.get("item") if values.get("item") in criteria.items_by_code else None
    keep = values.get("keep") if values.get("keep") in criteria.items_by_code else None
    status = values.get("status")
    if status not in FILTER_STATUSES:
        status = "awaiting" if reviewing and _count(counts, ALL, "awaiting") else ALL
    area = values.get("area")
    if area not in (*codes, ALL):
        if item or keep:
            area = item_area(criteria, item or keep)
        else:
            first = [c for c in codes if mine is None or c in mine] or codes
            area = next((c for c in first if _count(counts, c, status)), first[0])
    return View(area, status, item, keep)


def overview_page(assessment, criteria, roles, draft: dict | None = None, status: int = 200,
                  values=None):
    """The evidence page; `draft` is a refused review (link, comment typed, why) shown back in its form,
    `values` the filter it was sent from (default: the query string)."""
    linked = service.linked_documents(assessment)
    counts = service.status_counts(criteria, linked, area_of)
    statuses = service.item_statuses(criteria, linked)
    groups = area_groups(criteria)
    can = _can(assessment, criteria)
    mine = g.access.areas(assessment.unit) if roles & {"member"} and "head" not in roles else None
    view = choose_view(request.args if values is None else values, criteria, counts,
                       reviewing=can["review"], mine=mine)
    rows = [{"label": name, **counts.get(code, dict.fromkeys(service.STATUSES, 0))} for code, name in groups]
    sections = []
    for code, name in groups:
        if view.area not in (ALL, code) and not view.item:
            continue
        items = [(item, sa) for _, sa, group in groups_of(criteria, code) for item in group
                 if view.shows(item.code, statuses[item.code])]
        if items:
            sections.append((code, name, items))
    library = list(EvidenceDocument.select().where(
        (EvidenceDocument.unit == assessment.unit_id) & EvidenceDocument.deleted_at.is_null())
        .order_by(EvidenceDocument.title)) if any(can["add"](i.code) for _, _, its in sections
                                                   for i, _ in its) else []
    names = dict(groups)
    return render_template(
        "evidence/evidence.html", a=assessment, criteria=criteria, roles=roles, linked=linked, counts=counts,
        sections=sections, library=library, status_labels=service.STATUS_LABELS, statuses=statuses,
        item_status=service.item_status, can=can, view=view, mine=mine,
        area_options=[(ALL, gettext("Semua area"), _count(counts, ALL, view.status))]
        + [(code, name, _count(counts, code, view.status)) for code, name in groups],
        status_options=[(ALL, gettext("Semua"), _count(counts, view.area, ALL))]
        + [(s, gettext(service.STATUS_LABELS[s]), _count(counts, view.area, s)) for s in service.STATUSES],
        status_name=(gettext(service.STATUS_LABELS[view.status]) if view.status != ALL
                     else gettext("semua status")),
        area_name=gettext("semua area") if view.area == ALL else names.get(view.area, ""),
        others=[(code, name, _count(counts, code, view.status)) for code, name in groups
                if code != view.area and _count(counts, code, view.status)],
        shown=sum(len(items) for _, _, items in sections),
        selectable=any(d.status != service.EvidenceStatus.ACCEPTED for _, _, items in sections
                       for item, _ in items for d in linked.get(item.code, [])),
        page_url=url_for("evidence.overview", assessment_id=assessment.id, **view.args()),
        uploaded=session.pop(UPLOAD_SUMMARY_KEY, None), refused=session.pop(REFUSED_KEY, None),
        chart=Markup(charts.status_bars(rows, service.STATUSES,
                                        [gettext(service.STATUS_LABELS[s]) for s in service.STATUSES],
                                        locale=locale())),
        max_mb=current_app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024), draft=draft,
    ), status


@bp.route("/evidence/documents/<int:document_id>")
@login_required
def document(document_id: int):
    doc = g.access.document(document_id)
    revisions = list(EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                     .where(EvidenceRevision.document == doc).order_by(EvidenceRevision.number.desc()))
    links = list(EvidenceLink.select().where(EvidenceLink.document == doc))
    return render_template("evidence/document.html", doc=doc, revisions=revisions, links=links,
                           previewable=PREVIEWABLE, can=_document_can(doc, links))


def _can(assessment, criteria) -> dict:
    """The evidence page's flags: forms appear only where the person may use them."""
    access = g.access

    def add(code: str) -> bool:
        return access.can("evidence.add", assessment, criteria=criteria, item_codes=[code])

    return {"import_zip": access.can("evidence.add", assessment, criteria=criteria), "add": add,
            "unlink": lambda link: add(link.item_code),
            "review": access.can("evidence.review", assessment)}


def _document_can(doc, links) -> dict:
    """`upload`: the assessment a new version goes to, one where the person may change the evidence of
    every item the document supports there (the newest first); None hides the form."""
    registry = current_app.extensions["zi_criteria"]
    upload = None
    if doc.deleted_at is None and not doc.is_link:
        by_assessment: dict = {}
        for link in links:
            by_assessment.setdefault(link.assessment_id, []).append(link.item_code)
        for assessment_id in sorted(by_assessment, reverse=True):
            assessment = Assessment.get_by_id(assessment_id)
            criteria = registry[assessment.period.criteria_id]
            if g.access.can("evidence.add", assessment, criteria=criteria,
                            item_codes=by_assessment[assessment_id]):
                upload = assessment_id
                break
    return {"upload": upload, "trash": doc.deleted_at is None and g.access.can("document.trash", doc)}
