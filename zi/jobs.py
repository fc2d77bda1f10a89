"""Background work (dossier rendering) with huey: SQLite storage by default, Redis when
ZI_REDIS_URL is set, immediate (inline) mode in tests."""

from __future__ import annotations

import io
import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey

from .config import PROJECT_DIR


def _make_huey():
    redis_url = os.environ.get("ZI_REDIS_URL", "").strip()
    if redis_url:
        return RedisHuey("zi", url=redis_url)
    instance = Path(os.environ.get("ZI_INSTANCE_DIR", "").strip() or PROJECT_DIR / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("zi", filename=str(instance / "huey.sqlite3"))


huey = _make_huey()


JOB_SETTINGS = ("DATABASE_URL", "CRITERIA_DIR", "EVIDENCE_DIR", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION",
                "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


def job_settings(config) -> dict:
    """The part of the app's configuration a job needs, passed along with it."""
    return {key: config.get(key, "") for key in JOB_SETTINGS}


@huey.task()
def render_dossier(job_id: int, config: dict) -> None:
    run_dossier_job(job_id, config)


def run_dossier_job(job_id: int, config: dict) -> None:
    """Render one DossierJob, reporting progress in its row; final jobs also freeze a Dossier."""
    from .db import database, open_database

    if database.obj is None:
        open_database(config["DATABASE_URL"])
    was_open = not database.is_closed()
    database.connect(reuse_if_open=True)
    try:
        _run(job_id, config)
    finally:
        if not was_open:
            database.close()


def _run(job_id: int, config: dict) -> None:
    from .criteria import load_directory
    from .dossier.build import build
    from .evidence import store_from_config
    from .models import Dossier, DossierJob, now

    job = DossierJob.get_by_id(job_id)
    assessment = job.assessment
    criteria = load_directory(config["CRITERIA_DIR"])[assessment.period.criteria_id]
    store = store_from_config(config)

    def progress(pct: int, message: str) -> None:
        DossierJob.update(progress=pct, message=message, status="running").where(
            DossierJob.id == job_id).execute()

    frozen = None
    final = (Dossier.select().where((Dossier.assessment == assessment) & (Dossier.variant == job.variant))
             .order_by(Dossier.id.desc()).first())
    if final is not None and assessment.status == "accepted" and not job.final:
        frozen = b"".join(store.chunks(final.sha256))
    try:
        content, extension = build(assessment, criteria, job.variant, store=store, bundle=job.bundle,
                                   frozen=frozen, progress=progress)
        stored = store.put(io.BytesIO(content), len(content) + 1)
        if job.final:
            Dossier.create(assessment=assessment, variant=job.variant, sha256=stored.sha256,
                           size=stored.size)
        DossierJob.update(status="done", progress=100, message="Selesai", sha256=stored.sha256,
                          size=stored.size, finished_at=now()).where(DossierJob.id == job_id).execute()
    except Exception as err:  # the page must show a failure, not spin forever
        DossierJob.update(status="failed", message=f"Gagal: {err}", finished_at=now()).where(
            DossierJob.id == job_id).execute()
        raise


def enqueue(config, assessment, variant: str, user=None, bundle: str = "", final: bool = False):
    from .models import DossierJob

    job = DossierJob.create(assessment=assessment, variant=variant, bundle=bundle, final=final,
                            created_by=user)
    render_dossier(job.id, job_settings(config))
    return job
