"""CSRF, login rate limiting, cookies and headers."""

import pytest

from zi.web import create_app


@pytest.fixture
def strict_app(database_url, tmp_path, criteria_registry):
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                       "LOGIN_RATE_LIMIT": "5 per minute", "EVIDENCE_DIR": str(tmp_path)},
                      criteria=criteria_registry)


def test_post_without_csrf_token_is_refused(strict_app):
    client = strict_app.test_client()
    response = client.post("/login", data={"email": "admin@contoh.go.id", "password": "zona-integritas"})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_login_attempts_are_rate_limited(strict_app):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    codes = [client.post("/login", data={"email": "admin@contoh.go.id", "password": "salah-salah-salah"})
             .status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    assert "Terlalu banyak percobaan" in client.post("/login", data={}).get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(client):
    page = client.post("/login", data={"email": "admin@contoh.go.id", "password": "bukan-sandinya"})
    assert page.status_code == 200 and "Email atau kata sandi salah" in page.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_open_redirect_after_login_is_ignored(client):
    response = client.post("/login?next=https://evil.example/", data={
        "email": "admin@contoh.go.id", "password": "zona-integritas"})
    assert response.headers["Location"] == "/"


def test_security_headers_and_cookie_flags(client, login):
    login("admin@contoh.go.id")
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_logout_needs_post_and_ends_the_session(client, login):
    login("admin@contoh.go.id")
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302
