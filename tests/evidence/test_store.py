"""Where evidence bytes live: LocalStore on disk, S3Store against a real (moto) S3 server."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

import pytest

from zi.evidence import LocalStore, RejectedFile, S3Store, TooLarge, store_from_config
from zi.evidence.store import CHUNK

from ..conftest import S3_CREDENTIALS
from .helpers import ELF, EXE, MB, Chunks, files_under, pdf, pdf_chunks, png, stored_files


@pytest.fixture
def store(tmp_path) -> LocalStore:
    return LocalStore(tmp_path / "evidence")


# --- LocalStore -------------------------------------------------------------------


def test_put_streams_and_reports_hash_size_and_type(store):
    data = pdf("SK Tim Kerja")
    stored = store.put(io.BytesIO(data), max_bytes=MB)

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert (stored.extension, stored.mime) == ("pdf", "application/pdf")
    assert store.exists(stored.sha256)
    assert store.path(stored.sha256) == (store.root / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256)
    assert store.path(stored.sha256).read_bytes() == data
    assert b"".join(store.chunks(stored.sha256)) == data
    assert store.hash_of(stored.sha256) == stored.sha256
    assert files_under(store.tmp) == []


def test_put_reads_the_stream_in_chunks_never_whole(store):
    """A multi-chunk upload is read chunk by chunk (read(CHUNK)), not with a bare read()."""
    sizes = []

    class Recording(io.BytesIO):
        def read(self, size=-1):
            sizes.append(size)
            return super().read(size)

    data = b"".join(pdf_chunks(3))
    stored = store.put(Recording(data), max_bytes=10 * MB)

    assert stored.size == 3 * MB
    assert sizes and all(0 < s <= CHUNK for s in sizes)
    assert store.path(stored.sha256).read_bytes() == data


def test_png_is_recognised_from_its_content(store):
    stored = store.put(io.BytesIO(png()), max_bytes=MB)
    assert (stored.extension, stored.mime) == ("png", "image/png")


def test_identical_content_is_stored_once(store):
    data = pdf("sama")
    first = store.put(io.BytesIO(data), max_bytes=MB)
    before = store.path(first.sha256).stat()
    second = store.put(io.BytesIO(data), max_bytes=MB)

    assert first == second
    assert stored_files(store.root) == [store.path(first.sha256)]
    after = store.path(first.sha256).stat()
    assert after.st_ino == before.st_ino, "not rewritten"
    assert after.st_mtime_ns >= before.st_mtime_ns, "only its time refreshed (see zi.evidence.integrity)"
    assert files_under(store.tmp) == []


def test_different_content_gets_different_files(store):
    a = store.put(io.BytesIO(pdf("a")), max_bytes=MB)
    b = store.put(io.BytesIO(pdf("b")), max_bytes=MB)
    assert a.sha256 != b.sha256
    assert stored_files(store.root) == sorted([store.path(a.sha256), store.path(b.sha256)])


def test_exactly_the_limit_is_accepted(store):
    data = pdf().ljust(2 * MB, b"\x00")
    stored = store.put(io.BytesIO(data), max_bytes=2 * MB)
    assert stored.size == 2 * MB


def test_size_limit_hit_midstream_leaves_nothing(store):
    stream = Chunks(pdf_chunks(5))
    with pytest.raises(TooLarge) as caught:
        store.put(stream, max_bytes=2 * MB + 10)

    assert isinstance(caught.value, RejectedFile)  # the web layer answers every refusal alike
    assert "2 MB" in str(caught.value)
    assert stream.reads == 3, "the copy must stop at the chunk that crosses the limit"
    assert stored_files(store.root) == []
    assert files_under(store.tmp) == []


def test_a_stream_that_breaks_midway_leaves_no_half_file(store):
    stream = Chunks(pdf_chunks(5), fail_after=2)
    with pytest.raises(OSError, match="simulated"):
        store.put(stream, max_bytes=100 * MB)

    assert stream.reads == 2
    assert stored_files(store.root) == []
    assert files_under(store.tmp) == []


def test_an_interrupt_midway_leaves_no_temp_file(store):
    """KeyboardInterrupt/SystemExit (a worker being killed) also cleans up."""

    class Interrupted(Chunks):
        def read(self, size=-1):
            if self.reads == 2:
                raise KeyboardInterrupt
            return super().read(size)

    with pytest.raises(KeyboardInterrupt):
        store.put(Interrupted(pdf_chunks(4)), max_bytes=100 * MB)
    assert files_under(store.root) == []


@pytest.mark.parametrize("content", [EXE, ELF], ids=["windows-exe", "elf"])
def test_executables_are_refused(store, content):
    with pytest.raises(RejectedFile, match="tidak diizinkan"):
        store.put(io.BytesIO(content), max_bytes=MB)
    assert files_under(store.root) == []


def test_unrecognised_content_is_refused(store):
    with pytest.raises(RejectedFile, match="tidak dikenali"):
        store.put(io.BytesIO(b"just some text, no magic number\n" * 10), max_bytes=MB)
    assert files_under(store.root) == []


def test_empty_file_is_refused(store):
    with pytest.raises(RejectedFile, match="kosong"):
        store.put(io.BytesIO(b""), max_bytes=MB)
    assert files_under(store.root) == []


def test_hash_of_detects_a_changed_file_and_a_missing_one(store):
    stored = store.put(io.BytesIO(pdf()), max_bytes=MB)
    store.path(stored.sha256).write_bytes(pdf("diubah"))
    assert store.hash_of(stored.sha256) not in (None, stored.sha256)
    store.delete(stored.sha256)
    assert not store.exists(stored.sha256)
    assert store.hash_of(stored.sha256) is None
    store.delete(stored.sha256)  # deleting twice is harmless


# --- S3Store against a real S3 API (moto's server) --------------------------------------




@pytest.fixture
def s3(s3_endpoint, tmp_path):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, **S3_CREDENTIALS)
    bucket = f"zi-evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    store = S3Store(bucket, tmp_path / "s3tmp", client=client)
    return store, client, bucket


def keys(client, bucket) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_s3_put_exists_chunks_and_hash(s3):
    store, client, bucket = s3
    data = b"".join(pdf_chunks(3))  # several chunks: a multipart-sized object for chunks()
    stored = store.put(io.BytesIO(data), max_bytes=10 * MB)

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (stored.size, stored.extension, stored.mime) == (len(data), "pdf", "application/pdf")
    assert keys(client, bucket) == [f"evidence/{stored.sha256}"]
    head = client.head_object(Bucket=bucket, Key=f"evidence/{stored.sha256}")
    assert head["ContentLength"] == len(data)
    assert head["ContentType"] == "application/pdf"
    assert store.exists(stored.sha256)
    assert b"".join(store.chunks(stored.sha256)) == data
    assert store.open(stored.sha256).read() == data
    assert store.hash_of(stored.sha256) == stored.sha256
    assert files_under(store.tmp) == [], "the local temp copy is removed after upload"


def test_s3_identical_content_is_uploaded_once(s3, monkeypatch):
    store, client, bucket = s3
    first = store.put(io.BytesIO(pdf("sama")), max_bytes=MB)
    uploads = []
    real = client.upload_file
    monkeypatch.setattr(client, "upload_file", lambda *a, **k: uploads.append(a) or real(*a, **k))
    second = store.put(io.BytesIO(pdf("sama")), max_bytes=MB)

    assert first == second
    assert uploads == [], "content already in the bucket is not sent again"
    assert keys(client, bucket) == [f"evidence/{first.sha256}"]


def test_s3_missing_altered_and_deleted(s3):
    store, client, bucket = s3
    stored = store.put(io.BytesIO(pdf()), max_bytes=MB)
    client.put_object(Bucket=bucket, Key=f"evidence/{stored.sha256}", Body=pdf("diubah"))
    assert store.hash_of(stored.sha256) not in (None, stored.sha256)

    store.delete(stored.sha256)
    assert not store.exists(stored.sha256)
    assert store.hash_of(stored.sha256) is None
    assert keys(client, bucket) == []


def test_s3_refusals_upload_nothing(s3):
    store, client, bucket = s3
    with pytest.raises(TooLarge):
        store.put(Chunks(pdf_chunks(3)), max_bytes=MB + 1)
    with pytest.raises(RejectedFile):
        store.put(io.BytesIO(EXE), max_bytes=MB)
    with pytest.raises(OSError):
        store.put(Chunks(pdf_chunks(3), fail_after=1), max_bytes=10 * MB)
    assert keys(client, bucket) == []
    assert files_under(store.tmp) == []


def test_s3_unknown_key_is_missing_not_an_error(s3):
    store, client, bucket = s3
    assert store.exists("0" * 64) is False
    assert store.hash_of("0" * 64) is None


# --- configuration --------------------------------------------------------------


def test_store_from_config_defaults_to_a_local_folder(tmp_path):
    store = store_from_config({"EVIDENCE_DIR": str(tmp_path / "ev"), "S3_BUCKET": ""})
    assert isinstance(store, LocalStore)
    assert store.root == tmp_path / "ev"


def test_store_from_config_picks_s3_when_a_bucket_is_set(tmp_path, s3_endpoint):
    import boto3

    bucket = f"zi-config-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, **S3_CREDENTIALS).create_bucket(Bucket=bucket)
    config = {
        "EVIDENCE_DIR": str(tmp_path / "ev"),
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }
    store = store_from_config(config)

    assert isinstance(store, S3Store)
    assert store.bucket == bucket
    assert store.tmp == Path(config["EVIDENCE_DIR"]) / "tmp"
    assert store.client.meta.endpoint_url == s3_endpoint
    assert store.client.meta.region_name == "us-east-1"
    # and the configured client really talks to that endpoint
    stored = store.put(io.BytesIO(pdf("lewat konfigurasi")), max_bytes=MB)
    assert store.exists(stored.sha256)
    assert not (tmp_path / "ev").exists() or stored_files(tmp_path / "ev") == []


# --- file names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, extension, expected",
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("..\\..\\windows\\system.ini.pdf", "pdf", "system.ini.pdf"),
        ("/abs/path/SK.PDF", "pdf", "SK.pdf"),
        ("laporan.pdf", "png", "laporan.png"),  # the content's extension wins
        ("evil\r\nX-Injected: 1.pdf", "pdf", "evilX-Injected_ 1.pdf"),
        ('a<b>:c|d?"e*.pdf', "pdf", "a_b__c_d__e_.pdf"),
        ("...", "pdf", "berkas.pdf"),
        ("", None, "berkas"),
        ("  .hidden. ", None, "hidden"),
        ("x" * 300 + ".pdf", "pdf", "x" * 120 + ".pdf"),
        ("Cafe\u0301.pdf", "pdf", "Caf\u00e9.pdf"),  # NFC
    ],
)
def test_safe_filename(name, extension, expected):
    from zi.evidence.sniff import safe_filename

    assert safe_filename(name, extension) == expected
