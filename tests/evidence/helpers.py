"""Content builders and small tools shared by the evidence tests (not fixtures)."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024
HEX64 = re.compile(r"[0-9a-f]{64}")


def pdf(text: str = "data dukung") -> bytes:
    """Bytes that `filetype` judges to be a PDF (the header is what counts)."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + f"1 0 obj << /Title ({text}) >> endobj\n".encode() + b"%%EOF\n"


def png() -> bytes:
    """A real 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("catatan.txt", "bukan dokumen yang dapat dipratinjau")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 246  # a Windows PE/DOS header
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 248


class Chunks:
    """A stream handing out the given chunks one read() at a time; optionally failing midway."""

    def __init__(self, chunks, fail_after: int | None = None):
        self.chunks, self.fail_after, self.reads = list(chunks), fail_after, 0

    def read(self, size: int = -1) -> bytes:
        if self.fail_after is not None and self.reads >= self.fail_after:
            raise OSError("connection reset by peer (simulated)")
        self.reads += 1
        return self.chunks.pop(0) if self.chunks else b""


def pdf_chunks(count: int, size: int = MB) -> list[bytes]:
    """`count` chunks of `size` bytes; the first begins with a PDF header."""
    first = pdf().ljust(size, b"\x00")
    return [first] + [os.urandom(size) for _ in range(count - 1)]


def files_under(root: Path) -> list[Path]:
    """Every regular file below `root` (temp files included)."""
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def stored_files(root: Path) -> list[Path]:
    """The content-addressed files of a LocalStore (ab/cd/<sha256>), temp files excluded."""
    return [p for p in files_under(root) if p.parent.parent.parent == Path(root)]


def make_zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def bomb_entry(archive: zipfile.ZipFile, name: str, megabytes: int = 50) -> None:
    """Add `megabytes` MB (a PDF header, then zeros) as one deflated entry: a few dozen KB inside."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as target:
        target.write(pdf().ljust(MB, b"\x00"))
        zeros = bytes(MB)
        for _ in range(megabytes - 1):
            target.write(zeros)
