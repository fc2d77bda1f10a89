"""Dossier jobs run by a real huey worker, on SQLite storage and on Redis (when reachable)."""

import time

import pytest
from huey import RedisHuey, SqliteHuey

from zi import jobs
from zi.models import Assessment, DossierJob, Unit


def redis_reachable() -> bool:
    import redis

    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def make_queue(kind: str, tmp_path):
    if kind == "redis":
        if not redis_reachable():
            pytest.skip("no Redis server at 127.0.0.1:6379")
        queue = RedisHuey(f"zi-test-{time.time_ns()}", url="redis://127.0.0.1:6379/0")
        queue.flush()
        return queue
    return SqliteHuey("zi-test", filename=str(tmp_path / "huey.sqlite3"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_worker_renders_a_queued_dossier(kind, tmp_path, app, db):
    queue = make_queue(kind, tmp_path)
    task = queue.task()(jobs.run_dossier_job)
    assessment = Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()
    job = DossierJob.create(assessment=assessment, variant="kemenpan")
    task(job.id, jobs.job_settings(app.config))
    assert DossierJob.get_by_id(job.id).status == "queued"  # nothing ran inline
    consumer = queue.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        deadline = time.time() + 60
        while time.time() < deadline and DossierJob.get_by_id(job.id).status not in ("done", "failed"):
            time.sleep(0.2)
    finally:
        consumer.stop(graceful=True)
    done = DossierJob.get_by_id(job.id)
    assert (done.status, done.progress) == ("done", 100), done.message
    assert len(done.sha256) == 64 and done.size > 10_000


def test_redis_is_chosen_by_configuration(monkeypatch):
    monkeypatch.setenv("ZI_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert isinstance(jobs._make_huey(), RedisHuey)
    monkeypatch.delenv("ZI_REDIS_URL")
    assert isinstance(jobs._make_huey(), SqliteHuey)
