"""Sessions end on the server (logout, password change, idle time), failed logins take the same
time whatever the email, and `next=` / the language switch only ever lead to a path of this site."""

from __future__ import annotations

import statistics
import time
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from flask import request
from flask_login import current_user
from flask_login.utils import encode_cookie
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zi import admin
from zi.cli import main
from zi.config import Config
from zi.demo import DEMO_PASSWORD
from zi.models import AuditEvent, User
from zi.web.auth import SEEN_KEY, TOKEN_KEY, keep_session, safe_target

ADMIN = "admin@contoh.go.id"
TPI = "tpi@contoh.go.id"
NEW_PASSWORD = "sandi-baru-yang-panjang"


def signed_in(client) -> bool:
    """The dashboard answers 200 to a signed-in person and redirects anyone else to /login."""
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (what a thief would have)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def page_after(client, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


# --- logout, password change, remember-me ------------------------------------------------


def test_a_session_cookie_copied_before_logout_does_not_work_after(app, client, login):
    login(ADMIN)
    thief = copy_of(app, client)
    assert signed_in(thief)  # the copy works while the session lives…
    client.post("/logout")
    assert not signed_in(client)
    assert not signed_in(thief)  # …and not after logout
    login(ADMIN)  # signing in again does not revive the old copy
    assert signed_in(client) and not signed_in(thief)


def test_logout_ends_every_session_of_the_person(app, login):
    """The token is per person: logging out on one device ends the others too (by design)."""
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        assert browser.post("/login", data={"email": TPI, "password": DEMO_PASSWORD}).status_code == 302
    other_person = app.test_client()
    other_person.post("/login", data={"email": ADMIN, "password": DEMO_PASSWORD})
    laptop.post("/logout")
    assert not signed_in(phone)
    assert signed_in(other_person)


def test_a_remember_me_cookie_does_not_sign_anyone_in(app, db):
    """zi never sets Flask-Login's remember cookie; a validly signed one is refused anyway."""
    user = User.get(User.email == ADMIN)
    with app.test_request_context():
        cookie = encode_cookie(str(user.id))
    browser = app.test_client()
    browser.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), cookie)
    assert not signed_in(browser)


def test_login_sets_no_remember_cookie(client, login):
    login(ADMIN)
    assert client.get_cookie("remember_token") is None


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, login, client, db):
    @app.post("/test/password")  # what the password page (a later issue) will do
    def change_password():
        person = current_user._get_current_object()
        keep_session(admin.set_password(person, request.form["password"], actor=person))
        return ""

    login(TPI)
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": TPI, "password": DEMO_PASSWORD})
    assert signed_in(elsewhere)
    user = User.get(User.email == TPI)
    before = user.session_token
    assert client.post("/test/password", data={"password": NEW_PASSWORD}).status_code == 200
    assert User.get_by_id(user.id).session_token != before
    assert signed_in(client)
    assert not signed_in(elsewhere)
    refused = app.test_client().post("/login", data={"email": TPI, "password": DEMO_PASSWORD})
    assert refused.status_code == 200 and "Email atau kata sandi salah" in refused.get_data(as_text=True)
    assert app.test_client().post("/login", data={"email": TPI, "password": NEW_PASSWORD}).status_code == 302
    event = AuditEvent.select().where(AuditEvent.action == "user:password").get()
    assert event.new == {"email": TPI} and event.user_id == user.id
    with pytest.raises(admin.AdminError, match="minimal 10"):
        admin.set_password(user, "pendek")


def test_cli_sets_a_password_and_signs_the_person_out(app, client, login, database_url, monkeypatch, db):
    login(TPI)
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["users", "password", "--email", "TPI@contoh.go.id"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "New password" in result.output and "sessions have ended" in result.output
    assert not signed_in(client)
    assert client.post("/login", data={"email": TPI, "password": NEW_PASSWORD}).status_code == 302

    unknown = runner.invoke(main, ["users", "password", "--email", "nobody@contoh.go.id",
                                   "--password", NEW_PASSWORD])
    assert unknown.exit_code == 2 and "no user" in unknown.stderr and "Traceback" not in unknown.output
    short = runner.invoke(main, ["users", "password", "--email", TPI, "--password", "pendek"])
    assert short.exit_code == 2 and "minimal 10" in short.stderr


# --- idle sessions ------------------------------------------------------------------------


def _idle_for(client, seconds: int) -> None:
    with client.session_transaction() as session:
        session[SEEN_KEY] -= seconds


def test_an_idle_session_expires_with_a_message(client, login, app):
    assert app.config["SESSION_IDLE_MINUTES"] == 120
    login(ADMIN)
    _idle_for(client, 121 * 60)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert "Sesi Anda berakhir karena terlalu lama tidak aktif" in page_after(client, response)
    assert not signed_in(client)
    with client.session_transaction() as session:
        assert TOKEN_KEY not in session and "_user_id" not in session


def test_activity_keeps_a_session_alive_and_rewrites_it_at_most_once_a_minute(client, login):
    login(ADMIN)
    client.get("/")  # the first page may add its CSRF token to the session
    assert "Set-Cookie" not in client.get("/").headers  # used again within the minute: no new cookie
    _idle_for(client, 119 * 60)
    response = client.get("/")
    assert response.status_code == 200 and "Set-Cookie" in response.headers
    with client.session_transaction() as session:
        assert abs(session[SEEN_KEY] - time.time()) < 5
    _idle_for(client, 119 * 60)  # 238 minutes since login, but never 120 idle
    assert signed_in(client)


def test_idle_time_is_configurable(monkeypatch, database_url, tmp_path, criteria_registry):
    monkeypatch.setenv("ZI_SESSION_IDLE_MINUTES", "5")
    assert Config().SESSION_IDLE_MINUTES == 5
    from zi.web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "EVIDENCE_DIR": str(tmp_path / "evidence"),
                      "SESSION_IDLE_MINUTES": Config().SESSION_IDLE_MINUTES}, criteria=criteria_registry)
    client = app.test_client()
    client.post("/login", data={"email": ADMIN, "password": DEMO_PASSWORD})
    _idle_for(client, 4 * 60)
    assert signed_in(client)
    _idle_for(client, 6 * 60)
    assert not signed_in(client)


def test_a_session_without_the_token_is_anonymous(app, db):
    """What a session signed before this version (or assembled by hand) holds: refused."""
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = str(User.get(User.email == ADMIN).id)
        session[SEEN_KEY] = int(time.time())
    assert not signed_in(browser)


# --- login timing ----------------------------------------------------------------------------


def _median_login_seconds(client, email: str, password: str, times: int = 15) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.post("/login", data={"email": email, "password": password})
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200  # refused
    return statistics.median(samples)


@pytest.mark.slow  # 46 Argon2 verifications: 4–15 s on a shared 2-core machine
def test_a_failed_login_takes_as_long_whether_or_not_the_email_exists(client, db, production_argon2):
    costly = production_argon2.hash(DEMO_PASSWORD)  # the demo's hashes are cheap (tests/conftest.py)
    User.update(password_hash=costly).where(User.email.in_([ADMIN, "reviewer@contoh.go.id"])).execute()
    User.update(active=False).where(User.email == "reviewer@contoh.go.id").execute()
    client.post("/login", data={"email": "x@y.z", "password": "pemanasan"})  # the dummy hash, made once
    known = _median_login_seconds(client, ADMIN, "bukan-sandinya")
    unknown = _median_login_seconds(client, "tidak-ada@contoh.go.id", "bukan-sandinya")
    inactive = _median_login_seconds(client, "reviewer@contoh.go.id", DEMO_PASSWORD)
    assert 0.5 < unknown / known < 2.0, (known, unknown)
    assert 0.5 < inactive / known < 2.0, (known, inactive)


# --- redirects only to this site ---------------------------------------------------------

TRICKS = [
    "https://evil.example/", "http:evil.example", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "javascript:alert(1)", "JavaScript:alert(1)", " /x",
    "/%2F%2Fevil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/%252F%252Fevil.example", "/\t/evil.example", "/\n/evil.example", "/%09/evil.example",
    "/%0d%0aSet-Cookie:x=1", "/\r\nLocation: http://evil.example", "/\x00//evil.example",
    "/ /evil.example", "/\u2028/evil.example", "/\u00a0/evil.example", "/\ufeff/evil.example",
    "http://localhost@evil.example/", "//localhost/", "data:text/html,<script>", "evil.example",
    "", "?next=//evil", "#//evil", "/%25%32%46%25%32%46evil",
]
KEPT = ["/", "/admin/?instansi=1", "/assessments/1/area/MP#P-MP-i-a", "/evidence?q=a+b", "/a:b/c;d@e"]


def assert_same_site(location: str) -> None:
    split = urlsplit(location)
    assert split.scheme in ("", "http", "https"), location
    assert split.netloc in ("", "localhost"), location
    assert location.startswith("/") and not location.startswith("//"), location
    assert all(0x20 < ord(ch) < 0x7F for ch in location) and "\\" not in location, location
    assert not unquote(unquote(location)).startswith(("//", "/\\")), location
    # where a browser goes from the login page
    assert urlsplit(urljoin("http://localhost/login", location.replace("\\", "/"))).netloc == "localhost"


def _login_to(client, target: str) -> str:
    response = client.post("/login", query_string={"next": target},
                           data={"email": ADMIN, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


@pytest.mark.parametrize("target", TRICKS)
def test_a_trick_leads_to_the_dashboard(app, target):
    with app.test_request_context():
        assert safe_target(target) == "/"


def test_next_after_login_refuses_tricks_and_keeps_paths_of_the_site(client):
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "/%2F%2Fevil.example",
                   "/\t/evil.example", "/%0d%0aSet-Cookie:x=1"):
        assert _login_to(client, target) == "/", target
    for target in KEPT:
        assert _login_to(client, target) == target


def test_next_with_other_characters_is_kept_percent_encoded(client):
    location = _login_to(client, "/evidence?q=Pengadaan Barang")
    assert location == "/"  # a space could hide a trick: refused
    location = _login_to(client, "/evidence?q=é")
    assert location == "/evidence?q=%C3%A9" and unquote(location) == "/evidence?q=é"


TRICKY_PIECES = st.sampled_from([
    "/", "//", "\\", "%2F", "%2f", "%5C", "%5c", "%25", "%", "2F", ":", "@", ".", "?", "#", ";",
    "http", "https", "javascript", "evil.example", "localhost", "\t", "\n", "\r", " ", "\x00", "\x0b",
    "%09", "%0d%0a", "%00", "\u2028", "\u3002", "\uff0f", "é", "a", "1",
])
TARGETS = st.one_of(st.lists(TRICKY_PIECES, max_size=12).map("".join),
                    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(FUZZ, max_examples=1500)
@given(target=TARGETS)
def test_safe_target_never_leaves_the_site(app, target):
    with app.test_request_context():
        assert_same_site(safe_target(target))


@settings(FUZZ, max_examples=300)
@given(path=st.one_of(st.lists(TRICKY_PIECES, max_size=12).map("".join),
                      st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=40)))
def test_language_switch_returns_only_within_the_site(client, path):
    """The referrer is whatever the browser (or an attacker's request) sends: bytes as latin-1."""
    response = client.post("/lang/en", environ_overrides={"HTTP_REFERER": "http://localhost/" + path})
    assert response.status_code == 302
    assert_same_site(response.headers["Location"])
    response = client.post("/lang/id", environ_overrides={"HTTP_REFERER": "http://evil.example/" + path})
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page_it_came_from(client):
    response = client.post("/lang/en", headers={"Referer": "http://localhost/assessments/1?x=1"})
    assert response.headers["Location"] == "/assessments/1?x=1"


@pytest.mark.slow  # every example signs in (Argon2); the same check is fuzzed cheaply above (safe_target)
@settings(FUZZ, max_examples=60)
@given(target=st.sampled_from(TRICKS) | TARGETS)
def test_next_after_login_never_leaves_the_site(client, target):
    assert_same_site(_login_to(client, target))
