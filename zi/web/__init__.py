"""The Flask application: factory, extensions and the blueprints of each capability."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, render_template, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup

from ..access import Access, Forbidden, NotAllowed
from ..config import TEMPLATES_DIR, Config
from ..criteria import load_directory
from ..db import database, open_database
from ..extras import require
from ..summary import item_area
from ..text import render_markdown
from . import i18n, inputs

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def create_app(overrides: dict | None = None, criteria=None) -> Flask:
    """The app; `criteria` (a loaded registry) spares loading CRITERIA_DIR again, e.g. once per test run."""
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(Path(__file__).parent / "static"),
    )
    inputs.install(app)  # before any route: ids are bounded, typed text is cleaned
    app.config.from_object(Config())
    app.config.update(overrides or {})

    open_database(app.config["DATABASE_URL"])
    if app.config.get("S3_BUCKET"):
        require("boto3", "ZI_S3_BUCKET")  # at start, not at the first upload
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis://", "rediss://")):
        require("redis", "ZI_RATELIMIT_STORAGE")
    if app.config.get("TESTING") or app.config.get("JOBS_IMMEDIATE"):
        from ..jobs import huey

        huey.immediate = True
    if criteria is None:
        criteria = load_directory(app.config["CRITERIA_DIR"])
    app.extensions["zi_criteria"] = criteria

    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_locale, default_translation_directories=str(i18n.DIRECTORY))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Sessions end on the server (auth.load_user: per-user token, idle expiry). "strong" would also
    # drop a session whose address or browser changed, but it trusts X-Forwarded-For, which anyone
    # can send, and signs people out whenever their network changes; "basic" only marks it not fresh.
    login_manager.session_protection = "basic"

    @app.before_request
    def _open():
        database.connect(reuse_if_open=True)
        g.access = Access(current_user if current_user.is_authenticated else None)

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        return response

    @app.errorhandler(NotAllowed)
    @app.errorhandler(404)
    def _not_found(error):
        return render_template("error.html", code=404,
                               message=i18n.gettext("Halaman tidak ditemukan.")), 404

    @app.errorhandler(Forbidden)
    @app.errorhandler(403)
    def _forbidden(error):
        return render_template("error.html", code=403,
                               message=i18n.gettext("Anda tidak berwenang membuka halaman ini.")), 403

    @app.errorhandler(400)
    def _bad_request(error):
        return render_template("error.html", code=400, message=i18n.gettext(
            "Permintaan tidak dapat diproses: formulir tidak lengkap atau sudah kedaluwarsa. "
            "Muat ulang halaman lalu coba lagi.")), 400

    @app.errorhandler(413)
    def _too_large(error):
        return render_template("error.html", code=413, message=i18n.gettext(
            "Isian terlalu besar; tidak ada yang disimpan. Kembali, persingkat isian, lalu kirim lagi.")), 413

    @app.errorhandler(429)
    def _too_many(error):
        return render_template("error.html", code=429, message=i18n.gettext(
            "Terlalu banyak percobaan masuk. Coba lagi dalam satu menit.")), 429

    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text))
    app.jinja_env.globals["item_area"] = item_area
    from . import filters

    filters.register(app)

    from . import admin, assessments, auth, dashboard, dossiers, evidence, notifications, workbook

    login_manager.unauthorized_handler(auth.unauthorized)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(assessments.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(dossiers.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(workbook.bp)
    from . import workbook_import

    app.register_blueprint(workbook_import.bp)
    from . import surveys

    app.register_blueprint(surveys.bp)
    from . import recommendations

    app.register_blueprint(recommendations.bp)
    return app


@login_manager.user_loader
def _load_user(user_id: str):
    from .auth import load_user

    return load_user(user_id)


def _locale():
    """Indonesian unless the person chose otherwise (the browser's language is not a choice)."""
    lang = session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
