"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key")

from zi import demo, migrations  # noqa: E402
from zi.catalogs import compile_catalogs  # noqa: E402
from zi.config import SHIPPED_CRITERIA_DIR  # noqa: E402

compile_catalogs()  # a .po edited since setup is what the tests should see
from zi.criteria import load_file  # noqa: E402
from zi.db import database, open_database  # noqa: E402

SHIPPED_CRITERIA = SHIPPED_CRITERIA_DIR / "lke-2021.yaml"

# The best answer of each count-based item (value 1).
FULL_COUNTS = {
    "R-MP-i-a": {"agents": 5, "changes": 5},
    "R-MP-i-b": {"changes": 5, "integrated": 5},
    "R-SDM-iii-a": {"last_year": 0, "this_year": 0, "sanctioned": 0},
    "R-AK-i-a": {"targets": 4, "achieved": 4},
    "R-PW-ii-a": {"to_follow_up": 3, "in_process": 0, "completed": 3},
    "R-PW-iii-a": {"heads": 1, "officials": 2, "others": 0, "reported": 3},
    "R-PW-iii-b": {"echelon3": 1, "echelon4": 2, "staff": 10, "reported": 13},
    "R-PP-i-b": {"registered": 4, "simplified": 4},
}


@pytest.fixture(scope="session")
def criteria():
    return load_file(SHIPPED_CRITERIA)


@pytest.fixture(scope="session")
def criteria_text() -> str:
    return SHIPPED_CRITERIA.read_text(encoding="utf-8")


def best_answer(item):
    if item.type == "percent":
        return dict(FULL_COUNTS[item.code])
    if item.type == "index_0_4":
        return 4
    return item.options[0].key


def worst_answer(item):
    if item.type == "percent":
        counts = {c: 0 for c in item.count_ids}
        if item.code == "R-SDM-iii-a":
            counts["this_year"] = 2
        if item.code == "R-AK-i-a":
            counts["targets"] = 3
        if item.formula.kind == "ratio" and item.formula.when_zero == 1:
            counts[item.formula.denominator[0]] = 2
        return counts
    if item.type == "index_0_4":
        return 0
    return item.options[-1].key


@pytest.fixture
def full_answers(criteria) -> dict:
    """Every item at its best answer: a total of 100."""
    return {item.code: best_answer(item) for item in criteria.items}


@pytest.fixture
def tmp_criteria(tmp_path: Path, criteria_text: str):
    """Write a (changed) copy of the shipped criteria and return its path."""

    def write(text: str = criteria_text, name: str = "lke-test.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- the web app on a real database -------------------------------------------

POSTGRES_URL = os.environ.get("ZI_TEST_DATABASE_URL", "")


def reset_postgres(url: str) -> None:
    db = open_database(url)
    db.connect(reuse_if_open=True)
    tables = db.get_tables()
    if tables:
        db.execute_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    db.close()


def build_demo(url: str) -> None:
    db = open_database(url)
    with db.connection_context():
        migrations.upgrade(db)
        with db.atomic():
            demo.load(load_file(SHIPPED_CRITERIA))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A demo database built once per session (SQLite), copied for each test."""
    if POSTGRES_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "zi.sqlite3"
    build_demo(f"sqlite:///{path}")
    database.obj.close()
    return path


@pytest.fixture
def database_url(tmp_path, demo_template) -> str:
    if POSTGRES_URL:
        reset_postgres(POSTGRES_URL)
        build_demo(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path / "zi.sqlite3"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    from zi.web import create_app

    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
    })
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    def as_(email: str, password: str = demo.DEMO_PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return as_


@pytest.fixture
def db(app):
    """The test's database, connected, for arranging and asserting outside requests."""
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


# --- moto's real S3 API server --------------------------------------------------

S3_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                  "region_name": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on 127.0.0.1 and a free port, shared by the whole session."""
    import threading

    try:
        from moto.server import ThreadedMotoServer
    except Exception as err:  # pragma: no cover - depends on the environment
        pytest.skip(f"moto[server] is not importable ({err}); pip install 'moto[server]'")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    starter.join(timeout=15)
    try:
        host, port = server.get_host_and_port()
    except Exception as err:  # pragma: no cover
        pytest.skip(f"moto's S3 server did not start on 127.0.0.1 within 15 s: {err!r}")
    yield f"http://{host}:{port}"
    server.stop()
