"""Shared by the evidence views: the store, lookups bounded by what a person may see, form parsing, answers
for the upload script and for plain forms."""

from __future__ import annotations

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)

from ...evidence import service, store_from_config
from ...models import EvidenceDocument, EvidenceLink, Unit
from ...summary import item_area
from ...text import N_, NOTE_MAX_CHARS, TextTooLong, bounded
from ..i18n import gettext
from ..inputs import too_long

URL_MAX_CHARS = 2_000


def evidence_store():
    return store_from_config(current_app.config)


def context(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    return assessment, criteria, g.access.roles(assessment.unit)


def may_add(assessment, roles: set[str], criteria, item_codes) -> bool:
    """Unit people add evidence while the unit may still change its answers."""
    if not roles & {"member", "head"} or assessment.status not in ("draft", "revision"):
        return False
    areas = None if "head" in roles else g.access.areas(assessment.unit)
    return areas is None or all(
        c in criteria.items_by_code and item_area(criteria, c) in areas for c in item_codes)


def visible_document(document_id: int) -> EvidenceDocument:
    document = EvidenceDocument.get_or_none(
        (EvidenceDocument.id == document_id)
        & EvidenceDocument.unit.in_(g.access.units().select(Unit.id)))
    if document is None:
        abort(404)
    return document


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise service.EvidenceError(gettext("Tanggal dokumen tidak sah.")) from None


FIELD_LABELS = {"title": N_("Judul"), "description": N_("Uraian"), "comment": N_("Catatan"),
                "url": N_("Tautan")}


def limited(field: str, limit: int = NOTE_MAX_CHARS) -> str:
    """A typed text of the form, cleaned; over its limit it is refused like any other bad input."""
    try:
        return bounded(request.form.get(field, ""), limit)
    except TextTooLong as err:
        raise service.EvidenceError(f"{gettext(FIELD_LABELS[field])}: {too_long(err)}") from None


def respond(ok: bool, message: str, status: int = 200, target: str | None = None):
    """JSON for the upload script, a flash and a redirect for a plain form."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": ok, "message": message}), status
    flash(message, "success" if ok else "error")
    return redirect(target or request.referrer or url_for("dashboard.index"))


def assessment_link(assessment, link_id: int) -> EvidenceLink:
    found = EvidenceLink.get_or_none((EvidenceLink.id == link_id) & (EvidenceLink.assessment == assessment))
    if found is None:
        abort(404)
    return found
