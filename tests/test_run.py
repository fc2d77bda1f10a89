"""`python run.py` stops on Ctrl+C (SIGINT) and SIGTERM within seconds, as a person in a terminal
and a service manager expect; a dossier being rendered then goes back to the queue."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from huey import SqliteHuey

from tests.test_job_recovery import UNIT, alive, queue_in, rendering, wait_for
from zi import jobs
from zi.config import PROJECT_DIR, SHIPPED_CRITERIA_DIR
from zi.db import database, open_database
from zi.models import Assessment, DossierJob, Unit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()
        return True
    except (urllib.error.URLError, OSError):
        return False


def start(scratch: Path, port: int) -> subprocess.Popen:
    """run.py on a scratch instance, the way the before-stop check starts it."""
    env = dict(os.environ, ZI_INSTANCE_DIR=str(scratch / "instance"),
               ZI_EVIDENCE_DIR=str(scratch / "evidence"), ZI_PORT=str(port))
    for name in ("DATABASE_URL", "ZI_REDIS_URL", "ZI_JOBS_IMMEDIATE"):
        env.pop(name, None)
    with open(scratch / "run.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "run.py"], cwd=PROJECT_DIR, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(lambda: serving(port) or process.poll() is not None, 60, 0.2)
    if process.poll() is not None or not serving(port):
        process.kill()
        pytest.fail("run.py did not serve: " + (scratch / "run.log").read_text()[-2000:])
    return process


def stops_within(process: subprocess.Popen, signum: int, seconds: float, scratch: Path) -> float:
    started = time.monotonic()
    process.send_signal(signum)
    try:
        assert process.wait(seconds) == 0, (scratch / "run.log").read_text()[-3000:]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"run.py still running {seconds} s after {signal.Signals(signum).name}")
    return time.monotonic() - started


def queued_jobs(scratch: Path) -> list[int]:
    """Ids of the dossier jobs waiting in the instance's huey queue."""
    queue = SqliteHuey("zi", filename=str(scratch / "instance" / "huey.sqlite3"))
    messages = [queue.serializer.deserialize(data) for data in queue.storage.enqueued_items()]
    return [m.args[0] for m in messages if m.name == "zi.jobs.render_dossier"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_py_stops_on_a_signal(tmp_path, signum):
    port = free_port()
    process = start(tmp_path, port)
    took = stops_within(process, signum, 10, tmp_path)
    assert took < 5, took
    assert not serving(port)
    assert "zi stopped." in (tmp_path / "run.log").read_text()


@pytest.mark.slow
def test_a_dossier_rendering_at_stop_is_requeued_and_rendered_at_the_next_start(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    url = f"sqlite:///{tmp_path / 'instance' / 'zi.sqlite3'}"
    open_database(url)
    settings = {key: "" for key in jobs.JOB_SETTINGS} | {
        "DATABASE_URL": url, "CRITERIA_DIR": str(SHIPPED_CRITERIA_DIR),
        "EVIDENCE_DIR": str(tmp_path / "evidence"), "JOB_STALE_SECONDS": 60}
    try:
        with database.connection_context():
            assessment = Assessment.select().join(Unit).where(Unit.name == UNIT).get()
            job = DossierJob.create(assessment=assessment, variant="internal")
        queue_in(tmp_path)(job.id, settings)

        tree = wait_for(lambda: rendering(process.pid), 60, 0.02)
        assert tree, (tmp_path / "run.log").read_text()[-2000:]
        stops_within(process, signal.SIGTERM, 10, tmp_path)
        assert wait_for(lambda: not any(alive(p) for p in tree), 5)
        with database.connection_context():
            stopped = DossierJob.get_by_id(job.id)
        assert (stopped.status, stopped.worker, stopped.message) == ("queued", "", jobs.REQUEUED_MESSAGE)
        assert queued_jobs(tmp_path) == [job.id]
        assert "Re-queued 1 dossier job(s)" in (tmp_path / "run.log").read_text()

        process = start(tmp_path, port)

        def finished():
            with database.connection_context():
                found = DossierJob.get_by_id(job.id)
            return found if found.status in ("done", "failed") else None

        done = wait_for(finished, 90, 0.3)
        assert done is not None and (done.status, done.progress) == ("done", 100), done and done.message
        assert len(done.sha256) == 64
        stops_within(process, signal.SIGINT, 10, tmp_path)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        database.obj.close()
