"""The evidence page of an assessment (per-area status chart, every item beside its documents) and the
document page."""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_login import login_required
from markupsafe import Markup

from ... import charts
from ...evidence import service
from ...evidence.sniff import PREVIEWABLE
from ...models import EvidenceDocument, EvidenceFile, EvidenceLink, EvidenceRevision
from ...summary import area_groups, area_of, groups_of
from ..i18n import gettext
from . import bp
from .common import (
    context,
    may_add,
    visible_document,
)


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
        item_status=service.item_status, can_add=may_add(assessment, roles, criteria, []),
        can_review="tpi" in roles and assessment.status == "in_review",
        chart=Markup(charts.status_bars(rows, service.STATUSES,
                                        [gettext(service.STATUS_LABELS[s]) for s in service.STATUSES])),
        max_mb=current_app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024), draft=draft,
    ), status


@bp.route("/evidence/documents/<int:document_id>")
@login_required
def document(document_id: int):
    doc = visible_document(document_id)
    revisions = list(EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                     .where(EvidenceRevision.document == doc).order_by(EvidenceRevision.number.desc()))
    links = list(EvidenceLink.select().where(EvidenceLink.document == doc))
    roles = g.access.roles(doc.unit)
    return render_template("evidence/document.html", doc=doc, revisions=revisions, links=links, roles=roles,
                           previewable=PREVIEWABLE)
