"""Evidence pages: upload (drag and drop, per-file progress), links, revisions, TPI review,
ZIP import, downloads through an authorised route only."""

from __future__ import annotations

import os
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from .. import charts
from ..evidence import RejectedFile, StoreError, bundle, service, store_from_config
from ..evidence.sniff import PREVIEWABLE
from ..models import EvidenceDocument, EvidenceFile, EvidenceLink, EvidenceRevision, Unit
from ..scoring import shown_code
from ..summary import area_groups, area_of, groups_of, item_area
from ..text import N_, NOTE_MAX_CHARS, SHORT_MAX_CHARS, TextTooLong, bounded
from .i18n import gettext
from .inputs import form_id, too_long

URL_MAX_CHARS = 2_000

bp = Blueprint("evidence", __name__)


def _store():
    return store_from_config(current_app.config)


def _context(assessment_id: int):
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


def _document(document_id: int) -> EvidenceDocument:
    document = EvidenceDocument.get_or_none(
        (EvidenceDocument.id == document_id)
        & EvidenceDocument.unit.in_(g.access.units().select(Unit.id)))
    if document is None:
        abort(404)
    return document


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise service.EvidenceError(gettext("Tanggal dokumen tidak sah.")) from None


FIELD_LABELS = {"title": N_("Judul"), "description": N_("Uraian"), "comment": N_("Catatan"),
                "url": N_("Tautan")}


def _limited(field: str, limit: int = NOTE_MAX_CHARS) -> str:
    """A typed text of the form, cleaned; over its limit it is refused like any other bad input."""
    try:
        return bounded(request.form.get(field, ""), limit)
    except TextTooLong as err:
        raise service.EvidenceError(f"{gettext(FIELD_LABELS[field])}: {too_long(err)}") from None


def _answer(ok: bool, message: str, status: int = 200, target: str | None = None):
    """JSON for the upload script, a flash and a redirect for a plain form."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": ok, "message": message}), status
    flash(message, "success" if ok else "error")
    return redirect(target or request.referrer or url_for("dashboard.index"))


@bp.route("/assessments/<int:assessment_id>/evidence")
@login_required
def overview(assessment_id: int):
    return _overview_page(*_context(assessment_id))


def _overview_page(assessment, criteria, roles, draft: dict | None = None, status: int = 200):
    """The evidence page; `draft` is a refused review (link, comment typed, why) shown back in its form."""
    linked = service.linked_documents(assessment)
    counts = service.status_counts(criteria, linked, area_of)
    groups = area_groups(criteria)
    rows = [{"label": name, **counts.get(code, dict.fromkeys(service.STATUSES, 0))} for code, name in groups]
    library = list(EvidenceDocument.select().where(
        (EvidenceDocument.unit == assessment.unit_id) & EvidenceDocument.deleted_at.is_null())
        .order_by(EvidenceDocument.title))
    sections = [(code, name, [(item, sa) for _, sa, items in groups_of(criteria, code) for item in items])
                for code, name in groups]
    return render_template(
        "evidence/evidence.html", a=assessment, criteria=criteria, roles=roles, linked=linked, counts=counts,
        sections=sections, library=library, status_labels=service.STATUS_LABELS,
        item_status=service.item_status, can_add=may_add(assessment, roles, criteria, []),
        can_review="tpi" in roles and assessment.status == "in_review",
        chart=Markup(charts.status_bars(rows, service.STATUSES,
                                        [gettext(service.STATUS_LABELS[s]) for s in service.STATUSES])),
        max_mb=current_app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024), draft=draft,
    ), status


@bp.route("/assessments/<int:assessment_id>/evidence/upload", methods=["POST"])
@login_required
def upload(assessment_id: int):
    assessment, criteria, roles = _context(assessment_id)
    codes = request.form.getlist("items")
    document = None
    if request.form.get("document_id"):
        document = _document(form_id("document_id") or 0)
        if document.deleted_at is not None:
            abort(404)
    # A new version changes the evidence of every item the document supports here.
    revised = [lk.item_code for lk in document.links.where(EvidenceLink.assessment == assessment)] \
        if document else []
    if not may_add(assessment, roles, criteria, codes + revised):
        abort(403)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _answer(False, gettext("Pilih berkas yang akan diunggah."), 400)
    try:
        revision = service.upload(
            _store(), assessment, current_user, file.stream, file.filename, criteria=criteria,
            max_bytes=current_app.config["EVIDENCE_MAX_BYTES"], title=_limited("title", SHORT_MAX_CHARS),
            document_date=_date(request.form.get("document_date")),
            description=_limited("description"), item_codes=codes, document=document)
    except (RejectedFile, service.EvidenceError) as err:
        return _answer(False, gettext("%(name)s ditolak: %(why)s", name=shown_code(file.filename),
                                      why=str(err)), 422)
    except StoreError as err:
        return _answer(False, gettext("%(name)s tidak tersimpan: %(why)s", name=shown_code(file.filename),
                                      why=str(err)),
                       507)
    return _answer(True, gettext("%(name)s tersimpan (revisi %(n)s).", name=revision.filename,
                                 n=revision.number))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A body over MAX_CONTENT_LENGTH is a file too large; a smaller one refused by the form
    parser carried an overlong text field."""
    if (request.content_length or 0) <= current_app.config["MAX_CONTENT_LENGTH"]:
        return _answer(False, gettext("Isian teks terlalu panjang; tidak ada yang disimpan."), 413)
    mb = current_app.config["EVIDENCE_MAX_BYTES"] // (1024 * 1024)
    return _answer(False, gettext("Berkas melebihi batas %(mb)s MB; tidak ada yang disimpan.", mb=mb), 413)


@bp.route("/assessments/<int:assessment_id>/evidence/link-url", methods=["POST"])
@login_required
def link_url(assessment_id: int):
    assessment, criteria, roles = _context(assessment_id)
    codes = request.form.getlist("items")
    if not may_add(assessment, roles, criteria, codes):
        abort(403)
    try:
        service.add_link(assessment, current_user, _limited("url", URL_MAX_CHARS),
                         _limited("title", SHORT_MAX_CHARS), criteria=criteria,
                         document_date=_date(request.form.get("document_date")),
                         description=_limited("description"), item_codes=codes)
    except service.EvidenceError as err:
        return _answer(False, str(err), 422)
    return _answer(True, gettext("Tautan data dukung tersimpan."))


@bp.route("/assessments/<int:assessment_id>/evidence/link", methods=["POST"])
@login_required
def link_existing(assessment_id: int):
    assessment, criteria, roles = _context(assessment_id)
    code = request.form.get("item", "")
    if code not in criteria.items_by_code:
        abort(404)
    if not may_add(assessment, roles, criteria, [code]):
        abort(403)
    document = _document(form_id("document_id") or 0)
    try:
        service.link(document, assessment, code, current_user)
    except service.EvidenceError as err:
        return _answer(False, str(err), 422)
    return _answer(True, gettext("Dokumen ditautkan ke %(code)s.", code=code))


def _link(assessment, link_id: int) -> EvidenceLink:
    found = EvidenceLink.get_or_none((EvidenceLink.id == link_id) & (EvidenceLink.assessment == assessment))
    if found is None:
        abort(404)
    return found


@bp.route("/assessments/<int:assessment_id>/evidence/links/<int:link_id>/unlink", methods=["POST"])
@login_required
def unlink(assessment_id: int, link_id: int):
    assessment, criteria, roles = _context(assessment_id)
    found = _link(assessment, link_id)
    if not may_add(assessment, roles, criteria, [found.item_code]):
        abort(403)
    service.unlink(found, current_user)
    return _answer(True, gettext("Tautan dokumen ke %(code)s dilepas.", code=found.item_code))


@bp.route("/assessments/<int:assessment_id>/evidence/links/<int:link_id>/review", methods=["POST"])
@login_required
def review(assessment_id: int, link_id: int):
    assessment, criteria, roles = _context(assessment_id)
    found = _link(assessment, link_id)
    if "tpi" not in roles or assessment.status != "in_review":
        abort(403)
    try:
        service.review(found, current_user, request.form.get("status", ""), _limited("comment"))
    except service.EvidenceError as err:
        if request.accept_mimetypes.best == "application/json":
            return _answer(False, str(err), 422)
        flash(str(err), "error")
        draft = {"link": found.id, "error": str(err), "comment": request.form.get("comment", "")}
        return _overview_page(assessment, criteria, roles, draft, 422)
    return _answer(True, gettext("Reviu data dukung %(code)s dicatat.", code=found.item_code))


@bp.route("/evidence/documents/<int:document_id>")
@login_required
def document(document_id: int):
    doc = _document(document_id)
    revisions = list(EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                     .where(EvidenceRevision.document == doc).order_by(EvidenceRevision.number.desc()))
    links = list(EvidenceLink.select().where(EvidenceLink.document == doc))
    roles = g.access.roles(doc.unit)
    return render_template("evidence/document.html", doc=doc, revisions=revisions, links=links, roles=roles,
                           previewable=PREVIEWABLE)


@bp.route("/evidence/documents/<int:document_id>/trash", methods=["POST"])
@login_required
def trash(document_id: int):
    doc = _document(document_id)
    if not g.access.roles(doc.unit) & {"head", "admin"}:
        abort(403)
    try:
        service.trash(doc, current_user)
    except service.EvidenceError as err:
        flash(str(err), "error")
        return redirect(url_for("evidence.document", document_id=doc.id))
    flash(gettext("Dokumen dipindahkan ke tempat sampah; admin dapat memulihkannya."), "success")
    return redirect(url_for("dashboard.index"))


@bp.route("/evidence/documents/<int:document_id>/restore", methods=["POST"])
@login_required
def restore(document_id: int):
    doc = _document(document_id)
    if not g.access.admin_of(doc.unit):
        abort(403)
    service.restore(doc, current_user)
    flash(gettext("Dokumen dipulihkan."), "success")
    return redirect(url_for("admin.index", instansi=doc.unit.instansi_id))


def _send(revision: EvidenceRevision) -> Response:
    inline = request.args.get("inline") == "1" and revision.file.mime in PREVIEWABLE
    response = Response(_store().chunks(revision.file.sha256), mimetype=revision.file.mime)
    disposition = "inline" if inline else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=revision.filename)
    response.headers["Content-Length"] = str(revision.file.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if inline:  # shown in the document page's frame
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    else:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evidence/revisions/<int:revision_id>/file")
@login_required
def download(revision_id: int):
    revision = (EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                .where(EvidenceRevision.id == revision_id).first())
    if revision is None:
        abort(404)
    _document(revision.document_id)  # 404 unless the person may see the document's unit
    return _send(revision)


@bp.route("/evidence/sha256/<sha256>")
@login_required
def by_hash(sha256: str):
    revision = (EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                .switch(EvidenceRevision).join(EvidenceDocument)
                .where((EvidenceFile.sha256 == sha256.lower())
                       & EvidenceDocument.unit.in_(g.access.units().select(Unit.id)))
                .first())
    if revision is None:
        abort(404)
    return _send(revision)


@bp.route("/assessments/<int:assessment_id>/evidence/import", methods=["GET", "POST"])
@login_required
def import_zip(assessment_id: int):
    """Step 1: upload a ZIP and see where each file would go. Step 2: confirm."""
    assessment, criteria, roles = _context(assessment_id)
    if not may_add(assessment, roles, criteria, []):
        abort(403)
    entries = None
    if request.method == "POST":
        file = request.files.get("archive")
        if file is None or not file.filename:
            flash(gettext("Pilih berkas ZIP."), "error")
        else:
            _drop_preview(session.pop("zip_import", None))
            try:
                held = _hold_preview(file)
            except OSError as err:
                flash(gettext("ZIP tidak dapat disimpan sementara: %(why)s", why=str(StoreError(err))),
                      "error")
                return render_template("evidence/import.html", a=assessment, entries=None, criteria=criteria)
            try:
                allowed = _allowed(assessment, roles, criteria)
                entries = bundle.preview_zip(str(held), criteria, allowed=allowed)
                session["zip_import"] = {"assessment": assessment.id, "path": str(held)}
            except (RejectedFile, OSError, ValueError, zipfile.BadZipFile) as err:
                held.unlink(missing_ok=True)
                flash(gettext("ZIP ditolak: %(why)s", why=str(err)), "error")
    return render_template("evidence/import.html", a=assessment, entries=entries, criteria=criteria)


MAX_HELD_PREVIEWS = 3  # per person: unconfirmed ZIP previews cannot fill the disk


def _hold_preview(file) -> Path:
    """Keep an uploaded ZIP until it is confirmed; a person's oldest previews beyond
    MAX_HELD_PREVIEWS are removed (the confirm of a removed one asks to upload again)."""
    folder = _store_tmp()
    prefix = f"zip-preview-u{current_user.id}-"
    with tempfile.NamedTemporaryFile(dir=folder, prefix=prefix, suffix=".zip", delete=False) as held:
        try:
            file.save(held)
        except OSError:
            Path(held.name).unlink(missing_ok=True)
            raise
    mine = sorted(folder.glob(prefix + "*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in mine if p.name != Path(held.name).name][MAX_HELD_PREVIEWS - 1:]:
        old.unlink(missing_ok=True)
    return Path(held.name)


def _drop_preview(held: dict | None) -> None:
    if held and str(held.get("path", "")).startswith(str(_store_tmp())):
        Path(held["path"]).unlink(missing_ok=True)


def _allowed(assessment, roles, criteria):
    """A pokja member imports only into the items of their own areas."""
    return lambda code: may_add(assessment, roles, criteria, [code])


def _store_tmp() -> Path:
    """The folder of held ZIP previews; previews never confirmed are removed after a day."""
    folder = Path(current_app.config["EVIDENCE_DIR"]) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    stale = time.time() - 24 * 3600
    for held in folder.glob("*.zip"):
        if held.stat().st_mtime < stale:
            held.unlink(missing_ok=True)
    return folder


@bp.route("/assessments/<int:assessment_id>/evidence/import/confirm", methods=["POST"])
@login_required
def import_confirm(assessment_id: int):
    assessment, criteria, roles = _context(assessment_id)
    if not may_add(assessment, roles, criteria, []):
        abort(403)
    held = session.pop("zip_import", None)
    if not held or held["assessment"] != assessment.id or not os.path.exists(held["path"]):
        flash(gettext("Pratinjau impor sudah kedaluwarsa; unggah ZIP lagi."), "error")
        return redirect(url_for("evidence.import_zip", assessment_id=assessment.id))
    try:
        imported, skipped = bundle.import_zip(_store(), held["path"], assessment, current_user, criteria,
                                              current_app.config["EVIDENCE_MAX_BYTES"],
                                              allowed=_allowed(assessment, roles, criteria))
    except StoreError as err:
        flash(gettext("Impor berhenti: %(why)s Berkas yang sudah tersimpan tetap ada.", why=str(err)),
              "error")
        return redirect(url_for("evidence.overview", assessment_id=assessment.id))
    finally:
        Path(held["path"]).unlink(missing_ok=True)
    flash(gettext("%(n)s berkas diimpor, %(m)s dilewati.", n=imported, m=len(skipped)), "success")
    return redirect(url_for("evidence.overview", assessment_id=assessment.id))
