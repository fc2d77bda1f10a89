"""The states zi stores, as string enums with their (Indonesian, translatable) labels beside them.

The values are the strings stored in the database; pages, the command line and dossiers take
the labels from here and translate them where they are shown."""

from __future__ import annotations

from enum import StrEnum

from .text import N_


class Labelled(StrEnum):
    """A StrEnum whose members are declared as (value, label); `label` is a message id."""

    def __new__(cls, value: str, label: str = ""):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {member.value: member.label for member in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """For peewee's `choices=`."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value; an unknown value is shown as it is."""
        try:
            return cls(value).label
        except ValueError:
            return value


class AssessmentStatus(Labelled):
    DRAFT = "draft", N_("Draf")
    SUBMITTED = "submitted", N_("Diajukan")
    IN_REVIEW = "in_review", N_("Direviu TPI")
    REVISION = "revision", N_("Perlu revisi")
    RESUBMITTED = "resubmitted", N_("Diajukan ulang")
    ACCEPTED = "accepted", N_("Diterima (final)")


class Layer(Labelled):
    UNIT = "unit", N_("Penilaian mandiri unit")
    TPI = "tpi", N_("TPI")


class Role(Labelled):
    ADMIN = "admin", N_("Admin instansi")
    MEMBER = "member", N_("Anggota tim kerja")
    HEAD = "head", N_("Pimpinan unit")
    TPI = "tpi", N_("Evaluator TPI")
    REVIEWER = "reviewer", N_("Reviewer")


class EvidenceVerdict(Labelled):
    """What TPI says about a document for one item (EvidenceReview.status)."""

    ACCEPTED = "accepted", N_("Diterima")
    REVISION = "revision", N_("Perlu revisi")


class EvidenceStatus(Labelled):
    """Where an item's evidence stands: no document, awaiting review, to revise, accepted."""

    MISSING = "missing", N_("Belum ada")
    AWAITING = "awaiting", N_("Menunggu reviu")
    REVISION = "revision", N_("Perlu revisi")
    ACCEPTED = "accepted", N_("Diterima")


class JobStatus(Labelled):
    QUEUED = "queued", N_("Menunggu giliran")
    RUNNING = "running", N_("Sedang dibuat")
    DONE = "done", N_("Selesai")
    FAILED = "failed", N_("Gagal")


class DossierVariant(Labelled):
    INTERNAL = "internal", N_("Dosir internal TPI")
    KEMENPAN = "kemenpan", N_("Dosir untuk KemenPAN-RB (TPN)")


class NotificationKind(Labelled):
    """What a notification tells (Notification.kind): a hand-off of the workflow or a deadline."""

    SUBMITTED = "submitted", N_("Diajukan ke TPI")
    RESUBMITTED = "resubmitted", N_("Diajukan ulang ke TPI")
    REVISION_REQUESTED = "revision_requested", N_("Revisi diminta")
    EVIDENCE_REVISION = "evidence_revision", N_("Data dukung perlu revisi")
    ACCEPTED = "accepted", N_("Penilaian diterima")
    REOPENED = "reopened", N_("Penilaian dibuka kembali")
    DEADLINE = "deadline", N_("Tenggat")


class MailStatus(Labelled):
    """Where a notification's mail stands (the outbox): waiting, sent, or not to be sent."""

    PENDING = "pending", N_("Menunggu dikirim")
    SENT = "sent", N_("Terkirim")
    OFF = "off", N_("Surel dimatikan")
    UNCONFIGURED = "unconfigured", N_("Tanpa server surel")
    FAILED = "failed", N_("Gagal dikirim")
