"""Signing in and out; the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from .. import audit
from ..models import User
from ..passwords import check_password
from . import limiter
from .i18n import gettext, lazy

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(lazy("Email"), validators=[DataRequired()])
    password = PasswordField(lazy("Kata sandi"), validators=[DataRequired()])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.email == form.email.data.strip().lower())
        if user is not None and user.active and check_password(user.password_hash, form.password.data):
            session.clear()
            login_user(user)
            audit.record("login", user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("dashboard.index")
            return redirect(target)
        flash(gettext("Email atau kata sandi salah."), "error")
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash(gettext("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.referrer or url_for("dashboard.index")
    if not target.startswith(request.host_url):
        target = url_for("dashboard.index")
    return redirect(target)
