"""A dossier job whose worker died is failed with a message, a live worker's job is left alone,
and the PDF renderer dies with its worker and obeys its time limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from huey import SqliteHuey

from zi import jobs
from zi.config import PROJECT_DIR
from zi.dossier import render
from zi.models import Assessment, DossierJob, Unit, now

UNIT = "Bagian Pengadaan Barang dan Jasa"


def assessment():
    return Assessment.select().join(Unit).where(Unit.name == UNIT).get()


def processes() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, state) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
            found[int(entry.name)] = (int(ppid), state)
    return found


def descendants(pid: int) -> dict[int, int]:
    """pid → depth below `pid` of every live process descending from it."""
    table = processes()
    found, level, depth = {}, {pid}, 0
    while level:
        depth += 1
        level = {p for p, (ppid, state) in table.items() if ppid in level and state != "Z"}
        found.update({p: depth for p in level})
    return found


def rendering(pid: int) -> dict[int, int] | None:
    """The processes below `pid` once a renderer runs (a fork of the fork server: worker → fork
    server → renderer, not a helper such as gcc that the fork server runs while importing
    WeasyPrint); None before."""
    tree = descendants(pid)
    for child, depth in tree.items():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if depth == 2 and b"multiprocessing.forkserver" in command:
            return tree
    return None


def alive(pid: int) -> bool:
    state = processes().get(pid)
    return state is not None and state[1] != "Z"


def wait_for(condition, seconds: float, step: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return condition()


# --- recovery decisions, in process -------------------------------------------------------------

def test_only_silent_jobs_are_failed_and_a_live_heartbeat_keeps_its_job(app, db, monkeypatch):
    old = now() - timedelta(minutes=5)
    dead = DossierJob.create(assessment=assessment(), variant="kemenpan", status="running",
                             worker="host-a:4242:Worker-1", heartbeat_at=old)
    legacy = DossierJob.create(assessment=assessment(), variant="internal", status="running", created_at=old)
    queued = DossierJob.create(assessment=assessment(), variant="internal", created_at=old)
    live = DossierJob.create(assessment=assessment(), variant="kemenpan", status="running",
                             worker="host-b:7:Worker-2", heartbeat_at=now(), created_at=old)
    beating = jobs._Running(live.id, live.worker, {"JOB_STALE_SECONDS": 1})  # beats every 0.25 s
    beating.thread.start()
    try:
        time.sleep(1.5)  # longer than the threshold: only the heartbeat keeps `live` fresh
        monkeypatch.setenv("ZI_JOB_STALE_SECONDS", "1")
        jobs.recover_stale_jobs.call_local()  # the periodic task (also run when a worker starts)
    finally:
        beating.stop.set()
        beating.thread.join(5)

    dead, legacy, queued, live = (DossierJob.get_by_id(j.id) for j in (dead, legacy, queued, live))
    assert (dead.status, legacy.status) == ("failed", "failed")
    assert "host-a:4242:Worker-1" in dead.message and "berhenti" in dead.message
    assert dead.message.count(" WIB)") == 1  # the last sign of life in the unit's time zone, not UTC
    assert dead.finished_at is not None
    assert queued.status == "queued"  # waiting for a worker is not a crash
    assert live.status == "running" and live.message == ""
    assert live.heartbeat_at > now() - timedelta(seconds=1)


def test_the_job_page_shows_why_a_silent_job_failed(app, db, login):
    job = DossierJob.create(assessment=assessment(), variant="kemenpan", status="running", progress=40,
                            worker="host-a:4242:Worker-1", heartbeat_at=now() - timedelta(minutes=10))
    client = login("admin@contoh.go.id")
    page = client.get(f"/dossiers/jobs/{job.id}").get_data(as_text=True)
    assert "berhenti di tengah jalan" in page and "host-a:4242:Worker-1" in page
    status = client.get(f"/dossiers/jobs/{job.id}.json").get_json()
    assert status["status"] == "failed" and "Silakan minta dosir lagi" in status["message"]

    fresh = DossierJob.create(assessment=assessment(), variant="kemenpan", status="running",
                              worker="host-b:7:Worker-1", heartbeat_at=now())
    assert client.get(f"/dossiers/jobs/{fresh.id}.json").get_json()["status"] == "running"


def test_a_job_already_taken_is_not_rendered_again(app, db):
    job = DossierJob.create(assessment=assessment(), variant="kemenpan", status="running",
                            worker="host-b:7:Worker-1", heartbeat_at=now())
    jobs.run_dossier_job(job.id, jobs.job_settings(app.config))
    assert DossierJob.get_by_id(job.id).worker == "host-b:7:Worker-1"


# --- real worker processes ----------------------------------------------------------------------

def start_worker(tmp_path: Path, database_url: str, log_name: str) -> subprocess.Popen:
    """`huey_consumer zi.jobs.huey` with its queue in tmp_path/instance, as an operator starts it."""
    env = dict(os.environ, ZI_INSTANCE_DIR=str(tmp_path / "instance"), DATABASE_URL=database_url,
               ZI_EVIDENCE_DIR=str(tmp_path / "evidence"), ZI_JOB_STALE_SECONDS="2")
    env.pop("ZI_REDIS_URL", None)
    command = [sys.executable, "-m", "huey.bin.huey_consumer", "zi.jobs.huey", "-w", "1", "-m", "1"]
    with open(tmp_path / log_name, "wb") as log:  # the worker writes to its own copy
        return subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def queue_in(tmp_path: Path):
    """The workers' queue, seen from this test: `render_dossier` under the name they know."""
    (tmp_path / "instance").mkdir(exist_ok=True)
    queue = SqliteHuey("zi", filename=str(tmp_path / "instance" / "huey.sqlite3"))
    return queue.task(name="render_dossier")(jobs.run_dossier_job)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_a_killed_worker_leaves_no_renderer_and_its_job_fails_at_the_next_start(app, db, tmp_path,
                                                                                 database_url):
    settings = jobs.job_settings(app.config)
    render_dossier = queue_in(tmp_path)
    first = DossierJob.create(assessment=assessment(), variant="internal")
    render_dossier(first.id, settings)
    worker = start_worker(tmp_path, database_url, "worker-a.log")
    try:
        tree = wait_for(lambda: rendering(worker.pid), 60, 0.02)
        assert tree, (tmp_path / "worker-a.log").read_text()
        assert DossierJob.get_by_id(first.id).status == "running"
        worker.kill()
        worker.wait()
    finally:
        stop(worker)

    # The fork server, the renderer (and multiprocessing's resource tracker) go with the worker.
    assert wait_for(lambda: not any(alive(p) for p in tree), 5), {p: alive(p) for p in tree}
    job = DossierJob.get_by_id(first.id)
    assert job.status == "running" and job.worker.endswith(f":{worker.pid}:Worker-1")

    # A job of another, live worker, beating its heartbeat while a new worker starts.
    live = DossierJob.create(assessment=assessment(), variant="kemenpan", status="running",
                             worker="elsewhere:1:Worker-1", heartbeat_at=now())
    beating = jobs._Running(live.id, live.worker, {"JOB_STALE_SECONDS": 2})
    beating.thread.start()
    time.sleep(2.5)  # the killed worker's heartbeat is now older than ZI_JOB_STALE_SECONDS=2
    second = start_worker(tmp_path, database_url, "worker-b.log")
    try:
        failed = wait_for(lambda: DossierJob.get_by_id(first.id).status == "failed", 30)
        assert failed, (tmp_path / "worker-b.log").read_text()
        message = DossierJob.get_by_id(first.id).message
        assert f":{worker.pid}:Worker-1" in message and "berhenti di tengah jalan" in message
        assert DossierJob.get_by_id(live.id).status == "running"

        again = DossierJob.create(assessment=assessment(), variant="kemenpan")
        render_dossier(again.id, settings)
        assert wait_for(lambda: DossierJob.get_by_id(again.id).status in ("done", "failed"), 90, 0.2)
        done = DossierJob.get_by_id(again.id)
        assert (done.status, done.progress) == ("done", 100), done.message
        assert len(done.sha256) == 64 and done.worker.endswith(f":{second.pid}:Worker-1")
        assert DossierJob.get_by_id(live.id).status == "running"
    finally:
        beating.stop.set()
        stop(second)


@pytest.mark.slow
def test_the_renderer_is_killed_at_its_time_limit(monkeypatch):
    monkeypatch.setenv("ZI_DOSSIER_TIMEOUT", "2")
    rows = "".join(f"<tr><td>{i}</td><td>{'kata ' * 40}</td></tr>" for i in range(40_000))
    started = time.monotonic()
    with pytest.raises(render.RenderError, match="longer than 2 s"):
        render.html_to_pdf(f"<table>{rows}</table>")
    took = time.monotonic() - started
    assert took < 15  # 2 s plus starting the fork server (importing WeasyPrint) on a busy machine
    # No renderer left: nothing below this process but the fork server and the resource tracker.
    below = lambda: descendants(os.getpid())  # noqa: E731
    assert wait_for(lambda: max(below().values(), default=1) == 1, 5), below()
