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

from ..access import Access, NotAllowed
from ..config import PROJECT_DIR, Config
from ..criteria import load_directory
from ..db import database, open_database
from ..models import User
from ..summary import item_area
from ..text import render_markdown
from . import i18n

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.from_object(Config())
    app.config.update(overrides or {})

    open_database(app.config["DATABASE_URL"])
    if app.config.get("TESTING") or app.config.get("JOBS_IMMEDIATE"):
        from ..jobs import huey

        huey.immediate = True
    app.extensions["zi_criteria"] = load_directory(app.config["CRITERIA_DIR"])

    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    i18n.compile_catalogs()
    babel.init_app(app, locale_selector=_locale, default_translation_directories=str(i18n.DIRECTORY))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.lazy("Silakan masuk terlebih dahulu.")
    login_manager.login_message_category = "info"

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

    @app.errorhandler(403)
    def _forbidden(error):
        return render_template("error.html", code=403,
                               message=i18n.gettext("Anda tidak berwenang membuka halaman ini.")), 403

    @app.errorhandler(429)
    def _too_many(error):
        return render_template("error.html", code=429, message=i18n.gettext(
            "Terlalu banyak percobaan masuk. Coba lagi dalam satu menit.")), 429

    app.jinja_env.filters["markdown"] = lambda text: Markup(render_markdown(text))
    app.jinja_env.globals["item_area"] = item_area
    from . import filters

    filters.register(app)

    from . import admin, assessments, auth, dashboard, dossiers, evidence

    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(assessments.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(dossiers.bp)
    return app


@login_manager.user_loader
def _load_user(user_id: str):
    user = User.get_or_none(User.id == int(user_id))
    return user if user is not None and user.active else None


def _locale():
    """Indonesian unless the person chose otherwise (the browser's language is not a choice)."""
    lang = session.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
