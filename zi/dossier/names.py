"""File names of dossiers, for the people who download them and keep them in a folder:
`dosir-kemenpan-bagian-pengadaan-barang-dan-jasa-2026-final.pdf`."""

from __future__ import annotations

import re
import unicodedata

SLUG_MAX_CHARS = 60


def slug(text: str, limit: int = SLUG_MAX_CHARS) -> str:
    """ASCII, lowercase, words joined by hyphens ("Dinas Penanaman Modal & PTSP" →
    "dinas-penanaman-modal-ptsp"); accents lose their marks, other letters are dropped. Cut at a
    word boundary within `limit`; "unit" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    result = ""
    for word in words:
        candidate = f"{result}-{word}" if result else word
        if len(candidate) > limit:
            break
        result = candidate
    return result or (words[0][:limit] if words else "unit")


def dossier_filename(assessment, variant: str, extension: str, *, final: bool,
                     superseded_on=None) -> str:
    """`dosir-<variant>-<unit>-<year>[-final].<ext>`; a final dossier replaced after the assessment
    was reopened also carries the day it was made (`-final-diganti-2026-11-30`), so two of them
    in one folder keep apart."""
    name = f"dosir-{slug(variant)}-{slug(assessment.unit.name)}-{assessment.period.year}"
    if final:
        name += "-final"
        if superseded_on is not None:
            name += f"-diganti-{superseded_on:%Y-%m-%d}"
    return f"{name}.{extension}"
