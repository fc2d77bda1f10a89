"""Fixtures shared by the whole suite."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key")
# Cheap Argon2 for every hash the suite makes (here and in the `zi` processes it starts): the demo
# alone hashes five passwords. test_passwords_keep_rfc_9106_by_default checks the production ones.
CHEAP_ARGON2 = {"ZI_ARGON2_TIME_COST": "1", "ZI_ARGON2_MEMORY_KIB": "8", "ZI_ARGON2_PARALLELISM": "1"}
os.environ.update(CHEAP_ARGON2)

from zi import demo, migrations  # noqa: E402
from zi.catalogs import compile_catalogs  # noqa: E402
from zi.config import SHIPPED_CRITERIA_DIR  # noqa: E402

compile_catalogs()  # a .po edited since setup is what the tests should see
from zi.criteria import load_directory  # noqa: E402
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


# The SPTJM letter's number and place a submission signs (zi.workflow.check_letter); the demo head has
# a NIP and a position.
SPTJM_LETTER = {"sptjm_number": "800/1/ZI/2026", "sptjm_place": "Kota Contoh"}


_REGISTRY: dict = {}


def shipped_registry() -> dict:
    """The shipped criteria, loaded once per process and shared by every app the suite creates
    (`create_app(..., criteria=...)`); nothing mutates loaded criteria."""
    if not _REGISTRY:
        _REGISTRY.update(load_directory(SHIPPED_CRITERIA_DIR))
    return _REGISTRY


def shipped_criteria():
    return next(c for c in shipped_registry().values() if Path(c.source) == SHIPPED_CRITERIA)


@pytest.fixture(scope="session")
def criteria_registry() -> dict:
    return shipped_registry()


@pytest.fixture(scope="session")
def criteria():
    return shipped_criteria()


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


def worker_url(url: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database: `<name>_gw0`, `<name>_gw1`, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/')}_{worker}"))


def ensure_database(base_url: str, url: str) -> None:
    """Create the database of `url` (a sibling of `base_url`'s) when it does not exist yet."""
    if url == base_url:
        return
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(base_url)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()


POSTGRES_BASE_URL = os.environ.get("ZI_TEST_DATABASE_URL", "")
POSTGRES_URL = worker_url(POSTGRES_BASE_URL)


def reset_postgres(url: str) -> None:
    db = open_database(url)
    db.connect(reuse_if_open=True)
    tables = db.get_tables()
    if tables:
        db.execute_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
    db.close()


def build_demo(url: str, evidence_dir: Path | None = None) -> None:
    """The demo in the database of `url`. The suite's demo has no evidence (the evidence tests count
    documents from zero); with `evidence_dir`, the demo's documents are stored there."""
    from zi.evidence import LocalStore

    db = open_database(url)
    with db.connection_context():
        migrations.upgrade(db)
        with db.atomic():
            demo.load(shipped_criteria(), store=LocalStore(evidence_dir) if evidence_dir else None)


# The schema as a string: a test that migrated, dropped or altered tables changes it, and the next
# test then gets a rebuilt database rather than rows copied into the wrong shape.
_SCHEMA_SQL = """
SELECT string_agg(x, ',' ORDER BY x) FROM (
  SELECT 'c:' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) AS x
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'i:' || indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT 't:' || t.tgname || '@' || t.tgrelid::regclass::text FROM pg_trigger t WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'k:' || conname || '@' || conrelid::regclass::text FROM pg_constraint
   WHERE connamespace = 'public'::regnamespace
) s
"""
# Foreign keys between public tables: referencing table, referenced table.
_REFERENCES_SQL = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
 WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
"""
class PostgresDemo:
    """The demo, built once per session (per xdist worker) and copied out with COPY; each test gets
    it back by emptying every table, COPY in and setval of every sequence: about 20 ms instead of
    2-3 s for dropping, migrating and loading the demo.

    Emptying is DELETE (children first), not TRUNCATE ... RESTART IDENTITY CASCADE: on this server
    TRUNCATE of the 18 tables costs 0.25-0.45 s (new files for each table and index), DELETE 15 ms.
    audit_event's append-only triggers (m0005) refuse row DELETEs, so the restore disables the
    tables' own triggers inside its transaction; other connections never see them disabled.
    (TRUNCATE would pass them: it fires no row-level DELETE trigger, see test_suite_speed.)"""

    def __init__(self, url: str):
        self.url = url
        self.connection = None
        self.build()

    def _cursor(self):
        import psycopg2

        if self.connection is None or self.connection.closed:
            self.connection = psycopg2.connect(self.url)
        return self.connection.cursor()

    def build(self) -> None:
        with self._cursor() as cursor:  # a test database: no commit waits for its WAL flush
            cursor.execute("SELECT current_database()")
            cursor.execute(f'ALTER DATABASE "{cursor.fetchone()[0]}" SET synchronous_commit = off')
        self.connection.commit()
        self.connection.close()  # new connections (the app's too) take the setting
        reset_postgres(self.url)
        build_demo(self.url)
        database.close()
        with self._cursor() as cursor:
            cursor.execute(_SCHEMA_SQL)
            self.schema = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = sorted(row[0] for row in cursor.fetchall())
            cursor.execute(_REFERENCES_SQL)
            references = cursor.fetchall()
            self.tables = _referenced_first(tables, references)
            self.rows = {}
            for table in self.tables:
                buffer = io.BytesIO()
                cursor.copy_expert(f'COPY "{table}" TO STDOUT', buffer)
                self.rows[table] = buffer.getvalue()
            cursor.execute("SELECT sequencename, start_value, last_value FROM pg_sequences "
                           "WHERE schemaname = 'public'")
            self.sequences = cursor.fetchall()
        self.connection.rollback()

    def restore(self) -> None:
        with self._cursor() as cursor:
            cursor.execute("SET lock_timeout = '30s'")  # a connection a test left open fails loudly
            cursor.execute(_SCHEMA_SQL)
            if cursor.fetchone()[0] != self.schema:
                self.connection.rollback()
                self.build()
                return
            cursor.execute("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace")
            guarded = [row[0] for row in cursor.fetchall()]
            for table in guarded:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            for table in reversed(self.tables):
                cursor.execute(f'DELETE FROM "{table}"')
            for table in self.tables:
                if self.rows[table]:
                    cursor.copy_expert(f'COPY "{table}" FROM STDIN', io.BytesIO(self.rows[table]))
            for table in guarded:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
            for sequence, start, last in self.sequences:
                called = last is not None
                cursor.execute("SELECT setval(%s, %s, %s)", (sequence, last if called else start, called))
        self.connection.commit()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _referenced_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """Tables ordered so that every table comes after the ones its foreign keys point to."""
    remaining = {t: {to.strip('"') for frm, to in references if frm.strip('"') == t and to.strip('"') != t}
                 for t in tables}
    ordered: list[str] = []
    while remaining:
        ready = sorted(t for t, needs in remaining.items() if not needs - set(ordered))
        if not ready:  # a cycle through nullable keys (instansi.tpi_chair <-> user.created_in): the
            # demo leaves one side NULL, so the table with the fewest unmet needs goes first
            ready = [min(sorted(remaining), key=lambda t: len(remaining[t] - set(ordered)))]
        ordered += ready
        for t in ready:
            del remaining[t]
    return ordered


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A demo database built once per session (SQLite, copied for each test; None on PostgreSQL)."""
    if POSTGRES_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "zi.sqlite3"
    build_demo(f"sqlite:///{path}")
    database.obj.close()
    return path


@pytest.fixture(scope="session")
def postgres_demo():
    """This worker's PostgreSQL database with the demo and its snapshot (with ZI_TEST_DATABASE_URL only)."""
    if not POSTGRES_URL:
        yield None
        return
    ensure_database(POSTGRES_BASE_URL, POSTGRES_URL)
    snapshot = PostgresDemo(POSTGRES_URL)
    yield snapshot
    snapshot.close()


@pytest.fixture
def database_url(tmp_path, demo_template, postgres_demo) -> str:
    if postgres_demo is not None:
        postgres_demo.restore()
        return POSTGRES_URL
    path = tmp_path / "zi.sqlite3"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path, criteria_registry):
    from zi.web import create_app

    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
    }, criteria=criteria_registry)
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
def cli(database_url, tmp_path):
    """`zi` in-process on the test's database: `cli("lke", "export", …)` gives click's Result
    (modules with other needs define their own `cli`)."""
    from click.testing import CliRunner

    from zi.cli import main

    env = {"DATABASE_URL": database_url, "ZI_EVIDENCE_DIR": str(tmp_path / "evidence"), "ZI_S3_BUCKET": "",
           "ZI_BASE_URL": "https://zi.example", "ZI_LOCALE": ""}

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)

    return invoke


def demo_assessment(year: int = 2026):
    """The demo's procurement unit's assessment of `year`."""
    from zi.demo import PROCUREMENT
    from zi.models import Assessment, Period, Unit

    return (Assessment.select().join(Unit).switch(Assessment).join(Period)
            .where((Unit.name == PROCUREMENT) & (Period.year == year)).get())


@pytest.fixture
def db(app):
    """The test's database, connected, for arranging and asserting outside requests."""
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def production_argon2(monkeypatch):
    """RFC 9106's Argon2 parameters for one test (timing), as without the suite's ZI_ARGON2_* settings."""
    from zi import passwords

    for name in CHEAP_ARGON2:
        monkeypatch.delenv(name)
    yield passwords.configure()
    passwords.configure(*(int(CHEAP_ARGON2[name]) for name in CHEAP_ARGON2))


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


# --- a real SMTP server (aiosmtpd) on 127.0.0.1 -------------------------------------


class Mailbox:
    """What the local SMTP server received: `messages` as email.message.Message objects."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    def body(self, message) -> str:
        return message.get_body(("plain",)).get_content()


@pytest.fixture
def smtp_server():
    """aiosmtpd on a free port; yields (host, port, mailbox)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield "127.0.0.1", port, mailbox
    controller.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending its mail to the local SMTP server; yields the mailbox."""
    host, port, mailbox = smtp_server
    app.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_FROM="zi@contoh.go.id",
                      BASE_URL="http://zi.contoh.go.id")
    yield mailbox
