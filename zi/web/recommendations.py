"""TPI's recommendation per change area: a form on the area page for the unit's TPI while reviewing
(access action `recommendation.edit`), shown read-only to everyone else who sees the assessment."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user, login_required

from .. import recommendations
from ..text import TextTooLong
from .assessments import area_page, load_assessment
from .i18n import gettext, translate_error
from .inputs import too_long
from .request_cache import per_request

bp = Blueprint("recommendations", __name__)


@bp.app_template_global("area_recommendation")
def area_recommendation(assessment, area_code: str):
    """The TPI recommendation of one area (None: none), the assessment's read once per request."""
    found = per_request("recommendations", assessment.id,
                        lambda: recommendations.recommendations_of(assessment))
    return found.get(area_code)


@bp.app_template_global("may_recommend")
def may_recommend(assessment) -> bool:
    return g.access.can("recommendation.edit", assessment)


@bp.route("/assessments/<int:assessment_id>/area/<code>/recommendation", methods=["POST"])
@login_required
def save(assessment_id: int, code: str):
    """Save (or, emptied, remove) TPI's recommendation for the area; a refusal comes back to the
    area page with the reason at the field and the text kept."""
    assessment, criteria, roles = load_assessment(assessment_id)
    if not recommendations.is_area(criteria, code):  # Hasil or an unknown code
        abort(404)
    g.access.ensure("recommendation.edit", assessment)
    text = request.form.get("recommendation", "")
    try:
        saved = recommendations.save_recommendation(assessment, criteria, code, text, current_user)
    except (recommendations.RecommendationError, TextTooLong) as err:
        message = too_long(err) if isinstance(err, TextTooLong) else translate_error(err)
        draft = {"layer": "recommendation", "field": "recommendation", "typed": text,
                 "error": gettext("Rekomendasi tidak disimpan: %(why)s", why=message)}
        return area_page(assessment, criteria, roles, code, draft, 422)
    flash(gettext("Rekomendasi TPI untuk area ini tersimpan.") if saved is not None
          else gettext("Rekomendasi TPI untuk area ini dihapus."), "success")
    return redirect(url_for("assessments.area", assessment_id=assessment.id, code=code) + "#recommendation")
