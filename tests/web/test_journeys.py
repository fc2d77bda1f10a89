"""Every role's year in the browser (issue 11's proof): the real app on a live server in a thread
(CSRF and every check on, mail to a local aiosmtpd server), Debian Chromium through Playwright, each
journey on its own fresh copy of the demo. Data a journey only needs as a starting point is arranged
through the domain layer (quick); what the issue promises a person sees or does is done by clicking.
Screenshots of the key moments land in /tmp/zi-journeys/."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import best_answer
from tests.web.support import NAMES, chromium, log_in, serve
from zi import admin, demo
from zi import answers as store
from zi.db import database
from zi.evidence import LocalStore
from zi.evidence import service as evidence_service
from zi.models import Answer, Assessment, Dossier, Period, RevisionRequest, RoleAssignment, Unit, User, now

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser")]  # one Chromium, one worker

SHOTS = Path("/tmp/zi-journeys")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NEW_PASSWORD = "jalan-panjang-2026"


# --- the harness ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        from playwright.sync_api import expect as playwright_expect

        playwright_expect.set_options(timeout=10_000)  # saves on a shared, busy machine
        yield launched


class Live:
    """The live app of one journey: its base URL, the app, the local mailbox and the criteria."""

    def __init__(self, url, app, mailbox):
        self.url, self.app, self.mailbox = url, app, mailbox
        self.criteria = next(iter(app.extensions["zi_criteria"].values()))


@pytest.fixture
def live(database_url, tmp_path, smtp_server, criteria_registry):
    """create_app as in production (CSRF on), on this journey's own copy of the demo; jobs (final
    dossiers) run in the request; mail goes to the local SMTP server; links point at the live URL.
    The login rate limit is off: five journeys sign in a dozen times a minute from one address."""
    from zi.web import create_app

    host, port, mailbox = smtp_server
    app = create_app({"DATABASE_URL": database_url, "EVIDENCE_DIR": str(tmp_path / "evidence"),
                      "JOBS_IMMEDIATE": True, "RATELIMIT_ENABLED": False,
                      "SMTP_HOST": host, "SMTP_PORT": port, "MAIL_FROM": "zi@contoh.go.id"},
                     criteria=criteria_registry)
    assert app.config["WTF_CSRF_ENABLED"] is True
    with serve(app) as url:
        app.config["BASE_URL"] = url
        yield Live(url, app, mailbox)
    if not database.is_closed():
        database.close()


@pytest.fixture
def page(browser, live):
    context = browser.new_context(base_url=live.url, locale="id-ID", viewport={"width": 1366, "height": 1000},
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@contextmanager
def domain():
    """The journey's database in the test's own thread, for arranging and checking."""
    with database.connection_context():
        yield


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), path
    return path


def set_password_from_mail(page, live, who: str, heading: str, name: str | None = None) -> None:
    """Open the one link mailed to `who`, set NEW_PASSWORD on it and sign in with it."""
    mails = live.mailbox.to(f"{who}@contoh.go.id")
    assert len(mails) == 1
    link = re.search(re.escape(live.url) + r"/reset/\S+", live.mailbox.body(mails[0]))
    assert link, live.mailbox.body(mails[0])
    page.goto(link.group(0))
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.get_by_label("Kata sandi baru", exact=False).first.fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan kata sandi").click()
    log_in(page, who, NEW_PASSWORD, name=name)


def log_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Keluar").click()
    assert page.url.endswith("/login"), page.url


def person(who: str) -> User:
    return User.get(User.email == f"{who}@contoh.go.id")


def procurement(year: int = 2026) -> Assessment:
    return (Assessment.select().join(Unit).switch(Assessment).join(Period)
            .where((Unit.name == demo.PROCUREMENT) & (Period.year == year)).get())


def answer(assessment, layer: str, code: str) -> Answer | None:
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == layer)
                              & (Answer.item_code == code))


def fill(criteria, assessment, layer: str, who: str, skip=()) -> None:
    """Every item of a layer still empty at its best answer (but those in `skip`)."""
    with database.atomic():
        for item in criteria.items:
            if item.code not in skip and answer(assessment, layer, item.code) is None:
                store.save_answer(criteria, assessment, person(who), layer, item.code, best_answer(item),
                                  "", 0)


def set_status(assessment, value: str, **more) -> None:
    Assessment.update(status=value, **more).where(Assessment.id == assessment.id).execute()


def item(page, code: str):
    return page.locator(f"#item-{code}")


def unit_form(page, code: str):
    """The unit layer's answer form of an item (a fieldset whose legend names the item)."""
    return item(page, code).locator("form.answer-form[data-layer=unit]")


def save_state(form):
    return form.locator("[data-state]")


# --- member -------------------------------------------------------------------------------------


def test_member_journey(page, live, browser):
    """Anggota pokja: deadlines and prerequisites on the dashboard; which areas are theirs, other
    areas read-only without answer or upload forms; two answers saved as they change (no Simpan
    pressed), each with its own state, both still there after a reload; an upload whose result stays
    visible without a jump; e-mail turned off; a plain save without JavaScript; an answer on a 390 px
    phone; a new own password."""
    with domain():
        a = procurement()
        before = {c: answer(a, "unit", c) for c in ("P-MP-i-b", "P-MP-ii-b", "P-MP-iii-a")}
    assert [before[c].value for c in before] == ["A", "A", "A"]

    log_in(page, "anggota")
    deadlines = page.locator(".card.deadlines")  # the period's closing date, on the dashboard
    expect(deadlines.get_by_role("heading", name="Tenggat")).to_be_visible()
    expect(deadlines.get_by_role("row").filter(has_text=demo.PROCUREMENT)).to_contain_text("31 Desember 2026")
    expect(deadlines.get_by_role("row").filter(has_text=demo.PROCUREMENT)).to_contain_text("hari lagi")
    expect(page.get_by_text("Prasyarat pengusulan belum terpenuhi atau belum dicatat")).to_have_count(1)
    shot(page, "member-dashboard")
    page.get_by_role("link", name=demo.PROCUREMENT).first.click()
    page.get_by_role("link", name=re.compile(r"Manajemen Perubahan")).first.click()
    assert page.url.endswith(f"/assessments/{a.id}/area/MP"), page.url
    tabs = page.get_by_role("navigation", name="Area penilaian")
    expect(tabs.get_by_role("link", name=re.compile(r"Manajemen Perubahan.*area Anda"))).to_have_count(1)
    expect(tabs.get_by_role("link", name=re.compile(r"Penataan Tatalaksana.*area Anda"))).to_have_count(1)
    expect(tabs.get_by_role("link", name=re.compile(r"hanya baca"))).to_have_count(5)  # 4 areas + Hasil
    expect(page.locator("#autosave-note")).to_be_visible()
    assert re.fullmatch(r"\d{1,3},\d{2}\s?%", page.locator("#kpi-area-unit-pct").inner_text()), \
        page.locator("#kpi-area-unit-pct").inner_text()  # Indonesian: 86,79 %

    # Two answers changed one after the other, no button pressed: each saves itself.
    first, second = unit_form(page, "P-MP-i-b"), unit_form(page, "P-MP-ii-b")
    first.get_by_role("radio", name="C", exact=True).check()
    second.get_by_role("radio", name="C", exact=True).check()
    expect(save_state(first)).to_have_text("Tersimpan.")
    expect(save_state(second)).to_have_text("Tersimpan.")
    expect(first.locator("[data-version]")).to_have_text(str(before["P-MP-i-b"].version + 1))
    shot(page, "member-autosaved")
    with domain():
        assert answer(a, "unit", "P-MP-i-b").value == "C"
        assert answer(a, "unit", "P-MP-ii-b").value == "C"
    page.reload()
    expect(unit_form(page, "P-MP-i-b").get_by_role("radio", name="C", exact=True)).to_be_checked()
    expect(unit_form(page, "P-MP-ii-b").get_by_role("radio", name="C", exact=True)).to_be_checked()

    # An area that is not theirs: read-only, told why, no answer form and no upload form.
    tabs.get_by_role("link", name=re.compile(r"Penataan Sistem Manajemen SDM")).click()
    assert page.url.endswith(f"/assessments/{a.id}/area/SDM"), page.url
    expect(page.locator("#area-note")).to_contain_text("Hanya baca.")
    own = page.locator("#area-note").get_by_role("link", name=re.compile("Manajemen Perubahan"))
    expect(own).to_have_count(1)
    expect(page.locator("form.answer-form")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Simpan"))).to_have_count(0)
    shot(page, "member-readonly-area")
    page.goto(f"/assessments/{a.id}/evidence?area=SDM&status=all")
    expect(page.locator("section.item").first).to_be_visible()
    expect(page.get_by_role("button", name="Unggah")).to_have_count(0)

    # An upload on an item of their own area: the result stays listed, the document is linked.
    page.goto(f"/assessments/{a.id}/evidence?area=MP&status=all")
    evidence_item = page.locator("#ev-P-MP-iv-a")
    pdf = demo.pdf("Foto Pimpinan sebagai Role Model", ["Apel pagi", "Pimpinan memberi contoh"])
    evidence_item.locator("input[type=file]").set_input_files(
        files=[{"name": "role-model.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    evidence_item.get_by_role("button", name="Unggah").scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 1000, scrolled
    evidence_item.get_by_role("button", name="Unggah").click()
    result = page.locator("#ev-P-MP-iv-a .upload-row.ok")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("role-model.pdf")
    expect(page.locator("#ev-P-MP-iv-a").get_by_role("link", name="role-model.pdf")).to_be_visible()
    expect(page.locator("#ev-P-MP-iv-a .upload-row.ok")).to_be_visible()  # still there after the refresh
    assert abs(page.evaluate("window.scrollY") - scrolled) < 200  # no jump to the top
    shot(page, "member-upload")
    with domain():
        assert "role-model.pdf" in [d.latest.filename for d in
                                    evidence_service.linked_documents(a).get("P-MP-iv-a", [])]

    # The notification list is one click away.
    page.get_by_role("link", name="Notifikasi").click()
    expect(page.get_by_role("heading", name="Notifikasi", level=1)).to_be_visible()
    expect(page.get_by_text("belum dibaca").first).to_be_visible()
    email = page.get_by_role("checkbox", name=re.compile("Kirim notifikasi juga ke surel saya"))
    expect(email).to_be_checked()
    email.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan", exact=True).click()
    email = page.get_by_role("checkbox", name=re.compile("Kirim notifikasi juga ke surel saya"))
    expect(email).not_to_be_checked()
    with domain():
        assert person("anggota").email_notifications is False

    # Without JavaScript each item is a plain form: its button saves that item and comes back to it.
    plain = browser.new_context(base_url=live.url, locale="id-ID", java_script_enabled=False,
                                viewport={"width": 1366, "height": 1000})
    try:
        nojs = plain.new_page()
        log_in(nojs, "anggota")
        nojs.goto(f"/assessments/{a.id}/area/MP")
        expect(nojs.locator("#autosave-note")).to_be_hidden()
        form = unit_form(nojs, "P-MP-iii-a")
        form.get_by_role("radio", name="D", exact=True).check()
        with nojs.expect_navigation():
            form.get_by_role("button", name="Simpan butir ini (P-MP-iii-a)").click()
        assert nojs.url.endswith("#item-P-MP-iii-a"), nojs.url
        expect(save_state(unit_form(nojs, "P-MP-iii-a"))).to_have_text("Jawaban P-MP-iii-a tersimpan.")
        expect(unit_form(nojs, "P-MP-iii-a").get_by_role("radio", name="D", exact=True)).to_be_checked()
        shot(nojs, "member-no-javascript")
    finally:
        plain.close()
    with domain():
        assert answer(a, "unit", "P-MP-iii-a").value == "D"

    # On a 390 px phone: nothing wider than the screen, and an answer still saves itself.
    phone = browser.new_context(base_url=live.url, locale="id-ID", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    try:
        small = phone.new_page()
        log_in(small, "anggota")
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        small.goto(f"/assessments/{a.id}/area/MP")
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        form = unit_form(small, "P-MP-iv-b")
        form.get_by_role("radio", name="C", exact=True).tap()
        expect(save_state(form)).to_have_text("Tersimpan.")
        shot(small, "member-phone")
    finally:
        phone.close()
    with domain():
        assert answer(a, "unit", "P-MP-iv-b").value == "C"  # was B

    # Their own password: the current one first, then the new one twice.
    page.get_by_role("link", name="Akun saya").click()
    page.get_by_label("Kata sandi saat ini").fill(demo.DEMO_PASSWORD)
    page.get_by_label("Kata sandi baru", exact=False).first.fill(NEW_PASSWORD)
    page.get_by_label("Ulangi kata sandi baru").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Ganti kata sandi").click()
    expect(page.locator(".flash.success")).to_have_count(1)
    log_out(page)
    log_in(page, "anggota", NEW_PASSWORD)


# --- head ---------------------------------------------------------------------------------------


def test_head_journey(page, live):
    """Pimpinan: an impossible count is saved with a warning at the item; a survey index above 4 is
    refused at the item with the /25 hint and the typed value kept; leaving with a change not saved
    asks first and sends it; submitting with items missing lists them with links; once complete the
    SPTJM submit goes through and TPI is told by mail and in the app (unread count)."""
    with domain():
        a = procurement()
    log_in(page, "pimpinan")

    # Counts that cannot all be true: saved, with a warning beside the item.
    page.goto(f"/assessments/{a.id}/area/PW")
    counts = unit_form(page, "R-PW-ii-a")
    counts.get_by_label("Jumlah pengaduan masyarakat yang harus ditindaklanjuti").fill("3")
    counts.get_by_label("Jumlah pengaduan masyarakat yang sedang diproses").fill("2")
    completed = counts.get_by_label("Jumlah pengaduan masyarakat yang selesai ditindaklanjuti")
    completed.fill("3")
    completed.blur()  # no button pressed: it saves itself
    expect(save_state(counts)).to_have_text("Tersimpan.")
    warning = counts.locator(".item-warning")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("lebih banyak daripada pengaduan yang harus ditindaklanjuti")
    expect(warning).to_contain_text("(5)")
    with domain():
        assert answer(a, "unit", "R-PW-ii-a").value == {"to_follow_up": 3, "in_process": 2, "completed": 3}
    page.reload()  # the warning is the page's too, not only the script's
    expect(unit_form(page, "R-PW-ii-a").locator(".item-warning")).to_have_count(1)
    shot(page, "head-count-warning")

    # A survey index on the 0-100 scale: refused at its field, with the division by 25 spelled out.
    page.goto(f"/assessments/{a.id}/area/H")
    survey = unit_form(page, "H-I-a")
    field = survey.get_by_label("Nilai survei (0–4)")
    field.fill("86")
    field.blur()
    error = survey.locator("[data-error=value]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Bagi dengan 25")
    expect(error).to_contain_text(re.compile(r"86(,00)? → 3,44"))
    expect(save_state(survey)).to_have_text("Tidak tersimpan.")
    expect(field).to_have_value("86")
    expect(field).to_have_attribute("aria-invalid", "true")
    box = error.bounding_box()
    field_box = field.bounding_box()
    assert box and field_box and abs(box["y"] - field_box["y"]) < 200, (box, field_box)  # at the item
    shot(page, "head-index-refused")
    with domain():
        assert answer(a, "unit", "H-I-a") is None
    field.fill("3,44")
    field.blur()
    expect(save_state(survey)).to_have_text("Tersimpan.")
    expect(error).to_be_hidden()

    # Leaving with a change not saved yet: the browser asks first, and the change is sent on the way.
    dialogs = []

    def leave(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    note = unit_form(page, "H-I-a").get_by_label("Catatan (Markdown)")
    note.click()
    note.press_sequentially("Survei IPK 2026", delay=5)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Navigasi utama").get_by_role("link", name="Dasbor").click()
    page.remove_listener("dialog", leave)
    assert dialogs == ["beforeunload"], dialogs
    with domain():
        saved = answer(a, "unit", "H-I-a")
        assert str(saved.value) == "3.44", saved.value
    # The change still waiting is flushed with keepalive as the page goes.
    for _ in range(50):
        with domain():
            if answer(a, "unit", "H-I-a").note == "Survei IPK 2026":
                break
        page.wait_for_timeout(100)
    with domain():
        assert answer(a, "unit", "H-I-a").note == "Survei IPK 2026"
    expect(page.get_by_text("Prasyarat pengusulan belum terpenuhi atau belum dicatat")).to_have_count(1)

    # Submitting with items missing: the refusal lists them, each a link to its item.
    page.goto(f"/assessments/{a.id}")
    page.get_by_label("Nomor surat", exact=True).fill("800/1/ZI/2026")
    page.get_by_label("Tempat", exact=True).fill("Kota Contoh")
    page.get_by_label(re.compile("SPTJM")).check()
    page.get_by_role("button", name="Ajukan ke TPI").click()
    refused = page.locator("#refused-items")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("Semua butir harus dijawab")
    links = refused.get_by_role("link")
    with domain():
        missing = len(live.criteria.items) - Answer.select().where(
            (Answer.assessment == a) & (Answer.layer == "unit") & Answer.value.is_null(False)).count()
    expect(links).to_have_count(missing)
    shot(page, "head-missing-items")
    target = links.first.inner_text()
    links.first.click()
    assert page.url.endswith(f"#item-{target}"), page.url
    expect(item(page, target)).to_be_in_viewport()

    # Complete (quickly, through the domain) and submit with the SPTJM.
    with domain():
        fill(live.criteria, a, "unit", "pimpinan")
    page.goto(f"/assessments/{a.id}")
    page.get_by_label("Nomor surat", exact=True).fill("800/1/ZI/2026")
    page.get_by_label("Tempat", exact=True).fill("Kota Contoh")
    page.get_by_label(re.compile("SPTJM")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Ajukan ke TPI").click()
    expect(page.locator("h1 .badge")).to_have_text("Diajukan")
    log_out(page)
    mails = live.mailbox.to("tpi@contoh.go.id")
    assert len(mails) == 1 and demo.PROCUREMENT in mails[0]["Subject"], [m["Subject"] for m in mails]
    assert "mengajukan penilaian" in live.mailbox.body(mails[0])

    # TPI is told: an unread count in the header and the hand-off in the list.
    log_in(page, "tpi")
    nav = page.get_by_role("navigation", name="Navigasi utama")
    unread = nav.get_by_role("link", name=re.compile("Notifikasi"))
    expect(unread.locator(".badge")).to_contain_text("1")
    unread.click()
    expect(page.locator("li.unread")).to_have_count(1)
    expect(page.locator("li.unread")).to_contain_text("mengajukan penilaian")
    expect(page.locator("li.unread")).to_contain_text(demo.PROCUREMENT)
    shot(page, "tpi-notified")


# --- TPI ----------------------------------------------------------------------------------------


def test_tpi_journey(page, live):
    """TPI: starts the review; sees "changed since your review" after the unit changed an item and
    confirms; withdraws a revision flag; filters the evidence by status and accepts a selection;
    "accept" first lists what is open; the final dossier has a name people read."""
    with domain():
        a = procurement()
        fill(live.criteria, a, "unit", "pimpinan")
        users = {"member": person("anggota"), "head": person("pimpinan")}
        demo.add_evidence(LocalStore(Path(live.app.config["EVIDENCE_DIR"])), live.criteria, a, users, 2026)
        set_status(a, "submitted")
    overview = f"/assessments/{a.id}"
    badge = page.locator("h1 .badge")

    log_in(page, "tpi")
    page.goto(overview)
    with page.expect_navigation():
        page.get_by_role("button", name="Mulai reviu").click()
    expect(badge).to_have_text("Direviu TPI")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Salin jawaban unit ke lapisan TPI")).click()

    # The unit changes a flagged item in a revision round (arranged), and it is back in review.
    with domain():
        tpi = person("tpi")
        RevisionRequest.create(assessment=a, item_code="P-MP-i-b", comment="Lampirkan SK", created_by=tpi)
        set_status(a, "revision")
        current = answer(a, "unit", "P-MP-i-b")
        store.save_answer(live.criteria, a, person("pimpinan"), "unit", "P-MP-i-b", "C", "SK terlampir",
                          current.version)
        RevisionRequest.update(resolved_at=now()).where(RevisionRequest.assessment == a).execute()
        set_status(a, "in_review")

    page.goto(overview)
    changed = page.locator("#changed")
    expect(changed).to_contain_text("Butir yang berubah sejak reviu Anda")
    changed.get_by_role("link", name="P-MP-i-b").click()
    mark = item(page, "P-MP-i-b").locator(".review-mark.changed")
    expect(mark).to_contain_text("berubah sejak reviu Anda")
    shot(page, "tpi-changed-since-review")

    # Accepting is not offered while the change is not looked at: the step lists it.
    page.goto(f"{overview}/accept")
    expect(page.get_by_role("heading", name="Butir yang berubah sejak reviu TPI (1)")).to_be_visible()
    expect(page.locator(f"#accept-open a[href='/assessments/{a.id}/area/MP#item-P-MP-i-b']")).to_have_count(1)
    expect(page.locator("form[action$='/action/accept']")).to_have_count(0)

    page.goto(f"{overview}/area/MP#item-P-MP-i-b")
    with page.expect_navigation():
        item(page, "P-MP-i-b").get_by_role("button", name="Konfirmasi jawaban TPI P-MP-i-b").click()
    expect(page.locator(".flash.success")).to_contain_text("dikonfirmasi")
    expect(item(page, "P-MP-i-b").locator(".review-mark.changed")).to_have_count(0)

    # A revision flag set on the page and withdrawn again.
    flag = item(page, "P-MP-ii-a").locator("form.revision-form")
    flag.get_by_label(re.compile("Minta revisi butir ini")).fill("Rencana kerja belum ditandatangani")
    flag.get_by_role("button", name=re.compile("Tandai revisi")).click()
    expect(save_state(flag)).to_contain_text("dicatat")
    page.reload()
    withdraw = item(page, "P-MP-ii-a").get_by_role("button", name="Tarik permintaan revisi P-MP-ii-a")
    with page.expect_navigation():
        withdraw.click()
    expect(page.locator(".flash.success")).to_contain_text("ditarik")
    with domain():
        assert not RevisionRequest.select().where((RevisionRequest.assessment == a)
                                                  & RevisionRequest.resolved_at.is_null()).exists()
    # ... and one left open, to be listed when accepting.
    flag = item(page, "P-MP-iii-a").locator("form.revision-form")
    flag.get_by_label(re.compile("Minta revisi butir ini")).fill("Laporan monev triwulan II belum ada")
    flag.get_by_role("button", name=re.compile("Tandai revisi")).click()
    expect(save_state(flag)).to_contain_text("dicatat")

    # Evidence: filtered by status, a selection accepted at once, in place.
    page.goto(f"/assessments/{a.id}/evidence?status=all")
    status = page.locator("#ev-filter").get_by_role("group", name="Status data dukung")
    with page.expect_navigation():
        status.get_by_role("radio", name=re.compile("Menunggu reviu")).check()
    assert "status=awaiting" in page.url, page.url
    sections = page.locator("section.item")
    expect(sections.first).to_be_visible()
    for badge_text in sections.locator("header .badge").all_inner_texts():
        assert badge_text == "Menunggu reviu", badge_text
    picks = page.get_by_role("checkbox", name=re.compile(r"^Pilih .* untuk P-MP-i-[ab]$"))
    expect(picks).to_have_count(2)
    for box in picks.all():
        box.check()
    page.get_by_role("button", name="Terima yang dipilih").click()
    for code in ("P-MP-i-a", "P-MP-i-b"):
        expect(page.locator(f"#ev-{code} header .badge")).to_have_text("Diterima")
    shot(page, "tpi-evidence-accepted")
    with page.expect_navigation():
        status.get_by_role("radio", name=re.compile("^ ?Diterima")).check()
    expect(page.locator("section.item")).to_have_count(2)

    # Accepting: the step lists what is still open, then the assessment is accepted.
    page.goto(overview)
    page.get_by_role("link", name=re.compile("Terima penilaian \\(final\\)")).click()
    opened = page.locator("#accept-open")
    expect(opened.get_by_role("heading", name="Butir yang berubah sejak reviu TPI (0)")).to_be_visible()
    awaiting = opened.get_by_role("heading", name=re.compile(r"Data dukung yang menunggu reviu \(5\)"))
    expect(awaiting).to_be_visible()
    expect(opened.get_by_role("heading", name="Permintaan revisi yang masih terbuka (1)")).to_be_visible()
    expect(opened).to_contain_text("Laporan monev triwulan II belum ada")
    shot(page, "tpi-accept-confirmation")
    with page.expect_navigation(timeout=120_000):  # both final dossiers are rendered meanwhile
        page.locator("#main form").get_by_role("button", name="Terima penilaian (final)").click(
            no_wait_after=True)
    expect(badge).to_have_text("Diterima (final)")

    # The final dossier's file is named for people.
    page.get_by_role("link", name="Dosir PDF").click()
    downloads = page.get_by_role("link", name="Unduh")
    expect(downloads).to_have_count(2)
    names = []
    for link in downloads.all():
        with page.expect_download() as info:
            link.click()
        names.append(info.value.suggested_filename)
    assert "dosir-kemenpan-bagian-pengadaan-barang-dan-jasa-2026-final.pdf" in names, names
    shot(page, "tpi-dossiers")


# --- reviewer -----------------------------------------------------------------------------------


def test_reviewer_journey(page, live):
    """Reviewer: the dashboard of every unit, an assessment read without a single edit form, and
    the period switcher back to 2026 once 2027 exists."""
    with domain():
        a = procurement()
        set_status(a, "in_review")
        admin.create_period(a.unit.instansi, 2027, live.criteria.id, date(2027, 1, 1), date(2027, 12, 31),
                            actor=person("admin"))
        a2027 = procurement(2027)

    log_in(page, "reviewer")
    table = page.get_by_role("table").filter(has_text="Nilai akhir")
    expect(table.get_by_role("link", name=demo.PROCUREMENT)).to_have_count(2)  # 2027, and 2026 in review
    in_review = table.get_by_role("row").filter(has_text=demo.PROCUREMENT).filter(has_text="2026")
    expect(in_review).to_contain_text("Direviu TPI")
    expect(table.get_by_role("link", name=demo.SECOND_UNIT).first).to_be_visible()
    shot(page, "reviewer-dashboard")

    # Periods: the switcher shows one year at a time.
    switcher = page.get_by_role("navigation", name="Periode penilaian")
    switcher.get_by_role("link", name="Periode 2026").click()
    assert "period=2026" in page.url
    expect(table.get_by_role("row").filter(has_text="2027")).to_have_count(0)
    table.get_by_role("link", name=demo.PROCUREMENT).click()
    assert page.url.endswith(f"/assessments/{a.id}"), page.url
    expect(page.locator("h1 .badge")).to_have_text("Direviu TPI")
    periods = page.get_by_role("navigation", name="Periode penilaian unit ini")
    expect(periods.get_by_role("link", name="2027")).to_have_attribute("href", f"/assessments/{a2027.id}")

    # Reading only: no workflow action, no answer form, no upload, no review.
    expect(page.get_by_text("Tidak ada tindakan untuk Anda pada status ini.")).to_have_count(1)
    for area in ("MP", "H"):
        page.goto(f"/assessments/{a.id}/area/{area}")
        expect(page.locator("section.item").first).to_be_visible()
        expect(page.locator("main form")).to_have_count(0)
    shot(page, "reviewer-area")
    page.goto(f"/assessments/{a.id}/evidence?status=all")
    expect(page.locator("section.item").first).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)  # the GET filter only
    refused = page.request.post(f"/assessments/{a.id}/items/P-MP-i-b", form={"layer": "unit", "value": "C"})
    assert refused.status in (400, 403), refused.status


# --- admin --------------------------------------------------------------------------------------


def test_admin_journey(page, live, browser):
    """Admin: a person's roles and areas on one form; a password reset mailed (and used); an accepted
    assessment reopened, its dossier then superseded; a readable audit log; 2027 created with 2026
    still reachable; a new unit gets its assessment and a new person an invitation mail; the pages in
    English with English numbers."""
    with domain():
        a = procurement()
        stored = LocalStore(Path(live.app.config["EVIDENCE_DIR"])).put(io.BytesIO(b"%PDF-1.4 dosir"), 1 << 20)
        set_status(a, "accepted", accepted_at=now())
        Dossier.create(assessment=a, variant="kemenpan", sha256=stored.sha256, size=stored.size)
        member = person("anggota")

    log_in(page, "admin")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name=NAMES["anggota"]).first.click()
    assert page.url.endswith(f"/admin/people/{member.id}") or f"/admin/people/{member.id}?" in page.url

    # Roles and areas, one form: SDM added to the member's areas of the procurement unit.
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=demo.PROCUREMENT))
    expect(row.get_by_role("checkbox", name="MP", exact=True)).to_be_checked()
    expect(row.get_by_role("checkbox", name="SDM", exact=True)).not_to_be_checked()
    row.get_by_role("checkbox", name="SDM", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Simpan peran").click()
    expect(page.locator(".flash.success")).to_have_count(1)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=demo.PROCUREMENT))
    expect(row.get_by_role("checkbox", name="SDM", exact=True)).to_be_checked()
    expect(row).to_contain_text("MP, PT, SDM")
    shot(page, "admin-person")
    with domain():
        rows = list(RoleAssignment.select().where((RoleAssignment.user == member)
                                                  & (RoleAssignment.role == "member")))
        assert len(rows) == 1 and rows[0].area_codes == {"MP", "PT", "SDM"}

    # A password reset link by mail, used in another browser.
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim tautan atur ulang kata sandi").click()
    expect(page.locator(".flash.success")).to_contain_text("dikirim ke anggota@contoh.go.id")
    other = browser.new_context(base_url=live.url, locale="id-ID")
    try:
        set_password_from_mail(other.new_page(), live, "anggota", "Atur ulang kata sandi")
    finally:
        other.close()

    # An accepted assessment reopened: its final dossier shows as superseded.
    page.goto(f"/assessments/{a.id}")
    expect(page.locator("h1 .badge")).to_have_text("Diterima (final)")
    page.get_by_label("Alasan membuka kembali").fill("Nilai survei salah ketik")
    with page.expect_navigation():
        page.get_by_role("button", name="Buka kembali").click()
    expect(page.locator("h1 .badge")).to_have_text("Direviu TPI")
    page.get_by_role("link", name="Dosir PDF").click()
    superseded = page.locator("tr.superseded")
    expect(superseded).to_have_count(1)
    expect(superseded).to_contain_text("diganti")
    shot(page, "admin-dossier-superseded")

    # The audit log reads as people write: labels and formatted values, no codes, no dicts.
    page.goto(f"/assessments/{a.id}/audit")
    audit_table = page.locator("table.audit")
    expect(audit_table.get_by_role("row").filter(has_text="Nilai survei salah ketik")).to_have_count(1)
    expect(audit_table.get_by_role("cell", name="R-MP-i-a", exact=True).first).to_be_visible()
    logged = audit_table.inner_text()
    for code in ("{'", "answer:", "status:", "None", "in_review", "accepted"):
        assert code not in logged, code
    shot(page, "admin-audit-log")

    # 2027 created: the 2026 assessment in review stays reachable.
    page.get_by_role("link", name="Admin", exact=True).click()
    period_form = page.locator("form[action$='/admin/periods']")
    period_form.get_by_label("Tahun", exact=True).fill("2027")
    period_form.get_by_label("Buka", exact=True).fill("2027-01-01")
    period_form.get_by_label("Tutup", exact=True).fill("2027-12-31")
    with page.expect_navigation():
        period_form.get_by_role("button", name="Buat periode").click()
    expect(page.locator(".flash.success")).to_contain_text("Periode dibuat")
    page.get_by_role("link", name="Dasbor", exact=True).first.click()
    switcher = page.get_by_role("navigation", name="Periode penilaian")
    expect(switcher.get_by_role("link", name="Periode 2027")).to_have_count(1)
    switcher.get_by_role("link", name="Periode 2026").click()
    table = page.get_by_role("table").filter(has_text="Nilai akhir")
    procurement_row = table.get_by_role("row").filter(has_text=demo.PROCUREMENT)
    expect(procurement_row).to_contain_text("Direviu TPI")
    procurement_row.get_by_role("link", name=demo.PROCUREMENT).click()
    assert page.url.endswith(f"/assessments/{a.id}"), page.url
    shot(page, "admin-2026-reachable")

    # A unit created while 2026 is open gets its assessment; a new person is invited by mail, sets a
    # password and is told where to go.
    page.get_by_role("link", name="Admin", exact=True).click()
    unit_form_ = page.locator("form[action$='/admin/units']")
    unit_form_.get_by_label("Nama unit").fill("Bagian Umum")
    with page.expect_navigation():
        unit_form_.get_by_role("button", name="Tambah unit").click()
    expect(page.locator(".flash.success")).to_have_count(1)
    with domain():
        new_unit = Unit.get(Unit.name == "Bagian Umum")
        assert Assessment.select().where(Assessment.unit == new_unit).count() == 2  # 2026 and 2027
    user_form = page.locator("form[action$='/admin/users']")
    user_form.get_by_label("Nama", exact=True).fill("Staf Baru")
    user_form.get_by_label("Email").fill("baru@contoh.go.id")
    user_form.get_by_label(re.compile(r"^Peran")).select_option("member")
    user_form.get_by_label(re.compile(r"^Unit")).select_option(label="Bagian Umum")
    with page.expect_navigation():
        user_form.get_by_role("button", name="Tambah", exact=True).click()
    expect(page.locator(".flash.success").last).to_contain_text("Undangan dikirim ke baru@contoh.go.id")
    other = browser.new_context(base_url=live.url, locale="id-ID")
    try:
        newcomer = other.new_page()
        set_password_from_mail(newcomer, live, "baru", "Buat kata sandi", name="Staf Baru")
        expect(newcomer.get_by_role("heading", name="Bagian Umum", level=2).first).to_be_visible()
        shot(newcomer, "newcomer-dashboard")
    finally:
        other.close()

    # English: texts from the catalogue, numbers with a decimal point.
    page.goto(f"/assessments/{a.id}")
    with page.expect_navigation():
        page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Assessment workflow")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard").first).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("In TPI review")
    score = page.locator(".kpi b").first.inner_text().strip()
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", score), score
    page.goto(f"/assessments/{a.id}/area/MP")
    assert re.fullmatch(r"\d{1,3}\.\d{2}", page.locator("#kpi-total-unit").inner_text().strip())
    expect(page.get_by_text("Saya, pimpinan unit")).to_have_count(0)
    shot(page, "admin-english")
