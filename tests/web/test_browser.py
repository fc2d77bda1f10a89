"""The app in a real browser: the real server (CSRF and rate limit on) in a thread, headless
Debian Chromium through Playwright, people clicking the forms they see."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.conftest import best_answer
from tests.web.support import chromium, log_in, serve
from zi import demo
from zi.answers import save_answer
from zi.db import database
from zi.models import Answer, Assessment, AuditEvent, Unit, User

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]  # one Chromium, one worker

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def live(database_url, tmp_path):
    """(base URL, app): create_app as in production, only the database and evidence folder set."""
    from zi.web import create_app

    app = create_app({"DATABASE_URL": database_url, "EVIDENCE_DIR": str(tmp_path / "evidence")})
    assert app.config["WTF_CSRF_ENABLED"] is True
    with serve(app) as url:
        yield url, app
    if not database.is_closed():
        database.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(base_url=live[0], locale="id-ID", viewport={"width": 1280, "height": 1100})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def procurement(live):
    """The demo procurement unit's assessment, read in this (the test's) thread."""
    with database.connection_context():
        return Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def score(text: str) -> Decimal:
    """'1.234,56' (Indonesian notation) → Decimal('1234.56')."""
    text = text.strip()
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}", text), text
    return Decimal(text.replace(".", "").replace(",", "."))


def log_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar").click()
    expect(page.locator(".flash.info")).to_have_text("Anda telah keluar.")
    assert page.url.endswith("/login")


def screenshot(page, path) -> None:
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), path


def answer(assessment, layer: str, code: str) -> Answer:
    with database.connection_context():
        return Answer.get((Answer.assessment == assessment) & (Answer.layer == layer)
                          & (Answer.item_code == code))


def test_member_lowers_the_total_by_changing_one_answer(page, live, procurement, tmp_path):
    base, _ = live
    log_in(page, "anggota")
    screenshot(page, tmp_path / "dashboard.png")

    page.get_by_role("link", name=demo.PROCUREMENT).first.click()
    page.locator("a[href$='/area/MP']").first.click()
    assert page.url == f"{base}/assessments/{procurement.id}/area/MP"
    total_before = score(page.locator("#total-score b").inner_text())
    area_before = score(page.locator("#area-score b").inner_text())
    assert Decimal(0) < total_before < Decimal(100)

    item = page.locator("#item-P-MP-i-b")
    expect(item.locator("input[name=value][value=A]")).to_be_checked()
    assert answer(procurement, "unit", "P-MP-i-b").value == "A"
    item.locator("input[name=value][value=C]").check()  # saves itself (answers.js): no button, no reload
    expect(item.locator("[data-state]")).to_have_text("Tersimpan.")
    assert page.url == f"{base}/assessments/{procurement.id}/area/MP"
    total_after = score(page.locator("#total-score b").inner_text())
    assert total_after < total_before
    assert score(page.locator("#area-score b").inner_text()) < area_before
    expect(item.locator("input[name=value][value=C]")).to_be_checked()
    stored = answer(procurement, "unit", "P-MP-i-b")
    assert (stored.value, stored.version) == ("C", 2)
    with database.connection_context():
        assert stored.updated_by.email == "anggota@contoh.go.id"
    screenshot(page, tmp_path / "area-MP.png")

    # The same form without its CSRF token, from the same signed-in browser: refused, nothing stored.
    refused = page.request.post(f"/assessments/{procurement.id}/items/P-MP-i-b",
                                form={"layer": "unit", "value": "B", "version": "2"})
    assert refused.status == 400
    assert answer(procurement, "unit", "P-MP-i-b").value == "C"


def test_head_submits_and_tpi_accepts(page, live, procurement, tmp_path):
    base, app = live
    with database.connection_context():  # the rest of the LKE, quickly, as the unit head
        criteria = app.extensions["zi_criteria"][procurement.period.criteria_id]
        head = User.get(User.email == "pimpinan@contoh.go.id")
        answered = {a.item_code for a in Answer.select().where((Answer.assessment == procurement)
                                                               & (Answer.layer == "unit"))}
        assert 0 < len(answered) < len(criteria.items)
        for item in criteria.items:
            if item.code not in answered:
                save_answer(criteria, procurement, head, "unit", item.code, best_answer(item), "", 0)
    overview = f"/assessments/{procurement.id}"
    badge = page.locator("h1 .badge")
    flash = page.locator(".flash.success")

    log_in(page, "pimpinan")
    page.goto(overview)
    expect(badge).to_have_text("Draf")
    expect(page.get_by_text("butir belum dijawab unit")).to_have_count(0)
    page.get_by_label("Nomor surat", exact=True).fill("800/1/ZI/2026")
    page.get_by_label("Tempat", exact=True).fill("Kota Contoh")
    page.get_by_label(re.compile("SPTJM")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Ajukan ke TPI").click()
    expect(flash).to_have_text("Status penilaian: Diajukan.")
    expect(badge).to_have_text("Diajukan")
    expect(page.get_by_text("SPTJM oleh Kepala Bagian Pengadaan")).to_have_count(1)
    expect(page.get_by_role("button", name="Ajukan ke TPI")).to_have_count(0)
    log_out(page)

    log_in(page, "tpi")
    page.goto(overview)
    expect(badge).to_have_text("Diajukan")
    with page.expect_navigation():
        page.get_by_role("button", name="Mulai reviu").click()
    expect(flash).to_have_text("Status penilaian: Direviu TPI.")
    expect(badge).to_have_text("Direviu TPI")

    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Salin jawaban unit ke lapisan TPI")).click()
    expect(flash).to_have_text(f"{len(criteria.items)} jawaban unit disalin ke lapisan TPI.")
    expect(badge).to_have_text("Direviu TPI")

    with page.expect_navigation():  # the overview links to a confirmation listing what is still open
        page.get_by_role("link", name="Terima penilaian (final)").click()
    expect(page.locator("#accept-open")).to_contain_text("Permintaan revisi yang masih terbuka (0)")
    # accepting renders both final dossiers (jobs run inline here): slow on a busy machine
    with page.expect_navigation(timeout=90_000):
        page.get_by_role("button", name="Terima penilaian (final)").click(timeout=90_000)
    expect(flash).to_contain_text("Status penilaian: Diterima (final).")
    expect(badge).to_have_text("Diterima (final)")
    expect(page.get_by_text("Tidak ada tindakan untuk Anda pada status ini.")).to_have_count(1)

    with database.connection_context():
        final = Assessment.get_by_id(procurement.id)
        assert (final.status, final.sptjm_by.email, final.accepted_by.email) == (
            "accepted", "pimpinan@contoh.go.id", "tpi@contoh.go.id")
        tpi = {a.item_code: a.value for a in Answer.select().where((Answer.assessment == final)
                                                                   & (Answer.layer == "tpi"))}
        unit = {a.item_code: a.value for a in Answer.select().where((Answer.assessment == final)
                                                                    & (Answer.layer == "unit"))}
        assert tpi == unit and len(tpi) == len(criteria.items)
        steps = [(e.old, e.new, e.user.email) for e in AuditEvent.select().where(
            (AuditEvent.assessment == final) & (AuditEvent.action == "status")).order_by(AuditEvent.id)]
        assert steps == [("draft", "submitted", "pimpinan@contoh.go.id"),
                         ("submitted", "in_review", "tpi@contoh.go.id"),
                         ("in_review", "accepted", "tpi@contoh.go.id")]

    page.goto("/")
    expect(page.locator(".card .badge.accepted").first).to_have_text("Diterima (final)")
    screenshot(page, tmp_path / "dashboard-tpi.png")
    page.goto(f"{overview}/area/MP")
    expect(badge).to_have_text("Diterima (final)")
    expect(page.get_by_role("button", name="Simpan")).to_have_count(0)  # locked once accepted
    screenshot(page, tmp_path / "area-MP-accepted.png")
    assert page.url == f"{base}{overview}/area/MP"
