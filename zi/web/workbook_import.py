"""Importing a filled LKE workbook on the assessment page: upload → preview → confirm.

The uploaded bytes wait between the preview and the confirmation in a staging file under the
instance folder, named by a random token and tied to the person and the assessment; it expires after
STAGE_SECONDS and is deleted once confirmed (expired ones are swept on every upload and hourly by
zi.jobs). The confirmation reads that file again and imports what it says (never answers carried in
the form), refused if an item it would change was saved after the preview (the previewed versions
are kept in the staging record); who may import which layer is the one access decision (zi.access
`answer.save`, via zi.workbook_import.importable_layers). Uploads and confirmations are rate limited
per person (LKE_IMPORT_RATE_LIMIT): reading a workbook takes a worker seconds."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from .. import workbook_import as service
from ..access import Forbidden, NotAllowed
from ..lke_workbook.reading import WorkbookRefused
from ..messages import render
from ..states import Layer
from ..text import clean
from . import limiter
from .i18n import gettext, locale, translate_error

bp = Blueprint("workbook_import", __name__, url_prefix="/assessments")

STAGE_FOLDER = service.STAGE_FOLDER
STAGE_SECONDS = service.STAGE_SECONDS
TOKEN = re.compile(r"[A-Za-z0-9_-]{40,64}")
EXTENSIONS = (".xlsx", ".xlsm")
NAME_CHARS = 120


def _load(assessment_id: int):
    assessment = g.access.assessment(assessment_id)  # 404 unless the person sees the unit
    g.access.ensure("assessment.view", assessment)
    criteria = current_app.extensions["zi_criteria"][assessment.period.criteria_id]
    return assessment, criteria


def importable_layers(assessment, criteria) -> list[str]:
    """The layers this person may import into now: those where `answer.save` allows some item."""
    return service.importable_layers(assessment, criteria, g.access)


def _import_limit() -> str:
    return current_app.config.get("LKE_IMPORT_RATE_LIMIT") or "10 per minute; 60 per hour"


def _person() -> str:
    """Imports are limited per person (several people of a unit may share one address)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return request.remote_addr or "-"


# Uploads and confirmations share one budget per person.
_limited = limiter.shared_limit(_import_limit, scope="lke-import", key_func=_person)


@bp.app_template_global("lke_import_layers")
def _template_layers(assessment, criteria) -> list[str]:
    """For the assessment page's link: the layers the person may import into (none: no link)."""
    return importable_layers(assessment, criteria)


def _layers_or_403(assessment, criteria) -> list[str]:
    layers = importable_layers(assessment, criteria)
    if not layers:
        raise Forbidden("answer.save")
    return layers


def _max_bytes() -> int:
    return int(current_app.config["WORKBOOK_MAX_BYTES"])  # from zi.config.Config, its one default


def _form(assessment, criteria, layers, error: str = "", layer: str = "", status: int = 200):
    return render_template("assessments/import_lke.html", a=assessment, criteria=criteria, layers=layers,
                           layer=layer or layers[0], error=error, layer_labels=Layer.labels(),
                           max_mb=_max_bytes() / (1024 * 1024)), status


@bp.route("/<int:assessment_id>/lke-import")
@login_required
def form(assessment_id: int):
    assessment, criteria = _load(assessment_id)
    return _form(assessment, criteria, _layers_or_403(assessment, criteria))


@bp.route("/<int:assessment_id>/lke-import", methods=["POST"])
@_limited
@login_required
def upload(assessment_id: int):
    """Read the uploaded workbook and show the preview; nothing is saved yet."""
    assessment, criteria = _load(assessment_id)
    layers = _layers_or_403(assessment, criteria)
    layer = request.form.get("layer") or layers[0]
    if layer not in layers:
        return _form(assessment, criteria, layers, gettext("Anda tidak dapat mengimpor ke lapisan ini."),
                     status=403)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _form(assessment, criteria, layers, gettext("Pilih berkas LKE Excel (.xlsx)."), layer, 400)
    name = _name(file.filename)
    if not name.lower().endswith(EXTENSIONS):
        return _form(assessment, criteria, layers, gettext(
            "%(name)s ditolak: hanya berkas Excel .xlsx yang dapat diimpor.", name=name), layer, 422)
    data = file.stream.read(_max_bytes() + 1)
    if len(data) > _max_bytes():
        return _form(assessment, criteria, layers, gettext(
            "%(name)s ditolak: berkas melebihi batas %(mb)s MB.", name=name,
            mb=_max_bytes() // (1024 * 1024)),
            layer, 413)
    try:
        reading = _read(data, layer, assessment)
        preview = service.preview(assessment, criteria, reading, access=g.access, locale=locale())
    except (WorkbookRefused, service.ImportRefused) as err:
        return _form(assessment, criteria, layers, gettext("%(name)s ditolak: %(why)s", name=name,
                                                            why=translate_error(err)), layer, 422)
    except Exception:  # a hostile file the reader did not foresee: refused at the field, never a 500
        current_app.logger.exception("LKE workbook %s could not be read", name)
        return _form(assessment, criteria, layers, gettext(
            "%(name)s ditolak: berkas tidak dapat dibaca sebagai LKE Excel.", name=name), layer, 422)
    token = _stage(data, assessment, layer, name, preview.versions)
    return _preview_page(assessment, criteria, preview, token, name)


def _read(data: bytes, layer: str, assessment):
    """The workbook read against the period's criteria: any year's template of the instrument
    imports, its wording differences reported as departures."""
    from ..lke_workbook import read_workbook

    return read_workbook(data, layer, assessment.period.criteria_id,
                         registry=current_app.extensions["zi_criteria"], limit=_max_bytes())


def _preview_page(assessment, criteria, preview, token: str, name: str):
    shown = [row for row in preview.rows if row.changes or row.skipped or row.problem or row.urls]
    same = [row for row in preview.rows if row not in shown]
    return render_template("assessments/import_lke_preview.html", a=assessment, criteria=criteria, p=preview,
                           rows=shown, same=same, token=token, name=name,
                           layer_label=Layer.label_of(preview.layer),
                           message=lambda message_id, params: render(message_id, params, gettext))


@bp.route("/<int:assessment_id>/lke-import/confirm", methods=["POST"])
@_limited
@login_required
def confirm(assessment_id: int):
    """Import the staged workbook (read again from the staging file) and go back to the overview."""
    assessment, criteria = _load(assessment_id)
    _layers_or_403(assessment, criteria)
    token = request.form.get("token", "")
    staged = _staged(token, assessment)
    if staged is None:
        flash(gettext("Pratinjau impor sudah kedaluwarsa atau tidak ditemukan; unggah berkas LKE lagi."),
              "error")
        return redirect(url_for("workbook_import.form", assessment_id=assessment.id))
    data, meta = staged
    try:  # the service decides again whether this person may import into that layer now
        reading = _read(data, meta["layer"], assessment)
        result = service.apply(assessment, criteria, reading, current_user, meta["name"], access=g.access,
                               versions=_versions(meta))
    except (WorkbookRefused, service.ImportRefused) as err:
        flash(gettext("%(name)s tidak diimpor: %(why)s", name=meta["name"], why=translate_error(err)),
              "error")
        return redirect(url_for("workbook_import.form", assessment_id=assessment.id))
    finally:
        _unstage(token)
    flash(gettext("LKE %(name)s diimpor: %(answers)s jawaban, %(notes)s catatan, %(links)s tautan data "
                  "dukung; %(skipped)s butir dilewati. Lihat log audit.", name=meta["name"],
                  answers=result.answers, notes=result.notes, links=result.links, skipped=result.skipped),
          "success")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A body over MAX_CONTENT_LENGTH: told at the upload field (a plain 413 page for anyone who
    could not see that form)."""
    message = gettext("Berkas melebihi batas %(mb)s MB; tidak ada yang disimpan.",
                      mb=_max_bytes() // (1024 * 1024))
    try:
        assessment, criteria = _load((request.view_args or {}).get("assessment_id", 0))
        layers = _layers_or_403(assessment, criteria)
    except (NotAllowed, Forbidden):
        return render_template("error.html", code=413, message=message), 413
    return _form(assessment, criteria, layers, message, status=413)


@bp.errorhandler(TooManyRequests)
def too_many(error):
    """Over LKE_IMPORT_RATE_LIMIT: told at the upload field, nothing read or saved."""
    message = gettext("Terlalu banyak unggahan atau impor LKE dalam waktu singkat; tidak ada yang "
                      "disimpan. Coba lagi dalam beberapa menit.")
    try:
        assessment, criteria = _load((request.view_args or {}).get("assessment_id", 0))
        layers = _layers_or_403(assessment, criteria)
    except (NotAllowed, Forbidden):
        return render_template("error.html", code=429, message=message), 429
    response, status = _form(assessment, criteria, layers, message, status=429)
    return response, status, {"Retry-After": "60"}


# --- the staging files ------------------------------------------------------------------------------

def _name(filename: str) -> str:
    """The uploaded file's own name (no folders), cleaned and bounded, for messages and the audit log."""
    base = clean(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "lke.xlsx"
    return base if len(base) <= NAME_CHARS else base[: NAME_CHARS - 6] + "…" + base[-5:]


def _folder(create: bool = False) -> Path:
    """The staging folder (made when something is staged); expired stagings (never confirmed) are
    removed whenever it is used."""
    folder = Path(current_app.config["INSTANCE_DIR"]) / STAGE_FOLDER
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    service.sweep_staging(folder, STAGE_SECONDS)
    return folder


def _stage(data: bytes, assessment, layer: str, name: str, versions: dict[str, int]) -> str:
    """Keep the bytes until confirmed, with the versions of the answers previewed; a person's
    earlier staging for this assessment is replaced."""
    folder = _folder(create=True)
    for meta_path in folder.glob("*.json"):
        meta = _meta(meta_path)
        if meta and meta.get("user") == current_user.id and meta.get("assessment") == assessment.id:
            _unstage(meta_path.stem)
    token = secrets.token_urlsafe(32)
    _write(folder / f"{token}.xlsx", data)
    _write(folder / f"{token}.json", json.dumps({
        "user": current_user.id, "assessment": assessment.id, "layer": layer, "name": name,
        "created": time.time(), "versions": versions}).encode())
    return token


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _meta(path: Path) -> dict | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _staged(token: str, assessment) -> tuple[bytes, dict] | None:
    """The staged bytes and their record, only for the person and assessment they were staged
    for and before they expire."""
    if not TOKEN.fullmatch(token or ""):
        return None
    folder = _folder()
    meta = _meta(folder / f"{token}.json")
    if (meta is None or meta.get("user") != current_user.id or meta.get("assessment") != assessment.id
            or time.time() - float(meta.get("created", 0)) > STAGE_SECONDS
            or meta.get("layer") not in service.LAYERS):
        return None
    try:
        return (folder / f"{token}.xlsx").read_bytes(), meta
    except OSError:
        return None


def _versions(meta: dict) -> dict[str, int]:
    """The answers' versions the person previewed (a record without them: every item counts as
    unanswered then, so an item answered meanwhile is refused rather than overwritten)."""
    versions = meta.get("versions")
    if not isinstance(versions, dict):
        return {}
    return {str(code): version for code, version in versions.items()
            if isinstance(version, int) and not isinstance(version, bool)}


def _unstage(token: str) -> None:
    if not TOKEN.fullmatch(token or ""):
        return
    folder = Path(current_app.config["INSTANCE_DIR"]) / STAGE_FOLDER
    for suffix in (".xlsx", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)
