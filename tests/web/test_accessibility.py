"""Every page of the demo, as every role, in both languages, on a desktop and a phone screen:
axe-core finds no serious or critical violation and no page is wider than a 390 px phone.

The pages are found the way a person finds them: following the links of each page from the
dashboard (signed in) or the login page (signed out), same origin, GET, HTML only, at most
PER_ROUTE pages per route pattern.
axe-core comes from npm (scripts/setup.sh --test puts it in .cache/axe; AXE_JS names another copy).
"""

from __future__ import annotations

import os
import shutil
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.conftest import build_demo
from tests.web.support import chromium, log_in, serve
from zi.db import database

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("AXE_JS", PROJECT_DIR / ".cache/axe/node_modules/axe-core/axe.min.js"))
ROLES = ["anggota", "pimpinan", "tpi", "reviewer", "admin"]
WIDTHS = [1366, 390]
LANGUAGES = ["id", "en"]
PER_ROUTE = 1  # pages visited per route pattern: the templates are what differ, not the rows
MAX_PAGES = 40  # per role: a crawl that finds more is a bug in the crawl, not more coverage
GRAVE = {"serious", "critical"}
# Pages the crawl must reach for each role (with the demo's evidence): a crawl that stops early
# would pass for the wrong reason.
SEEN_BY_ALL = {"dashboard.index", "assessments.overview", "assessments.area", "assessments.audit_log",
               "evidence.overview", "evidence.document"}
EXPECTED = {
    "anggota": SEEN_BY_ALL | {"evidence.import_zip"},
    "pimpinan": SEEN_BY_ALL | {"evidence.import_zip", "dossiers.index"},
    "tpi": SEEN_BY_ALL | {"dossiers.index"},
    "reviewer": SEEN_BY_ALL,
    "admin": SEEN_BY_ALL | {"admin.index", "admin.person"},
}
# Plain reading order of an axe result: one line per failing element.
AXE_RUN = """async (grave) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => grave.includes(v.impact)).flatMap(v => v.nodes.map(n => ({
    rule: v.id, impact: v.impact, help: v.help, target: n.target.join(' '),
    summary: (n.failureSummary || '').split('\\n').slice(1, 2).join(' ').trim() || v.help})));
}"""


@pytest.fixture(scope="module")
def browser():
    if not AXE_JS.exists():
        pytest.skip(f"{AXE_JS} is missing: run scripts/setup.sh --test (npm install axe-core@4)")
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def demo_with_evidence(tmp_path_factory):
    """The demo as on first start, evidence documents included (the suite's demo has none), on
    SQLite whatever the suite runs on: what is checked here is the HTML."""
    folder = tmp_path_factory.mktemp("accessibility")
    build_demo(f"sqlite:///{folder / 'zi.sqlite3'}", folder / "evidence")
    database.obj.close()
    return folder


@pytest.fixture
def live(demo_with_evidence, tmp_path):
    """The app as in production (CSRF on), without the login rate limit, served in a thread."""
    from zi.web import create_app

    shutil.copy(demo_with_evidence / "zi.sqlite3", tmp_path / "zi.sqlite3")
    shutil.copytree(demo_with_evidence / "evidence", tmp_path / "evidence")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'zi.sqlite3'}",
                      "EVIDENCE_DIR": str(tmp_path / "evidence"), "RATELIMIT_ENABLED": False})
    with serve(app) as url:
        yield url, app
    if not database.is_closed():
        database.close()


class Audit:
    """Visits pages and keeps every finding once, with the languages and widths it was seen at."""

    def __init__(self, page):
        self.page = page
        self.found: dict[tuple[str, str], list[str]] = {}

    @property
    def findings(self) -> list[str]:
        return [f"{path}: {what} [{', '.join(where)}]" for (path, what), where in self.found.items()]

    def everywhere(self, paths, error_page: bool = False) -> None:
        """Check every path in both languages at both widths (and the 404 page when asked)."""
        for lang in LANGUAGES:
            set_language(self.page, lang)
            for width in WIDTHS:
                self.page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    self.check(path, lang, width)
                if error_page:
                    self.check("/assessments/999999", lang, width, status=404)

    def note(self, path: str, what: str, lang: str, width: int) -> None:
        self.found.setdefault((path, what), []).append(f"{lang} {width}px")

    def check(self, path: str, lang: str, width: int, status: int = 200) -> None:
        page = self.page
        response = page.goto(path)
        got = response.status if response else None
        assert got == status, f"{path} [{lang}, {width} px]: HTTP {got}"
        found_lang = page.evaluate("document.documentElement.lang")
        if found_lang != lang:
            self.note(path, f"<html lang={found_lang!r}>, expected {lang!r}", lang, width)
        page.add_script_tag(path=str(AXE_JS))
        for v in page.evaluate(AXE_RUN, sorted(GRAVE)):
            self.note(path, f"{v['rule']} ({v['impact']}) at {v['target']}: {v['summary']}", lang, width)
        if width < 1000:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width + 1:
                self.note(path, f"wider than the screen ({scroll} px; sticking out: "
                                f"{page.evaluate(WIDEST, width)})", lang, width)

    def report(self) -> str:
        return f"{len(self.found)} finding(s):\n" + "\n".join(self.findings)


# The elements that stick out of the screen, innermost first, for the failure message.
WIDEST = """(width) => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > width + 1 && e.children.length === 0)
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
  + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)').join(', ')"""


def set_language(page, lang: str) -> None:
    """The header's language button, as a person would press it."""
    with page.expect_navigation():
        page.click(f"header form[action$='/lang/{lang}'] button")


def crawl(page, app, base: str, start: str = "/") -> dict[str, str]:
    """Paths reachable by links from `start` (GET routes that answer HTML, PER_ROUTE each), with
    their endpoints."""
    adapter = app.url_map.bind("127.0.0.1")
    seen_paths: set[str] = set()
    per_route: dict[str, int] = {}
    found: dict[str, str] = {}
    queue = deque([start])
    while queue and len(found) < MAX_PAGES:
        path = queue.popleft()
        if path in seen_paths:
            continue
        seen_paths.add(path)
        try:
            rule, _ = adapter.match(urlsplit(path).path, method="GET", return_rule=True)
        except HTTPException:  # 404, redirect or POST-only: not a page to visit
            continue
        if rule.endpoint == "static" or per_route.get(rule.rule, 0) >= PER_ROUTE:
            continue
        head = page.context.request.head(base + path, max_redirects=0)
        if head.status != 200 or not head.headers.get("content-type", "").startswith("text/html"):
            continue
        per_route[rule.rule] = per_route.get(rule.rule, 0) + 1
        found[path] = rule.endpoint
        page.goto(path)
        hrefs = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)")
        for href in hrefs:
            url = urldefrag(href).url
            parts = urlsplit(url)
            if url.startswith(base):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("who", ROLES)
def test_every_page_of_a_role_passes_axe_on_desktop_and_phone(browser, live, who):
    base, app = live
    context = browser.new_context(base_url=base, viewport={"width": WIDTHS[0], "height": 900},
                                  bypass_csp=True)  # axe.min.js goes in as an inline script
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        log_in(page, who)
        paths = crawl(page, app, base)
        missing = EXPECTED[who] - set(paths.values())
        assert not missing, f"the crawl did not reach {sorted(missing)}: {paths}"
        audit = Audit(page)
        audit.everywhere(paths, error_page=True)
        assert not audit.findings, f"{who}: {len(paths)} pages ({', '.join(paths)})\n{audit.report()}"
    finally:
        context.close()


def test_the_pages_before_signing_in_pass_axe(browser, live):
    """The login page and what it links to (the forgotten-password form), signed out."""
    base, app = live
    context = browser.new_context(base_url=base, viewport={"width": WIDTHS[0], "height": 900},
                                  bypass_csp=True)  # axe.min.js goes in as an inline script
    page = context.new_page()
    try:
        audit = Audit(page)
        paths = crawl(page, app, base, start="/login")
        assert "auth.login" in paths.values(), paths
        audit.everywhere(paths)
        assert not audit.findings, f"{', '.join(paths)}\n{audit.report()}"
    finally:
        context.close()
