"""Admin pages of an instansi: units, people and roles, periods, prerequisites, audit log."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from peewee import JOIN
from wtforms import Form, StringField

from .. import accounts, audit, signatories
from .. import admin as ops
from ..access import NotAllowed
from ..models import PREREQUISITES, ROLES, EvidenceDocument, Period, RoleAssignment, Unit, User
from . import forms
from .auth import send_link
from .i18n import gettext, translate_error
from .inputs import form_id, page_of, parse_id

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50  # rows of each list on the admin page (units, people and roles, audit log)


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        g.access.ensure("admin.manage")
        requested = form_id("instansi", request.values) or min(g.access.admin_instansi_ids)
        g.instansi = g.access.instansi(requested)
        return view(*args, **kwargs)

    return wrapper


def _unit(unit_id: int | None) -> Unit | None:
    """The unit a form names (IdField: None when blank); one outside the instansi is a 404."""
    if unit_id is None:
        return None
    return g.access.admin_unit(g.instansi, unit_id)


def _back():
    return redirect(url_for("admin.index", instansi=g.instansi.id))


@bp.route("/")
@admin_required
def index():
    units = list(Unit.select().where(Unit.instansi == g.instansi).order_by(Unit.name, Unit.id))  # the choices
    unit_page = page_of(Unit.select().where(Unit.instansi == g.instansi).order_by(Unit.name, Unit.id),
                        "units_page", PER_PAGE)
    assignments = page_of(
        RoleAssignment.select(RoleAssignment, User).join(User)
        .where(RoleAssignment.instansi == g.instansi)
        .order_by(User.name, RoleAssignment.role, RoleAssignment.id),
        "people_page", PER_PAGE)
    periods = list(Period.select().where(Period.instansi == g.instansi).order_by(Period.year.desc()))
    users = sorted({a.user for a in assignments.rows}, key=lambda u: u.name)
    with_role = RoleAssignment.select(RoleAssignment.user).where(RoleAssignment.instansi == g.instansi)
    roleless = list(User.select().where((User.created_in == g.instansi) & User.id.not_in(with_role))
                    .order_by(User.name))
    return render_template(
        "admin/admin.html", forms=forms.restored(current_app.extensions["zi_criteria"]),
        instansi=g.instansi, units=units, unit_page=unit_page, assignments=assignments,
        periods=periods, roleless=roleless,
        tpi_people=ops.tpi_people(g.instansi), chair_error=session.pop(CHAIR_ERROR_KEY, None),
        users=users, roles=ROLES, criteria_ids=_newest_first(current_app.extensions["zi_criteria"]),
        prerequisite_keys={k: (scope, gettext(label)) for k, (scope, label) in PREREQUISITES.items()},
        events=page_of(audit.events_for(instansi=g.instansi), "audit_page", PER_PAGE),
        areas=next(iter(current_app.extensions["zi_criteria"].values())).areas,
        trash=list(EvidenceDocument.select().join(Unit)
                   .where((Unit.instansi == g.instansi) & EvidenceDocument.deleted_at.is_null(False))
                   .order_by(EvidenceDocument.deleted_at.desc())),
    )


def _run(action, success: str, name: str | None = None, form=None):
    try:
        action()
        flash(success, "success")
    except ops.AdminError as err:
        message = translate_error(err)
        flash(message, "error")
        if name:
            forms.keep(name, form, message)
    return _back()


def _refuse(name: str, form, message: str | None = None):
    """A form that does not parse: the message as a flash, the typed values and field errors kept."""
    flash(message or forms.first_error(form), "error")
    forms.keep(name, form)
    return _back()


@bp.route("/units", methods=["POST"])
@admin_required
def create_unit():
    form = forms.UnitForm(request.form)
    parent = _unit(form.parent_id.data)
    if not form.validate():
        return _refuse("unit", form)
    return _run(lambda: ops.create_unit(g.instansi, form.name.data, current_user, parent, form.region.data),
                gettext("Unit ditambahkan."), "unit", form)


@bp.route("/users", methods=["POST"])
@admin_required
def create_user():
    form = forms.UserForm(request.form)
    unit = _unit(form.unit_id.data)  # a unit of another instansi is refused before anything is created
    if not form.validate():
        return _refuse("user", form)

    created = []

    def action():
        role = form.role.data
        if role:
            ops.check_role(role, g.instansi, unit)
        user = ops.create_user(form.email.data, form.name.data, form.password.data or None, current_user,
                               g.instansi)
        created.append(user)
        if role:
            ops.assign_role(user, role, g.instansi, unit, form.areas.data, current_user)

    response = _run(action, gettext("Pengguna ditambahkan."), "user", form)
    if created and not form.password.data:  # no password typed: an invitation to set one
        _send_password_link(created[0], accounts.INVITE)
        return redirect(url_for("admin.person", user_id=created[0].id, instansi=g.instansi.id))
    return response


@bp.route("/roles", methods=["POST"])
@admin_required
def assign_role():
    """Someone of another instansi is answered exactly as an unknown email (ops.find_user)."""
    form = forms.RoleForm(request.form)
    unit = _unit(form.unit_id.data)  # a unit of another instansi is 404 before any email is looked at
    if not form.validate():
        return _refuse("role", form)
    return _run(lambda: ops.assign_role(ops.find_user(g.instansi, form.email.data), form.role.data or "",
                                        g.instansi, unit, form.areas.data, current_user),
                gettext("Peran diberikan."), "role", form)


@bp.route("/roles/<int:assignment_id>/delete", methods=["POST"])
@admin_required
def remove_role(assignment_id: int):
    assignment = g.access.role_assignment(g.instansi, assignment_id)
    if assignment.user_id == current_user.id and assignment.role == "admin":
        flash(gettext("Anda tidak dapat mencabut peran admin Anda sendiri."), "error")
        return _back()
    return _run(lambda: ops.remove_role(assignment, current_user), gettext("Peran dicabut."))


@bp.route("/periods", methods=["POST"])
@admin_required
def create_period():
    form = forms.PeriodForm(request.form, criteria_ids=current_app.extensions["zi_criteria"])
    if not form.validate():
        if form.year.errors or form.opens_on.errors or form.closes_on.errors:
            return _refuse("period", form, gettext("Tahun dan tanggal periode wajib diisi dengan benar."))
        return _refuse("period", form)
    f = form.data
    created = []
    response = _run(lambda: created.append(ops.create_period(
                        g.instansi, f["year"], f["criteria_id"], f["opens_on"], f["closes_on"], current_user,
                        copy_previous=f["copy_previous"])),
                    gettext("Periode dibuat beserta penilaian setiap unit."), "period", form)
    if created and f["copy_previous"] and (carried := ops.carried_over(created[0])):
        flash(_carry_over_text(carried), "info")
    return response


def _carry_over_text(carried: ops.CarryOver) -> str:
    """Last period's answers copied into another criteria version: mapped, reworded, left behind."""
    parts = [gettext("Jawaban periode sebelumnya disalin dari %(old)s ke %(new)s: %(items)s jawaban "
                     "%(units)s unit dipetakan menurut kode butir.", old=carried.old_criteria,
                     new=carried.new_criteria, items=carried.items, units=carried.units)]
    parts.append(gettext("Teks butir berubah, periksa kembali jawabannya: %(codes)s.",
                         codes=", ".join(carried.changed)) if carried.changed
                 else gettext("Tidak ada teks butir yang berubah."))
    parts.append(gettext("Butir tanpa padanan di %(new)s, jawabannya tidak disalin: %(codes)s.",
                         new=carried.new_criteria, codes=", ".join(carried.dropped)) if carried.dropped
                 else gettext("Setiap butir punya padanan."))
    return " ".join(parts)


@bp.route("/prerequisites", methods=["POST"])
@admin_required
def set_prerequisite():
    form = forms.PrerequisiteForm(request.form)
    unit = _unit(form.unit_id.data)
    if not form.validate():
        return _refuse("prerequisite", form)
    return _run(lambda: ops.set_prerequisite(g.instansi, form.key.data or "", form.met_value, form.note.data,
                                             unit, current_user),
                gettext("Prasyarat dicatat."), "prerequisite", form)


# --- one person: roles and areas on one form, password links ---------------------------------

LINK_KEY = "zi_password_link"
UNIT_ROLE_CHOICES = ("member", "head", "tpi", "reviewer")
WIDE_ROLE_CHOICES = ("admin", "reviewer")


class PersonRolesForm(Form):
    """The person form: `role` values are "admin", "reviewer" (instansi-wide) or "<unit id>:<role>";
    `area` values "<unit id>:<area code>"; the add row names a unit, its roles and areas."""

    role = forms.ValuesField()
    area = forms.ValuesField()
    add_unit = forms.IdField()
    add_role = forms.ValuesField()
    add_area = forms.ValuesField()


def _person(user_id: int) -> User:
    """A person of the admin's instansi (zi.admin.belongs_to); anyone else does not exist (404)."""
    user = User.get_or_none(User.id == user_id)
    if user is None or not ops.belongs_to(user, g.instansi):
        raise NotAllowed(user_id)
    return user


def _area_codes() -> list[str]:
    codes: list[str] = []
    for criteria in current_app.extensions["zi_criteria"].values():
        codes += [a.code for a in criteria.areas if a.code not in codes]
    return codes


def _one_time_link(user: User | None):
    """The password link an admin must hand on themselves (no mail server), shown once."""
    kept = session.get(LINK_KEY)
    if not isinstance(kept, dict) or (user is not None and kept.get("user") != user.id):
        return None
    session.pop(LINK_KEY, None)
    return kept


def _send_password_link(user: User, purpose: str) -> None:
    sent, link = send_link(user, purpose)
    audit.record("user:password_link", current_user._get_current_object(), instansi=g.instansi,
                 new={"email": user.email, "purpose": purpose, "mailed": sent})
    if sent:
        if purpose == accounts.INVITE:
            flash(gettext("Undangan dikirim ke %(email)s (berlaku 7 hari).", email=user.email), "success")
        else:
            flash(gettext("Tautan atur ulang kata sandi dikirim ke %(email)s (berlaku 24 jam).",
                          email=user.email), "success")
        return
    session[LINK_KEY] = {"user": user.id, "email": user.email, "link": link, "purpose": purpose}
    flash(gettext("Email tidak terkirim (server surat belum diatur atau gagal). Berikan tautan di bawah "
                  "kepada orangnya sendiri; tautan ini hanya ditampilkan sekali."), "success")


def _rows_from_db(user: User) -> tuple[list[dict], set[str]]:
    rows: dict[int, dict] = {}
    wide: set[str] = set()
    query = (RoleAssignment.select(RoleAssignment, Unit).join(Unit, JOIN.LEFT_OUTER)
             .where((RoleAssignment.user == user) & (RoleAssignment.instansi == g.instansi))
             .order_by(Unit.name, RoleAssignment.id))
    for r in query:
        if r.unit_id is None:
            wide.add(r.role)
            continue
        row = rows.setdefault(r.unit_id, {"unit": r.unit, "roles": set(), "areas": set(), "error": ""})
        row["roles"].add(r.role)
        if r.role == "member":
            row["areas"] |= r.area_codes
    return list(rows.values()), wide


def _parse_person_form(form: PersonRolesForm):
    """(wanted roles for zi.admin.replace_roles, rows as typed, instansi-wide roles, add-row error).
    A unit of another instansi is a 404, as on every admin form."""
    known_areas = set(_area_codes())
    rows: dict[int, dict] = {}
    wide: set[str] = set()
    problems: dict[int | None, str] = {}

    def row_of(unit_id: int) -> dict:
        if unit_id not in rows:
            rows[unit_id] = {"unit": g.access.admin_unit(g.instansi, unit_id), "roles": set(), "areas": set(),
                             "error": ""}
        return rows[unit_id]

    for value in form.role.data:
        unit_text, _, role = value.partition(":")
        if not role:
            wide.add(unit_text)
            continue
        row_of(parse_id(unit_text) or 0)["roles"].add(role)
    for value in form.area.data:
        unit_text, _, code = value.partition(":")
        row = row_of(parse_id(unit_text) or 0)
        row["areas"].add(code)
        if code not in known_areas:
            problems[row["unit"].id] = gettext("Area tidak dikenal: %(code)s", code=code[:20])
    add_error = ""
    if form.add_role.data or form.add_area.data:
        if form.add_unit.data is None:
            add_error = gettext("Pilih unit untuk peran baru.")
        else:
            row = row_of(form.add_unit.data)
            row["roles"] |= set(form.add_role.data)
            row["areas"] |= set(form.add_area.data)
            unknown = set(form.add_area.data) - known_areas
            if unknown:
                problems[row["unit"].id] = gettext("Area tidak dikenal: %(code)s",
                                                   code=sorted(unknown)[0][:20])
    for unit_id, message in problems.items():
        rows[unit_id]["error"] = message
    wanted = [(role, None, ()) for role in sorted(wide)]
    for row in rows.values():
        wanted += [(role, row["unit"], sorted(row["areas"]) if role == "member" else ())
                   for role in sorted(row["roles"])]
    ordered = sorted(rows.values(), key=lambda r: (r["unit"].name, r["unit"].id))
    return wanted, ordered, wide, add_error, bool(problems)


def _person_page(user: User, rows, wide, errors=None, status: int = 200, signatory: dict | None = None):
    errors = errors or {}
    units = list(Unit.select().where(Unit.instansi == g.instansi).order_by(Unit.name, Unit.id))
    shown = {row["unit"].id for row in rows}
    return render_template(
        "admin/person.html", instansi=g.instansi, person=user, rows=rows, wide=wide, errors=errors,
        unit_roles=UNIT_ROLE_CHOICES, wide_roles=WIDE_ROLE_CHOICES, areas=_area_codes(),
        other_units=[u for u in units if u.id not in shown], one_time_link=_one_time_link(user),
        is_self=user.id == current_user.id, signatory=signatory,
    ), status


@bp.route("/people/<int:user_id>")
@admin_required
def person(user_id: int):
    user = _person(user_id)
    rows, wide = _rows_from_db(user)
    return _person_page(user, rows, wide)


@bp.route("/people/<int:user_id>", methods=["POST"])
@admin_required
def save_person(user_id: int):
    """Save the person's roles and areas: the form replaces their assignments in the instansi at
    once (zi.admin.replace_roles), or nothing changes and the form comes back with the error at
    its row."""
    user = _person(user_id)
    form = PersonRolesForm(request.form)
    form.validate()
    wanted, rows, wide, add_error, bad_areas = _parse_person_form(form)
    if add_error or bad_areas:
        return _person_page(user, rows, wide, {"add": add_error, "top": gettext(
            "Peran tidak disimpan; perbaiki isian yang ditandai.")})
    try:
        changed = ops.replace_roles(user, g.instansi, wanted, current_user._get_current_object())
    except ops.AdminError as err:
        message = translate_error(err)
        unit_id = getattr(err, "unit_id", None)
        for row in rows:
            if row["unit"].id == unit_id:
                row["error"] = message
        errors = {"top": gettext("Peran tidak disimpan; perbaiki isian yang ditandai.")}
        if not any(row["error"] for row in rows):
            errors["wide"] = message
        return _person_page(user, rows, wide, errors)
    flash(gettext("Peran %(name)s disimpan.", name=user.name) if changed
          else gettext("Tidak ada perubahan peran."), "success")
    return redirect(url_for("admin.person", user_id=user.id, instansi=g.instansi.id))


@bp.route("/people/<int:user_id>/signatory", methods=["POST"])
@admin_required
def save_signatory(user_id: int):
    """The person's NIP and position (for the letters they sign); a refusal at its field."""
    user = _person(user_id)
    typed = {"nip": request.form.get("nip", ""), "position": request.form.get("position", "")}
    try:
        changed = signatories.set_signatory(user, typed["nip"], typed["position"],
                                            actor=current_user._get_current_object())
    except signatories.SignatoryError as err:
        rows, wide = _rows_from_db(user)
        return _person_page(user, rows, wide, status=422,
                            signatory={**typed, "field": err.field, "error": translate_error(err)})
    flash(gettext("NIP dan jabatan %(name)s disimpan.", name=user.name) if changed
          else gettext("Tidak ada perubahan."), "success")
    return redirect(url_for("admin.person", user_id=user.id, instansi=g.instansi.id) + "#signatory")


@bp.route("/people/<int:user_id>/reset", methods=["POST"])
@admin_required
def reset_password(user_id: int):
    """Send the person a link to set a new password (or show it, without a mail server)."""
    user = _person(user_id)
    if not user.active:
        flash(gettext("Akun ini tidak aktif."), "error")
    else:
        _send_password_link(user, accounts.RESET)
    return redirect(url_for("admin.person", user_id=user.id, instansi=g.instansi.id))


# --- time zones: the instansi's, and a unit's own (zi.admin.set_timezone) -------------------------


class TimezoneForm(Form):
    """The instansi's zone (no unit), or a unit's own zone (empty: the instansi's)."""

    unit_id = forms.IdField()
    timezone = StringField()


@bp.route("/timezone", methods=["POST"])
@admin_required
def set_timezone():
    form = TimezoneForm(request.form)
    form.validate()
    unit = _unit(form.unit_id.data)
    actor = current_user._get_current_object()
    return _run(lambda: ops.set_timezone(g.instansi, form.timezone.data or "", actor, unit),
                gettext("Zona waktu disimpan."))


# --- the Ketua TPI, who signs the TPI endorsement (zi.admin.set_tpi_chair) ---------------------------------

CHAIR_ERROR_KEY = "admin_tpi_chair_error"


class TpiChairForm(Form):
    """The instansi's Ketua TPI: a person holding the TPI role there (empty: none)."""

    chair_id = forms.IdField()


@bp.route("/tpi-chair", methods=["POST"])
@admin_required
def set_tpi_chair():
    form = TpiChairForm(request.form)
    form.validate()
    try:
        changed = ops.set_tpi_chair(g.instansi, form.chair_id.data, current_user._get_current_object())
    except ops.AdminError as err:
        message = translate_error(err)
        flash(message, "error")
        session[CHAIR_ERROR_KEY] = message[:300]  # shown again at the field
        return redirect(url_for("admin.index", instansi=g.instansi.id) + "#tpi-chair")
    flash(gettext("Ketua TPI disimpan.") if changed else gettext("Tidak ada perubahan."), "success")
    return redirect(url_for("admin.index", instansi=g.instansi.id) + "#tpi-chair")


def _newest_first(registry: dict) -> list[str]:
    """Criteria versions for the period form, the newest item bank first (the one a new period wants)."""
    return sorted(registry, key=lambda cid: (-registry[cid].year, cid))
