"""Signing in and out; sessions that end on the server; the language switch.

A session is valid while it carries the person's current `session_token` (zi/models.User) and
has been used within ZI_SESSION_IDLE_MINUTES. Logout and a password change give the person a new
token, so a session cookie copied earlier no longer works anywhere. Flask-Login's remember-me
cookie is never issued, and one presented anyway is refused: the token lives only in the session.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
import unicodedata
from urllib.parse import quote, unquote, urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_url, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from .. import accounts, admin, audit, mail, signatories
from ..models import User
from ..passwords import MIN_LENGTH, check_password
from . import limiter
from .i18n import gettext, lazy, translate_error

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

TOKEN_KEY = "_zi_token"
SEEN_KEY = "_zi_seen"
SEEN_REFRESH_SECONDS = 60  # last activity is rewritten at most once a minute: no cookie per request


def _text_only(value):
    """A JSON number or an uploaded file sent for a text field counts as nothing typed."""
    return value if isinstance(value, str) else ""


class LoginForm(FlaskForm):
    email = EmailField(lazy("Email"), validators=[DataRequired()], filters=[_text_only])
    password = PasswordField(lazy("Kata sandi"), validators=[DataRequired()], filters=[_text_only])


class ForgotForm(FlaskForm):
    email = EmailField(lazy("Email"), validators=[DataRequired(message=lazy("Email wajib diisi."))],
                       filters=[_text_only])


class NewPasswordForm(FlaskForm):
    """A new password typed twice (reset and invitation links); the rules are zi.accounts'."""

    new = PasswordField(lazy("Kata sandi baru"), filters=[_text_only])
    confirm = PasswordField(lazy("Ulangi kata sandi baru"), filters=[_text_only])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(lazy("Kata sandi saat ini"), filters=[_text_only])


# --- sessions ---------------------------------------------------------------------------


def begin_session(sess, user: User) -> None:
    """Bind a session (Flask's, or a test client's) to the person's current token, active now."""
    sess[TOKEN_KEY] = user.session_token
    sess[SEEN_KEY] = int(time.time())


def keep_session(token: str) -> None:
    """After admin.set_password for the signed-in person: this session keeps working, others end."""
    session[TOKEN_KEY] = token


def _clear_session() -> None:
    """Forget everything but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the person, if this session still carries their token and was
    used recently; otherwise the session is emptied and the request is anonymous."""
    try:
        user = User.get_or_none(User.id == int(user_id))
    except (TypeError, ValueError):
        user = None
    token = session.get(TOKEN_KEY)
    if (user is None or not user.active or not user.session_token or not isinstance(token, str)
            or not hmac.compare_digest(token.encode(), user.session_token.encode())):
        _clear_session()
        return None
    now, seen = int(time.time()), session.get(SEEN_KEY)
    if not isinstance(seen, int) or now - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        _clear_session()
        g.session_expired = True
        return None
    if now - seen >= SEEN_REFRESH_SECONDS:
        session[SEEN_KEY] = now
    return user


def unauthorized():
    """Flask-Login's answer to an anonymous request for a signed-in page: to the login page, saying
    why when the session has just expired."""
    if g.get("session_expired"):
        flash(gettext("Sesi Anda berakhir karena terlalu lama tidak aktif. Silakan masuk kembali."), "info")
    else:
        flash(gettext("Silakan masuk terlebih dahulu."), "info")
    return redirect(login_url("auth.login", next_url=request.url))


# --- redirects to a place the request names --------------------------------------------

_PRINTABLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))


def _plain_path(text: str) -> bool:
    """A path of this site as any browser reads it: '/', then neither '/' nor a backslash, no
    control, format or space characters (browsers drop tabs and newlines), no scheme, no host."""
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return False
    if any(unicodedata.category(ch)[0] in "CZ" for ch in text):
        return False
    split = urlsplit(text)
    return not split.scheme and not split.netloc


def safe_target(target: str | None) -> str:
    """`target` if it leads to a path of this site, else the dashboard: the one check for every
    redirect to a place a request named. Each percent-decoded layer is checked too (`/%2F%2Fevil`
    is `///evil`); non-ASCII characters are percent-encoded in the answer."""
    fallback = url_for("dashboard.index")
    if not isinstance(target, str) or not target or len(target) > 2000:
        return fallback
    text = target
    for _ in range(5):
        if not _plain_path(text):
            return fallback
        decoded = unquote(text)
        if decoded == text:
            return quote(target, safe=_PRINTABLE_ASCII)
        text = decoded
    return fallback


# --- views ------------------------------------------------------------------------------


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.email == form.email.data.strip().lower())
        # Exactly one Argon2 verification whatever the account (none, inactive, real): the time
        # of a refusal does not tell whether the email exists.
        valid = check_password(user.password_hash if user is not None else None, form.password.data)
        if user is not None and user.active and valid:
            _clear_session()
            if not user.session_token:
                admin.end_sessions(user)
            login_user(user)
            begin_session(session, user)
            audit.record("login", user)
            return redirect(safe_target(request.args.get("next")))
        flash(gettext("Email atau kata sandi salah."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends this person's sessions on the server: a copy of the cookie no longer signs anyone in."""
    user = current_user._get_current_object()
    admin.end_sessions(user)
    audit.record("logout", user)
    logout_user()
    _clear_session()
    flash(gettext("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    referrer, home = request.referrer or "", request.host_url
    return redirect(safe_target("/" + referrer[len(home):] if referrer.startswith(home) else None))


# --- passwords: own change, forgotten, invitation ------------------------------------------


def password_link(user: User, purpose: str) -> str:
    """The link (ZI_BASE_URL + /reset/<token>) that lets the person set a password (zi.accounts)."""
    token = accounts.make_token(current_app.config["SECRET_KEY"], user, purpose)
    return f"{current_app.config['BASE_URL']}{url_for('auth.reset', token=token)}"


def link_mail(user: User, purpose: str, link: str) -> tuple[str, str]:
    """Subject and body of the mail carrying a password link, in the request's language."""
    if purpose == accounts.INVITE:
        subject = gettext("Undangan ke zi: buat kata sandi Anda")
        body = gettext(
            "Halo %(name)s,\n\nAnda diundang memakai zi, pelacak Zona Integritas instansi Anda.\n"
            "Buat kata sandi Anda melalui tautan ini (berlaku 7 hari, sekali pakai):\n\n%(link)s\n\n"
            "Sesudah itu masuk dengan email %(email)s.\n", name=user.name, link=link, email=user.email)
    else:
        subject = gettext("zi: atur ulang kata sandi")
        body = gettext(
            "Halo %(name)s,\n\nAda permintaan untuk mengatur ulang kata sandi zi Anda.\n"
            "Buat kata sandi baru melalui tautan ini (berlaku 24 jam, sekali pakai):\n\n%(link)s\n\n"
            "Bila Anda tidak memintanya, abaikan surat ini; kata sandi Anda tetap.\n",
            name=user.name, link=link)
    return subject, body


def send_link(user: User, purpose: str) -> tuple[bool, str]:
    """Mail a password link to the person now: (sent, link). Not sent when no SMTP server is set or
    it failed; the caller (an admin) is then shown the link to hand on."""
    link = password_link(user, purpose)
    subject, body = link_mail(user, purpose, link)
    try:
        sent = mail.send(current_app.config, user.email, subject, body)
    except mail.MailError as err:
        log.warning("password link not sent to %s: %s", user.email, err)
        sent = False
    return sent, link


def _send_in_background(settings: dict, to: str, subject: str, body: str) -> None:
    """The forgotten-password mail leaves the request: its answer takes as long whether or not the
    address exists."""
    def run():
        try:
            mail.send(settings, to, subject, body)
        except mail.MailError as err:
            log.warning("password reset mail not sent to %s: %s", to, err)

    threading.Thread(target=run, name="zi-mail", daemon=True).start()


def _mail_settings() -> dict:
    return {key: current_app.config.get(key) for key in (
        "SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_TLS", "SMTP_TIMEOUT", "MAIL_FROM")}


def _field_error(form, err: accounts.AccountError) -> None:
    """A new-password refusal at the field it is about."""
    field = form.confirm if err.message_id == accounts.MISMATCH else form.new
    field.errors = [*field.errors, translate_error(err)]


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def account():
    """Akun saya: the person changes their own password (the current one first); every other
    session of theirs ends, this one stays."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if request.method == "POST" and form.validate():
        if not check_password(user.password_hash, form.current.data or ""):
            form.current.errors = [gettext("Kata sandi saat ini salah.")]
        else:
            try:
                accounts.check_new_password(form.new.data or "", form.confirm.data or "")
            except accounts.AccountError as err:
                _field_error(form, err)
            else:
                keep_session(admin.set_password(user, form.new.data, actor=user))
                flash(gettext("Kata sandi diganti. Sesi Anda di perangkat lain telah berakhir."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, min_length=MIN_LENGTH)


@bp.route("/account/signatory", methods=["POST"])
@login_required
def account_signatory():
    """Akun saya: the person's own NIP and position, for the letters they sign (SPTJM, the TPI
    endorsement). A refusal comes back with the message at its field and what was typed kept."""
    user = current_user._get_current_object()
    typed = {"nip": request.form.get("nip", ""), "position": request.form.get("position", "")}
    try:
        changed = signatories.set_signatory(user, typed["nip"], typed["position"], actor=user)
    except signatories.SignatoryError as err:
        return render_template("auth/account.html", form=ChangePasswordForm(), min_length=MIN_LENGTH,
                               signatory={**typed, "field": err.field, "error": translate_error(err)}), 422
    flash(gettext("NIP dan jabatan disimpan.") if changed else gettext("Tidak ada perubahan."), "success")
    return redirect(url_for("auth.account") + "#signatory")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot():
    """Lupa kata sandi: the answer is the same whether or not the address is known; a known,
    active address gets a link valid 24 hours."""
    form = ForgotForm()
    if form.validate_on_submit():
        if not mail.configured(current_app.config):
            flash(gettext("zi belum dapat mengirim email. Minta admin instansi Anda mengatur ulang "
                          "kata sandi."), "error")
            return redirect(url_for("auth.forgot"))
        user = User.get_or_none(User.email == form.email.data.strip().lower()[:255])
        if user is not None and user.active:
            link = password_link(user, accounts.RESET)
            _send_in_background(_mail_settings(), user.email, *link_mail(user, accounts.RESET, link))
        flash(gettext("Bila alamat itu terdaftar, kami telah mengirim tautan untuk membuat kata sandi baru "
                      "(berlaku 24 jam). Periksa kotak masuk email Anda."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """A password link (forgotten password or invitation): works once, within its time."""
    secret = current_app.config["SECRET_KEY"]
    try:
        user, purpose = accounts.read_token(secret, token)
    except accounts.AccountError as err:
        flash(translate_error(err), "error")
        return redirect(url_for("auth.forgot"))
    form = NewPasswordForm()
    if request.method == "POST" and form.validate():
        try:
            accounts.use_token(secret, token, form.new.data or "", form.confirm.data or "")
        except accounts.AccountError as err:
            if err.message_id in (accounts.TOO_SHORT, accounts.MISMATCH):
                _field_error(form, err)
            else:
                flash(translate_error(err), "error")
                return redirect(url_for("auth.forgot"))
        else:
            if current_user.is_authenticated:
                logout_user()
                _clear_session()
            flash(gettext("Kata sandi disimpan. Silakan masuk dengan kata sandi baru."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, person=user, invitation=purpose == accounts.INVITE,
                           min_length=MIN_LENGTH)
