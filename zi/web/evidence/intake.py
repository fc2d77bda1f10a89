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
    context,
    evidence_store,
    respond,
)


@bp.route("/assessments/<int:assessment_id>/evidence/upload", methods=["POST"])
@login_required
def upload(assessment_id: int):
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
    file = request.files.get("file")
    if file is None or not file.filename:
        return respond(False, gettext("Pilih berkas yang akan diunggah."), 400)
    name = shown_code(file.filename)  # as typed, but never at unbounded length
    if not form.validate():
        why = forms.first_error(form)
        return respond(False, gettext("%(name)s ditolak: %(why)s", name=name, why=why), 422)
    try:
        revision = service.upload(
            evidence_store(), assessment, current_user, file.stream, file.filename, criteria=criteria,
            max_bytes=current_app.config["EVIDENCE_MAX_BYTES"], title=form.title.data,
            document_date=form.document_date.data, description=form.description.data, item_codes=codes,
            document=document)
    except (RejectedFile, service.EvidenceError) as err:
        return respond(False, gettext("%(name)s ditolak: %(why)s", name=name, why=translate_error(err)), 422)
    except StoreError as err:
        why = translate_error(err)
        return respond(False, gettext("%(name)s tidak tersimpan: %(why)s", name=name, why=why), 507)
    return respond(True, gettext("%(name)s tersimpan (revisi %(n)s).", name=revision.filename,
                                 n=revision.number))


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
        return respond(False, forms.first_error(form), 422)
    try:
        service.add_link(assessment, current_user, form.url.data, form.title.data, criteria=criteria,
                         document_date=form.document_date.data, description=form.description.data,
                         item_codes=codes)
    except service.EvidenceError as err:
        return respond(False, translate_error(err), 422)
    return respond(True, gettext("Tautan data dukung tersimpan."))


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
        return respond(False, translate_error(err), 422)
    return respond(True, gettext("Dokumen ditautkan ke %(code)s.", code=code))


@bp.route("/assessments/<int:assessment_id>/evidence/links/<int:link_id>/unlink", methods=["POST"])
@login_required
def unlink(assessment_id: int, link_id: int):
    assessment, criteria, roles = context(assessment_id)
    found = g.access.link(assessment, link_id)
    g.access.ensure("evidence.unlink", found, criteria=criteria)
    service.unlink(found, current_user)
    return respond(True, gettext("Tautan dokumen ke %(code)s dilepas.", code=found.item_code))


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
