"""Integrity of the evidence store: every referenced file present and unaltered, nothing stored
that nothing references, no temporary file left behind.

A file can be in the store with no row for a while on purpose: an upload stores its bytes first
and commits its rows after, and a dossier job stores its PDF before recording it. So a file no row
references counts as an orphan only once it is older than STALE_AFTER; younger ones are listed
as pending and never removed. LocalStore.put refreshes the time of a file it finds already
stored, and `clean` moves an orphan aside, then checks the database and its age once more before
deleting it, so a file that an upload is adopting at that very moment stays.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..models import Dossier, DossierJob, EvidenceFile

STALE_AFTER = 3600  # seconds: an orphan or a temporary file older than this is left over
PREVIEW_STALE_AFTER = 24 * 3600  # held ZIP previews wait a day for confirmation (zi/web/evidence.py)
PREVIEW = re.compile(r".*\.zip")  # zip-preview-u<id>-*.zip (earlier tmp*.zip)
SHA256 = re.compile(r"[0-9a-f]{64}")
QUARANTINE_PREFIX = "orphan-"


@dataclass
class VerifyResult:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)  # stored, unreferenced, older than STALE_AFTER
    pending: list[str] = field(default_factory=list)  # stored, unreferenced, recent: may be in use
    stale: list[Path] = field(default_factory=list)  # left-over temporary files

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.orphans or self.stale)


@dataclass
class CleanResult:
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # in use again, or touched, since verify saw them
    removed_temp: list[Path] = field(default_factory=list)


def referenced() -> set[str]:
    """Every SHA-256 a row points at: evidence files, final dossiers and rendered dossier jobs."""
    refs = {sha for (sha,) in EvidenceFile.select(EvidenceFile.sha256).tuples()}
    refs.update(sha for (sha,) in Dossier.select(Dossier.sha256).tuples())
    jobs = DossierJob.select(DossierJob.sha256).where(DossierJob.sha256 != "")
    refs.update(sha for (sha,) in jobs.tuples())
    return refs


def _is_referenced(sha256: str) -> bool:
    return (EvidenceFile.select().where(EvidenceFile.sha256 == sha256).exists()
            or Dossier.select().where(Dossier.sha256 == sha256).exists()
            or DossierJob.select().where(DossierJob.sha256 == sha256).exists())


def stored_files(store) -> Iterator[tuple[str, float]]:
    """(sha256, modification time) of every content-addressed file in the store."""
    if hasattr(store, "bucket"):
        paginator = store.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=store.bucket, Prefix="evidence/"):
            for obj in page.get("Contents", []):
                sha = obj["Key"][len("evidence/"):]
                if SHA256.fullmatch(sha):
                    yield sha, obj["LastModified"].timestamp()
        return
    root = Path(store.root)
    for first in _dirs(root):
        for second in _dirs(first):
            with os.scandir(second) as entries:
                for entry in entries:
                    name = entry.name
                    if (SHA256.fullmatch(name) and name[:2] == first.name and name[2:4] == second.name
                            and entry.is_file(follow_symlinks=False)):
                        yield name, entry.stat(follow_symlinks=False).st_mtime


def _dirs(folder: Path) -> list[Path]:
    """The two-hex-digit subfolders of a LocalStore level (tmp/ and anything else are not)."""
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        return sorted(Path(e.path) for e in entries
                      if re.fullmatch(r"[0-9a-f]{2}", e.name) and e.is_dir(follow_symlinks=False))


def temp_files(store) -> Iterator[tuple[Path, float]]:
    """Files in the store's tmp/ folder: uploads in progress or left over, held ZIP previews."""
    folder = Path(store.tmp)
    if not folder.is_dir():
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                yield Path(entry.path), entry.stat(follow_symlinks=False).st_mtime


def _stale_after(path: Path) -> int:
    return PREVIEW_STALE_AFTER if PREVIEW.fullmatch(path.name) else STALE_AFTER


def verify(store, now: float | None = None) -> VerifyResult:
    """Re-hash every referenced file; list orphans (old unreferenced files), pending ones
    (recent unreferenced files) and stale temporary files."""
    now = time.time() if now is None else now
    result = VerifyResult()
    for file in EvidenceFile.select().order_by(EvidenceFile.id):
        result.checked += 1
        actual = store.hash_of(file.sha256)
        if actual is None:
            result.missing.append(file.sha256)
        elif actual != file.sha256:
            result.altered.append(file.sha256)
    refs = referenced()  # before listing: a file stored after this is recent, hence pending
    for sha, mtime in sorted(stored_files(store)):
        if sha in refs:
            continue
        (result.orphans if now - mtime >= STALE_AFTER else result.pending).append(sha)
    for path, mtime in sorted(temp_files(store)):
        if now - mtime >= _stale_after(path):
            result.stale.append(path)
    return result


def clean(store, result: VerifyResult, now: float | None = None) -> CleanResult:
    """Remove what `verify` found left over, checking each file once more just before."""
    now = time.time() if now is None else now
    done = CleanResult()
    for sha in result.orphans:
        removed = _remove_s3(store, sha, now) if hasattr(store, "bucket") else _remove_local(store, sha, now)
        (done.removed if removed else done.kept).append(sha)
    for path in result.stale:
        try:
            if now - path.stat().st_mtime >= _stale_after(path):
                path.unlink()
                done.removed_temp.append(path)
        except FileNotFoundError:
            continue
    return done


def _remove_local(store, sha256: str, now: float) -> bool:
    """Move the file aside first: an upload adopting it from now on finds it gone and stores it
    again; one that adopted it just before has refreshed its time or committed its row."""
    path = store.path(sha256)
    aside = Path(store.tmp) / f"{QUARANTINE_PREFIX}{sha256}"
    aside.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return False
    if now - aside.stat().st_mtime < STALE_AFTER or _is_referenced(sha256):
        os.replace(aside, path)  # the same bytes: harmless even if stored again meanwhile
        return False
    aside.unlink()
    return True


def _remove_s3(store, sha256: str, now: float) -> bool:
    from botocore.exceptions import ClientError

    try:
        head = store.client.head_object(Bucket=store.bucket, Key=store.key(sha256))
    except ClientError:
        return False
    if now - head["LastModified"].timestamp() < STALE_AFTER or _is_referenced(sha256):
        return False
    store.client.delete_object(Bucket=store.bucket, Key=store.key(sha256))
    return True
