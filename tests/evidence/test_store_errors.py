"""A store that cannot write (a full disk) and ZIP import edge cases: a clear message, nothing
half-written, earlier evidence untouched."""

from __future__ import annotations

import hashlib
import io
import os
import resource
import signal
import subprocess
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from zi.models import EvidenceDocument, EvidenceFile, EvidenceRevision

from .helpers import MB, files_under, pdf

JSON = {"Accept": "application/json"}


@contextmanager
def full_disk(folder: Path, size_kb: int = 512):
    """`folder` on a small tmpfs (a real ENOSPC); without the right to mount, a file size limit
    on this process makes writes fail with EFBIG instead."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
        capture_output=True).returncode == 0
    if mounted:
        try:
            yield
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size_kb * 1024 * 8, old_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)


def _upload(client, assessment_id: int, data: bytes, name: str = "SK.pdf"):
    return client.post(f"/assessments/{assessment_id}/evidence/upload", headers=JSON,
                       data={"file": (io.BytesIO(data), name), "items": ["P-MP-i-a"]},
                       content_type="multipart/form-data")


def test_a_full_disk_gives_a_clear_message_and_leaves_nothing_half_written(app, world, login):
    client = login("pimpinan@contoh.go.id")
    root = Path(app.config["EVIDENCE_DIR"])
    with full_disk(root):
        assert _upload(client, world["own"].id, pdf("kecil")).status_code == 200
        before = (EvidenceDocument.select().count(), EvidenceRevision.select().count(),
                  EvidenceFile.select().count())
        kept = {p: p.read_bytes() for p in files_under(root)}
        big = pdf("besar").ljust(8 * MB, b"\x00")
        response = _upload(client, world["own"].id, big, "besar.pdf")
        assert response.status_code == 507
        body = response.get_json()
        assert body["ok"] is False and "tidak dapat ditulis" in body["message"]
        after = (EvidenceDocument.select().count(), EvidenceRevision.select().count(),
                 EvidenceFile.select().count())
        assert after == before
        assert {p: p.read_bytes() for p in files_under(root)} == kept  # no temp file, old file intact
        assert _upload(client, world["own"].id, pdf("lagi")).status_code == 200  # space came back


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def _preview(client, assessment_id: int, data: bytes):
    return client.post(f"/assessments/{assessment_id}/evidence/import",
                       data={"archive": (io.BytesIO(data), "data.zip")}, content_type="multipart/form-data")


def test_two_zip_entries_with_the_same_name_both_keep_their_content(world, login):
    client = login("pimpinan@contoh.go.id")
    name = "AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf"
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = _zip([(name, pdf("pertama")), (name, pdf("kedua"))])
    assert _preview(client, world["own"].id, archive).status_code == 200
    client.post(f"/assessments/{world['own'].id}/evidence/import/confirm")
    revisions = EvidenceRevision.select().where(EvidenceRevision.filename.contains("SK Tim"))
    imported = {r.file.sha256 for r in revisions}
    assert imported == {hashlib.sha256(pdf("pertama")).hexdigest(), hashlib.sha256(pdf("kedua")).hexdigest()}


def test_unconfirmed_previews_are_capped_per_person(app, world, login):
    client = login("pimpinan@contoh.go.id")
    archive = _zip([("AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf", pdf("x"))])
    for _ in range(6):
        assert _preview(client, world["own"].id, archive).status_code == 200
    held = list((Path(app.config["EVIDENCE_DIR"]) / "tmp").glob("*.zip"))
    assert len(held) == 1  # the same session replaces its own preview
    for _ in range(5):  # other browsers of the same person
        other = app.test_client()
        other.post("/login", data={"email": "pimpinan@contoh.go.id", "password": "zona-integritas"})
        assert _preview(other, world["own"].id, archive).status_code == 200
    held = list((Path(app.config["EVIDENCE_DIR"]) / "tmp").glob("*.zip"))
    assert len(held) == 3
