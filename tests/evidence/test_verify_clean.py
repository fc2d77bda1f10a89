"""`zi evidence verify` finds what nothing references and what was left behind; `--clean` removes
it, but never a file an upload is using right now."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from zi.evidence import bundle, service
from zi.models import Dossier, DossierJob, EvidenceFile

from .helpers import MB, pdf, png

HOUR = 3600
ZI = Path(sys.executable).parent / "zi"


def up(world, store, data: bytes, name: str = "SK.pdf"):
    return service.upload(store, world["own"], world["anggota"], io.BytesIO(data), name,
                          criteria=world["criteria"], max_bytes=5 * MB, item_codes=["P-MP-i-a"])


def age(path: Path, seconds: float) -> Path:
    """Make a file look `seconds` old."""
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def orphan(store, data: bytes, old: float = 2 * HOUR) -> str:
    """Bytes in the store with no row: what a failed upload or a deleted row leaves."""
    stored = store.put(io.BytesIO(data), MB)
    age(store.path(stored.sha256), old)
    return stored.sha256


def temp(store, name: str, old: float) -> Path:
    path = Path(store.tmp) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial upload")
    return age(path, old)


@pytest.fixture
def scene(world, store):
    """A store holding one of everything verify tells apart."""
    kept = up(world, store, pdf("dipakai"), "dipakai.pdf")
    age(store.path(kept.file.sha256), 5 * HOUR)  # old, but referenced
    final = store.put(io.BytesIO(pdf("dosir final")), MB)
    Dossier.create(assessment=world["own"], variant="internal", sha256=final.sha256, size=final.size)
    rendered = store.put(io.BytesIO(pdf("dosir draf")), MB)
    DossierJob.create(assessment=world["own"], variant="internal", sha256=rendered.sha256, status="done")
    for sha in (final.sha256, rendered.sha256):
        age(store.path(sha), 5 * HOUR)
    return {
        "kept": kept.file.sha256,
        "dossiers": [final.sha256, rendered.sha256],
        "orphan": orphan(store, pdf("yatim")),
        "orphan_png": orphan(store, png(), old=30 * HOUR),
        "pending": orphan(store, pdf("sedang diunggah"), old=10 * 60),
        "stale_part": temp(store, "upload-abc123.part", 2 * HOUR),
        "fresh_part": temp(store, "upload-def456.part", 60),
        "held_preview": temp(store, "zip-preview-u3-q1w2e3.zip", 3 * HOUR),  # awaiting confirmation
        "stale_preview": temp(store, "tmpz9x8c7.zip", 25 * HOUR),
        "other_stale": temp(store, "orphan-leftover", 2 * HOUR),
    }


def test_verify_lists_orphans_pending_and_stale_temp_files(store, scene):
    (Path(store.root) / "README.txt").write_text("not content-addressed: not the store's business")
    result = bundle.verify(store)
    assert result.orphans == sorted([scene["orphan"], scene["orphan_png"]])
    assert result.pending == [scene["pending"]]
    assert result.stale == sorted([scene["stale_part"], scene["stale_preview"], scene["other_stale"]])
    assert (result.checked, result.missing, result.altered) == (1, [], [])
    assert result.ok is False
    for sha in [scene["kept"], *scene["dossiers"]]:
        assert sha not in result.orphans + result.pending


def test_clean_removes_orphans_and_stale_temp_files_only(store, scene):
    result = bundle.verify(store)
    done = bundle.clean(store, result)
    assert sorted(done.removed) == sorted([scene["orphan"], scene["orphan_png"]])
    assert done.kept == []
    assert sorted(done.removed_temp) == sorted([scene["stale_part"], scene["stale_preview"],
                                                scene["other_stale"]])
    for sha in (scene["orphan"], scene["orphan_png"]):
        assert not store.exists(sha)
    for sha in (scene["kept"], *scene["dossiers"], scene["pending"]):
        assert store.exists(sha) and store.hash_of(sha) == sha
    assert scene["fresh_part"].exists() and scene["held_preview"].exists()
    assert not scene["stale_part"].exists()
    assert [p.name for p in Path(store.tmp).iterdir() if p.name.startswith("orphan-")] == []

    after = bundle.verify(store)
    assert after.ok and after.orphans == [] and after.stale == []
    assert after.pending == [scene["pending"]], "a recent file waits for its row, not for deletion"


def test_an_old_file_adopted_by_an_upload_is_not_an_orphan(world, store):
    """The same bytes uploaded again find the old file: the upload refreshes it."""
    sha = orphan(store, pdf("lama"), old=3 * HOUR)
    assert bundle.verify(store).orphans == [sha]
    revision = up(world, store, pdf("lama"), "lama.pdf")
    assert revision.file.sha256 == sha
    result = bundle.verify(store)
    assert result.orphans == [] and result.pending == [] and result.ok


def test_clean_spares_a_file_adopted_between_verify_and_clean(world, store):
    touched = orphan(store, pdf("diunggah ulang"))
    adopted = orphan(store, pdf("barisnya baru"))
    result = bundle.verify(store)
    assert result.orphans == sorted([touched, adopted])

    store.put(io.BytesIO(pdf("diunggah ulang")), MB)  # an upload finds it stored: bytes not yet in a row
    EvidenceFile.create(sha256=adopted, size=1, mime="application/pdf", extension="pdf")  # row committed

    done = bundle.clean(store, result)
    assert done.removed == [] and sorted(done.kept) == sorted([touched, adopted])
    assert store.hash_of(touched) == touched and store.hash_of(adopted) == adopted


def test_clean_races_an_upload_of_the_same_bytes(world, store):
    """An upload of an orphan's bytes (put, then its row) while clean runs, started together
    many times: whoever wins, a file that ends up with a row is in the store."""
    from zi.db import database

    for round_ in range(30):
        data = pdf(f"balapan {round_}")
        sha = orphan(store, data)
        result = bundle.verify(store)
        assert sha in result.orphans
        start = threading.Barrier(2)
        failures = []

        def upload(start=start, data=data, sha=sha, failures=failures):
            try:
                with database.connection_context():
                    start.wait()
                    store.put(io.BytesIO(data), MB)
                    EvidenceFile.create(sha256=sha, size=len(data), mime="application/pdf", extension="pdf")
            except Exception as err:  # reported below, in the test's thread
                failures.append(err)

        racer = threading.Thread(target=upload)
        racer.start()
        start.wait()
        bundle.clean(store, result)
        racer.join(30)
        assert failures == []
        assert store.hash_of(sha) == sha, f"round {round_}: the adopted file was removed"


def test_verify_and_clean_on_the_command_line(app, database_url, store, scene, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "ZI_EVIDENCE_DIR": str(store.root),
           "ZI_S3_BUCKET": "", "ZI_INSTANCE_DIR": str(tmp_path / "instance")}

    def zi(*args):
        return subprocess.run([str(ZI), "evidence", "verify", *args], capture_output=True, text=True,
                              env=env, timeout=60)

    found = zi()
    assert found.returncode == 1, found.stdout + found.stderr
    lines = found.stdout.splitlines()
    assert f"ORPHAN {scene['orphan']}" in lines and f"ORPHAN {scene['orphan_png']}" in lines
    assert f"PENDING {scene['pending']}" in lines
    assert f"STALE {scene['stale_part']}" in lines and f"STALE {scene['stale_preview']}" in lines
    assert not any(scene["kept"] in line or str(scene["fresh_part"]) in line for line in lines)
    assert "1 file(s) checked, 0 missing, 0 altered." in lines
    assert "2 orphaned, 1 pending (unreferenced, under an hour old), 3 stale temporary file(s)." in lines

    cleaned = zi("--clean")
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert f"ORPHAN {scene['orphan']}" in cleaned.stdout, "what goes is shown"
    assert "Removed 2 orphaned file(s) and 3 stale temporary file(s)." in cleaned.stdout
    assert not store.exists(scene["orphan"]) and store.exists(scene["pending"])

    again = zi()
    assert again.returncode == 0, again.stdout
    assert "0 orphaned, 1 pending" in again.stdout


def test_clean_still_fails_on_missing_files(world, store):
    revision = up(world, store, pdf("hilang"), "hilang.pdf")
    store.path(revision.file.sha256).unlink()
    sha = orphan(store, pdf("yatim"))
    result = bundle.verify(store)
    assert result.missing == [revision.file.sha256] and result.orphans == [sha]
    bundle.clean(store, result)
    after = bundle.verify(store)
    assert after.orphans == [] and after.missing == [revision.file.sha256] and not after.ok


# --- S3 (moto's server, as in test_store.py) ------------------------------------------------


from .test_store import s3  # noqa: E402, F401  (fixture)


def test_s3_orphans_are_listed_across_pages_and_cleaned(s3, world, monkeypatch):  # noqa: F811
    store, client, bucket = s3
    used = up(world, store, pdf("dipakai di S3"), "s3.pdf")
    orphans = sorted(store.put(io.BytesIO(pdf(f"yatim {i}")), MB).sha256 for i in range(5))
    client.put_object(Bucket=bucket, Key="evidence/not-a-hash", Body=b"x")
    client.put_object(Bucket=bucket, Key="elsewhere/" + "a" * 64, Body=b"x")
    pages = []
    real = client.get_paginator

    def small_pages(name):
        paginator = real(name)
        original = paginator.paginate

        def paginate(**kwargs):
            for page in original(**kwargs, PaginationConfig={"PageSize": 2}):
                pages.append(page)
                yield page

        paginator.paginate = paginate
        return paginator

    monkeypatch.setattr(client, "get_paginator", small_pages)

    now = bundle.verify(store)  # everything was just uploaded: pending, nothing to remove
    assert now.orphans == [] and sorted(now.pending) == orphans and now.ok
    later = time.time() + 2 * HOUR
    result = bundle.verify(store, now=later)
    assert len(pages) >= 4, "the listing went over several pages"
    assert sorted(result.orphans) == orphans and result.pending == []
    assert used.file.sha256 not in result.orphans

    done = bundle.clean(store, result, now=later)
    assert sorted(done.removed) == orphans
    assert not any(store.exists(sha) for sha in orphans)
    assert store.exists(used.file.sha256)
    remaining = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert remaining == sorted([f"evidence/{used.file.sha256}", "evidence/not-a-hash",
                                "elsewhere/" + "a" * 64])
