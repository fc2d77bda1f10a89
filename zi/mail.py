"""Outgoing mail over real SMTP (ZI_SMTP_*): one function, plain text, no Flask.

`settings` is any mapping with the keys of zi.config.Config (a Flask app's config or a dict), so the
web process and the job worker send the same way. Without ZI_SMTP_HOST nothing is sent and `send`
says so (False); callers keep what matters in the database (in-app notifications, audit)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger(__name__)


class MailError(Exception):
    """The SMTP server refused or could not be reached; the message was not sent."""


def configured(settings) -> bool:
    return bool(settings.get("SMTP_HOST"))


def message(settings, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.get("MAIL_FROM", "zi@localhost")
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="zi")
    msg.set_content(body)
    return msg


def send(settings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text mail; False when no SMTP host is set, MailError when sending failed."""
    if not configured(settings):
        log.info("mail not sent (no ZI_SMTP_HOST): %s to %s", subject, to)
        return False
    msg = message(settings, to, subject, body)
    host, port = settings["SMTP_HOST"], int(settings.get("SMTP_PORT", 25))
    tls = str(settings.get("SMTP_TLS", "none")).lower()
    timeout = float(settings.get("SMTP_TIMEOUT", 10))
    try:
        if tls == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.get("SMTP_USER"):
                client.login(settings["SMTP_USER"], settings.get("SMTP_PASSWORD", ""))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as err:
        raise MailError(f"{host}:{port}: {err}") from err
    return True
