"""Adding and removing evidence: uploads, external links, linking a stored document to an item, unlinking,
trash and restore."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ...evidence import RejectedFile, StoreError, service
from ...models import EvidenceLink
from ...scoring import shown_code
from .. import forms
from ..i18n import gettext, translate_error
from . import bp
from .common import (
    SUMMARY_ROWS,
    UPLOAD_SUMMARY_KEY,
    context,
    cut,
    evidence_store,
    evidence_target,
    respond,
    wants_json,
)


@bp.route("/assessments/<int:assessment_id>/evidence/upload", methods=["POST"])
@login_required
def upload(assessment_id: int):
    """One file from the upload script; one or several from the plain form, whose results are kept for
    the page it returns to (beside the form, not above the page)."""
    assessment, criteria, roles = context(assessment_id)
    form = forms.UploadForm(request.form)
    codes = form.items.data
    document = None
    if form.document_id.data is not None:
        document = g.access.document(form.document_id.data)
        if document.deleted_at is not None:
            abort(404)
    # A new version changes the evidence of every item the document supports here.
    revised = [lk.item_code for lk in document.links.where(EvidenceLink.assessment == assessment)] \
        if document else []
    g.access.ensure("evidence.add", assessment, criteria=criteria, item_codes=codes + revised)
    files = [f for f in request.files.getlist("file") if f.filename]
    if not files:
        return respond(False, gettext("Pilih berkas yang akan diunggah."), 400,
                       target=_back(assessment, criteria, codes))
    results = [_store(assessment, criteria, form, document, codes, file) for file in files]
    ok = all(status == 200 for _, status in results)
    status = next((status for _, status in results if status != 200), 200)
    message = " ".join(message for message, _ in results)
    item = next((c for c in codes if c in criteria.items_by_code), None)
    if wants_json() or request.form.get("back") != "evidence" or item is None:
        return respond(ok, message, status, target=evidence_target(assessment, item))
    session[UPLOAD_SUMMARY_KEY] = {"item": item, "rows": [
        [s == 200, cut(m)] for m, s in results[:SUMMARY_ROWS]],
        "more": max(0, len(results) - SUMMARY_ROWS)}
    return redirect(evidence_target(assessment, item))


def _store(assessment, criteria, form, document, codes, file) -> tuple[str, int]:
    """One file stored, or refused: (the message naming it, the HTTP status)."""
    name = shown_code(file.filename)  # as typed, but never at unbounded length
    if not form.validate():
        why = forms.first_error(form)
        return gettext("%(name)s ditolak: %(why)s", name=name, why=why), 422
    try:
        revision = service.upload(
            evidence_store(), assessment, current_user, file.stream, file.filename, criteria=criteria,
            max_bytes=current_app.config["EVIDENCE_MAX_BYTES"], title=form.title.data,
            document_date=form.document_date.data, description=form.description.data, item_codes=codes,
            document=document)
    except (RejectedFile, service.EvidenceError) as err:
        return gettext("%(name)s ditolak: %(why)s", name=name, why=translate_error(err)), 422
    except StoreError as err:
        return gettext("%(name)s tidak tersimpan: %(why)s", name=name, why=translate_error(err)), 507
    return gettext("%(name)s tersimpan (revisi %(n)s).", name=revision.filename, n=revision.number), 200


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A body over MAX_CONTENT_LENGTH is a file too large; a smaller one refused by the form
    parser carried an overlong text field."""
    if (request.content_length or 0) <= current_app.config["MAX_CONTENT_LENGTH"]:
        return respond(False, gettext("Isian teks terlalu panjang; tidak ada yang disimpan."), 413)
    mb = current_app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024)
    return respond(False, gettext("Berkas melebihi batas %(mb)s MB; tidak ada yang disimpan.", mb=mb), 413)


@bp.route("/assessments/<int:assessment_id>/evidence/link-url", methods=["POST"])
@login_required
def link_url(assessment_id: int):
    assessment, criteria, roles = context(assessment_id)
    form = forms.LinkUrlForm(request.form)
    codes = form.items.data
    g.access.ensure("evidence.add", assessment, criteria=criteria, item_codes=codes)
    if not form.validate():
        return respond(False, forms.first_error(form), 422, target=_back(assessment, criteria, codes))
    try:
        service.add_link(assessment, current_user, form.url.data, form.title.data, criteria=criteria,
                         document_date=form.document_date.data, description=form.description.data,
                         item_codes=codes)
    except service.EvidenceError as err:
        return respond(False, translate_error(err), 422, target=_back(assessment, criteria, codes))
    return respond(True, gettext("Tautan data dukung tersimpan."), target=_back(assessment, criteria, codes))


@bp.route("/assessments/<int:assessment_id>/evidence/link", methods=["POST"])
@login_required
def link_existing(assessment_id: int):
    assessment, criteria, roles = context(assessment_id)
    form = forms.LinkExistingForm(request.form)
    code = form.item.data or ""
    if code not in criteria.items_by_code:
        abort(404)
    g.access.ensure("evidence.add", assessment, criteria=criteria, item_codes=[code])
    document = g.access.document(form.document_id.data or 0)
    try:
        service.link(document, assessment, code, current_user)
    except service.EvidenceError as err:
        return respond(False, translate_error(err), 422, target=evidence_target(assessment, code))
    return respond(True, gettext("Dokumen ditautkan ke %(code)s.", code=code),
                   target=evidence_target(assessment, code))


@bp.route("/assessments/<int:assessment_id>/evidence/links/<int:link_id>/unlink", methods=["POST"])
@login_required
def unlink(assessment_id: int, link_id: int):
    assessment, criteria, roles = context(assessment_id)
    found = g.access.link(assessment, link_id)
    g.access.ensure("evidence.unlink", found, criteria=criteria)
    service.unlink(found, current_user)
    return respond(True, gettext("Tautan dokumen ke %(code)s dilepas.", code=found.item_code),
                   target=evidence_target(assessment, found.item_code))


def _back(assessment, criteria, codes) -> str | None:
    """Back to the first known item the form named, on the page as it was filtered."""
    return evidence_target(assessment, next((c for c in codes if c in criteria.items_by_code), None))


@bp.route("/evidence/documents/<int:document_id>/trash", methods=["POST"])
@login_required
def trash(document_id: int):
    doc = g.access.document(document_id)
    g.access.ensure("document.trash", doc)
    try:
        service.trash(doc, current_user)
    except service.EvidenceError as err:
        flash(translate_error(err), "error")
        return redirect(url_for("evidence.document", document_id=doc.id))
    flash(gettext("Dokumen dipindahkan ke tempat sampah; admin dapat memulihkannya."), "success")
    return redirect(url_for("dashboard.index"))


@bp.route("/evidence/documents/<int:document_id>/restore", methods=["POST"])
@login_required
def restore(document_id: int):
    doc = g.access.document(document_id)
    g.access.ensure("document.restore", doc)
    service.restore(doc, current_user)
    flash(gettext("Dokumen dipulihkan."), "success")
    return redirect(url_for("admin.index", instansi=doc.unit.instansi_id))
