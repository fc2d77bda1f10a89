"""Shared by the evidence views: the store, the assessment in context, answers for the upload and review
scripts and for plain forms (the forms themselves are zi/web/forms.py's). Lookups and permissions are
zi/access.py's."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)

from ...evidence import store_from_config

UPLOAD_SUMMARY_KEY = "evidence_upload"  # the last plain upload batch, shown beside its upload form
SUMMARY_ROWS, SUMMARY_CHARS = 8, 160  # bounded: the session cookie stays under 4 KB
REFUSED_KEY = "evidence_refused"  # rows of the last plain acceptance of a selection that were refused
FILTER_CHARS = 20  # an area code or a status


def cut(message: str) -> str:
    """A message kept in the session for the next page, at most SUMMARY_CHARS long."""
    return message if len(message) <= SUMMARY_CHARS else message[:SUMMARY_CHARS - 1] + "…"


def evidence_store():
    return store_from_config(current_app.config)


def context(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    return assessment, criteria, g.access.roles(assessment.unit)


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def filter_values() -> dict:
    """The evidence page's filter a form was sent from (its hidden `view_area` and `view_status`)."""
    return {key: request.form.get(f"view_{key}", "")[:FILTER_CHARS] for key in ("area", "status")}


def evidence_target(assessment, code: str | None = None) -> str | None:
    """Where a form of the evidence page leads back to: the page as it was filtered, the item kept in
    view and scrolled to. None for a form sent from elsewhere (the answer then goes back there)."""
    if request.form.get("back") != "evidence":
        return None
    values = {key: value for key, value in filter_values().items() if value}
    if code:
        return url_for("evidence.overview", assessment_id=assessment.id, **values, keep=code,
                       _anchor=f"ev-{code}")
    return url_for("evidence.overview", assessment_id=assessment.id, **values)


def respond(ok: bool, message: str, status: int = 200, target: str | None = None):
    """JSON for the scripts, a flash and a redirect for a plain form."""
    if wants_json():
        return jsonify({"ok": ok, "message": message}), status
    flash(message, "success" if ok else "error")
    return redirect(target or request.referrer or url_for("dashboard.index"))
