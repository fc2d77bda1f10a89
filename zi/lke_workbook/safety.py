"""Checks on an uploaded workbook before any parser sees it: its size, what kind of file it is
(an .xlsx is a zip; an old .xls, an encrypted .xlsx, a PDF or text are not), whether the zip would
inflate beyond reason, and whether the parts openpyxl would parse are small enough to be read in
about a second. The zip's directory is checked first (declared sizes); only then are the parts a
parser reads inflated, one at a time (each at most MAX_PART, all at most MAX_PARSED), and their
cells and shared strings counted.

Declared sizes are enough: Python's zipfile stops at a member's declared size (and then fails its
CRC), so a member cannot inflate beyond what its directory entry says."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

from ..text import N_
from .reading import WorkbookRefused

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: old .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is a compound file with these streams (names in UTF-16LE in its directory).
ENCRYPTION_STREAMS = ("EncryptionInfo", "EncryptedPackage")

MAX_UNCOMPRESSED = 256 * 1024 * 1024  # all members together, as declared
# Any part a parser may read, whatever its name (a sheet, the shared strings, styles): far beyond
# any LKE sheet (~0.1-0.5 MB). MAX_XML_PART is its former name.
MAX_PART = MAX_XML_PART = 8 * 1024 * 1024
MAX_PARSED = 16 * 1024 * 1024         # all those parts together
MAX_RATIO = 200                       # uncompressed / compressed, for every member past RATIO_FLOOR
RATIO_FLOOR = 64 * 1024
MAX_MEMBERS = 5_000
# Cells in all parts together and shared strings (all parsed on opening). An LKE sheet has 1-5
# thousand, but real files carry styled blank cells (a border drawn down to row 3,000 over 26
# columns is 78,000); openpyxl parses some 70,000 a second, so the worst accepted file reads in ~4 s.
MAX_CELLS = 250_000
MAX_STRINGS = 100_000
# Binary members openpyxl does not parse: pictures, embedded files, the thumbnail.
UNPARSED = ("xl/media/", "xl/embeddings/", "docProps/thumbnail")
CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
SHARED_STRING = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")

MSG_PASSWORD = N_("Berkas dilindungi kata sandi. Buka di Excel, hapus kata sandinya, simpan sebagai "
                  ".xlsx, lalu unggah lagi.")
MSG_NOT_XLSX = N_("Berkas ini bukan buku kerja Excel (.xlsx).")
MSG_PART_TOO_LARGE = N_("Berkas ditolak: salah satu lembarnya terlalu besar untuk LKE (lebih dari "
                        "%(limit)s MB setelah diekstrak). Hapus lembar lain yang besar, lalu unggah lagi.")
MSG_TOO_MANY_CELLS = N_("Berkas ditolak: isinya terlalu banyak untuk LKE (lebih dari %(limit)s sel atau "
                        "teks). Hapus lembar lain yang besar, lalu unggah lagi.")


def read_source(source: bytes | Path | BinaryIO, max_bytes: int) -> bytes:
    """The file's bytes, refused when larger than `max_bytes` (read no further than that)."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:
                raise _too_large(max_bytes)
            data = path.read_bytes()
        except OSError as err:
            raise WorkbookRefused(N_("Berkas tidak dapat dibaca: %(reason)s"),
                                  reason=err.strerror or str(err)) from err
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _too_large(max_bytes: int) -> WorkbookRefused:
    return WorkbookRefused(N_("Berkas terlalu besar: batasnya %(limit)s MB."),
                           limit=f"{round(max_bytes / (1024 * 1024), 2):g}")


def open_zip(data: bytes) -> zipfile.ZipFile:
    """The workbook's zip, checked: a real .xlsx, not encrypted, not a bomb."""
    if data.startswith(CFB_MAGIC):
        if any(name.encode("utf-16-le") in data for name in ENCRYPTION_STREAMS):
            raise WorkbookRefused(MSG_PASSWORD)
        raise WorkbookRefused(N_("Berkas ini berformat Excel lama (.xls). Simpan sebagai .xlsx "
                                 "(Buku Kerja Excel), lalu unggah lagi."))
    if not data.startswith(ZIP_MAGIC):
        raise WorkbookRefused(MSG_NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise corrupt() from err
    if len(members) > MAX_MEMBERS:
        raise bomb()
    total = parsed_total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise WorkbookRefused(MSG_PASSWORD)
        total += member.file_size
        if member.file_size > RATIO_FLOOR and \
                member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise bomb()
        if parsed(member.filename):
            if member.file_size > MAX_PART:
                raise WorkbookRefused(MSG_PART_TOO_LARGE, limit=f"{MAX_PART // (1024 * 1024)}")
            parsed_total += member.file_size
    if total > MAX_UNCOMPRESSED or parsed_total > MAX_PARSED:
        raise bomb()
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise WorkbookRefused(MSG_NOT_XLSX)
    _count_cells(archive, members)
    return archive


def parsed(name: str) -> bool:
    """Whether openpyxl (or the reader) may parse this member: all but pictures and embedded files."""
    return not name.startswith(UNPARSED) and not name.endswith("/")


def _count_cells(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Refused when the parsed parts hold more than MAX_CELLS cells or MAX_STRINGS shared strings.
    Every parsed part counts, whatever its name (a sheet may be stored under any name the
    workbook's relationships give it)."""
    cells = strings = 0
    for member in members:
        if not parsed(member.filename) or member.file_size == 0:
            continue
        try:
            body = archive.read(member)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
                NotImplementedError, RuntimeError) as err:
            raise corrupt() from err
        cells += len(CELL.findall(body))
        strings += len(SHARED_STRING.findall(body))
        if cells > MAX_CELLS or strings > MAX_STRINGS:
            raise WorkbookRefused(MSG_TOO_MANY_CELLS, limit=str(MAX_CELLS))


def corrupt() -> WorkbookRefused:
    return WorkbookRefused(N_("Berkas rusak: buku kerja tidak dapat dibuka. Simpan ulang dari "
                              "Excel sebagai .xlsx, lalu unggah lagi."))


def bomb() -> WorkbookRefused:
    return WorkbookRefused(N_("Berkas ditolak: isinya mengembang jauh melebihi ukuran buku kerja "
                              "yang wajar (kemungkinan zip bomb)."))
