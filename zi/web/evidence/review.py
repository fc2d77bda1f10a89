"""TPI's verdict on a document for one item, and on a selection of them at once."""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required

from ...evidence import service
from .. import forms
from ..i18n import gettext, translate_error
from ..inputs import parse_id
from . import bp
from .common import REFUSED_KEY, context, cut, evidence_target, filter_values, respond, wants_json
from .pages import overview_page

SHOWN_REFUSALS = 6  # named one by one; the rest are counted


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
        if wants_json():
            return respond(False, translate_error(err), 422)
        # the row alone, with the reason at the field and what was typed (too long for the session)
        flash(translate_error(err), "error")
        draft = {"link": found.id, "error": translate_error(err), "comment": request.form.get("comment", "")}
        return overview_page(assessment, criteria, roles, draft, 422,
                             values={**filter_values(), "item": found.item_code})
    return respond(True, gettext("Reviu data dukung %(code)s dicatat.", code=found.item_code),
                   target=evidence_target(assessment, found.item_code))


@bp.route("/assessments/<int:assessment_id>/evidence/accept-selected", methods=["POST"])
@login_required
def accept_selected(assessment_id: int):
    """Accept every ticked row in one transaction; the rows that cannot be are named with the reason."""
    assessment, criteria, roles = context(assessment_id)
    g.access.ensure("evidence.review", assessment)
    ids = [parse_id(value) for value in request.form.getlist("link")[:service.MAX_SELECTED]]
    target = evidence_target(assessment) or url_for("evidence.overview", assessment_id=assessment.id)
    try:
        accepted, refused = service.accept_selected(assessment, ids, current_user)
    except service.EvidenceError as err:
        return respond(False, translate_error(err), 422, target=target)
    done = gettext("Data dukung diterima: %(n)s.", n=len(accepted))
    rows = [{"link": r.link_id, "item": r.item_code, "ok": False, "message": _refusal(r)} for r in refused]
    if wants_json():
        rows += [{"link": lk.id, "item": lk.item_code, "ok": True, "message": gettext("Diterima")}
                 for lk in accepted]
        return jsonify({"ok": not refused, "message": _summary(done, refused), "rows": rows}), 200
    flash(_summary(done, refused), "success" if not refused else "error")
    if rows:  # named beside the acceptance form, each cut short (the session cookie stays small)
        session[REFUSED_KEY] = {"rows": [cut(row["message"]) for row in rows[:SHOWN_REFUSALS]],
                                "more": max(0, len(rows) - SHOWN_REFUSALS)}
    return redirect(target)


def _summary(done: str, refused: list) -> str:
    if not refused:
        return done
    return done + " " + gettext("Tidak dapat diterima: %(n)s.", n=len(refused))


def _refusal(refused: service.Refused) -> str:
    why = translate_error(refused.error)
    if not refused.item_code:
        return why
    return gettext("%(code)s · %(title)s: %(why)s", code=refused.item_code, title=refused.title[:80], why=why)
