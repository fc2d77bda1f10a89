"""Background work (dossier rendering) with huey: SQLite storage by default, Redis when
ZI_REDIS_URL is set, immediate (inline) mode in tests.

A running job names its worker ("host:pid:thread") and beats a heartbeat into its row. Several
workers may share the database, so a worker never judges another by its name: only a job whose
heartbeat is older than ZI_JOB_STALE_SECONDS is failed, by a worker starting, every minute
(periodic task) and when the job's page is viewed. A worker stopping on purpose re-queues its
running jobs instead (`interrupt_running`).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import multiprocessing.util  # noqa: F401  (its exit handler must be registered before ours)
import os
import socket
import threading
from datetime import timedelta
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab

from .config import PROJECT_DIR
from .extras import require
from .states import AssessmentStatus, JobStatus

log = logging.getLogger(__name__)

STALE_MESSAGE = ("Gagal: pekerja {worker} berhenti di tengah jalan (tanda hidup terakhir {seen}). "
                 "Silakan minta dosir lagi.")
REQUEUED_MESSAGE = ("Diantrekan ulang: pekerja dihentikan saat merender; "
                    "dosir dibuat lagi saat pekerja berjalan kembali.")


def _make_huey():
    redis_url = os.environ.get("ZI_REDIS_URL", "").strip()
    if redis_url:
        require("redis", "ZI_REDIS_URL")
        return RedisHuey("zi", url=redis_url)
    instance = Path(os.environ.get("ZI_INSTANCE_DIR", "").strip() or PROJECT_DIR / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("zi", filename=str(instance / "huey.sqlite3"))


huey = _make_huey()


JOB_SETTINGS = ("DATABASE_URL", "CRITERIA_DIR", "EVIDENCE_DIR", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION",
                "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "JOB_STALE_SECONDS")


def job_settings(config) -> dict:
    """The part of the app's configuration a job needs, passed along with it."""
    return {key: config.get(key, "") for key in JOB_SETTINGS}


@huey.task()
def render_dossier(job_id: int, config: dict) -> None:
    run_dossier_job(job_id, config)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


class _Running:
    """A job this process is running: its heartbeat, and what re-queueing it needs."""

    def __init__(self, job_id: int, worker: str, config: dict) -> None:
        self.job_id, self.worker, self.config = job_id, worker, config
        self.interrupted = False
        self.stop = threading.Event()
        stale = float(config.get("JOB_STALE_SECONDS") or 60)
        self.interval = max(0.2, min(5.0, stale / 4))
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def _beat(self) -> None:
        from .db import database
        from .models import DossierJob, now

        try:
            with database.connection_context():
                while not self.stop.wait(self.interval):
                    try:
                        DossierJob.update(heartbeat_at=now()).where(
                            (DossierJob.id == self.job_id) & (DossierJob.worker == self.worker)
                            & (DossierJob.status == JobStatus.RUNNING)).execute()
                    except Exception:  # a busy database: the next beat tries again
                        log.warning("heartbeat of dossier job %s failed", self.job_id, exc_info=True)
        except Exception:
            log.exception("heartbeat of dossier job %s stopped", self.job_id)


_running: dict[int, _Running] = {}
_running_lock = threading.Lock()


def run_dossier_job(job_id: int, config: dict) -> None:
    """Render one DossierJob, reporting progress in its row; final jobs also freeze a Dossier."""
    from .db import database, open_database

    if database.obj is None:
        open_database(config["DATABASE_URL"])
    with _connected():
        _run(job_id, config)


def _run(job_id: int, config: dict) -> None:
    from .criteria import load_directory
    from .db import database
    from .dossier.build import build
    from .evidence import store_from_config
    from .models import Dossier, DossierJob, now

    me = worker_name()
    claimed = DossierJob.update(status=JobStatus.RUNNING, worker=me, heartbeat_at=now()).where(
        (DossierJob.id == job_id) & (DossierJob.status == JobStatus.QUEUED)).execute()
    if not claimed:  # done, failed, or another worker's already
        log.warning("dossier job %s is not queued; not running it", job_id)
        return
    running = _Running(job_id, me, config)
    with _running_lock:
        _running[job_id] = running
    running.thread.start()
    mine = (DossierJob.id == job_id) & (DossierJob.worker == me)
    try:
        job = DossierJob.get_by_id(job_id)
        assessment = job.assessment
        criteria = load_directory(config["CRITERIA_DIR"])[assessment.period.criteria_id]
        store = store_from_config(config)

        def progress(pct: int, message: str) -> None:
            DossierJob.update(progress=pct, message=message, heartbeat_at=now()).where(
                mine & (DossierJob.status == JobStatus.RUNNING)).execute()

        frozen = None
        final = (Dossier.select().where((Dossier.assessment == assessment) & (Dossier.variant == job.variant))
                 .order_by(Dossier.id.desc()).first())
        if final is not None and assessment.status == AssessmentStatus.ACCEPTED and not job.final:
            frozen = b"".join(store.chunks(final.sha256))
        content, extension = build(assessment, criteria, job.variant, store=store, bundle=job.bundle,
                                   frozen=frozen, progress=progress)
        stored = store.put(io.BytesIO(content), len(content) + 1)
        with database.atomic():
            # A job re-queued meanwhile is no longer this worker's: it will be rendered again.
            done = DossierJob.update(status=JobStatus.DONE, progress=100, message=JobStatus.DONE.label,
                                     sha256=stored.sha256, size=stored.size,
                                     finished_at=now()).where(mine).execute()
            if done and job.final:
                Dossier.create(assessment=assessment, variant=job.variant, sha256=stored.sha256,
                               size=stored.size)
    except Exception as err:  # the page must show a failure, not spin forever
        DossierJob.update(status=JobStatus.FAILED, message=f"{JobStatus.FAILED.label}: {err}",
                          finished_at=now()).where(
            mine & (DossierJob.status == JobStatus.RUNNING)).execute()
        if not running.interrupted:
            raise
    finally:
        running.stop.set()
        with _running_lock:
            _running.pop(job_id, None)


def recover_stale(stale_seconds: float, job_id: int | None = None) -> int:
    """Fail the running jobs whose worker has been silent for `stale_seconds` (it died: killed,
    out of memory, machine lost); a live worker's job, whoever runs it, is left alone. Returns
    how many were failed."""
    from . import formatting
    from .models import DossierJob, now

    cutoff = now() - timedelta(seconds=stale_seconds)
    silent = DossierJob.heartbeat_at.is_null() & (DossierJob.created_at < cutoff)  # from before m0008
    stale = (DossierJob.status == JobStatus.RUNNING) & ((DossierJob.heartbeat_at < cutoff) | silent)
    if job_id is not None:
        stale &= DossierJob.id == job_id
    failed = 0
    for job in list(DossierJob.select().where(stale)):  # read first: no cursor open while writing
        seen = formatting.datetime(job.heartbeat_at or job.created_at, zone=formatting.zone_of(job))
        # The same condition again: a heartbeat that arrived meanwhile keeps the job alive.
        if DossierJob.update(status=JobStatus.FAILED, finished_at=now(),
                             message=STALE_MESSAGE.format(worker=job.worker or "?", seen=seen)).where(
                stale & (DossierJob.id == job.id)).execute():
            log.warning("dossier job %s failed: worker %s silent since %s", job.id, job.worker, seen)
            failed += 1
    return failed


@contextlib.contextmanager
def _connected():
    """The database connected for a moment; a connection already open stays open."""
    from .db import database

    was_open = not database.is_closed()
    database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if not was_open:
            database.close()


def _recover_from_environment() -> int:
    from .config import Config
    from .db import database, open_database

    config = Config()
    if database.obj is None:
        open_database(config.DATABASE_URL)
    with _connected():
        return recover_stale(config.JOB_STALE_SECONDS)


@huey.on_startup()
def _recover_on_start() -> None:
    _recover_from_environment()


@huey.periodic_task(crontab(minute="*"))
def recover_stale_jobs() -> None:
    _recover_from_environment()


def interrupt_running() -> list[tuple[int, dict]]:
    """The worker is stopping: its running jobs go back to "queued" with a message and their
    renderers are killed. Returns (job id, settings) of each, for `requeue` once the worker's
    threads have stopped taking tasks."""
    from .models import DossierJob

    with _running_lock:
        running = list(_running.values())
        for entry in running:
            entry.interrupted = True
    if not running:
        return []
    requeued = []
    with _connected():
        for entry in running:
            if DossierJob.update(status=JobStatus.QUEUED, worker="", heartbeat_at=None, progress=0,
                                 message=REQUEUED_MESSAGE).where(
                    (DossierJob.id == entry.job_id) & (DossierJob.worker == entry.worker)
                    & (DossierJob.status == JobStatus.RUNNING)).execute():
                requeued.append((entry.job_id, entry.config))
    from .dossier.render import kill_all

    kill_all()
    return requeued


def requeue(interrupted: list[tuple[int, dict]]) -> None:
    for job_id, config in interrupted:
        render_dossier(job_id, config)


@atexit.register
def _on_exit() -> None:
    """A consumer ending with jobs still running (huey_consumer on SIGTERM): re-queue them.
    Registered after multiprocessing's own exit handler, so it runs first (atexit is LIFO)."""
    if _running:
        requeue(interrupt_running())


def enqueue(config, assessment, variant: str, user=None, bundle: str = "", final: bool = False):
    from .models import DossierJob

    job = DossierJob.create(assessment=assessment, variant=variant, bundle=bundle, final=final,
                            created_by=user)
    render_dossier(job.id, job_settings(config))
    return job


# --- notifications: the mail outbox and deadline reminders (zi.notify) ---------------------------------

MAIL_SETTINGS = ("DATABASE_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_TLS",
                 "SMTP_TIMEOUT", "MAIL_FROM", "BASE_URL", "BABEL_DEFAULT_LOCALE", "REMINDER_DAYS")


def mail_settings(config) -> dict:
    """The part of the app's configuration sending notifications needs."""
    return {key: config.get(key, "") for key in MAIL_SETTINGS}


def _mail_settings_from_environment() -> dict:
    from .config import Config
    from .db import database, open_database

    config = Config()
    if database.obj is None:
        open_database(config.DATABASE_URL)
    return {key: getattr(config, key, "") for key in MAIL_SETTINGS}


@huey.task()
def send_mail(settings: dict) -> None:
    """Send the pending notification mail now (queued by the web layer after a hand-off)."""
    from . import notify
    from .db import database, open_database

    if database.obj is None:
        open_database(settings["DATABASE_URL"])
    with _connected():
        notify.send_pending(settings)


@huey.periodic_task(crontab(minute="*/5"))
def send_mail_periodically() -> None:
    """Mail that failed (SMTP down) or was never queued goes out on the next run."""
    from . import notify

    settings = _mail_settings_from_environment()
    with _connected():
        notify.send_pending(settings)


@huey.periodic_task(crontab(minute="17"))
def deadline_reminders() -> None:
    """Hourly: each reminder is written once (a unique key), however many workers run this."""
    from datetime import date

    from . import notify

    settings = _mail_settings_from_environment()
    with _connected():
        notify.send_reminders(date.today(), settings)


# --- LKE workbook imports: previews never confirmed (zi.workbook_import) ------------------------------

@huey.periodic_task(crontab(minute="41"))
def sweep_lke_import_staging() -> int:
    """Hourly: uploaded workbooks whose preview was never confirmed are deleted once expired."""
    from .config import Config
    from .workbook_import import STAGE_FOLDER, sweep_staging

    return sweep_staging(Path(Config().INSTANCE_DIR) / STAGE_FOLDER)
