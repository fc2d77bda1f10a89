"""What people do with evidence, as plain functions shared by the web views and the CLI."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO
from urllib.parse import urlsplit

from peewee import JOIN, fn

from .. import audit, notify
from ..messages import DomainError
from ..models import (
    Assessment,
    EvidenceDocument,
    EvidenceFile,
    EvidenceLink,
    EvidenceReview,
    EvidenceRevision,
    User,
    now,
)
from ..states import EvidenceStatus, EvidenceVerdict
from ..text import N_
from .sniff import safe_filename

STATUSES = tuple(EvidenceStatus)
STATUS_LABELS = EvidenceStatus.labels()  # value -> label, for older callers


class EvidenceError(DomainError):
    """A request about evidence that cannot be carried out; a message id with its parameters."""


def _check_items(assessment: Assessment, item_codes, criteria) -> list[str]:
    codes = list(dict.fromkeys(c for c in item_codes if c))
    unknown = [c for c in codes if c not in criteria.items_by_code]
    if unknown:
        raise EvidenceError(N_("Butir tidak dikenal: %(codes)s"), codes=", ".join(unknown))
    return codes


def upload(store, assessment: Assessment, user, stream: BinaryIO, filename: str, *, criteria,
           max_bytes: int, title: str = "", document_date: date | None = None, description: str = "",
           item_codes=(), document: EvidenceDocument | None = None) -> EvidenceRevision:
    """Store a file (deduplicated by content) as a new document, or as a new revision of one."""
    codes = _check_items(assessment, item_codes, criteria)
    if document is not None and (document.unit_id != assessment.unit_id or document.is_link):
        raise EvidenceError(N_("Dokumen ini bukan berkas milik unit ini."))
    stored = store.put(stream, max_bytes)  # RejectedFile: nothing stored, nothing written
    name = safe_filename(filename, stored.extension)
    db = EvidenceFile._meta.database
    with db.atomic():
        file, _ = EvidenceFile.get_or_create(
            sha256=stored.sha256,
            defaults={"size": stored.size, "mime": stored.mime, "extension": stored.extension})
        if document is None:
            document = EvidenceDocument.create(
                unit=assessment.unit_id, title=title.strip() or name.rsplit(".", 1)[0],
                document_date=document_date, description=description.strip(), created_by=user)
            number = 1
        else:
            number = (EvidenceRevision.select(fn.MAX(EvidenceRevision.number))
                      .where(EvidenceRevision.document == document).scalar() or 0) + 1
        revision = EvidenceRevision.create(document=document, number=number, file=file, filename=name,
                                           uploaded_by=user)
        for code in codes:
            link(document, assessment, code, user)
        audit.record("evidence:upload", user, assessment=assessment,
                     new={"document": document.id, "revision": number, "file": name,
                          "sha256": stored.sha256, "items": codes})
    return revision


def valid_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise EvidenceError(N_("Tautan harus alamat http:// atau https:// yang lengkap."))
    return url


def add_link(assessment: Assessment, user, url: str, title: str, *, criteria,
             document_date: date | None = None, description: str = "", item_codes=()) -> EvidenceDocument:
    """External evidence (a web page, an SPSE or SP4N-LAPOR! page, a video): stored as a link only."""
    url = valid_url(url)
    codes = _check_items(assessment, item_codes, criteria)
    with EvidenceDocument._meta.database.atomic():
        document = EvidenceDocument.create(unit=assessment.unit_id, title=title.strip() or url, url=url,
                                           document_date=document_date, description=description.strip(),
                                           created_by=user)
        for code in codes:
            link(document, assessment, code, user)
        audit.record("evidence:link_url", user, assessment=assessment,
                     new={"document": document.id, "url": url, "items": codes})
    return document


def link(document: EvidenceDocument, assessment: Assessment, item_code: str, user) -> EvidenceLink:
    """Let a document support an item; only a document of the assessment's own unit can."""
    if document.unit_id != assessment.unit_id:
        raise EvidenceError(N_("Dokumen unit lain tidak dapat ditautkan."))
    if document.deleted_at is not None:
        raise EvidenceError(N_("Dokumen ada di tempat sampah."))
    found, created = EvidenceLink.get_or_create(document=document, assessment=assessment,
                                                item_code=item_code, defaults={"created_by": user})
    if created:
        audit.record("evidence:link", user, assessment=assessment, item_code=item_code,
                     new={"document": document.id})
    return found


def unlink(evidence_link: EvidenceLink, user) -> None:
    audit.record("evidence:unlink", user, assessment=evidence_link.assessment,
                 item_code=evidence_link.item_code, old={"document": evidence_link.document_id})
    evidence_link.delete_instance()


def review(evidence_link: EvidenceLink, user, status: str, comment: str = "") -> EvidenceReview:
    """TPI's verdict on a document for one item: the one place a verdict is recorded (a selection
    accepted at once comes here row by row), so whatever follows a verdict belongs here."""
    if status not in tuple(EvidenceVerdict):
        raise EvidenceError(N_("Status reviu harus diterima atau perlu revisi."))
    if status == EvidenceVerdict.REVISION and not comment.strip():
        raise EvidenceError(N_("Tuliskan apa yang perlu direvisi."))
    if evidence_link.document.deleted_at is not None:
        raise EvidenceError(N_("Dokumen ada di tempat sampah."))
    number = (EvidenceRevision.select(fn.MAX(EvidenceRevision.number))
              .where(EvidenceRevision.document == evidence_link.document_id).scalar() or 0)
    verdict = EvidenceReview.create(link=evidence_link, status=status, comment=comment.strip(),
                                    revision_number=number, reviewer=user)
    audit.record("evidence:review", user, assessment=evidence_link.assessment,
                 item_code=evidence_link.item_code,
                 new={"document": evidence_link.document_id, "status": status, "comment": comment})
    notify.evidence_reviewed(verdict, user)
    return verdict


MAX_SELECTED = 500  # rows one acceptance takes at most (a page shows fewer)


@dataclass
class Refused:
    """A selected row that was not accepted, and why (`item_code` and `title` empty when the row is
    not a link of the assessment)."""

    link_id: int
    item_code: str
    title: str
    error: EvidenceError


def accept_selected(assessment: Assessment, link_ids, user) -> tuple[list[EvidenceLink], list[Refused]]:
    """TPI accepts several documents-for-items at once: one transaction, one verdict and one audit
    event per row. A row that cannot be accepted (no longer linked here, in the trash, already
    accepted as it stands) is refused with its reason; the others are accepted."""
    ids = list(dict.fromkeys(i for i in link_ids if i))[:MAX_SELECTED]
    if not ids:
        raise EvidenceError(N_("Pilih dulu data dukung yang akan diterima."))
    accepted: list[EvidenceLink] = []
    refused: list[Refused] = []
    with EvidenceLink._meta.database.atomic():
        query = (EvidenceLink.select(EvidenceLink, EvidenceDocument).join(EvidenceDocument)
                 .where(EvidenceLink.id.in_(ids) & (EvidenceLink.assessment == assessment)))
        found = {lk.id: lk for lk in query}
        live = {d.link.id: d for docs in linked_documents(assessment).values() for d in docs}
        for link_id in ids:
            lk = found.get(link_id)
            if lk is None:
                refused.append(Refused(link_id, "", "", EvidenceError(
                    N_("Dokumen ini tidak lagi tertaut ke butir penilaian ini."))))
                continue
            lk.assessment = assessment
            if lk.id in live and live[lk.id].status == EvidenceStatus.ACCEPTED:
                refused.append(Refused(link_id, lk.item_code, lk.document.title,
                                       EvidenceError(N_("Sudah diterima."))))
                continue
            try:
                review(lk, user, EvidenceVerdict.ACCEPTED)
            except EvidenceError as err:
                refused.append(Refused(link_id, lk.item_code, lk.document.title, err))
                continue
            accepted.append(lk)
    return accepted, refused


def accepted_uses(document: EvidenceDocument) -> list[Assessment]:
    """The accepted (locked) assessments this document supports."""
    return list(Assessment.select().join(EvidenceLink).where(
        (EvidenceLink.document == document) & (Assessment.status == "accepted")).distinct())


def trash(document: EvidenceDocument, user) -> None:
    """Move a document to the trash, unless an accepted assessment rests on it: what TPI
    accepted stays exactly as it was (unlink it from a draft instead)."""
    locked = accepted_uses(document)
    if locked:
        years = ", ".join(sorted({str(a.period.year) for a in locked}))
        raise EvidenceError(N_("Dokumen ini data dukung penilaian yang sudah diterima (final) tahun "
                               "%(years)s; dokumen tidak dapat dibuang. Lepaskan tautannya dari penilaian "
                               "yang masih draf bila tidak diperlukan lagi."), years=years)
    document.deleted_at, document.deleted_by = now(), user
    document.save()
    audit.record("evidence:trash", user, unit=document.unit, new={"document": document.id,
                                                                   "title": document.title})


def restore(document: EvidenceDocument, user) -> None:
    document.deleted_at, document.deleted_by = None, None
    document.save()
    audit.record("evidence:restore", user, unit=document.unit, new={"document": document.id,
                                                                     "title": document.title})


@dataclass
class LinkedDocument:
    """A document as one assessment sees it: `latest` is the revision in force there (the
    newest, or the one pinned when the assessment was accepted)."""

    link: EvidenceLink
    document: EvidenceDocument
    latest: EvidenceRevision | None
    review: EvidenceReview | None

    @property
    def status(self) -> str:
        """A verdict counts for the revision it was given on; a newer upload awaits review again."""
        if self.review is None:
            return "awaiting"
        current = self.latest.number if self.latest else 0
        return self.review.status if self.review.revision_number == current else "awaiting"


def linked_documents(assessment: Assessment) -> dict[str, list[LinkedDocument]]:
    """Every item's live documents with their newest revision and verdict: 3 queries."""
    links = list(
        EvidenceLink.select(EvidenceLink, EvidenceDocument)
        .join(EvidenceDocument)
        .where((EvidenceLink.assessment == assessment) & EvidenceDocument.deleted_at.is_null())
        .order_by(EvidenceLink.item_code, EvidenceDocument.title)
    )
    doc_ids = list({lk.document_id for lk in links})
    latest: dict[int, EvidenceRevision] = {}
    numbered: dict[tuple[int, int], EvidenceRevision] = {}
    reviews: dict[int, EvidenceReview] = {}
    if doc_ids:
        query = (EvidenceRevision.select(EvidenceRevision, EvidenceFile).join(EvidenceFile)
                 .where(EvidenceRevision.document.in_(doc_ids)).order_by(EvidenceRevision.number))
        for revision in query:
            latest[revision.document_id] = revision
            numbered[revision.document_id, revision.number] = revision
        query = (EvidenceReview.select(EvidenceReview, User).join(User, JOIN.LEFT_OUTER,
                                                                   on=EvidenceReview.reviewer)
                 .where(EvidenceReview.link.in_([lk.id for lk in links])).order_by(EvidenceReview.id))
        for verdict in query:
            reviews[verdict.link_id] = verdict
    result: dict[str, list[LinkedDocument]] = defaultdict(list)
    for lk in links:
        shown = (numbered.get((lk.document_id, lk.pinned_revision)) if lk.pinned_revision
                 else latest.get(lk.document_id))
        result[lk.item_code].append(LinkedDocument(lk, lk.document, shown, reviews.get(lk.id)))
    return result


def pin_revisions(assessment: Assessment) -> None:
    """On acceptance: every link keeps the revision it was accepted with (see EvidenceLink)."""
    newest = (EvidenceRevision.select(fn.MAX(EvidenceRevision.number))
              .where(EvidenceRevision.document == EvidenceLink.document))
    EvidenceLink.update(pinned_revision=newest).where(EvidenceLink.assessment == assessment).execute()


def unpin_revisions(assessment: Assessment) -> None:
    """On reopening: the assessment shows its documents' newest revisions again."""
    EvidenceLink.update(pinned_revision=None).where(EvidenceLink.assessment == assessment).execute()


def item_status(documents: list[LinkedDocument]) -> str:
    if not documents:
        return "missing"
    statuses = {d.status for d in documents}
    for status in ("revision", "awaiting"):
        if status in statuses:
            return status
    return "accepted"


def item_statuses(criteria, linked: dict[str, list[LinkedDocument]]) -> dict[str, str]:
    """{item code: its evidence status} for every item of the criteria."""
    return {item.code: item_status(linked.get(item.code, [])) for item, _ in criteria.walk_items()}


def status_counts(criteria, linked: dict[str, list[LinkedDocument]], area_of) -> dict[str, dict[str, int]]:
    """{area (or "H"): {status: number of items}} plus a "total" row."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for item, where in criteria.walk_items():
        status = item_status(linked.get(item.code, []))
        counts[area_of(where)][status] += 1
        counts["total"][status] += 1
    return dict(counts)


def open_evidence_revisions(assessment_ids: list[int]) -> dict[int, int]:
    """How many evidence links TPI sent back for revision, per assessment (one query)."""
    if not assessment_ids:
        return {}
    newest = (EvidenceReview.select(fn.MAX(EvidenceReview.id)).group_by(EvidenceReview.link))
    query = (EvidenceReview.select(EvidenceLink.assessment, fn.COUNT(EvidenceReview.id).alias("n"))
             .join(EvidenceLink)
             .join(EvidenceDocument)
             .where(EvidenceReview.id.in_(newest) & (EvidenceReview.status == "revision")
                    & EvidenceLink.assessment.in_(assessment_ids) & EvidenceDocument.deleted_at.is_null())
             .group_by(EvidenceLink.assessment))
    return {row.link.assessment_id: row.n for row in query}
