"""Downloads, only through an authorised route: by revision, or by content hash within the units a person
may see."""

from __future__ import annotations

from flask import Response, abort, g, request
from flask_login import login_required

from ...evidence.sniff import PREVIEWABLE
from ...models import EvidenceDocument, EvidenceFile, EvidenceRevision, Unit
from . import bp
from .common import (
    evidence_store,
    visible_document,
)


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
    revision = (EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                .where(EvidenceRevision.id == revision_id).first())
    if revision is None:
        abort(404)
    visible_document(revision.document_id)  # 404 unless the person may see the document's unit
    return _send(revision)


@bp.route("/evidence/sha256/<sha256>")
@login_required
def by_hash(sha256: str):
    revision = (EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                .switch(EvidenceRevision).join(EvidenceDocument)
                .where((EvidenceFile.sha256 == sha256.lower())
                       & EvidenceDocument.unit.in_(g.access.units().select(Unit.id)))
                .first())
    if revision is None:
        abort(404)
    return _send(revision)
