"""The evidence page of an assessment (per-area status chart, every item beside its documents) and the
document page."""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_login import login_required
from markupsafe import Markup

from ... import charts
from ...evidence import service
from ...evidence.sniff import PREVIEWABLE
from ...models import Assessment, EvidenceDocument, EvidenceFile, EvidenceLink, EvidenceRevision
from ...summary import area_groups, area_of, groups_of
from ..i18n import gettext
from . import bp
from .common import context


@bp.route("/assessments/<int:assessment_id>/evidence")
@login_required
def overview(assessment_id: int):
    return overview_page(*context(assessment_id))


def overview_page(assessment, criteria, roles, draft: dict | None = None, status: int = 200):
    """The evidence page; `draft` is a refused review (link, comment typed, why) shown back in its form."""
    linked = service.linked_documents(assessment)
    counts = service.status_counts(criteria, linked, area_of)
    groups = area_groups(criteria)
    rows = [{"label": name, **counts.get(code, dict.fromkeys(service.STATUSES, 0))} for code, name in groups]
    library = list(EvidenceDocument.select().where(
        (EvidenceDocument.unit == assessment.unit_id) & EvidenceDocument.deleted_at.is_null())
        .order_by(EvidenceDocument.title))
    sections = [(code, name, [(item, sa) for _, sa, items in groups_of(criteria, code) for item in items])
                for code, name in groups]
    return render_template(
        "evidence/evidence.html", a=assessment, criteria=criteria, roles=roles, linked=linked, counts=counts,
        sections=sections, library=library, status_labels=service.STATUS_LABELS,
        item_status=service.item_status, can=_can(assessment, criteria),
        chart=Markup(charts.status_bars(rows, service.STATUSES,
                                        [gettext(service.STATUS_LABELS[s]) for s in service.STATUSES])),
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
