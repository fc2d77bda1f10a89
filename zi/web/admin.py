"""Admin pages of an instansi: units, people and roles, periods, prerequisites, audit log."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import admin as ops
from .. import audit
from ..models import PREREQUISITES, ROLES, EvidenceDocument, Period, RoleAssignment, Unit, User
from . import forms
from .i18n import gettext, translate_error
from .inputs import form_id, page_of

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
    return render_template(
        "admin/admin.html", forms=forms.restored(current_app.extensions["zi_criteria"]),
        instansi=g.instansi, units=units, unit_page=unit_page, assignments=assignments,
        periods=periods,
        users=users, roles=ROLES, criteria_ids=sorted(current_app.extensions["zi_criteria"]),
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

    def action():
        role = form.role.data
        if role:
            ops.check_role(role, g.instansi, unit)
        user = ops.create_user(form.email.data, form.name.data, form.password.data or "", current_user,
                               g.instansi)
        if role:
            ops.assign_role(user, role, g.instansi, unit, form.areas.data, current_user)

    return _run(action, gettext("Pengguna ditambahkan."), "user", form)


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
    return _run(lambda: ops.create_period(g.instansi, f["year"], f["criteria_id"], f["opens_on"],
                                          f["closes_on"], current_user, copy_previous=f["copy_previous"]),
                gettext("Periode dibuat beserta penilaian setiap unit."), "period", form)


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
