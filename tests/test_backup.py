"""`zi backup` and `zi restore`: a filled demo goes into one archive and comes back elsewhere
with every row, every evidence byte and every score the same; damaged, foreign or hostile
archives and occupied instances are refused with nothing changed.

Runs on SQLite, and on PostgreSQL (pg_dump/psql) when ZI_TEST_DATABASE_URL is set: the restore
target is then a second database on the same server."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sqlite3
import stat
import tarfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner

from zi import answers, migrations
from zi.cli import main
from zi.db import open_database
from zi.demo import PROCUREMENT, SECOND_UNIT
from zi.evidence import LocalStore, S3Store
from zi.evidence.service import upload
from zi.models import Assessment, Unit, User

from .conftest import POSTGRES_URL
from .conftest import S3_CREDENTIALS as CREDENTIALS
from .evidence.helpers import pdf, png

MB = 1024 * 1024


def run(env: dict, *args: str):
    return CliRunner().invoke(main, list(args), env={k: str(v) for k, v in env.items()})


def instance_env(url: str, root: Path) -> dict:
    return {"DATABASE_URL": url, "ZI_INSTANCE_DIR": root / "instance", "ZI_EVIDENCE_DIR": root / "evidence"}


# --- what an instance holds ---------------------------------------------------------------


def _connect(url: str):
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg2

    return psycopg2.connect(url)


def tables(url: str) -> dict[str, list]:
    """Every table's rows, in a stable order."""
    connection = _connect(url)
    try:
        cursor = connection.cursor()
        if url.startswith("sqlite:///"):
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        names = sorted(row[0] for row in cursor.fetchall())
        found = {}
        for name in names:
            cursor.execute(f'SELECT * FROM "{name}"')
            found[name] = sorted(cursor.fetchall(), key=repr)
        return found
    finally:
        connection.close()


def stored_paths(root: Path) -> list[Path]:
    """The store's files, without its tmp/ folder."""
    return [p for p in sorted(root.rglob("*")) if p.is_file() and p.relative_to(root).parts[0] != "tmp"]


def evidence_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in stored_paths(root)}


def scores(url: str, criteria) -> dict:
    db = open_database(url)
    with db.connection_context():
        return {a.id: (answers.report(criteria, a, answers.layer_answers(a, "unit")),
                       answers.report(criteria, a, answers.layer_answers(a, "tpi")))
                for a in Assessment.select().order_by(Assessment.id)}


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def source(app, db, database_url, criteria, tmp_path) -> dict:
    """The demo with evidence uploaded through the service (one file shared by two documents)
    and a stale temporary upload that must stay out of the backup."""
    store = LocalStore(app.config["EVIDENCE_DIR"])
    own = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    second = Assessment.select().join(Unit).where(Unit.name == SECOND_UNIT).get()
    member = User.get(User.email == "anggota@contoh.go.id")
    files = [(own, "sk-tim.pdf", pdf("SK Tim"), ["P-MP-i-a"]),
             (own, "foto.png", png(), ["P-MP-i-b", "P-MP-ii-a"]),
             (second, "rencana.pdf", pdf("Rencana kerja") * 200, ["P-MP-i-a"]),
             (second, "sk-tim-lagi.pdf", pdf("SK Tim"), [])]
    for assessment, name, content, codes in files:
        upload(store, assessment, member, io.BytesIO(content), name, criteria=criteria, max_bytes=MB,
               item_codes=codes)
    store.tmp.mkdir(parents=True, exist_ok=True)
    (store.tmp / "upload-stale.part").write_bytes(b"half an upload")
    db.close()
    env = {"DATABASE_URL": database_url, "ZI_INSTANCE_DIR": tmp_path / "instance",
           "ZI_EVIDENCE_DIR": app.config["EVIDENCE_DIR"]}
    return {"env": env, "url": database_url, "evidence": Path(app.config["EVIDENCE_DIR"])}


def _postgres_sibling(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture
def target(tmp_path) -> dict:
    """An empty instance to restore into: a new folder, and on PostgreSQL a new database."""
    root = tmp_path / "restored"
    if not POSTGRES_URL:
        yield instance_env(f"sqlite:///{root / 'instance' / 'zi.sqlite3'}", root)
        return
    import psycopg2

    name = urlsplit(POSTGRES_URL).path.lstrip("/") + "_restore"
    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    yield instance_env(_postgres_sibling(POSTGRES_URL, name), root)
    from zi.db import database

    if not database.is_closed():
        database.close()
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def archive(source, tmp_path) -> Path:
    path = tmp_path / "backups" / "zi.tar.gz"
    result = run(source["env"], "backup", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def write_archive(path: Path, entries: dict[str, bytes], manifest: dict | None = None) -> Path:
    """A .tar.gz with these entries; `manifest` (format fields) gets the files' real checksums."""
    if manifest is not None:
        manifest = {**manifest, "files": {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                                          for n, d in entries.items() if n != "manifest.json"}}
        entries = {**entries, "manifest.json": json.dumps(manifest).encode()}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


# --- the round trip -----------------------------------------------------------------------


def test_backup_restores_every_row_byte_and_score_elsewhere(source, archive, target, criteria):
    content = members(archive)
    manifest = json.loads(content["manifest.json"])
    assert manifest["format"] == "zi-backup"
    assert manifest["schema_version"] == migrations.latest_version()
    assert manifest["database"] == ("postgresql" if POSTGRES_URL else "sqlite")
    assert manifest["zi_version"]
    assert set(manifest["files"]) == set(content) - {"manifest.json"}
    for name, data in content.items():
        if name != "manifest.json":
            assert manifest["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    stored = evidence_files(source["evidence"])
    assert len(stored) == 3  # two identical SK files are stored once
    assert {f"evidence/{name}" for name in stored} == {n for n in content if n.startswith("evidence/")}
    assert not any("tmp" in n or "stale" in n for n in content)
    assert "secret_key" not in content and not manifest["with_secrets"]
    assert not list(archive.parent.glob(".*")), "no temporary file left beside the archive"

    result = run(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "3 evidence file(s) checked, 0 missing, 0 altered" in result.output

    before, after = tables(source["url"]), tables(target["DATABASE_URL"])
    assert set(before) == set(after) and {"evidence_file", "audit_event", "answer"} <= set(before)
    for name in before:
        assert after[name] == before[name], name
    assert len(before["evidence_file"]) == 3 and len(before["evidence_document"]) == 4
    assert evidence_files(Path(target["ZI_EVIDENCE_DIR"])) == stored
    verify = run(target, "evidence", "verify")
    assert verify.exit_code == 0, verify.output
    assert scores(target["DATABASE_URL"], criteria) == scores(source["url"], criteria)


def test_an_instance_with_a_database_is_refused_unless_forced(source, archive, target):
    assert run(target, "restore", str(archive)).exit_code == 0
    db = open_database(target["DATABASE_URL"])
    with db.connection_context():
        User.create(email="baru@contoh.go.id", name="Ditambahkan setelah pemulihan", password_hash="x")
    changed = tables(target["DATABASE_URL"])

    refused = run(target, "restore", str(archive))
    assert refused.exit_code == 2
    assert "already has a database" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.output
    assert tables(target["DATABASE_URL"]) == changed

    # --force recreates it, although the audit table refuses every DELETE
    forced = run(target, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert tables(target["DATABASE_URL"]) == tables(source["url"])
    db = open_database(target["DATABASE_URL"])
    with db.connection_context():
        assert not User.select().where(User.email == "baru@contoh.go.id").exists()
        with pytest.raises(Exception, match="append-only"), db.atomic():
            db.execute_sql("DELETE FROM audit_event")


def _corrupt_payload(path: Path, out: Path) -> Path:
    """The same archive with one byte of the database changed, recompressed (valid gzip and tar,
    so only the manifest's SHA-256 can tell)."""
    entries = members(path)
    name = next(n for n in entries if n.startswith("database/"))
    data = bytearray(entries[name])
    data[len(data) // 2] ^= 0x01
    entries[name] = bytes(data)
    return write_archive(out, entries)


def test_a_damaged_or_foreign_archive_changes_nothing(source, archive, target, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    flipped = tmp_path / "flipped.tar.gz"
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    flipped.write_bytes(bytes(raw))
    foreign = write_archive(tmp_path / "foreign.tar.gz", {"notes.txt": b"hello"})
    not_ours = write_archive(tmp_path / "other.tar.gz", {"manifest.json": b'{"format": "something"}'})
    not_tar = tmp_path / "plain.tar.gz"
    not_tar.write_bytes(gzip.compress(b"just text, not a tar"))
    bad = [_corrupt_payload(archive, tmp_path / "payload.tar.gz"), truncated, flipped, foreign, not_ours,
           not_tar, tmp_path / "absent.tar.gz"]

    for path in bad:
        result = run(target, "restore", str(path))
        assert result.exit_code == 2, (path.name, result.output)
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.output, path.name
    assert not Path(target["ZI_INSTANCE_DIR"]).exists() and not Path(target["ZI_EVIDENCE_DIR"]).exists()
    if POSTGRES_URL:
        assert tables(target["DATABASE_URL"]) == {}

    # over an existing instance, even with --force: still nothing changed
    assert run(target, "restore", str(archive)).exit_code == 0
    before = tables(target["DATABASE_URL"])
    before_files = evidence_files(Path(target["ZI_EVIDENCE_DIR"]))
    for path in bad[:3]:
        assert run(target, "restore", "--force", str(path)).exit_code == 2
    assert tables(target["DATABASE_URL"]) == before
    assert evidence_files(Path(target["ZI_EVIDENCE_DIR"])) == before_files


def test_the_secret_key_only_with_with_secrets(source, target, tmp_path):
    instance = Path(source["env"]["ZI_INSTANCE_DIR"])
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "secret_key").write_text("rahasia-instansi-0123456789")
    plain, secret = tmp_path / "plain.tar.gz", tmp_path / "secret.tar.gz"

    assert run(source["env"], "backup", "-o", str(plain)).exit_code == 0
    assert "secret_key" not in members(plain)
    assert b"rahasia-instansi" not in gzip.decompress(plain.read_bytes())

    result = run(source["env"], "backup", "--with-secrets", "-o", str(secret))
    assert result.exit_code == 0, result.output
    assert members(secret)["secret_key"] == b"rahasia-instansi-0123456789"
    assert json.loads(members(secret)["manifest.json"])["with_secrets"] is True

    assert run(target, "restore", str(secret)).exit_code == 0
    restored = Path(target["ZI_INSTANCE_DIR"]) / "secret_key"
    assert restored.read_text() == "rahasia-instansi-0123456789"
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600


def test_a_failed_backup_leaves_no_half_archive(source, tmp_path):
    output = tmp_path / "out" / "zi.tar.gz"
    output.parent.mkdir()
    output.write_bytes(b"yesterday's backup")
    # no secret key file to include: refused after nothing was written
    result = run(source["env"], "backup", "--with-secrets", "-o", str(output))
    assert result.exit_code == 2 and "secret key" in result.stderr
    # a database that is not there
    env = {**source["env"], "DATABASE_URL": f"sqlite:///{tmp_path / 'nowhere' / 'zi.sqlite3'}"}
    result = run(env, "backup", "-o", str(output))
    assert result.exit_code == 2 and "no database" in result.stderr
    # the evidence folder cannot be read midway (a file the store holds is unreadable)
    if os.geteuid() != 0:
        victim = next(iter(stored_paths(source["evidence"])))
        victim.chmod(0)
        assert run(source["env"], "backup", "-o", str(output)).exit_code != 0
    assert output.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in output.parent.iterdir()) == ["zi.tar.gz"]


@pytest.mark.parametrize("name", ["../escaped", "/tmp/zi-absolute-escape", "evidence/../../escaped",
                                  "./manifest.json", "link", "folder"])
def test_hostile_paths_in_the_archive_are_refused(archive, target, tmp_path, name):
    entries = members(archive)
    manifest = json.loads(entries.pop("manifest.json"))
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member_name, data in entries.items():
            info = tarfile.TarInfo(member_name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(name)
        payload = b"hostile"
        if name == "link":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        elif name == "folder":
            info.type = tarfile.DIRTYPE
        else:
            info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload) if info.isreg() else None)
        manifest["files"][name] = {"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    result = run(target, "restore", str(path))
    assert result.exit_code == 2, result.output
    assert "Error: " in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()
    assert not Path("/tmp/zi-absolute-escape").exists()
    assert not Path(target["ZI_INSTANCE_DIR"]).exists()


def test_an_older_schema_is_migrated_on_restore(tmp_path):
    """A backup made before the newest migrations (schema 5) comes back at the newest schema."""
    old = tmp_path / "old"
    url = f"sqlite:///{old / 'instance' / 'zi.sqlite3'}"
    db = open_database(url)
    with db.connection_context():
        migrations.upgrade(db, target=5)
        db.execute_sql("INSERT INTO instansi (name, kind, created_at) VALUES ('Pemkab Lama', 'pemda', "
                       "'2024-01-01 00:00:00')")
    path = tmp_path / "old.tar.gz"
    result = run(instance_env(url, old), "backup", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(members(path)["manifest.json"])["schema_version"] == 5

    restored = tmp_path / "new"
    new_url = f"sqlite:///{restored / 'instance' / 'zi.sqlite3'}"
    result = run(instance_env(new_url, restored), "restore", str(path))
    assert result.exit_code == 0, result.output
    if migrations.latest_version() > 5:
        assert "Applied migrations [6" in result.output
    db = open_database(new_url)
    with db.connection_context():
        assert migrations.current_version(db) == migrations.latest_version()
        assert db.execute_sql("SELECT name FROM instansi").fetchall() == [("Pemkab Lama",)]


def test_a_newer_or_other_kind_backup_is_refused(archive, target, tmp_path):
    entries = members(archive)
    manifest = json.loads(entries.pop("manifest.json"))
    newer = write_archive(tmp_path / "newer.tar.gz", entries,
                          {**manifest, "schema_version": migrations.latest_version() + 1})
    result = run(target, "restore", str(newer))
    assert result.exit_code == 2 and "newer zi" in result.stderr

    other = "sqlite" if POSTGRES_URL else "postgresql"
    database = next(n for n in entries if n.startswith("database/"))
    entries["database/zi.sql" if other == "postgresql" else "database/zi.sqlite3"] = entries.pop(database)
    swapped = write_archive(tmp_path / "swapped.tar.gz", entries, {**manifest, "database": other})
    result = run(target, "restore", str(swapped))
    assert result.exit_code == 2 and f"holds a {other} database" in result.stderr
    assert not Path(target["ZI_INSTANCE_DIR"]).exists()


def test_a_restored_file_that_does_not_hash_right_is_listed(source, target, tmp_path):
    """A stored file altered before the backup is carried as it is, and the restore's check names it."""
    victim = next(iter(stored_paths(source["evidence"])))
    victim.write_bytes(b"%PDF-1.4 diubah")
    path = tmp_path / "altered.tar.gz"
    assert run(source["env"], "backup", "-o", str(path)).exit_code == 0
    result = run(target, "restore", str(path))
    assert result.exit_code == 1, result.output
    assert f"ALTERED {victim.name}" in result.output
    assert "1 altered" in result.output


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL backup needs ZI_TEST_DATABASE_URL")
def test_postgres_backup_is_a_pg_dump_and_force_replaces_functions_and_triggers(source, archive, target):
    dump = members(archive)["database/zi.sql"].decode()
    assert "PostgreSQL database dump" in dump and "CREATE FUNCTION public.zi_audit_append_only" in dump
    assert "OWNER TO" not in dump
    assert run(target, "restore", str(archive)).exit_code == 0
    assert run(target, "restore", "--force", str(archive)).exit_code == 0
    import psycopg2

    with psycopg2.connect(target["DATABASE_URL"]) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                       "AND NOT tgisinternal ORDER BY tgname")
        assert [r[0] for r in cursor.fetchall()] == ["audit_event_no_delete", "audit_event_no_update"]
        cursor.execute("SELECT last_value >= (SELECT MAX(id) FROM audit_event) FROM audit_event_id_seq")
        assert cursor.fetchone()[0] is True
    assert tables(target["DATABASE_URL"]) == tables(source["url"])


# --- evidence in an S3 bucket (moto's real S3 API server on 127.0.0.1) ---------------------


def _bucket(s3_endpoint) -> tuple[object, str, dict]:
    import uuid

    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    bucket = f"zi-backup-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    env = {"ZI_S3_BUCKET": bucket, "ZI_S3_ENDPOINT_URL": s3_endpoint,
           "ZI_S3_REGION": CREDENTIALS["region_name"],
           "ZI_S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
           "ZI_S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"]}
    return client, bucket, env


def test_s3_evidence_is_listed_with_checksums_not_copied(app, db, database_url, criteria, s3_endpoint,
                                                         target, tmp_path):
    client, bucket, s3_env = _bucket(s3_endpoint)
    store = S3Store(bucket, tmp_path / "s3tmp", client=client)
    own = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    member = User.get(User.email == "anggota@contoh.go.id")
    contents = [pdf("Satu"), pdf("Dua") * 50]
    for number, content in enumerate(contents):
        upload(store, own, member, io.BytesIO(content), f"{number}.pdf", criteria=criteria, max_bytes=MB,
               item_codes=["P-MP-i-a"])
    db.close()
    env = {**s3_env, "DATABASE_URL": database_url, "ZI_INSTANCE_DIR": tmp_path / "instance",
           "ZI_EVIDENCE_DIR": tmp_path / "evidence"}
    path = tmp_path / "s3.tar.gz"
    result = run(env, "backup", "-o", str(path))
    assert result.exit_code == 0, result.output

    entries = members(path)
    assert not any(n.startswith("evidence/") for n in entries)
    listing = json.loads(entries["evidence-s3.json"])
    assert listing["bucket"] == bucket
    hashes = [hashlib.sha256(c).hexdigest() for c in contents]
    assert sorted((o["key"], o["sha256"], o["size"]) for o in listing["objects"]) == sorted(
        (f"evidence/{sha}", sha, len(c)) for sha, c in zip(hashes, contents, strict=True))
    assert json.loads(entries["manifest.json"])["evidence_store"] == "s3"

    refused = run(target, "restore", str(path))  # a local instance cannot get the bytes
    assert refused.exit_code == 2 and "ZI_S3_BUCKET" in refused.stderr
    restored = run({**target, **s3_env}, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert "2 evidence file(s) checked, 0 missing, 0 altered" in restored.output
    client.delete_object(Bucket=bucket, Key=listing["objects"][0]["key"])
    again = run({**target, **s3_env}, "restore", "--force", str(path))
    assert again.exit_code == 1 and f"MISSING {listing['objects'][0]['sha256']}" in again.output


def test_a_local_backup_restores_into_an_s3_bucket(source, archive, target, s3_endpoint):
    client, bucket, s3_env = _bucket(s3_endpoint)
    result = run({**target, **s3_env}, "restore", str(archive))
    assert result.exit_code == 0, result.output
    stored = evidence_files(source["evidence"])
    in_bucket = {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
                 for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert in_bucket == {f"evidence/{name.rsplit('/', 1)[1]}": data for name, data in stored.items()}
    verify = run({**target, **s3_env}, "evidence", "verify")
    assert verify.exit_code == 0, verify.output


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's write-ahead log")
def test_force_on_sqlite_discards_the_old_write_ahead_log(source, archive, target):
    """A -wal left beside the replaced database (zi killed mid-write) must not be replayed into
    the restored one."""
    assert run(target, "restore", str(archive)).exit_code == 0
    path = Path(target["DATABASE_URL"].removeprefix("sqlite:///"))
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA journal_mode = wal")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE user SET name = 'dari log lama'")
    writer.execute("INSERT INTO instansi (name, kind, created_at) VALUES ('Hanya di log', 'pemda', "
                   "'2026-01-01 00:00:00')")
    writer.commit()
    wal = Path(f"{path}-wal").read_bytes()
    writer.close()
    Path(f"{path}-wal").write_bytes(wal)  # as a crash leaves it
    assert len(wal) > 0

    assert run(target, "restore", "--force", str(archive)).exit_code == 0
    assert tables(target["DATABASE_URL"]) == tables(source["url"])
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    check.close()
