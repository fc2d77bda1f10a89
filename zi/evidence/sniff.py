"""What an uploaded file really is, judged from its first bytes, never from its name."""

from __future__ import annotations

import re
import unicodedata

import filetype

# extension -> MIME type of what units upload as data dukung
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "zip": "application/zip",
}
PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
HEAD_BYTES = 8192


class RejectedFile(ValueError):
    """An upload that is refused; the message says why, in the user's language."""


def kind_of(head: bytes) -> tuple[str, str]:
    """(extension, MIME type) of allowed content, else RejectedFile."""
    guess = filetype.guess(head)
    if guess is None:
        raise RejectedFile("Jenis berkas tidak dikenali dari isinya; unggah PDF, gambar, dokumen "
                           "perkantoran atau ZIP.")
    extension = {"jpeg": "jpg"}.get(guess.extension, guess.extension)
    if extension not in ALLOWED:
        raise RejectedFile(f"Jenis berkas tidak diizinkan: isinya {guess.mime}.")
    return extension, ALLOWED[extension]


def safe_filename(name: str, extension: str | None = None) -> str:
    """A file name safe to show and to put in a download header: no folders, no control characters,
    and the extension of what the content really is."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .") or "berkas"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[:120] or "berkas"
    if extension:
        ext = extension
    return f"{stem}.{ext}" if ext else stem
