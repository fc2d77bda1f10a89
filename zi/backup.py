"""Backup and restore of a whole zi instance: the database, the evidence store and a manifest.

A backup is one `.tar.gz`:

    manifest.json         format, zi version, schema version, database kind, SHA-256 and size of every file
    database/zi.sqlite3   SQLite: a consistent copy made with SQLite's online backup API
    database/zi.sql       PostgreSQL: `pg_dump` (plain SQL, no owners or grants)
    evidence/ab/cd/<sha>  a local evidence store, file by file (its tmp/ is skipped)
    evidence-s3.json      an S3 store: its keys with the SHA-256 and size of what they hold, no bytes
    secret_key            only with `with_secrets`

Restoring checks every member against the manifest before anything is touched, refuses an
instance that already has a database unless forced, then brings the schema up to date and
re-hashes every evidence file the database refers to.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from . import __version__, migrations

FORMAT = "zi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/zi.sqlite3"
POSTGRES_MEMBER = "database/zi.sql"
S3_MEMBER = "evidence-s3.json"
SECRET_MEMBER = "secret_key"
EVIDENCE_MEMBER = re.compile(r"evidence/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
LIBPQ_PARAMS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "connect_timeout",
                "application_name", "options", "target_session_attrs", "host", "port", "user"}


class BackupError(Exception):
    """A backup or restore that is refused (bad archive, occupied instance…); nothing was changed."""


@dataclass
class Target:
    """Where an instance keeps its things (from zi.config.Config)."""

    database_url: str
    instance_dir: Path
    evidence_dir: Path
    store: object  # LocalStore or S3Store

    @classmethod
    def from_config(cls, settings) -> Target:
        from .evidence import store_from_config

        return cls(settings.DATABASE_URL, Path(settings.INSTANCE_DIR), Path(settings.EVIDENCE_DIR),
                   store_from_config(vars(settings)))

    @property
    def kind(self) -> str:
        return database_kind(self.database_url)


@dataclass
class RestoreResult:
    manifest: dict
    evidence_files: int = 0
    secret_restored: bool = False
    migrations_applied: list[int] = field(default_factory=list)
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.altered


def database_kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:") else "postgresql"


def sqlite_path(url: str) -> Path:
    path = url.removeprefix("sqlite:///")
    if path == ":memory:" or path == url:
        raise BackupError(f"cannot back up or restore the database {url!r}: not a SQLite file")
    return Path(path)


# --- backup ---------------------------------------------------------------------------------


class _Hashing:
    """A file wrapper that hashes what tarfile reads from it."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_file(tar: tarfile.TarFile, files: dict, name: str, path: Path, mode: int = 0o644) -> None:
    with path.open("rb") as raw:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(raw.fileno()).st_size
        info.mtime = int(os.fstat(raw.fileno()).st_mtime)
        info.mode = mode
        hashing = _Hashing(raw)
        tar.addfile(info, hashing)
    files[name] = {"sha256": hashing.digest.hexdigest(), "size": hashing.size}


def _add_bytes(tar: tarfile.TarFile, files: dict | None, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))
    if files is not None:
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _snapshot_sqlite(url: str, into: Path) -> int:
    """Copy the live database with SQLite's online backup API; returns its schema version."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"there is no database at {source_path}")
    try:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            target = sqlite3.connect(into)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        return _sqlite_schema_version(into)
    except sqlite3.Error as err:
        raise BackupError(f"cannot copy the database {source_path}: {err}") from None


def _sqlite_schema_version(path: Path) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'zi_schema_version'").fetchone():
            return 0
        return connection.execute("SELECT MAX(version) FROM zi_schema_version").fetchone()[0] or 0
    finally:
        connection.close()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """DATABASE_URL as a libpq URI without its password (which goes into PGPASSWORD instead,
    away from the process list), and the environment for pg_dump/psql."""
    parts = urlsplit(url)
    env = {**os.environ}
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            user, password = userinfo.split(":", 1)
            env["PGPASSWORD"] = unquote(password)
            netloc = f"{user}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k in LIBPQ_PARAMS])
    return urlunsplit(("postgresql", netloc, parts.path, query, "")), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; it is needed to {what} "
                          "(Debian: apt-get install postgresql-client)")
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(f"{command[0]} failed to {what}: {message}")


def _postgres_schema_version(url: str) -> int:
    from .db import open_database

    db = open_database(url)
    with db.connection_context():
        return migrations.current_version(db)


def _snapshot_postgres(url: str, into: Path) -> int:
    """pg_dump of the database (one consistent snapshot), plain SQL without owners or grants."""
    version = _postgres_schema_version(url)
    uri, env = _libpq(url)
    _run(["pg_dump", "--format=plain", "--no-owner", "--no-privileges", f"--file={into}", f"--dbname={uri}"],
         env, "dump the database")
    return version


def _local_evidence(root: Path) -> Iterator[tuple[str, Path]]:
    """Every stored file `ab/cd/<sha256>` under the store's folder (not tmp/, nothing else)."""
    if not root.is_dir():
        return
    for path in sorted(root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        name = f"evidence/{path.relative_to(root).as_posix()}"
        if EVIDENCE_MEMBER.fullmatch(name) and path.is_file() and not path.is_symlink():
            yield name, path


def _s3_listing(store) -> list[dict]:
    """Every key of the bucket's evidence/ prefix with the SHA-256 and size of what it holds now."""
    listing = []
    paginator = store.client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=store.bucket, Prefix="evidence/"):
        for obj in page.get("Contents", []):
            digest, size = hashlib.sha256(), 0
            body = store.client.get_object(Bucket=store.bucket, Key=obj["Key"])["Body"]
            for chunk in body.iter_chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
            listing.append({"key": obj["Key"], "sha256": digest.hexdigest(), "size": size})
    return listing


def create_backup(target: Target, output: Path, with_secrets: bool = False) -> dict:
    """Write the backup archive to `output` (through a temporary file renamed at the end, so a
    failure leaves no half archive); returns the manifest."""
    from .evidence import S3Store

    output = Path(output)
    secret = target.instance_dir / "secret_key"
    if with_secrets and not secret.is_file():
        raise BackupError(f"--with-secrets: there is no secret key file at {secret} "
                          "(a SECRET_KEY given in the environment is not backed up)")
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, part_name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    part = Path(part_name)
    try:
        with os.fdopen(fd, "wb") as raw, tempfile.TemporaryDirectory(dir=output.parent,
                                                                     prefix=".zi-backup-") as staging:
            kind = target.kind
            if kind == "sqlite":
                dump, member = Path(staging) / "zi.sqlite3", SQLITE_MEMBER
                schema = _snapshot_sqlite(target.database_url, dump)
            else:
                dump, member = Path(staging) / "zi.sql", POSTGRES_MEMBER
                schema = _snapshot_postgres(target.database_url, dump)
            if schema == 0:
                raise BackupError("the database has no zi schema; there is nothing to back up")
            files: dict[str, dict] = {}
            s3 = isinstance(target.store, S3Store)
            with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_file(tar, files, member, dump)
                dump.unlink()
                # Evidence after the database snapshot: every file the snapshot refers to already exists.
                if s3:
                    listing = {"bucket": target.store.bucket, "objects": _s3_listing(target.store)}
                    _add_bytes(tar, files, S3_MEMBER, json.dumps(listing, indent=1).encode())
                else:
                    for name, path in _local_evidence(target.evidence_dir):
                        _add_file(tar, files, name, path)
                if with_secrets:
                    _add_file(tar, files, SECRET_MEMBER, secret, mode=0o600)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "zi_version": __version__,
                    "schema_version": schema,
                    "database": kind,
                    "evidence_store": "s3" if s3 else "local",
                    "with_secrets": with_secrets,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "files": files,
                }
                _add_bytes(tar, None, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, output)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return manifest


# --- reading and checking an archive ---------------------------------------------------------


def _safe_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is a plain relative path to a regular file, else BackupError."""
    name = member.name
    path = PurePosixPath(name)
    if (not member.isreg() or not name or name.startswith("/") or "\\" in name
            or any(part in ("", ".", "..") for part in name.split("/")) or path.is_absolute()):
        raise BackupError(f"unsafe entry in the archive: {name!r} (only plain relative file paths allowed)")
    if hasattr(tarfile, "data_filter"):
        try:
            tarfile.data_filter(member, "/nonexistent-zi-restore")
        except tarfile.FilterError as err:
            raise BackupError(f"unsafe entry in the archive: {name!r}: {err}") from None
    return name


def _known_member(name: str) -> bool:
    return name in (MANIFEST, SQLITE_MEMBER, POSTGRES_MEMBER, S3_MEMBER, SECRET_MEMBER) or bool(
        (m := EVIDENCE_MEMBER.fullmatch(name)) and m[3].startswith(m[1] + m[2]))


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:gz")
    except (OSError, tarfile.TarError, EOFError) as err:
        raise BackupError(f"{archive} is not a zi backup (not a readable .tar.gz: {err})") from None


def _members(tar: tarfile.TarFile, archive: Path) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    try:
        for member in tar:
            name = _safe_name(member)
            if name in members:
                raise BackupError(f"the archive holds {name!r} twice")
            if not _known_member(name):
                raise BackupError(f"{archive} is not a zi backup: unexpected entry {name!r}")
            members[name] = member
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise BackupError(f"{archive} is damaged: {err}") from None
    return members


def _manifest(tar: tarfile.TarFile, members: dict, archive: Path) -> dict:
    member = members.get(MANIFEST)
    if member is None:
        raise BackupError(f"{archive} is not a zi backup: it has no {MANIFEST}")
    if member.size > MAX_MANIFEST_BYTES:
        raise BackupError(f"{archive}: {MANIFEST} is implausibly large ({member.size} bytes)")
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except (ValueError, tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise BackupError(f"{archive}: {MANIFEST} cannot be read: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a zi backup (its {MANIFEST} is not one of zi's)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{archive} has backup format {manifest.get('format_version')!r}; "
                          f"this zi reads format {FORMAT_VERSION}")
    files = manifest.get("files")
    schema = manifest.get("schema_version")
    entries_ok = isinstance(files, dict) and all(
        isinstance(v, dict) and isinstance(v.get("sha256"), str) and isinstance(v.get("size"), int)
        for v in files.values())
    if (not entries_ok or manifest.get("database") not in ("sqlite", "postgresql")
            or manifest.get("evidence_store") not in ("local", "s3") or not isinstance(schema, int)):
        raise BackupError(f"{archive}: {MANIFEST} is incomplete or malformed")
    if schema > migrations.latest_version():
        raise BackupError(f"{archive} was made by a newer zi (schema {schema}; this zi knows up to "
                          f"{migrations.latest_version()}); upgrade zi first")
    listed, present = set(files), set(members) - {MANIFEST}
    if listed != present:
        missing, extra = sorted(listed - present), sorted(present - listed)
        raise BackupError(f"{archive} does not match its manifest: "
                          + "; ".join(filter(None, [missing and f"missing {', '.join(missing[:5])}",
                                                    extra and f"not listed {', '.join(extra[:5])}"])))
    database = SQLITE_MEMBER if manifest["database"] == "sqlite" else POSTGRES_MEMBER
    if database not in files:
        raise BackupError(f"{archive} holds no database ({database})")
    return manifest


def _copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, expected: dict, out) -> None:
    """Stream a member (into `out`, or nowhere) and check its size and SHA-256 against the manifest."""
    digest, size = hashlib.sha256(), 0
    try:
        source = tar.extractfile(member)
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise BackupError(f"the archive is damaged at {member.name}: {err}") from None
    if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
        raise BackupError(f"the archive is damaged: {member.name} does not match its SHA-256 in the manifest")


def check_archive(archive: Path) -> dict:
    """Read the whole archive and check every member against the manifest, writing nothing;
    returns the manifest or raises BackupError."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    with _open(archive) as tar:
        members = _members(tar, archive)
        manifest = _manifest(tar, members, archive)
        for name, expected in manifest["files"].items():
            _copy_member(tar, members[name], expected, None)
    return manifest


# --- restore --------------------------------------------------------------------------------


def has_database(target: Target) -> bool:
    """Whether the target already holds tables (any, not only zi's)."""
    if target.kind == "sqlite":
        path = sqlite_path(target.database_url)
        if not path.exists() or path.stat().st_size == 0:
            return False
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
        finally:
            connection.close()
    from .db import open_database

    db = open_database(target.database_url)
    with db.connection_context():
        return bool(db.get_tables())


# Everything zi (or anything else) created in the schema, in the same transaction as the load:
# dropping tables is allowed even though the audit table's triggers refuse DELETE.
DROP_ALL = """
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT viewname FROM pg_views WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP VIEW IF EXISTS %I CASCADE', r.viewname); END LOOP;
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename); END LOOP;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'S' AND n.nspname = current_schema() LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', r.relname); END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS routine FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', r.routine); END LOOP;
END $$;
"""


def _extract_to(tar, member, expected, directory: Path, prefix: str) -> Path:
    fd, name = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            _copy_member(tar, member, expected, out)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _restore_evidence(tar, members, manifest, target: Target) -> int:
    from .evidence import S3Store

    names = [n for n in manifest["files"] if EVIDENCE_MEMBER.fullmatch(n)]
    if not names:
        return 0
    s3 = isinstance(target.store, S3Store)
    tmp = target.store.tmp
    tmp.mkdir(parents=True, exist_ok=True)
    for name in names:
        sha = EVIDENCE_MEMBER.fullmatch(name)[3]
        if target.store.exists(sha) and target.store.hash_of(sha) == manifest["files"][name]["sha256"]:
            continue
        temp = _extract_to(tar, members[name], manifest["files"][name], tmp, "restore-")
        try:
            if s3:
                target.store.client.upload_file(str(temp), target.store.bucket, target.store.key(sha))
            else:
                path = target.store.path(sha)
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    return len(names)


def _restore_secret(tar, members, manifest, target: Target) -> None:
    target.instance_dir.mkdir(parents=True, exist_ok=True)
    temp = _extract_to(tar, members[SECRET_MEMBER], manifest["files"][SECRET_MEMBER],
                       target.instance_dir, ".secret_key-")
    temp.chmod(0o600)
    os.replace(temp, target.instance_dir / "secret_key")


def _restore_sqlite(tar, members, manifest, target: Target) -> None:
    path = sqlite_path(target.database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _extract_to(tar, members[SQLITE_MEMBER], manifest["files"][SQLITE_MEMBER], path.parent,
                       f".{path.name}-restore-")
    try:
        connection = sqlite3.connect(temp)
        try:
            problems = connection.execute("PRAGMA integrity_check").fetchall()
        finally:
            connection.close()
        if problems != [("ok",)]:
            raise BackupError(f"the database in the archive fails SQLite's integrity check: {problems[:3]}")
        # A -wal or -shm left from the database being replaced would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _restore_postgres(tar, members, manifest, target: Target, force: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="zi-restore-") as staging:
        dump = _extract_to(tar, members[POSTGRES_MEMBER], manifest["files"][POSTGRES_MEMBER],
                           Path(staging), "zi-")
        drop = Path(staging) / "drop.sql"
        drop.write_text(DROP_ALL if force else "")
        uri, env = _libpq(target.database_url)
        # One transaction: the old tables go only if the whole dump loads.
        _run(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
              f"--file={drop}", f"--file={dump}", f"--dbname={uri}"], env, "load the database")


def restore(archive: Path, target: Target, force: bool = False,
            manifest: dict | None = None) -> RestoreResult:
    """Restore `archive` into `target`. Raises BackupError (nothing changed) when the archive is
    damaged or foreign, the target already has a database and `force` is not set, or the kinds
    differ; returns what was restored and what the evidence check found. `manifest`: what
    check_archive already returned (every member is checked again while it is extracted)."""
    from .db import open_database
    from .evidence import S3Store, bundle

    archive = Path(archive)
    manifest = manifest or check_archive(archive)
    if manifest["database"] != target.kind:
        raise BackupError(f"this backup holds a {manifest['database']} database and this instance uses "
                          f"{target.kind}; restore it into a {manifest['database']} instance")
    if manifest["evidence_store"] == "s3" and not isinstance(target.store, S3Store):
        raise BackupError("this backup holds only a listing of an S3 bucket's evidence, not the files; "
                          "restore it with ZI_S3_BUCKET set to that bucket")
    if has_database(target) and not force:
        raise BackupError("this instance already has a database; restoring would replace it. "
                          "Use --force to replace it (stop zi first)")
    result = RestoreResult(manifest)
    with _open(archive) as tar:
        members = _members(tar, archive)
        result.evidence_files = _restore_evidence(tar, members, manifest, target)
        if SECRET_MEMBER in manifest["files"]:
            _restore_secret(tar, members, manifest, target)
            result.secret_restored = True
        if target.kind == "sqlite":
            _restore_sqlite(tar, members, manifest, target)
        else:
            _restore_postgres(tar, members, manifest, target, force)
    db = open_database(target.database_url)
    with db.connection_context():
        result.migrations_applied = migrations.upgrade(db)
        found = bundle.verify(target.store)
    result.checked, result.missing, result.altered = found.checked, found.missing, found.altered
    return result
