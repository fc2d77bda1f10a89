"""zi.mail against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from zi import mail


def test_send_delivers_plain_text_to_the_server(smtp_server):
    host, port, mailbox = smtp_server
    settings = {"SMTP_HOST": host, "SMTP_PORT": port, "MAIL_FROM": "zi@contoh.go.id"}
    assert mail.send(settings, "ani@contoh.go.id", "Subjek", "Isi pesan: ünïcode") is True
    [received] = mailbox.to("ani@contoh.go.id")
    assert received["From"] == "zi@contoh.go.id"
    assert received["Subject"] == "Subjek"
    assert "ünïcode" in mailbox.body(received)


def test_without_a_host_nothing_is_sent():
    assert mail.send({"SMTP_HOST": ""}, "ani@contoh.go.id", "s", "b") is False


def test_an_unreachable_server_raises_mail_error(smtp_server):
    host, port, _ = smtp_server
    with pytest.raises(mail.MailError):
        mail.send({"SMTP_HOST": host, "SMTP_PORT": 1, "SMTP_TIMEOUT": 2}, "a@b.c", "s", "b")
