"""Evidence in bulk: integrity check, export as the folder tree reviewers know, ZIP import.

Folder names follow the LKE as units already keep it, e.g.
`AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf`; zi's own codes (`P-MP-i-a`) work too.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date

from .. import audit
from ..models import Assessment
from .integrity import CleanResult, VerifyResult, clean, verify  # noqa: F401  (bundle.verify is public)
from .service import linked_documents, upload
from .sniff import RejectedFile, safe_filename

ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"]
AREA_NUMERALS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed: beyond this an entry is treated as a zip bomb


# --- export ---------------------------------------------------------------------


def folder_of(criteria, item_code: str) -> str:
    """`AREA I/Pemenuhan/i. Penyusunan Tim Kerja/P-MP-i-a` — the path reviewers browse."""
    for item, where in criteria.walk_items():
        if item.code != item_code:
            continue
        if where.area is None:
            return f"HASIL/{item_code}"
        area = criteria.area(where.area)
        numeral = next(k for k, v in AREA_NUMERALS.items() if v == area.number)
        sub_name = next(s.name for c in criteria.components for s in c.sub_components
                        if s.code == where.sub_component)
        sub_area = next(sa for c in criteria.components for s in c.sub_components
                        if s.code == where.sub_component for b in s.areas if b.area == where.area
                        for sa in b.sub_areas if sa.numeral == where.sub_area)
        name = safe_filename(f"{sub_area.numeral}. {sub_area.name}".replace("/", "-"))
        return f"AREA {numeral} {area.name}/{sub_name}/{name}/{item_code}"
    raise KeyError(item_code)


def export_zip(store, assessment: Assessment, criteria, out, extra: dict[str, bytes] | None = None) -> int:
    """Write a ZIP: one folder per LKE code with that item's evidence, and an index.html
    (plus `extra` files at the top, e.g. the dossier PDF)."""
    linked = linked_documents(assessment)
    rows = []
    written = 0
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for item, _ in criteria.walk_items():
            for doc in linked.get(item.code, []):
                folder = folder_of(criteria, item.code)
                if doc.document.is_link:
                    rows.append((item.code, doc, None, doc.document.url))
                    continue
                revision = doc.latest
                path = _unique(f"{folder}/{revision.filename}", used)
                with archive.open(path, "w", force_zip64=True) as target:
                    for chunk in store.chunks(revision.file.sha256):
                        target.write(chunk)
                written += 1
                rows.append((item.code, doc, revision, path))
        archive.writestr("index.html", _index_html(assessment, criteria, rows))
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return written


def _unique(path: str, used: set[str]) -> str:
    """Two documents of one item may share a file name; the second becomes `name (2).pdf`."""
    stem, dot, ext = path.rpartition(".")
    if not dot:
        stem, ext = path, ""
    candidate, n = path, 1
    while candidate in used:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
    used.add(candidate)
    return candidate


def _index_html(assessment, criteria, rows) -> str:
    e = html.escape
    lines = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>Data dukung {e(assessment.unit.name)} {assessment.period.year}</title>",
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px 6px}"
        "table{border-collapse:collapse}code{font-size:11px}</style>",
        f"<h1>Data dukung LKE · {e(assessment.unit.name)} · {assessment.period.year}</h1>",
        f"<p>{e(criteria.title)} ({e(criteria.id)})</p>",
        "<table><tr><th>Butir</th><th>Dokumen</th><th>Tanggal dokumen</th><th>Berkas / tautan</th>"
        "<th>SHA-256</th><th>Status reviu</th></tr>",
    ]
    for code, doc, revision, target in rows:
        when = doc.document.document_date.isoformat() if doc.document.document_date else ""
        if revision is None:
            cell, digest = f"<a href='{e(target)}'>{e(target)}</a>", ""
        else:
            cell, digest = f"<a href='{e(target)}'>{e(revision.filename)}</a>", revision.file.sha256
        lines.append(f"<tr><td>{e(code)}</td><td>{e(doc.document.title)}</td><td>{when}</td><td>{cell}</td>"
                     f"<td><code>{digest}</code></td><td>{e(doc.status)}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)


# --- import ---------------------------------------------------------------------


@dataclass
class ImportEntry:
    name: str
    size: int
    item_code: str | None
    problem: str = ""
    index: int = 0  # position in the archive: two entries may carry the same name


def code_for_path(path: str, criteria) -> str | None:
    """The LKE item a path names: a zi code anywhere in it, or the `1.i.a` numbering of the
    workbook (Reform when a folder says so, otherwise Pemenuhan)."""
    for match in re.finditer(r"\b([PRH]-[A-Z]+-[ivx]+-[a-h]|H-I{1,2}-[ab])\b", path):
        if match.group(1) in criteria.items_by_code:
            return match.group(1)
    number = re.search(r"(?<![\d.])([1-6])\.(i{1,3}|iv|vi?)\.([a-h])(?![a-z])", path, re.IGNORECASE)
    if not number:
        return None
    area = next((a for a in criteria.areas if a.number == int(number.group(1))), None)
    if area is None:
        return None
    prefix = "R" if re.search(r"reform", path, re.IGNORECASE) else "P"
    code = f"{prefix}-{area.code}-{number.group(2).lower()}-{number.group(3).lower()}"
    return code if code in criteria.items_by_code else None


def preview_zip(source: io.BufferedIOBase | str, criteria, allowed=None) -> list[ImportEntry]:
    """Where each file of the ZIP would go, and which entries are refused and why.
    `allowed(code)`, when given, says whether the importing person may add evidence there."""
    entries = []
    with zipfile.ZipFile(source) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise RejectedFile(f"ZIP berisi lebih dari {MAX_ENTRIES} berkas.")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise RejectedFile("Isi ZIP terlalu besar setelah diekstrak.")
        for index, info in enumerate(infos):
            name = info.filename
            entry = ImportEntry(name, info.file_size, code_for_path(name, criteria), index=index)
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
                entry.problem = "Jalur berkas keluar dari folder (ditolak)."
            elif info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                entry.problem = "Rasio kompresi tidak wajar (kemungkinan zip bomb)."
            elif entry.item_code is None:
                entry.problem = "Kode butir LKE tidak dikenali dari nama folder/berkas."
            elif allowed is not None and not allowed(entry.item_code):
                entry.problem = "Butir di luar area pokja Anda."
            entries.append(entry)
    return entries


class _Limited(io.RawIOBase):
    """Reads at most `limit` bytes from an archive member: a lying header cannot inflate it."""

    def __init__(self, raw, limit: int):
        self.raw, self.left = raw, limit

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.left < 0:
            return b""
        chunk = self.raw.read(1024 * 1024 if size < 0 else size)
        self.left -= len(chunk)
        if self.left < 0:
            raise RejectedFile("Isi berkas dalam ZIP lebih besar daripada yang tertulis.")
        return chunk


def import_zip(store, source, assessment: Assessment, user, criteria, max_bytes: int,
               document_date: date | None = None, allowed=None) -> tuple[int, list[ImportEntry]]:
    """Store every mappable entry as a document linked to its item; returns (imported, skipped)."""
    imported, skipped = 0, []
    entries = preview_zip(source, criteria, allowed)
    if hasattr(source, "seek"):
        source.seek(0)
    with zipfile.ZipFile(source) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        for entry in entries:
            if entry.problem:
                skipped.append(entry)
                continue
            try:
                # by position, not by name: archive.open(name) gives the last entry of that name
                with archive.open(infos[entry.index]) as member:
                    upload(store, assessment, user, _Limited(member, entry.size), entry.name,
                           criteria=criteria, max_bytes=max_bytes, document_date=document_date,
                           item_codes=[entry.item_code])
                imported += 1
            except RejectedFile as err:
                entry.problem = str(err)
                skipped.append(entry)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
                entry.problem = "Isi berkas dalam ZIP rusak atau tidak sesuai ukurannya (dilewati)."
                skipped.append(entry)
    audit.record("evidence:import_zip", user, assessment=assessment,
                 new={"imported": imported, "skipped": len(skipped)})
    return imported, skipped

