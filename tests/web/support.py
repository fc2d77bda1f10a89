"""Helpers for the web tests: counting SQL, the real server in a thread, headless Chromium.

Plain context managers (not fixtures), so they are imported where used and nowhere else.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest

from zi import demo

CHROMIUM = Path("/usr/bin/chromium")
# The same flags as scripts/screenshots.py (kept here so the tests do not import a script).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# --- counting SQL ---------------------------------------------------------------


class QueryLog(logging.Handler):
    """Every statement peewee logs (one DEBUG record per query, from this thread) while attached."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.thread = threading.get_ident()
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        self.statements.append(sql)

    @property
    def count(self) -> int:
        return len(self.statements)

    def repeated(self) -> dict[str, int]:
        """Statements (parameters aside) run more than once: the signature of an N+1."""
        return {sql: n for sql, n in Counter(self.statements).items() if n > 1}


@contextmanager
def count_queries():
    """`with count_queries() as log:` … then log.count, log.statements, log.repeated()."""
    logger = logging.getLogger("peewee")
    handler = QueryLog()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


# --- the real app over HTTP, in a real browser ------------------------------------


@contextmanager
def serve(app):
    """Serve `app` with werkzeug on 127.0.0.1 and a free port, in a thread; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="zi-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def chromium():
    """Debian's Chromium driven by Playwright; the test is skipped where either is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[test]')")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- a person in the browser -----------------------------------------------------

NAMES = {email.split("@")[0]: name for email, name, *_ in demo.PEOPLE}  # anggota -> "Anggota Pokja MP & PT"


def log_in(page, who: str, password: str = demo.DEMO_PASSWORD, name: str | None = None) -> None:
    """Sign in on the login page as a person would (Indonesian labels) and land on the dashboard."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("Email").fill(f"{who}@contoh.go.id")
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("link", name="Akun saya")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text(name or NAMES[who])


def signed_in(browser, base: str, who: str, width: int = 1366):
    """A new browser context at `width` px with `who` signed in; returns (context, page)."""
    context = browser.new_context(base_url=base, locale="id-ID", viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, who)
    return context, page


def post_in_parallel(app, db, email: str, url: str, forms_of, threads: int = 8) -> list[int]:
    """`threads` people signed in as `email` post their forms (`forms_of(n)`, one after another) to
    `url` at the same moment, through the real threaded server; returns every status code."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    db.close()
    statuses, lock = [], threading.Lock()
    start = threading.Barrier(threads)
    with serve(app) as base:
        sessions = []
        for _ in range(threads):
            session = requests.Session()
            assert session.post(f"{base}/login", data={"email": email, "password": demo.DEMO_PASSWORD},
                                allow_redirects=False, timeout=30).status_code == 302
            sessions.append(session)

        def worker(n: int) -> None:
            start.wait(timeout=30)
            for form in forms_of(n):
                response = sessions[n].post(f"{base}{url}", data=form, allow_redirects=False, timeout=60)
                with lock:
                    statuses.append(response.status_code)

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(worker, range(threads)))
    db.connect(reuse_if_open=True)
    return statuses
