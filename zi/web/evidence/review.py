"""TPI's verdict on a document for one item."""

from __future__ import annotations

from flask import abort, flash, request
from flask_login import current_user, login_required

from ...evidence import service
from ..i18n import gettext
from . import bp
from .common import (
    assessment_link,
    context,
    limited,
    respond,
)
from .pages import overview_page


@bp.route("/assessments/<int:assessment_id>/evidence/links/<int:link_id>/review", methods=["POST"])
@login_required
def review(assessment_id: int, link_id: int):
    assessment, criteria, roles = context(assessment_id)
    found = assessment_link(assessment, link_id)
    if "tpi" not in roles or assessment.status != "in_review":
        abort(403)
    try:
        service.review(found, current_user, request.form.get("status", ""), limited("comment"))
    except service.EvidenceError as err:
        if request.accept_mimetypes.best == "application/json":
            return respond(False, str(err), 422)
        flash(str(err), "error")
        draft = {"link": found.id, "error": str(err), "comment": request.form.get("comment", "")}
        return overview_page(assessment, criteria, roles, draft, 422)
    return respond(True, gettext("Reviu data dukung %(code)s dicatat.", code=found.item_code))
