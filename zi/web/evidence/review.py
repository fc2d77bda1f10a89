"""TPI's verdict on a document for one item."""

from __future__ import annotations

from flask import flash, g, request
from flask_login import current_user, login_required

from ...evidence import service
from .. import forms
from ..i18n import gettext, translate_error
from . import bp
from .common import (
    context,
    respond,
)
from .pages import overview_page


@bp.route("/assessments/<int:assessment_id>/evidence/links/<int:link_id>/review", methods=["POST"])
@login_required
def review(assessment_id: int, link_id: int):
    assessment, criteria, roles = context(assessment_id)
    found = g.access.link(assessment, link_id)
    g.access.ensure("evidence.review", assessment)
    form = forms.ReviewForm(request.form)
    try:
        if not form.validate():
            raise service.EvidenceError(forms.first_error(form))
        service.review(found, current_user, form.status.data or "", form.comment.data)
    except service.EvidenceError as err:
        if request.accept_mimetypes.best == "application/json":
            return respond(False, translate_error(err), 422)
        flash(translate_error(err), "error")
        draft = {"link": found.id, "error": translate_error(err), "comment": request.form.get("comment", "")}
        return overview_page(assessment, criteria, roles, draft, 422)
    return respond(True, gettext("Reviu data dukung %(code)s dicatat.", code=found.item_code))
