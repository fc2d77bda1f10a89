"""Shared by the evidence views: the store, the assessment in context, answers for the upload script and for
plain forms (the forms themselves are zi/web/forms.py's). Lookups and permissions are zi/access.py's."""

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


def evidence_store():
    return store_from_config(current_app.config)


def context(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    return assessment, criteria, g.access.roles(assessment.unit)


def respond(ok: bool, message: str, status: int = 200, target: str | None = None):
    """JSON for the upload script, a flash and a redirect for a plain form."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": ok, "message": message}), status
    flash(message, "success" if ok else "error")
    return redirect(target or request.referrer or url_for("dashboard.index"))
