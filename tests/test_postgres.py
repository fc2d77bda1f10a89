"""The tracker on a real PostgreSQL server (CI runs the whole suite there as well)."""

import os

import pytest

from zi import answers, migrations
from zi.db import open_database
from zi.models import Answer, Assessment, Unit

from .conftest import build_demo, ensure_database, reset_postgres, worker_url

BASE_URL = os.environ.get("ZI_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
URL = worker_url(BASE_URL)  # with pytest-xdist, this worker's own database


def reachable(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(BASE_URL, connect_timeout=2).close()
        ensure_database(BASE_URL, url)
        return True
    except psycopg2.OperationalError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not reachable(URL), reason=f"no PostgreSQL server at {URL}"),
]


def test_demo_round_trip_on_postgres(criteria):
    reset_postgres(URL)
    build_demo(URL)
    db = open_database(URL)
    with db.connection_context():
        assert db.__class__.__name__ == "PostgresqlDatabase"
        assert migrations.current_version(db) == migrations.latest_version()
        a = Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()
        saved = answers.save_answer(criteria, a, None, "unit", "R-MP-i-a", {"agents": 4, "changes": 3}, "", 1)
        assert saved.version == 2
        stored = Answer.get_by_id(saved.id)
        assert stored.value == {"agents": 4, "changes": 3}
        report = answers.report(criteria, a, answers.layer_answers(a, "unit"))
        assert report.items["R-MP-i-a"].value * 4 == 3
