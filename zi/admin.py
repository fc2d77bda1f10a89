"""Administration of an instansi: units, people, roles, periods, prerequisites.

Plain functions shared by the admin pages and the `zi` command; each change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peewee import IntegrityError

from . import accounts, audit
from . import answers as store
from .messages import DomainError, Label
from .models import (
    PREREQUISITES,
    ROLES,
    Assessment,
    Instansi,
    Period,
    Prerequisite,
    RoleAssignment,
    Unit,
    User,
    now,
)
from .passwords import hash_password, new_session_token
from .text import N_, NOTE_MAX_CHARS, SHORT_MAX_CHARS, TextTooLong, bounded


class AdminError(DomainError):
    """A request an admin made that cannot be carried out; a message id with its parameters."""


# The same words whether the email is unknown or belongs to another instansi: an admin must not
# learn which emails exist elsewhere.
UNKNOWN_USER = N_("Pengguna dengan email itu tidak ditemukan.")
UNUSABLE_EMAIL = N_("Email ini tidak dapat dipakai untuk pengguna baru. Bila orangnya sudah terdaftar di "
                    "instansi ini, berikan perannya melalui formulir peran.")
SEPARATION_OF_DUTIES = N_("Pemisahan tugas: orang yang sama tidak dapat menjadi anggota tim kerja atau "
                          "pimpinan unit sekaligus evaluator TPI pada unit yang sama.")
UNIT_ROLES = ("member", "head")


def typed(value: str, label: str, limit: int = SHORT_MAX_CHARS) -> str:
    """A typed text without control characters and surrounding blanks, within `limit` characters."""
    try:
        return bounded(value, limit)
    except TextTooLong as err:
        raise AdminError(N_("%(field)s terlalu panjang (%(length)s karakter; paling banyak %(limit)s)."),
                         field=Label(label), length=err.length, limit=err.limit) from None


def get_or_create_instansi(name: str, actor=None, kind: str = "pemda") -> Instansi:
    instansi = Instansi.get_or_none(Instansi.name == name)
    if instansi is None:
        instansi = Instansi.create(name=name, kind=kind)
        audit.record("instansi:create", actor, instansi=instansi, new={"name": name})
    return instansi


def create_unit(instansi: Instansi, name: str, actor=None, parent: Unit | None = None,
                region: str = "", today: date | None = None) -> Unit:
    """A new unit; it gets an assessment in every period of the instansi that has not closed yet
    (a unit created mid-year takes part in this year's assessment)."""
    name = typed(name, N_("Nama unit"))
    region = typed(region, N_("Wilayah"))
    if not name:
        raise AdminError(N_("Nama unit wajib diisi."))
    if Unit.get_or_none((Unit.instansi == instansi) & (Unit.name == name)):
        raise AdminError(N_("Unit '%(name)s' sudah ada di instansi ini."), name=name)
    if parent is not None and parent.instansi_id != instansi.id:
        raise AdminError(N_("Unit induk harus dari instansi yang sama."))
    unit = Unit.create(instansi=instansi, name=name, parent=parent, region=region)
    audit.record("unit:create", actor, unit=unit, new={"name": name, "parent": parent and parent.id,
                                                       "region": region})
    for period in Period.select().where((Period.instansi == instansi)
                                        & (Period.closes_on >= (today or date.today()))):
        ensure_assessment(unit, period)
    return unit


def create_user(email: str, name: str, password: str | None, actor=None, instansi=None) -> User:
    """A new person; `instansi` is the admin's (None from the command line), whom they then belong to.
    Without a password (None or empty) nobody can sign in as them until they set one through an
    invitation link (zi.accounts).

    For an admin an email already in use gets a neutral refusal, after the same Argon2 work as a
    success, so that neither the words nor the time tell whether it exists in another instansi."""
    email, name = typed(email, N_("Email")).lower(), typed(name, N_("Nama"))
    if "@" not in email:
        raise AdminError(N_("Email tidak sah."))
    try:
        password_hash = hash_password(password) if password else accounts.unusable_password_hash()
    except ValueError as err:
        raise AdminError(N_("Kata sandi minimal 10 karakter.")) from err
    if User.get_or_none(User.email == email):
        if instansi is not None:
            raise AdminError(UNUSABLE_EMAIL)
        raise AdminError(N_("Pengguna %(email)s sudah ada."), email=email)
    user = User.create(email=email, name=name.strip() or email, password_hash=password_hash,
                       created_in=instansi)
    audit.record("user:create", actor, instansi=instansi, new={"email": email, "name": user.name})
    return user


def check_role(role: str, instansi: Instansi, unit: Unit | None) -> None:
    if role not in ROLES:
        raise AdminError(N_("Peran tidak dikenal: %(role)s"), role=role)
    if role in ("member", "head", "tpi") and unit is None:
        raise AdminError(N_("Peran ini harus dikaitkan dengan satu unit."))
    if role == "admin" and unit is not None:
        raise AdminError(N_("Admin berlaku untuk seluruh instansi, bukan satu unit."))
    if unit is not None and unit.instansi_id != instansi.id:
        raise AdminError(N_("Unit bukan bagian dari instansi ini."))


def belongs_to(user: User, instansi: Instansi) -> bool:
    """Whether an admin of `instansi` may manage the person: they hold a role there or were created
    there, or belong nowhere yet (created from the command line and never given a role). A person
    of another instansi is, for this admin, someone who does not exist."""
    instansi_id = getattr(instansi, "id", instansi)
    if user.created_in_id == instansi_id:
        return True
    held = {r.instansi_id for r in RoleAssignment.select(RoleAssignment.instansi)
            .where(RoleAssignment.user == user)}
    return instansi_id in held or (not held and user.created_in_id is None)


def find_user(instansi: Instansi, email: str) -> User:
    """The person with that email, if they belong to the instansi; anyone else is 'not found'."""
    user = User.get_or_none(User.email == email.strip().lower())
    if user is None or not belongs_to(user, instansi):
        raise AdminError(UNKNOWN_USER)
    return user


def check_separation(user: User, role: str, unit: Unit | None) -> None:
    """The unit's own team (member, head) does not assess itself as TPI, whichever role came first."""
    if unit is None or role not in (*UNIT_ROLES, "tpi"):
        return
    clashing = UNIT_ROLES if role == "tpi" else ("tpi",)
    if RoleAssignment.select().where((RoleAssignment.user == user) & (RoleAssignment.unit == unit)
                                     & RoleAssignment.role.in_(clashing)).exists():
        raise AdminError(SEPARATION_OF_DUTIES)


def merged_areas(*area_lists: str) -> str:
    """Areas of one pokja member from several grants: their union, and no areas (= every area) if
    any grant had none, which is what two rows meant before they were merged (access.areas)."""
    codes: list[str] = []
    for areas in area_lists:
        found = [a for a in areas.split(",") if a]
        if not found:
            return ""
        codes += [a for a in found if a not in codes]
    return ",".join(codes)


def _same_role(user: User, role: str, instansi: Instansi, unit: Unit | None):
    return RoleAssignment.get_or_none(
        (RoleAssignment.user == user) & (RoleAssignment.role == role) & (RoleAssignment.instansi == instansi)
        & (RoleAssignment.unit == unit if unit is not None else RoleAssignment.unit.is_null()))


def assign_role(user: User, role: str, instansi: Instansi, unit: Unit | None = None,
                areas: list[str] | tuple = (), actor=None) -> RoleAssignment:
    """Give a role. An admin (`actor`) gives roles only to people of their instansi; the command line
    (no actor) may also reach people elsewhere. Nobody is both the unit's team and its TPI.
    Giving a role the person already has adds no second row: a pokja member's areas are merged."""
    check_role(role, instansi, unit)
    if actor is not None and not belongs_to(user, instansi):
        raise AdminError(UNKNOWN_USER)
    check_separation(user, role, unit)
    areas_text = ",".join(dict.fromkeys(a for a in areas if a)) if role == "member" else ""
    existing = _same_role(user, role, instansi, unit)
    if existing is None:
        try:
            with RoleAssignment._meta.database.atomic():
                assignment = RoleAssignment.create(user=user, role=role, instansi=instansi, unit=unit,
                                                   areas=areas_text)
        except IntegrityError:  # given at the same moment by someone else (unique index, m0013)
            existing = _same_role(user, role, instansi, unit)
            if existing is None:
                raise
        else:
            audit.record("role:assign", actor, instansi=instansi, unit=unit,
                         new={"user": user.email, "role": role, "areas": assignment.areas})
            return assignment
    merged = merged_areas(existing.areas, areas_text) if role == "member" else ""
    if merged != existing.areas:
        set_areas(existing, merged, actor)
    return existing


def set_areas(assignment: RoleAssignment, areas: str, actor=None) -> None:
    old = assignment.areas
    assignment.areas = areas
    assignment.save(only=[RoleAssignment.areas])
    audit.record("role:areas", actor, instansi=assignment.instansi_id, unit=assignment.unit,
                 old={"user": assignment.user.email, "role": assignment.role, "areas": old},
                 new={"user": assignment.user.email, "role": assignment.role, "areas": areas})


class RoleError(AdminError):
    """A refused role on the person form, naming the unit whose row is at fault (None: instansi-wide)."""

    def __init__(self, message_id: str, /, unit_id: int | None = None, **params):
        super().__init__(message_id, **params)
        self.unit_id = unit_id


OWN_ADMIN = N_("Anda tidak dapat mencabut peran admin Anda sendiri.")


def replace_roles(user: User, instansi: Instansi, wanted, actor=None) -> bool:
    """Make the person's roles in the instansi exactly `wanted` (role, unit or None, area codes),
    in one transaction: everything or nothing. Rows that stay are kept (their areas updated),
    others removed, new ones given through assign_role (its scope and separation checks). Every
    change is audited. Returns whether anything changed."""
    if actor is not None and not belongs_to(user, instansi):
        raise AdminError(UNKNOWN_USER)
    target: dict[tuple[str, int | None], tuple[Unit | None, str]] = {}
    for role, unit, areas in wanted:
        try:
            check_role(role, instansi, unit)
        except AdminError as err:
            raise RoleError(err.message_id, unit_id=unit and unit.id, **err.params) from None
        key = (role, unit.id if unit is not None else None)
        text = ",".join(dict.fromkeys(a for a in areas if a)) if role == "member" else ""
        target[key] = (unit, merged_areas(target[key][1], text) if key in target else text)
    current = list(RoleAssignment.select().where((RoleAssignment.user == user)
                                                 & (RoleAssignment.instansi == instansi))
                   .order_by(RoleAssignment.id))
    if actor is not None and getattr(actor, "id", None) == user.id and \
            any(r.role == "admin" and r.unit_id is None for r in current) and ("admin", None) not in target:
        raise RoleError(OWN_ADMIN)
    changed = False
    with RoleAssignment._meta.database.atomic():
        kept = set()
        for row in current:
            key = (row.role, row.unit_id)
            if key not in target or key in kept:  # a duplicate from before m0013 goes too
                remove_role(row, actor)
                changed = True
                continue
            kept.add(key)
            if row.areas != target[key][1]:
                set_areas(row, target[key][1], actor)
                changed = True
        for key, (unit, areas) in target.items():
            if key in kept:
                continue
            try:
                assign_role(user, key[0], instansi, unit, areas.split(",") if areas else (), actor)
            except AdminError as err:
                raise RoleError(err.message_id, unit_id=key[1], **err.params) from None
            changed = True
    return changed


def admins_of(instansi_ids) -> list[User]:
    """The admins of these instansi: whom a person without an assessment should ask."""
    ids = list(instansi_ids)
    if not ids:
        return []
    return list(User.select().join(RoleAssignment).where(
        RoleAssignment.instansi.in_(ids) & (RoleAssignment.role == "admin") & RoleAssignment.unit.is_null()
        & User.active).distinct().order_by(User.name))


def remove_role(assignment: RoleAssignment, actor=None) -> None:
    audit.record("role:remove", actor, instansi=assignment.instansi_id, unit=assignment.unit,
                 old={"user": assignment.user.email, "role": assignment.role, "areas": assignment.areas})
    assignment.delete_instance()


# --- accounts: passwords and sessions ----------------------------------------------------


def end_sessions(user: User) -> str:
    """Give the person a new session token: every session they have, on every device, ends.
    Returns the new token (a session that should survive stores it)."""
    user.session_token = new_session_token()
    user.save(only=[User.session_token])
    return user.session_token


def set_password(user: User, new: str, actor=None) -> str:
    """Change the password and end the person's other sessions (audited, without the hash).

    Returns the new session token: when people change their own password from a session, the web
    view stores it in that session, which stays signed in while every other one ends."""
    try:
        user.password_hash = hash_password(new)
    except ValueError as err:
        raise AdminError(N_("Kata sandi minimal 10 karakter.")) from err
    user.session_token = new_session_token()
    user.save(only=[User.password_hash, User.session_token])
    audit.record("user:password", actor, instansi=user.created_in_id, new={"email": user.email})
    return user.session_token


def create_period(instansi: Instansi, year: int, criteria_id: str, opens_on: date, closes_on: date,
                  actor=None, copy_previous: bool = False) -> Period:
    if Period.get_or_none((Period.instansi == instansi) & (Period.year == year)):
        raise AdminError(N_("Periode %(year)s sudah ada."), year=year)
    if closes_on < opens_on:
        raise AdminError(N_("Tanggal tutup harus sesudah tanggal buka."))
    period = Period.create(instansi=instansi, year=year, criteria_id=criteria_id, opens_on=opens_on,
                           closes_on=closes_on)
    audit.record("period:create", actor, instansi=instansi,
                 new={"year": year, "criteria": criteria_id, "copy_previous": copy_previous})
    for unit in Unit.select().where(Unit.instansi == instansi):
        assessment = Assessment.create(unit=unit, period=period)
        if copy_previous:
            store.start_from_previous(assessment, actor)
    return period


@dataclass(frozen=True)
class CarryOver:
    """What copying last period's answers into a period of another criteria version did, over all
    its units (from the `copy_previous_period` events that `answers.start_from_previous` records)."""

    old_criteria: str
    new_criteria: str
    units: int                     # assessments that received answers
    items: int                     # answers copied, mapped by item code
    changed: tuple[str, ...]       # codes copied whose wording differs in the new version
    dropped: tuple[str, ...]       # codes answered last period that the new version no longer has


def carried_over(period: Period) -> CarryOver | None:
    """The summary of a copy across criteria versions into `period`; None when answers were not
    copied or the previous period used the same version. One query."""
    from .models import AuditEvent

    events = (AuditEvent.select(AuditEvent.new).join(Assessment)
              .where((Assessment.period == period) & (AuditEvent.action == "copy_previous_period")))
    found = [e.new for e in events if isinstance(e.new, dict) and e.new.get("criteria")]
    if not found:
        return None
    changed = {code for new in found for code in new.get("changed_texts", ())}
    dropped = {code for new in found for code in new.get("dropped", ())}
    return CarryOver(found[0]["criteria"]["from"], found[0]["criteria"]["to"], len(found),
                     sum(int(new.get("items", 0)) for new in found), tuple(sorted(changed)),
                     tuple(sorted(dropped)))


def ensure_assessment(unit: Unit, period: Period) -> Assessment:
    assessment, _ = Assessment.get_or_create(unit=unit, period=period)
    return assessment


def set_prerequisite(instansi: Instansi, key: str, met: bool | None, note: str = "",
                     unit: Unit | None = None, actor=None) -> Prerequisite:
    if key not in PREREQUISITES:
        raise AdminError(N_("Prasyarat tidak dikenal: %(key)s"), key=key)
    scope = PREREQUISITES[key][0]
    if (scope == "unit") != (unit is not None):
        raise AdminError(N_("Prasyarat ini dicatat untuk unit.") if scope == "unit"
                         else N_("Prasyarat ini dicatat untuk instansi."))
    record = Prerequisite.get_or_none((Prerequisite.instansi == instansi) & (Prerequisite.key == key)
                                      & (Prerequisite.unit == unit if unit else Prerequisite.unit.is_null()))
    old = None if record is None else {"met": record.met, "note": record.note}
    if record is None:
        record = Prerequisite(instansi=instansi, unit=unit, key=key)
    note = typed(note, N_("Catatan"), NOTE_MAX_CHARS)
    record.met, record.note, record.updated_by, record.updated_at = met, note, actor, now()
    record.save()
    audit.record("prerequisite", actor, instansi=instansi, unit=unit, item_code=key, old=old,
                 new={"met": met, "note": record.note})
    return record


def prerequisites_for_units(units) -> dict[int, list[dict]]:
    """prerequisites_of for many units at once, in one query (the dashboard's cards)."""
    units = list(units)
    if not units:
        return {}
    rows = list(Prerequisite.select().where(Prerequisite.instansi.in_({u.instansi_id for u in units})))
    result = {}
    for unit in units:
        found = {(r.key, r.unit_id is not None): r for r in rows
                 if r.instansi_id == unit.instansi_id and r.unit_id in (None, unit.id)}
        result[unit.id] = [{"key": key, "label": label, "scope": scope,
                            "record": found.get((key, scope == "unit"))}
                           for key, (scope, label) in PREREQUISITES.items()]
    return result


def prerequisites_of(unit: Unit) -> list[dict]:
    """Every proposal prerequisite (§4.3) with what is recorded for the unit or its instansi."""
    rows = Prerequisite.select().where(
        (Prerequisite.instansi == unit.instansi_id)
        & (Prerequisite.unit.is_null() | (Prerequisite.unit == unit.id)))
    found = {(r.key, r.unit_id is not None): r for r in rows}
    return [{"key": key, "label": label, "scope": scope, "record": found.get((key, scope == "unit"))}
            for key, (scope, label) in PREREQUISITES.items()]


# --- time zones (WIB, WITA, WIT) ---------------------------------------------------------------------


def set_timezone(instansi: Instansi, zone: str, actor=None, unit: Unit | None = None) -> None:
    """The zone an instansi's times are shown in, or a unit's own (`zone` empty: its instansi's).
    zi keeps storing UTC; only what people read changes (zi.formatting)."""
    from .formatting import ZONES

    zone = (zone or "").strip()
    if zone not in ZONES and not (unit is not None and zone == ""):
        raise AdminError(N_("Zona waktu tidak dikenal: %(zone)s."), zone=zone[:40])
    target = unit if unit is not None else instansi
    old = target.timezone
    new = zone or None
    if old == new:
        return
    target.timezone = new
    target.save(only=[type(target).timezone])
    audit.record("unit:timezone" if unit is not None else "instansi:timezone", actor, instansi=instansi,
                 unit=unit, old={"timezone": old}, new={"timezone": new})


# --- the Ketua TPI: who signs the TPI endorsement (zi.workflow.endorser) --------------------------------

NOT_TPI = N_("Ketua TPI harus orang yang memegang peran evaluator TPI di instansi ini.")


def tpi_people(instansi: Instansi) -> list[User]:
    """The people holding the TPI role in the instansi (any of its units), by name: the choices
    for its Ketua TPI."""
    holders = RoleAssignment.select(RoleAssignment.user).where(
        (RoleAssignment.instansi == instansi) & (RoleAssignment.role == "tpi"))
    return list(User.select().where(User.id.in_(holders)).order_by(User.name, User.id))


def set_tpi_chair(instansi: Instansi, user_id: int | None, actor=None) -> bool:
    """Make the person with `user_id` the instansi's Ketua TPI (None: no chair; the accepting TPI
    member then signs the endorsement). Only someone holding the TPI role in the instansi; anyone
    else is refused with NOT_TPI, whoever they are. Audited when it changed; returns whether it did.
    Endorsements already signed keep their signer (Assessment.endorsed_by_*)."""
    chair = None
    if user_id is not None:
        chair = next((u for u in tpi_people(instansi) if u.id == user_id), None)
        if chair is None:
            raise AdminError(NOT_TPI)
    old = instansi.tpi_chair_id
    if old == (chair.id if chair else None):
        return False
    before = User.get_or_none(User.id == old) if old else None
    instansi.tpi_chair = chair
    instansi.save(only=[Instansi.tpi_chair])
    audit.record("instansi:tpi_chair", actor, instansi=instansi,
                 old={"name": before.name, "email": before.email} if before else None,
                 new={"name": chair.name, "email": chair.email} if chair else None)
    return True
