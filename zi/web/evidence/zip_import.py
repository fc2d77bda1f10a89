"""Bulk import from a ZIP of the folder tree units already keep: preview first, store on confirm."""

from __future__ import annotations

import os
import tempfile
import time
import zipfile
from pathlib import Path

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from ...evidence import RejectedFile, StoreError, bundle
from ..i18n import gettext
from . import bp
from .common import (
    context,
    evidence_store,
)


@bp.route("/assessments/<int:assessment_id>/evidence/import", methods=["GET", "POST"])
@login_required
def import_zip(assessment_id: int):
    """Step 1: upload a ZIP and see where each file would go. Step 2: confirm."""
    assessment, criteria, roles = context(assessment_id)
    g.access.ensure("evidence.add", assessment, criteria=criteria)
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
    return lambda code: g.access.can("evidence.add", assessment, criteria=criteria, item_codes=[code])


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
    assessment, criteria, roles = context(assessment_id)
    g.access.ensure("evidence.add", assessment, criteria=criteria)
    held = session.pop("zip_import", None)
    if not held or held["assessment"] != assessment.id or not os.path.exists(held["path"]):
        flash(gettext("Pratinjau impor sudah kedaluwarsa; unggah ZIP lagi."), "error")
        return redirect(url_for("evidence.import_zip", assessment_id=assessment.id))
    try:
        imported, skipped = bundle.import_zip(
            evidence_store(), held["path"], assessment, current_user, criteria,
            current_app.config["EVIDENCE_MAX_BYTES"], allowed=_allowed(assessment, roles, criteria))
    except StoreError as err:
        flash(gettext("Impor berhenti: %(why)s Berkas yang sudah tersimpan tetap ada.", why=str(err)),
              "error")
        return redirect(url_for("evidence.overview", assessment_id=assessment.id))
    finally:
        Path(held["path"]).unlink(missing_ok=True)
    flash(gettext("%(n)s berkas diimpor, %(m)s dilewati.", n=imported, m=len(skipped)), "success")
    return redirect(url_for("evidence.overview", assessment_id=assessment.id))
