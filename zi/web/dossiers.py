"""Dossier pages: ask for a render, watch its progress, download the file; final dossiers
return exactly the bytes frozen when TPI accepted."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from .. import jobs
from ..dossier.build import BUNDLES
from ..dossier.gather import VARIANTS
from ..dossier.names import dossier_filename
from ..evidence import store_from_config
from ..models import Assessment, Dossier, DossierJob

bp = Blueprint("dossiers", __name__)


def _job(job_id: int) -> DossierJob:
    job = g.access.dossier_job(job_id)
    if job.status == "running" and jobs.recover_stale(current_app.config["JOB_STALE_SECONDS"], job.id):
        job = DossierJob.get_by_id(job_id)  # its worker died: the page shows why it failed
    return job


@bp.route("/assessments/<int:assessment_id>/dossiers")
@login_required
def index(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    finals = [(f, superseded(assessment, f)) for f in
              Dossier.select().where(Dossier.assessment == assessment).order_by(Dossier.id.desc())]
    recent = list(DossierJob.select().where(DossierJob.assessment == assessment)
                  .order_by(DossierJob.id.desc()).limit(10))
    return render_template("dossiers/dossiers.html", a=assessment, finals=finals, jobs=recent,
                           variants=VARIANTS)


@bp.route("/assessments/<int:assessment_id>/dossiers", methods=["POST"])
@login_required
def request_render(assessment_id: int):
    assessment = g.access.assessment(assessment_id)
    g.access.ensure("dossier.request", assessment)
    variant, bundle = request.form.get("variant", ""), request.form.get("bundle", "")
    if variant not in VARIANTS or bundle not in BUNDLES:
        abort(400)
    job = jobs.enqueue(current_app.config, assessment, variant, current_user, bundle=bundle)
    return redirect(url_for("dossiers.job", job_id=job.id))


@bp.route("/dossiers/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    return render_template("dossiers/dossier_job.html", job=_job(job_id), variants=VARIANTS)


@bp.route("/dossiers/jobs/<int:job_id>.json")
@login_required
def job_status(job_id: int):
    found = _job(job_id)
    return jsonify({"status": found.status, "progress": found.progress, "message": found.message,
                    "file": url_for("dossiers.job_file", job_id=job_id) if found.status == "done" else None})


def superseded(assessment: Assessment, dossier: Dossier) -> bool:
    """A final dossier is superseded once an admin reopened the assessment it was made from: the
    assessment is no longer accepted, or was accepted again after the dossier was made."""
    return assessment.status != "accepted" or (
        assessment.accepted_at is not None and dossier.created_at < assessment.accepted_at)


def _send(sha256: str, size: int, filename: str) -> Response:
    """The stored bytes as an attachment named `filename` (send_file writes Content-Disposition,
    with an RFC 6266 `filename*` should a name ever hold more than ASCII)."""
    mime = "application/zip" if filename.endswith(".zip") else "application/pdf"
    response = send_file(store_from_config(current_app.config).open(sha256), mimetype=mime,
                         as_attachment=True, download_name=filename, conditional=False, etag=False)
    response.headers["Content-Length"] = str(size)
    response.headers["X-Content-SHA256"] = sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/dossiers/jobs/<int:job_id>/file")
@login_required
def job_file(job_id: int):
    found = _job(job_id)
    if found.status != "done":
        abort(404)
    extension = "zip" if found.bundle == "zip" else "pdf"
    final = found.final or found.assessment.status == "accepted"
    return _send(found.sha256, found.size,
                 dossier_filename(found.assessment, found.variant, extension, final=final))


@bp.route("/dossiers/<int:dossier_id>/file")
@login_required
def final_file(dossier_id: int):
    dossier = g.access.dossier(dossier_id)
    assessment = dossier.assessment
    old = dossier.created_at if superseded(assessment, dossier) else None
    return _send(dossier.sha256, dossier.size,
                 dossier_filename(assessment, dossier.variant, "pdf", final=True, superseded_on=old))


def generate_finals(assessment: Assessment, user) -> None:
    """Called once TPI accepts: freeze both variants from the accepted state."""
    for variant in VARIANTS:
        jobs.enqueue(current_app.config, assessment, variant, user, final=True)

