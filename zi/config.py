"""Every setting of zi, read from environment variables with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A source checkout keeps instance/ and evidence/ beside the code; an installed package keeps them
# in the directory zi is started from.
PROJECT_DIR = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "pyproject.toml").exists() else Path.cwd()
TEMPLATES_DIR = PACKAGE_DIR / "templates"
SHIPPED_CRITERIA_DIR = PACKAGE_DIR / "criteria" / "data"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _flag(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _secret_key(instance_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    CRITERIA_DIR = _env("ZI_CRITERIA_DIR", str(SHIPPED_CRITERIA_DIR))
    WORKBOOK_MAX_BYTES = int(_env("ZI_WORKBOOK_MAX_BYTES", str(10 * 1024 * 1024)))  # an uploaded LKE .xlsx

    def __init__(self) -> None:
        self.INSTANCE_DIR = Path(_env("ZI_INSTANCE_DIR", str(PROJECT_DIR / "instance")))
        self.DATABASE_URL = _env("DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'zi.sqlite3'}")
        self.EVIDENCE_DIR = _env("ZI_EVIDENCE_DIR", str(PROJECT_DIR / "evidence"))
        self.SECRET_KEY = _secret_key(self.INSTANCE_DIR)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag("ZI_SECURE_COOKIES", False)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.BABEL_DEFAULT_LOCALE = _env("ZI_LOCALE", "id")
        self.LANGUAGES = ("id", "en")
        self.RATELIMIT_STORAGE_URI = _env("ZI_RATELIMIT_STORAGE", "memory://")
        self.LOGIN_RATE_LIMIT = _env("ZI_LOGIN_RATE_LIMIT", "10 per minute")
        # Reading an uploaded LKE workbook takes seconds of a worker: uploads and confirmations per person.
        self.LKE_IMPORT_RATE_LIMIT = _env("ZI_LKE_IMPORT_RATE_LIMIT", "10 per minute; 60 per hour")
        self.SESSION_IDLE_MINUTES = int(_env("ZI_SESSION_IDLE_MINUTES", "120"))
        self.EVIDENCE_MAX_BYTES = int(_env("ZI_MAX_UPLOAD_MB", "50")) * 1024 * 1024
        # The whole request may carry a little more than one file (form fields, multipart framing).
        self.MAX_CONTENT_LENGTH = self.EVIDENCE_MAX_BYTES + 1024 * 1024
        self.JOBS_IMMEDIATE = _flag("ZI_JOBS_IMMEDIATE", False)
        # A running job whose worker has not beaten its heartbeat for this long is failed.
        self.JOB_STALE_SECONDS = float(_env("ZI_JOB_STALE_SECONDS", "60"))
        self.S3_BUCKET = _env("ZI_S3_BUCKET", "")
        self.S3_ENDPOINT_URL = _env("ZI_S3_ENDPOINT_URL", "")
        self.S3_REGION = _env("ZI_S3_REGION", "")
        self.S3_ACCESS_KEY_ID = _env("ZI_S3_ACCESS_KEY_ID", "")
        self.S3_SECRET_ACCESS_KEY = _env("ZI_S3_SECRET_ACCESS_KEY", "")
        # Mail (password reset, invitations, notifications). No host: mail is not sent, links are
        # shown to the admin instead and notifications stay in the in-app list.
        self.SMTP_HOST = _env("ZI_SMTP_HOST", "")
        self.SMTP_PORT = int(_env("ZI_SMTP_PORT", "25"))
        self.SMTP_USER = _env("ZI_SMTP_USER", "")
        self.SMTP_PASSWORD = _env("ZI_SMTP_PASSWORD", "")
        self.SMTP_TLS = _env("ZI_SMTP_TLS", "none").lower()  # none, starttls or ssl
        self.SMTP_TIMEOUT = float(_env("ZI_SMTP_TIMEOUT", "10"))
        self.MAIL_FROM = _env("ZI_MAIL_FROM", "zi@localhost")
        self.BASE_URL = _env("ZI_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        # Days before a period closes that its people are reminded (zi.notify.send_reminders).
        self.REMINDER_DAYS = _env("ZI_REMINDER_DAYS", "14,3")
