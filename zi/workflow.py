"""The life of an assessment: who moves it from which status to which, and who may edit what.

draft → submitted (unit head, SPTJM) → in_review (TPI) → revision (TPI, per item)
→ resubmitted (unit head, SPTJM) → in_review → accepted (TPI; locked). Only an admin
reopens an accepted assessment, with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import answers, audit, notify
from .evidence.service import pin_revisions, unpin_revisions
from .messages import DomainError, Label
from .models import Assessment, RevisionRequest, RoleAssignment, now
from .states import AssessmentStatus, Role
from .text import N_, clean


class WorkflowError(DomainError):
    """A transition or an edit that the rules do not allow; a message id with its parameters."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[AssessmentStatus, ...]
    target: AssessmentStatus
    role: Role
    label: str


S = AssessmentStatus
TRANSITIONS = {
    t.action: t
    for t in (
        Transition("submit", (S.DRAFT,), S.SUBMITTED, Role.HEAD, N_("Ajukan ke TPI")),
        Transition("resubmit", (S.REVISION,), S.RESUBMITTED, Role.HEAD, N_("Ajukan ulang ke TPI")),
        Transition("start_review", (S.SUBMITTED, S.RESUBMITTED), S.IN_REVIEW, Role.TPI, N_("Mulai reviu")),
        Transition("request_revision", (S.IN_REVIEW,), S.REVISION, Role.TPI, N_("Minta revisi")),
        Transition("accept", (S.IN_REVIEW,), S.ACCEPTED, Role.TPI, N_("Terima penilaian (final)")),
        Transition("reopen", (S.ACCEPTED,), S.IN_REVIEW, Role.ADMIN, N_("Buka kembali")),
    )
}

STATUS_LABELS = AssessmentStatus.labels()  # value -> label, for older callers


def available(assessment: Assessment, roles: set[str]) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if assessment.status in t.sources and t.role in roles]


def open_revisions(assessment: Assessment) -> dict[str, RevisionRequest]:
    query = RevisionRequest.select().where(
        (RevisionRequest.assessment == assessment) & RevisionRequest.resolved_at.is_null()
    )
    return {r.item_code: r for r in query}


def can_edit(assessment: Assessment, roles: set[str], layer: str, item_code: str, area: str | None,
             member_areas: set[str] | None, revisions: dict | None = None) -> bool:
    """Whether a person with `roles` may change this item's answer in `layer` now."""
    if layer == "tpi":
        return "tpi" in roles and assessment.status == "in_review"
    if not roles & {"member", "head"}:
        return False
    if "head" not in roles and member_areas is not None and area not in member_areas:
        return False
    if assessment.status == "draft":
        return True
    if assessment.status == "revision":
        revisions = open_revisions(assessment) if revisions is None else revisions
        return item_code in revisions
    return False


MISSING = N_("Semua butir harus dijawab sebelum diajukan.")
NOT_CONFIRMED = N_("Jawaban yang disalin dari tahun %(year)s belum dikonfirmasi atau diubah "
                   "(%(n)s butir). Konfirmasi atau ubah setiap butir sebelum mengajukan.")
CHANGED_SINCE_REVIEW = N_("Unit mengubah %(n)s butir sejak TPI menjawabnya. Konfirmasi atau perbarui "
                          "jawaban TPI pada butir itu sebelum menerima penilaian.")


class LetterError(WorkflowError):
    """The SPTJM letter cannot be signed as typed: `fields` maps each form field at fault
    (sptjm_number, sptjm_place, nip, position) to its message (id, parameters); the error's own
    message is the first of them."""

    def __init__(self, fields: dict[str, tuple[str, dict]]):
        first_id, first_params = next(iter(fields.values()))
        super().__init__(first_id, **first_params)
        self.fields = fields


LETTER_CHARS = 100  # a letter number or a place name


def check_letter(user, number: str, place: str) -> tuple[str, str]:
    """The SPTJM letter's number and place, cleaned; a LetterError naming every field at fault,
    the head's own NIP and position included (a letter without them cannot be signed)."""
    number, place = clean(number), clean(place)
    fields: dict[str, tuple[str, dict]] = {}
    if not number:
        fields["sptjm_number"] = (N_("Isi nomor surat SPTJM."), {})
    elif len(number) > LETTER_CHARS:
        fields["sptjm_number"] = (N_("Nomor surat paling banyak %(n)s karakter."), {"n": LETTER_CHARS})
    if not place:
        fields["sptjm_place"] = (N_("Isi tempat penandatanganan SPTJM (nama kota)."), {})
    elif len(place) > LETTER_CHARS:
        fields["sptjm_place"] = (N_("Tempat paling banyak %(n)s karakter."), {"n": LETTER_CHARS})
    if not clean(getattr(user, "nip", None)):
        fields["nip"] = (N_("NIP Anda belum tercatat: surat SPTJM tanpa NIP tidak dapat ditandatangani. "
                            "Lengkapi di Akun saya, lalu ajukan lagi."), {})
    if not clean(getattr(user, "position", None)):
        fields["position"] = (N_("Jabatan Anda belum tercatat: surat SPTJM mencantumkan jabatan "
                                 "penandatangan. Lengkapi di Akun saya, lalu ajukan lagi."), {})
    if fields:
        raise LetterError(fields)
    return number, place


def endorser(assessment: Assessment, accepting_user) -> tuple:
    """Who signs the TPI endorsement when `accepting_user` accepts: (person, as chair). The
    instansi's Ketua TPI (Instansi.tpi_chair) while they still hold a TPI role in the instansi and
    are not on the assessed unit's own team (member, head: separation of duties); otherwise the
    accepting TPI member, and the endorsement then signs as "Tim Penilai Internal"."""
    instansi = assessment.unit.instansi
    if instansi.tpi_chair_id is None:
        return accepting_user, False
    held = {(r.role, r.unit_id) for r in RoleAssignment.select(RoleAssignment.role, RoleAssignment.unit)
            .where((RoleAssignment.user == instansi.tpi_chair_id)
                   & (RoleAssignment.instansi == instansi.id))}
    is_tpi = any(role == "tpi" for role, _ in held)
    own_team = any(role in ("member", "head") and unit_id == assessment.unit_id for role, unit_id in held)
    if not is_tpi or own_team:
        return accepting_user, False
    return instansi.tpi_chair, True


def transition(assessment: Assessment, action: str, user, roles: set[str], *, complete: bool = True,
               sptjm: bool = False, reason: str = "", missing: Sequence[str] = (),
               sptjm_number: str = "", sptjm_place: str = "") -> Assessment:
    """Move the assessment; every precondition failure is a WorkflowError with a clear message.
    `missing`: the unanswered items of the layer the action checks (the refusal names them in its
    `items` parameter, which the web layer lists with links). Submitting and resubmitting sign the
    SPTJM letter: `sptjm` (the statement ticked), its number and place (zi.sptjm); a letter that
    cannot be signed is a LetterError naming its fields."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise WorkflowError(N_("Tindakan tidak dikenal: %(action)s"), action=action)
    if t.role not in roles:
        raise WorkflowError(N_("Anda tidak berwenang melakukan tindakan ini."))
    if assessment.status not in t.sources:
        raise WorkflowError(N_("Tindakan '%(action)s' tidak dapat dilakukan pada status %(status)s."),
                            action=Label(t.label),
                            status=Label(AssessmentStatus.label_of(assessment.status)))
    complete = complete and not missing
    if action in ("submit", "resubmit"):
        if not complete:
            raise WorkflowError(MISSING, n=len(missing), items=tuple(missing))
        carried = {code: m for code, found in answers.item_marks(assessment).items()
                   for m in found if m == answers.CARRIED}
        if carried:
            raise WorkflowError(NOT_CONFIRMED, year=min(m.year for m in carried.values()),
                                n=len(carried), items=tuple(sorted(carried)))
        letter = check_letter(user, sptjm_number, sptjm_place)
        if not sptjm:
            raise WorkflowError(
                N_("Pimpinan unit harus menyatakan kebenaran data (SPTJM) sebelum mengajukan."))
        assessment.sptjm_by, assessment.sptjm_at = user, now()
        assessment.sptjm_number, assessment.sptjm_place = letter
        # The letter keeps who signed it as signed: a later edit of the profile changes nothing.
        assessment.sptjm_name, assessment.sptjm_nip, assessment.sptjm_position = (
            user.name, clean(user.nip), clean(user.position))
    if action == "accept" and not complete:
        raise WorkflowError(
            N_("Jawaban TPI belum lengkap: penilaian yang belum lengkap tidak dapat difinalkan."))
    if action == "accept":
        changed = answers.marked(assessment, answers.CHANGED)
        if changed:
            raise WorkflowError(CHANGED_SINCE_REVIEW, n=len(changed), items=tuple(changed))
    if action == "request_revision" and not open_revisions(assessment):
        raise WorkflowError(N_("Tandai dulu butir yang perlu direvisi beserta catatannya."))
    if action == "reopen" and not reason.strip():
        raise WorkflowError(N_("Alasan membuka kembali wajib diisi."))
    if action in ("resubmit", "accept"):
        # Accepting closes what is still flagged: the accepted state is the final word.
        RevisionRequest.update(resolved_at=now()).where(
            (RevisionRequest.assessment == assessment) & RevisionRequest.resolved_at.is_null()
        ).execute()
    with Assessment._meta.database.atomic():
        if action == "accept":
            assessment.accepted_by, assessment.accepted_at = user, now()
            signer, chair = endorser(assessment, user)
            assessment.endorsed_by_name, assessment.endorsed_by_nip, assessment.endorsed_by_position = (
                signer.name, clean(signer.nip) or None, clean(signer.position) or None)
            assessment.endorsed_by_chair = chair
            pin_revisions(assessment)
        if action == "reopen":
            assessment.accepted_by, assessment.accepted_at = None, None
            assessment.endorsed_by_name = assessment.endorsed_by_nip = None
            assessment.endorsed_by_position = assessment.endorsed_by_chair = None
            unpin_revisions(assessment)
        old = assessment.status
        assessment.status = t.target.value
        assessment.updated_at = now()
        assessment.save()
        audit.record("status", user, assessment=assessment, old=old, new=t.target.value,
                     reason=reason)
        if action in ("submit", "resubmit"):  # the letter as signed, whatever the profile says later
            audit.record("sptjm", user, assessment=assessment,
                         new={"number": assessment.sptjm_number, "place": assessment.sptjm_place,
                              "name": assessment.sptjm_name, "nip": assessment.sptjm_nip,
                              "position": assessment.sptjm_position})
        notify.handoff(assessment, action, user, reason=reason)
    return assessment
