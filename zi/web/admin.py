"""Admin pages of an instansi: units, people and roles, periods, prerequisites, audit log."""

from __future__ import annotations

from datetime import date
from functools import wraps

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import admin as ops
from .. import audit
from ..access import NotAllowed
from ..models import PREREQUISITES, ROLES, EvidenceDocument, Period, RoleAssignment, Unit, User
from .i18n import gettext
from .inputs import form_id

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        ids = g.access.admin_instansi_ids
        if not ids:
            abort(403)
        requested = form_id("instansi", request.values) or min(ids)
        try:
            g.instansi = g.access.instansi(requested)
        except NotAllowed:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def _unit(field: str = "unit_id") -> Unit | None:
    unit_id = form_id(field)
    if unit_id is None:
        return None
    unit = Unit.get_or_none((Unit.id == unit_id) & (Unit.instansi == g.instansi))
    if unit is None:
        abort(404)
    return unit


def _back():
    return redirect(url_for("admin.index", instansi=g.instansi.id))


@bp.route("/")
@admin_required
def index():
    units = list(Unit.select().where(Unit.instansi == g.instansi).order_by(Unit.name))
    assignments = list(
        RoleAssignment.select(RoleAssignment, User).join(User)
        .where(RoleAssignment.instansi == g.instansi).order_by(User.name, RoleAssignment.role)
    )
    periods = list(Period.select().where(Period.instansi == g.instansi).order_by(Period.year.desc()))
    users = sorted({a.user for a in assignments}, key=lambda u: u.name)
    return render_template(
        "admin/admin.html", instansi=g.instansi, units=units, assignments=assignments, periods=periods,
        users=users, roles=ROLES, criteria_ids=sorted(current_app.extensions["zi_criteria"]),
        prerequisite_keys={k: (scope, gettext(label)) for k, (scope, label) in PREREQUISITES.items()},
        events=list(audit.events_for(instansi=g.instansi, limit=50)),
        areas=next(iter(current_app.extensions["zi_criteria"].values())).areas,
        trash=list(EvidenceDocument.select().join(Unit)
                   .where((Unit.instansi == g.instansi) & EvidenceDocument.deleted_at.is_null(False))
                   .order_by(EvidenceDocument.deleted_at.desc())),
    )


def _run(action, success: str):
    try:
        action()
        flash(success, "success")
    except ops.AdminError as err:
        flash(gettext(str(err)), "error")  # fixed messages have an English entry; others stay as they are
    return _back()


@bp.route("/units", methods=["POST"])
@admin_required
def create_unit():
    f = request.form
    return _run(lambda: ops.create_unit(g.instansi, f.get("name", ""), current_user, _unit("parent_id"),
                                        f.get("region", "")),
                gettext("Unit ditambahkan."))


@bp.route("/users", methods=["POST"])
@admin_required
def create_user():
    f = request.form
    unit = _unit()  # a unit of another instansi is refused before anything is created

    def action():
        role = f.get("role")
        if role:
            ops.check_role(role, g.instansi, unit)
        user = ops.create_user(f.get("email", ""), f.get("name", ""), f.get("password", ""),
                               current_user, g.instansi)
        if role:
            ops.assign_role(user, role, g.instansi, unit, f.getlist("areas"), current_user)

    return _run(action, gettext("Pengguna ditambahkan."))


@bp.route("/roles", methods=["POST"])
@admin_required
def assign_role():
    """Someone of another instansi is answered exactly as an unknown email (ops.find_user)."""
    f = request.form
    unit = _unit()  # a unit of another instansi is 404 before any email is looked at
    return _run(lambda: ops.assign_role(ops.find_user(g.instansi, f.get("email", "")), f.get("role", ""),
                                        g.instansi, unit, f.getlist("areas"), current_user),
                gettext("Peran diberikan."))


@bp.route("/roles/<int:assignment_id>/delete", methods=["POST"])
@admin_required
def remove_role(assignment_id: int):
    assignment = RoleAssignment.get_or_none(
        (RoleAssignment.id == assignment_id) & (RoleAssignment.instansi == g.instansi))
    if assignment is None:
        abort(404)
    if assignment.user_id == current_user.id and assignment.role == "admin":
        flash(gettext("Anda tidak dapat mencabut peran admin Anda sendiri."), "error")
        return _back()
    return _run(lambda: ops.remove_role(assignment, current_user), gettext("Peran dicabut."))


@bp.route("/periods", methods=["POST"])
@admin_required
def create_period():
    f = request.form
    try:
        year = int(f.get("year", ""))
        if not 1900 <= year <= 9999:
            raise ValueError(year)
        opens_on = date.fromisoformat(f.get("opens_on", ""))
        closes_on = date.fromisoformat(f.get("closes_on", ""))
    except ValueError:
        flash(gettext("Tahun dan tanggal periode wajib diisi dengan benar."), "error")
        return _back()
    criteria_id = f.get("criteria_id", "")
    if criteria_id not in current_app.extensions["zi_criteria"]:
        flash(gettext("Versi kriteria tidak dikenal."), "error")
        return _back()
    return _run(lambda: ops.create_period(g.instansi, year, criteria_id, opens_on, closes_on, current_user,
                                          copy_previous=f.get("copy_previous") == "1"),
                gettext("Periode dibuat beserta penilaian setiap unit."))


@bp.route("/prerequisites", methods=["POST"])
@admin_required
def set_prerequisite():
    f = request.form
    met = {"yes": True, "no": False}.get(f.get("met", ""))
    return _run(lambda: ops.set_prerequisite(g.instansi, f.get("key", ""), met, f.get("note", ""), _unit(),
                                             current_user),
                gettext("Prasyarat dicatat."))
