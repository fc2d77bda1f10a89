"""Survey records beside the survey indices of Hasil (respondents, period, surveyor), and the unit's
SPTJM letter as a PDF of its own."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for
from flask_login import current_user, login_required

from .. import surveys
from ..dossier.letter import letter_pdf
from ..dossier.names import slug
from ..messages import render
from ..summary import HASIL
from ..text import TextTooLong
from .assessments import area_page, load_assessment
from .i18n import gettext
from .request_cache import forget, per_request

bp = Blueprint("surveys", __name__)

FIELDS = ("respondents", "period_start", "period_end", "surveyor")


@bp.app_template_global("survey_record")
def survey_record(assessment, item_code: str):
    """The survey record of an item (None: none), the assessment's records read once per request."""
    return per_request("survey_records", assessment.id, lambda: surveys.records(assessment)).get(item_code)


@bp.route("/assessments/<int:assessment_id>/surveys/<item_code>", methods=["POST"])
@login_required
def save(assessment_id: int, item_code: str):
    """Save a survey item's record (the plain form beside the index); a refusal comes back to the
    area page with the reason at its field and everything typed kept."""
    assessment, criteria, roles = load_assessment(assessment_id)
    if not surveys.is_survey_item(criteria, item_code):
        abort(404)
    # The record goes with the unit's answer to the index: whoever may change that may change this.
    g.access.ensure("answer.save", assessment, criteria=criteria, item_code=item_code, layer="unit")
    typed = surveys.Typed(**{name: request.form.get(name, "") for name in FIELDS})
    try:
        record = surveys.save(criteria, assessment, current_user, item_code, typed)
    except (surveys.SurveyError, TextTooLong) as err:
        if isinstance(err, TextTooLong):
            field, message = "surveyor", gettext("Pelaksana survei terlalu panjang.")
        else:
            field, message = err.field, render(err.message_id, err.params, gettext)
        draft = {"item": item_code, "layer": "survey", "field": field, "error": message,
                 "typed": {name: getattr(typed, name) for name in FIELDS}}
        forget("survey_records")
        return area_page(assessment, criteria, roles, HASIL, draft, 422)
    # Told at the record itself (where the page scrolls back to), as a plain answer save is.
    layer = "survey" if record is not None else "survey_removed"
    return redirect(url_for("assessments.area", assessment_id=assessment.id, code=HASIL,
                            saved=item_code, layer=layer) + f"#survey-{item_code}")


@bp.route("/assessments/<int:assessment_id>/sptjm.pdf")
@login_required
def sptjm_letter(assessment_id: int):
    """The unit's SPTJM letter alone, once the head has signed it by submitting."""
    assessment = g.access.assessment(assessment_id)
    g.access.ensure("assessment.view", assessment)
    if assessment.sptjm_at is None:
        abort(404)
    pdf = letter_pdf(assessment)
    name = f"sptjm-{slug(assessment.unit.name)}-{assessment.period.year}.pdf"
    current_app.logger.debug("SPTJM letter of assessment %s rendered", assessment.id)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})
