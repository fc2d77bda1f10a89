"""Downloads, only through an authorised route: by revision, or by content hash within the units a person
may see."""

from __future__ import annotations

from flask import Response, g, request
from flask_login import login_required

from ...evidence.sniff import PREVIEWABLE
from ...models import EvidenceRevision
from . import bp
from .common import evidence_store


def _send(revision: EvidenceRevision) -> Response:
    inline = request.args.get("inline") == "1" and revision.file.mime in PREVIEWABLE
    response = Response(evidence_store().chunks(revision.file.sha256), mimetype=revision.file.mime)
    disposition = "inline" if inline else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=revision.filename)
    response.headers["Content-Length"] = str(revision.file.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if inline:  # shown in the document page's frame
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    else:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evidence/revisions/<int:revision_id>/file")
@login_required
def download(revision_id: int):
    return _send(g.access.revision(revision_id))


@bp.route("/evidence/sha256/<sha256>")
@login_required
def by_hash(sha256: str):
    return _send(g.access.revision_by_hash(sha256))
