"""The audit log: who changed what, when, from which value to which. Append-only.

What is stored is for the machine (an action code, old and new values as JSON); what a page shows
is for people: `describe` gives each event its action's label (AuditAction) and its values as text
(answers with their option key or labelled counts, statuses and roles by their labels, notes
shortened; zi.report_format), in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN

from . import formatting
from .models import AuditEvent, User
from .report_format import DASH, answer_text, shorten, value_text
from .states import AssessmentStatus, EvidenceVerdict, Labelled, Role
from .text import N_


class AuditAction(Labelled):
    """Every action code the log records, with its label. A new `record(...)` call adds its code
    here (tests/test_catalogue.py finds the ones missing)."""

    LOGIN = "login", N_("Masuk")
    LOGOUT = "logout", N_("Keluar")
    STATUS = "status", N_("Status penilaian diubah")
    ANSWER_UNIT = "answer:unit", N_("Jawaban unit disimpan")
    ANSWER_TPI = "answer:tpi", N_("Jawaban TPI disimpan")
    CONFIRM_CARRIED = "answer:confirm_carried", N_("Jawaban tahun lalu dikonfirmasi")
    CONFIRM_REVIEW = "answer:confirm_review", N_("Jawaban TPI dikonfirmasi setelah perubahan unit")
    COPY_UNIT_TO_TPI = "copy_unit_to_tpi", N_("Jawaban unit disalin ke lapisan TPI")
    COPY_PREVIOUS = "copy_previous_period", N_("Jawaban periode sebelumnya disalin")
    REVISION_REQUEST = "revision_request", N_("Revisi diminta")
    REVISION_WITHDRAW = "revision_withdraw", N_("Permintaan revisi ditarik")
    INSTANSI_CREATE = "instansi:create", N_("Instansi dibuat")
    INSTANSI_TIMEZONE = "instansi:timezone", N_("Zona waktu instansi diubah")
    INSTANSI_TPI_CHAIR = "instansi:tpi_chair", N_("Ketua TPI ditetapkan")
    UNIT_CREATE = "unit:create", N_("Unit dibuat")
    UNIT_TIMEZONE = "unit:timezone", N_("Zona waktu unit diubah")
    USER_CREATE = "user:create", N_("Pengguna dibuat")
    USER_PASSWORD = "user:password", N_("Kata sandi diganti")
    USER_PASSWORD_LINK = "user:password_link", N_("Tautan kata sandi dikirim")
    ROLE_ASSIGN = "role:assign", N_("Peran diberikan")
    ROLE_AREAS = "role:areas", N_("Area peran diubah")
    ROLE_REMOVE = "role:remove", N_("Peran dicabut")
    PERIOD_CREATE = "period:create", N_("Periode dibuat")
    PREREQUISITE = "prerequisite", N_("Prasyarat diperbarui")
    EVIDENCE_UPLOAD = "evidence:upload", N_("Data dukung diunggah")
    EVIDENCE_LINK_URL = "evidence:link_url", N_("Tautan data dukung ditambahkan")
    EVIDENCE_LINK = "evidence:link", N_("Data dukung ditautkan ke butir")
    EVIDENCE_UNLINK = "evidence:unlink", N_("Data dukung dilepas dari butir")
    EVIDENCE_REVIEW = "evidence:review", N_("Data dukung direviu")
    EVIDENCE_TRASH = "evidence:trash", N_("Data dukung dipindahkan ke tempat sampah")
    EVIDENCE_RESTORE = "evidence:restore", N_("Data dukung dipulihkan")
    EVIDENCE_IMPORT = "evidence:import_zip", N_("Data dukung diimpor dari ZIP")
    LKE_IMPORT = "lke:import", N_("Jawaban diimpor dari LKE Excel")
    RECOMMENDATION = "recommendation", N_("Rekomendasi TPI per area disimpan")
    USER_SIGNATORY = "user:signatory", N_("NIP dan jabatan diubah")
    SPTJM = "sptjm", N_("SPTJM ditandatangani")
    SURVEY = "survey", N_("Data survei dicatat")


REASON_CHARS = 600  # a reopen reason is the point of its row: shown longer than a note

# The keys of stored old/new values, as people call them (message ids).
FIELDS = {
    "value": N_("jawaban"), "note": N_("catatan"), "comment": N_("komentar"), "status": N_("status"),
    "user": N_("pengguna"), "email": N_("email"), "name": N_("nama"), "role": N_("peran"),
    "areas": N_("area"), "parent": N_("unit induk"), "region": N_("wilayah"), "year": N_("tahun"),
    "criteria": N_("kriteria"), "copy_previous": N_("salin dari periode sebelumnya"),
    "met": N_("terpenuhi"), "document": N_("dokumen"), "revision": N_("versi"), "file": N_("berkas"),
    "sha256": N_("SHA-256"), "items": N_("butir"), "url": N_("tautan"), "imported": N_("diimpor"),
    "skipped": N_("dilewati"), "from_assessment": N_("dari penilaian"),
    "carried_from": N_("dibawa dari"), "reviewed_unit_version": N_("versi jawaban unit yang direviu"),
    "via": N_("melalui"), "title": N_("judul"), "timezone": N_("zona waktu"),
    "purpose": N_("keperluan"), "mailed": N_("dikirim lewat email"),
    "layer": N_("lapisan"), "answers": N_("jawaban diubah"), "notes": N_("catatan diubah"),
    "links": N_("tautan data dukung"), "departures": N_("penyimpangan"),
    "respondents": N_("responden"), "period_start": N_("awal periode survei"),
    "period_end": N_("akhir periode survei"), "surveyor": N_("pelaksana survei"),
    "number": N_("nomor"), "place": N_("tempat"), "nip": N_("NIP"), "position": N_("jabatan"),
}


def record(action: str, user=None, *, instansi=None, unit=None, assessment=None, item_code: str = "",
           old=None, new=None, reason: str = "") -> AuditEvent:
    if assessment is not None and unit is None:
        unit = assessment.unit
    if unit is not None and instansi is None:
        instansi = unit.instansi_id
    return AuditEvent.create(
        action=action, user=user, instansi=instansi, unit=unit, assessment=assessment,
        item_code=item_code, old=old, new=new, reason=reason,
    )


def events_for(assessment=None, item_code: str | None = None, instansi=None):
    """The events, newest first, as a query: callers take a page of it (zi.paging) rather than a cut."""
    query = (AuditEvent.select(AuditEvent, User).join(User, JOIN.LEFT_OUTER)
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    if assessment is not None:
        query = query.where(AuditEvent.assessment == assessment)
    if item_code:
        query = query.where(AuditEvent.item_code == item_code)
    if instansi is not None:
        query = query.where(AuditEvent.instansi == instansi)
    return query


@dataclass(frozen=True)
class Line:
    """One event as a page shows it: every text ready for people."""

    event: AuditEvent
    action: str
    old: str
    new: str
    reason: str


def describe(event: AuditEvent, criteria=None, locale: str = formatting.DEFAULT_LOCALE) -> Line:
    """An event for people. `criteria`: the criteria of the event's assessment (a Criteria, or a
    registry {id: Criteria} when the events span periods), to show answers with their items."""
    translate = formatting.translator(locale)
    item = _item(criteria, event.item_code)

    def text(value) -> str:
        if value is None or value == "":
            return ""
        if event.action == AuditAction.STATUS and isinstance(value, str):
            return translate(AssessmentStatus.label_of(value))
        if isinstance(value, dict):
            return _mapping(event.action, value, item, locale)
        return value_text(value, locale)

    return Line(event, translate(AuditAction.label_of(event.action)), text(event.old), text(event.new),
                shorten(event.reason, REASON_CHARS) if event.reason else "")


def _item(criteria, code: str):
    if not code or criteria is None:
        return None
    registry = criteria if isinstance(criteria, dict) else {"": criteria}
    for found in sorted(registry.values(), key=lambda c: getattr(c, "year", 0), reverse=True):
        item = found.items_by_code.get(code)
        if item is not None:
            return item
    return None


def _mapping(action: str, value: dict, item, locale: str) -> str:
    """A stored mapping as `label: value` pairs, its known keys written for people."""
    translate = formatting.translator(locale)
    parts = []
    # the answer first, then the rest as stored (JSON keeps keys sorted)
    for key, raw in sorted(value.items(), key=lambda pair: pair[0] != "value"):
        if key == "value" and (item is not None or action.startswith("answer:")):
            parts.append(answer_text(item, raw, locale))  # the answer itself needs no name
            continue
        if key in ("note", "comment"):
            shown = shorten(raw) if raw else ""
        elif key == "role":
            shown = translate(Role.label_of(raw)) if isinstance(raw, str) else value_text(raw, locale)
        elif key == "status" and isinstance(raw, str):
            labels = EvidenceVerdict if action.startswith("evidence:") else AssessmentStatus
            shown = translate(labels.label_of(raw))
        elif key == "areas":
            codes = raw if isinstance(raw, list) else [a for a in str(raw or "").split(",") if a]
            shown = ", ".join(codes) if codes else translate(N_("semua area"))
        elif key == "sha256" and isinstance(raw, str):
            shown = raw[:12] + "…"
        elif key == "document" and isinstance(raw, int):
            shown = f"#{raw}"
        elif key == "timezone":
            shown = (formatting.zone_label(raw) if raw in formatting.ZONES
                     else str(raw) if raw else translate(N_("mengikuti instansi")))
        else:
            shown = value_text(raw, locale)
        if shown in ("", DASH) and key in ("note", "comment"):
            continue  # an empty note says nothing
        name = translate(FIELDS[key]) if key in FIELDS else key
        parts.append(f"{name}: {shown}")
    return " · ".join(parts) or DASH


def describe_all(events, criteria=None, locale: str = formatting.DEFAULT_LOCALE) -> list[Line]:
    return [describe(event, criteria, locale) for event in events]
