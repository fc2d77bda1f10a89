"""Where evidence bytes live: content-addressed by SHA-256, written atomically.

An upload is streamed to a temporary file while its hash and size are computed
(never held in memory); only a complete, accepted file is moved into place, so a
broken upload leaves neither a half file nor a database row pointing at nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..extras import require
from .sniff import HEAD_BYTES, RejectedFile, kind_of

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    extension: str
    mime: str


class TooLarge(RejectedFile):
    pass


class StoreError(RuntimeError):
    """The store could not keep the bytes (disk full, no permission, bucket unreachable).
    Nothing half-written is left behind; the message is for the user."""

    def __init__(self, cause: BaseException):
        detail = getattr(cause, "strerror", None) or cause.__class__.__name__
        super().__init__(f"Penyimpanan data dukung tidak dapat ditulis ({detail}); tidak ada yang disimpan. "
                         "Hubungi admin.")


def stream_to_temp(stream: BinaryIO, directory: Path, max_bytes: int) -> tuple[Path, Stored]:
    """Copy `stream` into a temporary file in `directory`, hashing and checking it on the way.
    Errors reading `stream` pass through; errors writing the copy become StoreError."""
    digest = hashlib.sha256()
    size, head = 0, b""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-", suffix=".part")
    except OSError as err:
        raise StoreError(err) from err
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"Berkas melebihi batas {max_bytes // (1024 * 1024)} MB.")
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                _write(out, chunk)
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as err:
                raise StoreError(err) from err
        if size == 0:
            raise RejectedFile("Berkas kosong.")
        extension, mime = kind_of(head)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, Stored(digest.hexdigest(), size, extension, mime)


def _write(out, chunk: bytes) -> None:
    try:
        out.write(chunk)
    except OSError as err:
        raise StoreError(err) from err


class Store:
    """What every store offers beyond put/exists/chunks/delete."""

    def hash_of(self, sha256: str) -> str | None:
        """The SHA-256 of what is stored now (None if missing), to detect altered files."""
        if not self.exists(sha256):
            return None
        digest = hashlib.sha256()
        for chunk in self.chunks(sha256):
            digest.update(chunk)
        return digest.hexdigest()


class LocalStore(Store):
    """Files under a folder, as `ab/cd/<sha256>`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_bytes: int) -> Stored:
        temp, stored = stream_to_temp(stream, self.tmp, max_bytes)
        target = self.path(stored.sha256)
        try:
            if _touch(target):  # already stored: now recent, so `evidence verify --clean` spares it
                return stored
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            _fsync_dir(target.parent)
        except OSError as err:
            raise StoreError(err) from err
        finally:
            temp.unlink(missing_ok=True)
        return stored

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def chunks(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


class S3Store(Store):
    """An S3-compatible bucket (AWS, MinIO, Ceph…), keys `evidence/<sha256>`."""

    def __init__(self, bucket: str, tmp_dir: str | Path, client=None, **client_kwargs):
        import boto3

        self.bucket = bucket
        self.client = client or boto3.client("s3", **client_kwargs)
        self.tmp = Path(tmp_dir)

    @staticmethod
    def key(sha256: str) -> str:
        return f"evidence/{sha256}"

    def put(self, stream: BinaryIO, max_bytes: int) -> Stored:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        temp, stored = stream_to_temp(stream, self.tmp, max_bytes)
        try:
            if not self.exists(stored.sha256):
                # upload_file sends large files in parts; the key appears only when complete.
                self.client.upload_file(str(temp), self.bucket, self.key(stored.sha256),
                                        ExtraArgs={"ContentType": stored.mime})
        except (BotoCoreError, ClientError, S3UploadFailedError, OSError) as err:
            raise StoreError(err) from err
        finally:
            temp.unlink(missing_ok=True)
        return stored

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as err:
            if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def chunks(self, sha256: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        yield from body.iter_chunks(CHUNK)

    def open(self, sha256: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))


def _touch(path: Path) -> bool:
    """Refresh the time of a stored file; False when it is not there (any more)."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False
    except PermissionError:  # a store we may read but not touch: exists() is all we can say
        return path.exists()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def store_from_config(config) -> LocalStore | S3Store:
    """The store the configuration names: local folder by default, S3 when ZI_S3_BUCKET is set."""
    if config.get("S3_BUCKET"):
        require("boto3", "ZI_S3_BUCKET")
        kwargs = {k: v for k, v in {
            "endpoint_url": config.get("S3_ENDPOINT_URL"),
            "region_name": config.get("S3_REGION"),
            "aws_access_key_id": config.get("S3_ACCESS_KEY_ID"),
            "aws_secret_access_key": config.get("S3_SECRET_ACCESS_KEY"),
        }.items() if v}
        return S3Store(config["S3_BUCKET"], Path(config["EVIDENCE_DIR"]) / "tmp", **kwargs)
    return LocalStore(config["EVIDENCE_DIR"])


