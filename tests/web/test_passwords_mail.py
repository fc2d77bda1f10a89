"""Passwords by mail, through a real SMTP server (aiosmtpd): a forgotten password, an invitation, an
admin's reset; and a person changing their own password."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest

from zi import accounts
from zi.demo import DEMO_PASSWORD
from zi.models import AuditEvent, User
from zi.passwords import check_password

TPI = "tpi@contoh.go.id"
NEW = "sandi-baru-yang-panjang"
LINK = re.compile(r"http://zi\.contoh\.go\.id(/reset/[A-Za-z0-9_.\-]+)")


def wait_for(mailbox, address: str, count: int = 1, seconds: float = 5.0) -> list:
    """The forgotten-password mail is sent from a thread after the answer: wait for it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(mailbox.to(address)) >= count:
            break
        time.sleep(0.05)
    return mailbox.to(address)


def link_in(mailbox, message) -> str:
    found = LINK.search(mailbox.body(message))
    assert found, mailbox.body(message)
    return found.group(1)


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def set_password(client, path: str, new: str = NEW, confirm: str | None = None):
    return client.post(path, data={"new": new, "confirm": new if confirm is None else confirm})


# --- forgotten password ---------------------------------------------------------------------


def test_forgotten_password_by_mail_link_works_once(app, client, mail_app, db):
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot"' in login_page and "Lupa kata sandi?" in login_page
    assert client.get("/forgot").status_code == 200
    old_token = User.get(User.email == TPI).session_token

    response = client.post("/forgot", data={"email": " TPI@contoh.go.id "})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    known = flashes(client)
    [message] = wait_for(mail_app, TPI)
    assert message["Subject"] == "zi: atur ulang kata sandi" and message["From"] == "zi@contoh.go.id"
    path = link_in(mail_app, message)
    assert "24 jam" in mail_app.body(message)

    page = client.get(path)
    assert page.status_code == 200 and "Atur ulang kata sandi" in page.get_data(as_text=True)
    short = set_password(client, path, "pendek")
    assert short.status_code == 200
    assert re.search(r'id="new-password"[^>]*>\s*<span class="field-error">Kata sandi minimal 10 karakter',
                     short.get_data(as_text=True))
    mismatch = set_password(client, path, NEW, NEW + "!")
    assert re.search(r'id="confirm-password"[^>]*>\s*'
                     r'<span class="field-error">Kedua isian kata sandi tidak sama',
                     mismatch.get_data(as_text=True))
    done = set_password(client, path)
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/login"
    assert flashes(client) == [("success", "Kata sandi disimpan. Silakan masuk dengan kata sandi baru.")]
    user = User.get(User.email == TPI)
    assert check_password(user.password_hash, NEW) and user.session_token != old_token

    again = client.get(path)  # a second use is refused, GET and POST alike
    assert again.status_code == 302 and urlsplit(again.headers["Location"]).path == "/forgot"
    assert flashes(client)[0][0] == "error"
    set_password(client, path, "lain-lagi-yang-panjang")
    assert "sudah dipakai" in flashes(client)[0][1]
    assert check_password(User.get(User.email == TPI).password_hash, NEW)
    assert client.post("/login", data={"email": TPI, "password": NEW}).status_code == 302

    # an unknown address gets the very same answer, and no mail
    client.post("/logout")
    flashes(client)
    unknown = client.post("/forgot", data={"email": "tidak-ada@contoh.go.id"})
    assert unknown.status_code == 302 and unknown.headers["Location"] == response.headers["Location"]
    assert flashes(client) == known
    time.sleep(0.3)
    assert mail_app.to("tidak-ada@contoh.go.id") == [] and len(mail_app.messages) == 1


def test_an_expired_reset_link_is_refused(app, client, mail_app, db, monkeypatch):
    client.post("/forgot", data={"email": TPI})
    path = link_in(mail_app, wait_for(mail_app, TPI)[0])
    flashes(client)
    later = time.time() + 24 * 3600 + 60
    monkeypatch.setattr(accounts, "_now", lambda: later)
    response = set_password(client, path)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/forgot"
    assert flashes(client) == [("error", "Tautan ini sudah kedaluwarsa. Minta tautan baru.")]
    assert check_password(User.get(User.email == TPI).password_hash, DEMO_PASSWORD)


def test_without_a_mail_server_the_forgot_page_says_to_ask_the_admin(client, db):
    client.post("/forgot", data={"email": TPI})
    [(category, message)] = flashes(client)
    assert category == "error" and "admin" in message


@pytest.mark.parametrize("token", ["x", "a" * 150, "eyJ1IjoxfQ.abc.def"])
def test_a_broken_link_leads_to_the_forgot_page_with_a_message(client, db, token):
    response = client.get(f"/reset/{token}")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/forgot"
    assert flashes(client) == [("error", "Tautan ini tidak sah. Minta tautan baru.")]


# --- invitation -----------------------------------------------------------------------------


def test_a_new_person_without_a_password_gets_an_invitation(client, login, mail_app, db):
    login("admin@contoh.go.id")
    response = client.post("/admin/users", data={"email": "baru@contoh.go.id", "name": "Orang Baru",
                                                  "password": "", "role": "reviewer"})
    user = User.get(User.email == "baru@contoh.go.id")
    assert urlsplit(response.headers["Location"]).path == f"/admin/people/{user.id}"
    assert ("success", "Undangan dikirim ke baru@contoh.go.id (berlaku 7 hari).") in flashes(client)
    [message] = mail_app.to("baru@contoh.go.id")
    assert message["Subject"] == "Undangan ke zi: buat kata sandi Anda"
    assert "7 hari" in mail_app.body(message)
    path = link_in(mail_app, message)

    client.post("/logout")
    visitor = client
    assert "Buat kata sandi" in visitor.get(path).get_data(as_text=True)
    assert visitor.post("/login", data={"email": "baru@contoh.go.id", "password": ""}).status_code == 200
    assert set_password(visitor, path).status_code == 302
    assert visitor.post("/login", data={"email": "baru@contoh.go.id", "password": NEW}).status_code == 302
    assert signed_in(visitor)
    assert visitor.get(path).status_code == 302  # used
    event = AuditEvent.select().where(AuditEvent.action == "user:password_link").get()
    assert event.new == {"email": "baru@contoh.go.id", "purpose": "invite", "mailed": True}


def test_without_a_mail_server_the_admin_is_shown_the_invitation_link_once(client, login, db):
    login("admin@contoh.go.id")
    response = client.post("/admin/users", data={"email": "baru@contoh.go.id", "name": "Orang Baru"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Email tidak terkirim" in page and "Tautan undangan" in page
    path = re.search(r'id="one-time-link" readonly value="http://[^"/]+(/reset/[^"]+)"', page).group(1)
    assert "one-time-link" not in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/logout")
    assert set_password(client, path).status_code == 302
    assert client.post("/login", data={"email": "baru@contoh.go.id", "password": NEW}).status_code == 302


# --- an admin resets a password ---------------------------------------------------------------


def test_an_admin_sends_a_reset_link(client, login, mail_app, db):
    tpi = User.get(User.email == TPI)
    login("admin@contoh.go.id")
    response = client.post(f"/admin/people/{tpi.id}/reset")
    assert urlsplit(response.headers["Location"]).path == f"/admin/people/{tpi.id}"
    sent = f"Tautan atur ulang kata sandi dikirim ke {TPI} (berlaku 24 jam)."
    assert flashes(client) == [("success", sent)]
    [message] = mail_app.to(TPI)
    path = link_in(mail_app, message)
    assert check_password(User.get_by_id(tpi.id).password_hash, DEMO_PASSWORD)  # until the link is used
    client.post("/logout")
    assert set_password(client, path).status_code == 302
    assert check_password(User.get_by_id(tpi.id).password_hash, NEW)


def test_an_admin_of_another_instansi_cannot_reset_here(app, client, login, db):
    from zi import admin

    other = admin.get_or_create_instansi("Kota Lain")
    stranger = admin.create_user("admin@lain.go.id", "Admin Lain", DEMO_PASSWORD, instansi=other)
    admin.assign_role(stranger, "admin", other)
    tpi = User.get(User.email == TPI)
    login("admin@lain.go.id")
    assert client.post(f"/admin/people/{tpi.id}/reset").status_code == 404
    assert client.get(f"/admin/people/{tpi.id}").status_code == 404
    assert not AuditEvent.select().where(AuditEvent.action == "user:password_link").exists()


# --- own password -----------------------------------------------------------------------------


def test_a_person_changes_their_own_password(app, client, login, db):
    login(TPI)
    elsewhere = app.test_client()
    assert elsewhere.post("/login", data={"email": TPI, "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'href="/account"' in page and "Akun saya" in page

    wrong = client.post("/account", data={"current": "salah-sama-sekali", "new": NEW, "confirm": NEW})
    assert wrong.status_code == 200
    assert re.search(r'id="current-password"[^>]*>\s*'
                     r'<span class="field-error">Kata sandi saat ini salah.</span>',
                     wrong.get_data(as_text=True))
    short = client.post("/account", data={"current": DEMO_PASSWORD, "new": "pendek", "confirm": "pendek"})
    assert 'class="field-error">Kata sandi minimal 10 karakter.' in short.get_data(as_text=True)
    assert check_password(User.get(User.email == TPI).password_hash, DEMO_PASSWORD)
    assert signed_in(elsewhere)

    done = client.post("/account", data={"current": DEMO_PASSWORD, "new": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert flashes(client) == [("success", "Kata sandi diganti. Sesi Anda di perangkat lain telah berakhir.")]
    assert signed_in(client)
    assert not signed_in(elsewhere)
    assert check_password(User.get(User.email == TPI).password_hash, NEW)


def test_the_account_page_needs_a_signed_in_person(client, db):
    response = client.get("/account")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
