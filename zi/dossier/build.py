"""The whole dossier pipeline, with progress reports: gather → HTML → PDF (→ evidence bundle)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..evidence import bundle as evidence_bundle
from ..states import JobStatus
from .gather import gather
from .names import dossier_filename
from .render import html_to_pdf, render_html

BUNDLES = ("", "zip", "attach")


def build(assessment, criteria, variant: str, *, store=None, bundle: str = "", frozen: bytes | None = None,
          progress: Callable[[int, str], None] = lambda pct, message: None) -> tuple[bytes, str]:
    """(bytes, extension): a PDF, or with bundle="zip" a ZIP of the PDF and the evidence tree.
    `frozen` is the stored final PDF of an accepted assessment: used as it is, never re-rendered."""
    if bundle not in BUNDLES:
        raise ValueError(f"unknown bundle {bundle!r}")
    if frozen is not None and bundle != "attach":
        return _bundle(frozen, assessment, criteria, variant, store, bundle, progress)
    progress(5, "Mengumpulkan data penilaian")
    data = gather(assessment, criteria, variant)
    progress(20, "Menyusun dokumen")
    html = render_html(data)
    with tempfile.TemporaryDirectory(prefix="zi-attach-") as tmp:
        attachments = []
        if bundle == "attach":
            progress(30, "Menyiapkan lampiran PDF data dukung")
            attachments = _evidence_pdfs(data, store, Path(tmp))
        progress(40, "Menata halaman (WeasyPrint)")
        pdf = html_to_pdf(html, attachments)
    return _bundle(pdf, assessment, criteria, variant, store, bundle, progress)


def _bundle(pdf, assessment, criteria, variant, store, bundle, progress) -> tuple[bytes, str]:
    if bundle != "zip":
        progress(100, JobStatus.DONE.label)
        return pdf, "pdf"
    progress(80, "Menyusun arsip data dukung")
    out = io.BytesIO()
    evidence_bundle.export_zip(store, assessment, criteria, out,
                               extra={dossier_filename(assessment, variant, "pdf",
                                                       final=assessment.status == "accepted"): pdf})
    progress(100, JobStatus.DONE.label)
    return out.getvalue(), "zip"


def _evidence_pdfs(data, store, folder: Path) -> list[tuple[str, str]]:
    """The newest PDF of every linked document, written to `folder` for WeasyPrint to attach."""
    attachments, seen = [], set()
    for item, _ in data.criteria.walk_items():
        for doc in data.evidence.get(item.code, []):
            latest = doc.latest
            if latest is None or latest.file.mime != "application/pdf" or latest.file.sha256 in seen:
                continue
            seen.add(latest.file.sha256)
            path = folder / f"{item.code}-{latest.file.sha256[:12]}.pdf"
            with path.open("wb") as out:
                for chunk in store.chunks(latest.file.sha256):
                    out.write(chunk)
            attachments.append((f"{item.code} {latest.filename}", str(path)))
    return attachments

