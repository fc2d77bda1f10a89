"""The tracker's tables (peewee). Schema changes go through zi/migrations, never create_tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from .db import database
from .passwords import new_session_token
from .states import (
    AssessmentStatus,
    DossierVariant,
    EvidenceVerdict,
    JobStatus,
    Layer,
    MailStatus,
    NotificationKind,
    Role,
)
from .text import N_


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class JSONField(TextField):
    """A JSON value in a text column (portable between SQLite and PostgreSQL)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Instansi(BaseModel):
    name = CharField(unique=True)
    kind = CharField(default="pemda")  # pemda or kl: Indeks RB minimums differ
    created_at = DateTimeField(default=now)
    timezone = CharField(default="Asia/Jakarta")  # WIB, WITA or WIT (zi.formatting.ZONES)


class Unit(BaseModel):
    instansi = ForeignKeyField(Instansi, backref="units", on_delete="CASCADE")
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="SET NULL")
    name = CharField()
    region = CharField(default="")
    created_at = DateTimeField(default=now)
    timezone = CharField(null=True)  # none: the instansi's zone

    class Meta:
        indexes = ((("instansi", "name"), True),)


class User(BaseModel):
    email = CharField(unique=True)
    name = CharField()
    password_hash = CharField()
    active = BooleanField(default=True)
    created_at = DateTimeField(default=now)
    # Every session carries this value; a new one (logout, password change) ends them all.
    session_token = CharField(default=new_session_token)
    # The instansi whose admin created the person (None: the command line); see admin.belongs_to.
    created_in = ForeignKeyField(Instansi, null=True, backref="created_users", on_delete="SET NULL")
    # Notifications by e-mail (the in-app list is kept either way); each person turns it off.
    email_notifications = BooleanField(default=True)
    # For letters this person signs (SPTJM, TPI endorsement): NIP (18 digits) and jabatan (m0014).
    nip = CharField(null=True)
    position = CharField(null=True)

    # Flask-Login's protocol, without importing Flask here.
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


# The instansi's Ketua TPI (m0014), who signs the TPI endorsement; chosen by the instansi admin among
# the people holding the TPI role there (zi.admin.set_tpi_chair). Declared here, after User.
Instansi._meta.add_field("tpi_chair", ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL"))

ROLES = tuple(Role)


class RoleAssignment(BaseModel):
    """A role of a user in an instansi (unit empty: the whole instansi) or in one unit."""

    user = ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    role = CharField(choices=Role.choices())
    instansi = ForeignKeyField(Instansi, backref="role_assignments", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, null=True, backref="role_assignments", on_delete="CASCADE")
    areas = CharField(default="")  # pokja: comma-separated area codes; empty = all areas

    @property
    def area_codes(self) -> set[str]:
        return {a for a in self.areas.split(",") if a}


# One row per person, role and scope (m0013); NULL units never clash in a plain unique index.
RoleAssignment.add_index(SQL('CREATE UNIQUE INDEX "role_assignment_one_per_person" ON "role_assignment" '
                             "(user_id, role, instansi_id, COALESCE(unit_id, 0))"))


class Period(BaseModel):
    instansi = ForeignKeyField(Instansi, backref="periods", on_delete="CASCADE")
    year = IntegerField()
    criteria_id = CharField()
    opens_on = DateField()
    closes_on = DateField()

    class Meta:
        indexes = ((("instansi", "year"), True),)


STATUSES = tuple(AssessmentStatus)


class Assessment(BaseModel):
    unit = ForeignKeyField(Unit, backref="assessments", on_delete="CASCADE")
    period = ForeignKeyField(Period, backref="assessments", on_delete="CASCADE")
    status = CharField(default=AssessmentStatus.DRAFT.value, choices=AssessmentStatus.choices())
    prior_predicate = CharField(default="none")
    sptjm_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    sptjm_at = DateTimeField(null=True)
    # The SPTJM letter's number and place (m0014); its date is sptjm_at.
    sptjm_number = CharField(null=True)
    sptjm_place = CharField(null=True)
    # The letter as signed: the head's name, NIP and position at submission (m0014; NULL before).
    sptjm_name = CharField(null=True)
    sptjm_nip = CharField(null=True)
    sptjm_position = CharField(null=True)
    accepted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    accepted_at = DateTimeField(null=True)
    # The TPI endorsement as signed at acceptance (m0014; NULL before, cleared on reopen): the
    # instansi's Ketua TPI, or the accepting TPI member when no chair is set (endorsed_by_chair False).
    endorsed_by_name = CharField(null=True)
    endorsed_by_nip = CharField(null=True)
    endorsed_by_position = CharField(null=True)
    endorsed_by_chair = BooleanField(null=True)
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("unit", "period"), True),)


LAYERS = tuple(Layer)


class Answer(BaseModel):
    """One item's answer in one layer; `version` guards against stale overwrites."""

    assessment = ForeignKeyField(Assessment, backref="answers", on_delete="CASCADE")
    layer = CharField(choices=Layer.choices())
    item_code = CharField()
    value = JSONField(null=True)
    note = TextField(default="")
    version = IntegerField(default=1)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField(default=now)
    # Unit layer: the year this answer was copied from, until someone confirms or changes it.
    carried_from = IntegerField(null=True)
    # TPI layer: the unit answer's version (0: none) TPI's answer was given or confirmed against; a
    # newer unit version means the unit changed the item since TPI's review (None: not tracked).
    reviewed_unit_version = IntegerField(null=True)

    class Meta:
        indexes = ((("assessment", "layer", "item_code"), True),)


class RevisionRequest(BaseModel):
    assessment = ForeignKeyField(Assessment, backref="revision_requests", on_delete="CASCADE")
    item_code = CharField()
    comment = TextField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    resolved_at = DateTimeField(null=True)


PREREQUISITES = {
    # key: (scope, label) — Tabel 5 of PermenPAN-RB 90/2021 as restated by 5/2024 (§4.3)
    "wtp": ("instansi", N_("Opini BPK atas laporan keuangan minimal WTP")),
    "sakip": ("instansi", N_("Predikat SAKIP instansi minimal B (WBK) / BB (WBBM)")),
    "indeks_rb": ("instansi", N_("Indeks RB minimal CC/B (WBK) atau B/BB (WBBM)")),
    "spip": ("instansi", N_("Maturitas SPIP minimal level 3")),
    "core_service": ("unit", N_("Unit merupakan unit layanan inti (core layanan)")),
    "audit_followup": ("unit", N_("Tindak lanjut temuan APIP/BPK 100%")),
    "lhkpn": ("unit", N_("Kepatuhan penyampaian LHKPN dan LHKASN 100%")),
    "zi_duration": ("unit", N_("Membangun ZI minimal 1 tahun")),
    "sakip_unit": ("unit", N_("Hasil evaluasi SAKIP internal unit minimal B (WBK) / BB (WBBM)")),
}


class Prerequisite(BaseModel):
    """A proposal prerequisite (§4.3) recorded for an instansi (unit empty) or a unit."""

    instansi = ForeignKeyField(Instansi, backref="prerequisites", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, null=True, backref="prerequisites", on_delete="CASCADE")
    key = CharField()
    met = BooleanField(null=True)
    note = TextField(default="")
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("instansi", "unit", "key"), True),)


class AuditEvent(BaseModel):
    """Append-only: rows are inserted, never updated or deleted (see zi.audit)."""

    instansi = ForeignKeyField(Instansi, null=True, on_delete="CASCADE")
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    assessment = ForeignKeyField(Assessment, null=True, on_delete="SET NULL")
    item_code = CharField(default="")
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField()
    old = JSONField(null=True)
    new = JSONField(null=True)
    reason = TextField(default="")
    created_at = DateTimeField(default=now, index=True)

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise PermissionError("audit events are append-only")
        return super().save(*args, **kwargs)


class EvidenceFile(BaseModel):
    """Stored bytes, once per content: the same SHA-256 is never stored twice."""

    sha256 = CharField(unique=True)
    size = IntegerField()
    mime = CharField()
    extension = CharField()
    created_at = DateTimeField(default=now)


class EvidenceDocument(BaseModel):
    """A piece of data dukung of a unit: a file (with revisions) or an external link."""

    unit = ForeignKeyField(Unit, backref="evidence", on_delete="CASCADE")
    title = CharField()
    document_date = DateField(null=True)
    description = TextField(default="")
    url = TextField(default="")  # external evidence: shown as a link, never fetched
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    deleted_at = DateTimeField(null=True)  # in the trash
    deleted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def is_link(self) -> bool:
        return bool(self.url)


class EvidenceRevision(BaseModel):
    document = ForeignKeyField(EvidenceDocument, backref="revisions", on_delete="CASCADE")
    number = IntegerField()
    file = ForeignKeyField(EvidenceFile, backref="revisions", on_delete="RESTRICT")
    filename = CharField()
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("document", "number"), True),)


class EvidenceLink(BaseModel):
    """A document supporting one item of one assessment (a document may support many).

    `pinned_revision` is set when the assessment is accepted: the accepted assessment keeps
    showing that revision (and its verdict) whatever is uploaded later."""

    document = ForeignKeyField(EvidenceDocument, backref="links", on_delete="CASCADE")
    assessment = ForeignKeyField(Assessment, backref="evidence_links", on_delete="CASCADE")
    item_code = CharField()
    pinned_revision = IntegerField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("document", "assessment", "item_code"), True),)


class EvidenceReview(BaseModel):
    """TPI's verdict on a document for one item; the newest row is the current verdict."""

    link = ForeignKeyField(EvidenceLink, backref="reviews", on_delete="CASCADE")
    status = CharField(choices=EvidenceVerdict.choices())
    comment = TextField(default="")
    revision_number = IntegerField(default=0)
    reviewer = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)


class Dossier(BaseModel):
    """A final dossier, generated once when TPI accepts; its bytes never change afterwards."""

    assessment = ForeignKeyField(Assessment, backref="dossiers", on_delete="CASCADE")
    variant = CharField(choices=DossierVariant.choices())
    sha256 = CharField()
    size = IntegerField()
    created_at = DateTimeField(default=now)


class DossierJob(BaseModel):
    """A render in the background: the page shows its progress and offers the file when done."""

    assessment = ForeignKeyField(Assessment, backref="dossier_jobs", on_delete="CASCADE")
    variant = CharField(choices=DossierVariant.choices())
    bundle = CharField(default="")  # "", "zip" (dossier + evidence tree) or "attach" (PDFs inside)
    final = BooleanField(default=False)
    status = CharField(default=JobStatus.QUEUED.value, choices=JobStatus.choices())
    progress = IntegerField(default=0)
    message = TextField(default="")
    sha256 = CharField(default="")
    size = IntegerField(default=0)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=now)
    finished_at = DateTimeField(null=True)
    # Who runs the job ("host:pid:thread") and when it last said so: a running job whose
    # heartbeat stops is failed by the next worker (zi.jobs.recover_stale).
    worker = CharField(default="")
    heartbeat_at = DateTimeField(null=True)


ALL_MODELS = [Instansi, Unit, User, RoleAssignment, Period, Assessment, Answer, RevisionRequest,
              Prerequisite, AuditEvent, EvidenceFile, EvidenceDocument, EvidenceRevision, EvidenceLink,
              EvidenceReview, Dossier, DossierJob]


class Notification(BaseModel):
    """Something that happened for one person: a row of their in-app list and, through the outbox
    (`mail_status` pending → sent), a mail. The unique key makes a reminder a one-time thing even
    when several workers run the periodic job: the second insert is ignored and nothing is sent."""

    user = ForeignKeyField(User, backref="notifications", on_delete="CASCADE")
    assessment = ForeignKeyField(Assessment, null=True, backref="notifications", on_delete="CASCADE")
    kind = CharField(choices=NotificationKind.choices())
    key = CharField()  # what makes it unique for its (kind, assessment, user)
    params = JSONField(default=dict)
    created_at = DateTimeField(default=now)
    read_at = DateTimeField(null=True)
    mail_status = CharField(default=MailStatus.PENDING.value, choices=MailStatus.choices())
    mail_attempts = IntegerField(default=0)
    mail_due_at = DateTimeField(null=True)  # next attempt; a claimed mail is due again after its lease
    mail_error = TextField(default="")
    mailed_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("kind", "assessment", "user", "key"), True),
            (("user", "read_at"), False),
            (("mail_status", "mail_due_at"), False),
        )


ALL_MODELS.append(Notification)


class AreaRecommendation(BaseModel):
    """TPI's recommendation for one change area of an assessment (m0015): Markdown, one per area,
    shown to the unit read-only and in the TPI endorsement of the KemenPAN-RB dossier."""

    assessment = ForeignKeyField(Assessment, backref="recommendations", on_delete="CASCADE")
    area_code = CharField()
    text = TextField(default="")
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("assessment", "area_code"), True),)


ALL_MODELS.append(AreaRecommendation)


class SurveyRecord(BaseModel):
    """How a survey index (IPAK, IPKP: the index_0_4 items of Hasil) was measured: respondents (at
    least 30), the survey period and who ran it; one per assessment and item (zi.surveys, m0016)."""

    assessment = ForeignKeyField(Assessment, backref="survey_records", on_delete="CASCADE")
    item_code = CharField()
    respondents = IntegerField()
    period_start = DateField()
    period_end = DateField()
    surveyor = CharField()
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("assessment", "item_code"), True),)


ALL_MODELS.append(SurveyRecord)
