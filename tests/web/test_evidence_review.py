"""The evidence review page: filters by area and status (GET, no script needed), the matching items only,
TPI's verdicts in place or back to the same filtered view, a selection accepted at once, uploads whose
results stay beside their form; and the same in Chromium."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from peewee import fn
from werkzeug.datastructures import MultiDict

from tests.evidence.helpers import pdf
from tests.web.support import chromium, count_queries, serve, signed_in
from zi import demo
from zi.db import database
from zi.evidence import LocalStore, service
from zi.models import Assessment, AuditEvent, EvidenceLink, EvidenceReview, Unit, User

JSON = {"Accept": "application/json"}


def procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()


def add(app, criteria, assessment, code: str, title: str) -> EvidenceLink:
    """A stored PDF for one item, uploaded by the head (as the unit would)."""
    head = User.get(User.email == "pimpinan@contoh.go.id")
    revision = service.upload(LocalStore(app.config["EVIDENCE_DIR"]), assessment, head,
                              io.BytesIO(pdf(title)), f"{title}.pdf", criteria=criteria,
                              max_bytes=1024 * 1024, title=title, item_codes=[code])
    return EvidenceLink.get(EvidenceLink.document == revision.document_id)


def set_status(assessment: Assessment, status: str) -> None:
    Assessment.update(status=status).where(Assessment.id == assessment.id).execute()


@pytest.fixture
def r(app, db, criteria):
    """The procurement unit in review with evidence on a few items of MP, PT and SDM: two awaiting in
    MP, one accepted in MP, one to revise in PT, one awaiting in SDM."""
    a = procurement()
    tpi = User.get(User.email == "tpi@contoh.go.id")
    links = {
        "mp_a": add(app, criteria, a, "P-MP-i-a", "SK Tim Kerja"),
        "mp_b": add(app, criteria, a, "P-MP-i-b", "Rencana Kerja"),
        "mp_ok": add(app, criteria, a, "P-MP-ii-a", "Dokumen Diterima"),
        "pt": add(app, criteria, a, "P-PT-i-a", "Laporan PT"),
        "sdm": add(app, criteria, a, "P-SDM-i-a", "Rencana SDM"),
    }
    service.review(links["mp_ok"], tpi, "accepted")
    service.review(links["pt"], tpi, "revision", "Belum ditandatangani")
    set_status(a, "in_review")
    return {"a": a, "url": f"/assessments/{a.id}/evidence", "links": links, "criteria": criteria}


def sections(page: str) -> list[str]:
    return re.findall(r'<section class="item" id="ev-([^"]+)">', page)


def selected(page: str, name: str) -> str:
    if name == "area":
        found = re.search(r'<option value="([^"]+)" selected>', page)
    else:
        found = re.search(r'<input type="radio" name="status" value="([^"]+)" checked>', page)
    assert found, name
    return found.group(1)


# --- the filter -----------------------------------------------------------------------------------


def test_tpi_lands_on_what_awaits_review_in_the_first_area_with_any(r, login):
    client = login("tpi@contoh.go.id")
    page = client.get(r["url"]).get_data(as_text=True)
    assert (selected(page, "area"), selected(page, "status")) == ("MP", "awaiting")
    assert sections(page) == ["P-MP-i-a", "P-MP-i-b"]  # not the accepted MP item, not SDM's
    # the counts on the controls: per status within MP, per area within "awaiting"
    assert re.search(r'value="awaiting" checked> Menunggu reviu <b>2</b>', page)
    assert re.search(r'value="accepted"> Diterima <b>1</b>', page)
    assert '<option value="SDM">3. Penataan Sistem Manajemen SDM Aparatur (1)</option>' in page
    assert '<option value="PT">2. Penataan Tatalaksana (0)</option>' in page
    assert "Menampilkan 2 butir (Menunggu reviu) di 1." in page


def test_a_pokja_member_starts_in_their_area_and_adds_only_there(r, login):
    set_status(r["a"], "draft")
    client = login("anggota@contoh.go.id")
    page = client.get(r["url"]).get_data(as_text=True)
    assert (selected(page, "area"), selected(page, "status")) == ("MP", "all")
    assert "· area Anda</option>" in page and "Area Anda: MP, PT." in page
    everything = client.get(r["url"] + "?area=all&status=all").get_data(as_text=True)
    for code in sections(everything):
        body = everything.split(f'id="ev-{code}">', 1)[1].split("</section>", 1)[0]
        mine = code.startswith(("P-MP-", "R-MP-", "P-PT-", "R-PT-"))
        assert ("data-upload=" in body) == mine, code
        assert ('name="file"' in body) == mine, code


def test_filters_show_only_what_matches_and_the_page_is_small(r, login):
    client = login("tpi@contoh.go.id")
    revise = client.get(r["url"] + "?area=PT&status=revision").get_data(as_text=True)
    assert sections(revise) == ["P-PT-i-a"] and "Belum ditandatangani" in revise
    accepted = client.get(r["url"] + "?area=all&status=accepted").get_data(as_text=True)
    assert sections(accepted) == ["P-MP-ii-a"]
    missing = client.get(r["url"] + "?area=MP&status=missing").get_data(as_text=True)
    assert "P-MP-i-a" not in sections(missing) and len(sections(missing)) > 5
    everything = client.get(r["url"] + "?area=all&status=all").get_data(as_text=True)
    assert len(sections(everything)) == len(r["criteria"].items)
    assert len(revise) * 5 < len(everything)
    one = client.get(r["url"] + "?item=P-SDM-i-a").get_data(as_text=True)
    assert sections(one) == ["P-SDM-i-a"] and "Menampilkan satu butir: P-SDM-i-a." in one


def test_a_filter_with_nothing_matching_says_so_and_points_elsewhere(r, login):
    client = login("tpi@contoh.go.id")
    response = client.get(r["url"] + "?area=PW&status=awaiting")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and sections(page) == []
    assert "Tidak ada butir yang cocok dengan filter ini." in page
    assert "Tidak ada butir berstatus «Menunggu reviu» di 5. Penguatan Pengawasan." in page
    assert f'href="{r["url"]}?area=MP&amp;status=awaiting"' in page  # where there is some
    assert f'href="{r["url"]}?area=PW&amp;status=all"' in page


@pytest.mark.parametrize("query", ["?area=%00&status=x", "?area=" + "M" * 5000, "?status[]=1&area=MP&area=PT",
                                   "?item=P-MP-i-a%00", "?keep=nope&status=accepted", "?area=H&status=all"])
def test_odd_filters_fall_back_to_a_page(r, login, query):
    client = login("tpi@contoh.go.id")
    response = client.get(r["url"] + query)
    assert response.status_code == 200
    assert 'id="ev-filter"' in response.get_data(as_text=True)


def test_a_link_to_an_item_shows_its_area(r, login):
    client = login("tpi@contoh.go.id")
    page = client.get(r["url"] + "?keep=P-SDM-i-a&status=all").get_data(as_text=True)
    assert selected(page, "area") == "SDM" and "P-SDM-i-a" in sections(page)


# --- reviewing in place and coming back to the same view -----------------------------------------------


def test_a_plain_review_comes_back_to_the_filtered_view_and_the_item(r, login):
    client = login("tpi@contoh.go.id")
    response = client.post(f"{r['url']}/links/{r['links']['mp_b'].id}/review",
                           data=MultiDict([("back", "evidence"), ("view_area", "MP"),
                                           ("view_status", "awaiting"), ("comment", "Kurang stempel"),
                                           ("status", "revision")]))
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == r["url"] and target.fragment == "ev-P-MP-i-b"
    assert parse_qs(target.query) == {"area": ["MP"], "status": ["awaiting"], "keep": ["P-MP-i-b"]}
    page = client.get(f"{target.path}?{target.query}").get_data(as_text=True)
    assert sections(page) == ["P-MP-i-a", "P-MP-i-b"]  # P-MP-i-b is to revise now, kept in view
    assert "tidak lagi cocok dengan filter" in page
    assert "Reviu data dukung P-MP-i-b dicatat." in page
    assert [v.status for v in EvidenceReview.select().where(EvidenceReview.link == r["links"]["mp_b"])] \
        == ["revision"]


def test_a_json_review_answers_for_the_script_and_a_refusal_stays_at_the_row(r, login):
    client = login("tpi@contoh.go.id")
    link = r["links"]["mp_a"]
    ok = client.post(f"{r['url']}/links/{link.id}/review", headers=JSON, data={"status": "accepted"})
    assert ok.status_code == 200
    assert ok.get_json() == {"ok": True, "message": "Reviu data dukung P-MP-i-a dicatat."}
    bad = client.post(f"{r['url']}/links/{link.id}/review", data=MultiDict([
        ("back", "evidence"), ("view_area", "MP"), ("view_status", "awaiting"), ("comment", " "),
        ("status", "revision")]))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and sections(page) == ["P-MP-i-a"]
    assert 'role="alert">Tuliskan apa yang perlu direvisi.</div>' in page


def test_a_document_in_the_trash_cannot_be_reviewed(r, login):
    head = User.get(User.email == "pimpinan@contoh.go.id")
    service.trash(r["links"]["mp_a"].document, head)
    client = login("tpi@contoh.go.id")
    response = client.post(f"{r['url']}/links/{r['links']['mp_a'].id}/review", headers=JSON,
                           data={"status": "accepted"})
    assert response.status_code == 422 and "tempat sampah" in response.get_json()["message"]
    assert not EvidenceReview.select().where(EvidenceReview.link == r["links"]["mp_a"]).exists()


# --- accepting a selection ---------------------------------------------------------------------------


def test_accepting_a_selection_accepts_the_reviewable_rows_and_names_the_others(r, login, app):
    links = r["links"]
    other = Assessment.select().where(Assessment.id != r["a"].id).get()
    foreign = add(app, r["criteria"], other, "P-MP-i-a", "Milik unit lain")
    head = User.get(User.email == "pimpinan@contoh.go.id")
    service.trash(links["sdm"].document, head)
    client = login("tpi@contoh.go.id")
    before = AuditEvent.select(fn.MAX(AuditEvent.id)).scalar() or 0
    response = client.post(f"{r['url']}/accept-selected", headers=JSON, data={"link": [
        str(links["mp_a"].id), str(links["mp_b"].id), str(links["pt"].id), str(links["mp_ok"].id),
        str(links["sdm"].id), str(foreign.id), "abc", str(2**70)]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is False
    assert body["message"] == "Data dukung diterima: 3. Tidak dapat diterima: 3."
    by_link = {row["link"]: row for row in body["rows"]}
    assert {k for k, row in by_link.items() if row["ok"]} == {links[k].id for k in ("mp_a", "mp_b", "pt")}
    assert by_link[links["mp_ok"].id]["message"] == "P-MP-ii-a · Dokumen Diterima: Sudah diterima."
    assert by_link[links["sdm"].id]["message"] == "P-SDM-i-a · Rencana SDM: Dokumen ada di tempat sampah."
    assert by_link[foreign.id]["message"] == "Dokumen ini tidak lagi tertaut ke butir penilaian ini."
    assert by_link[foreign.id]["item"] == ""

    newest = {lk: EvidenceReview.select().where(EvidenceReview.link == lk).order_by(EvidenceReview.id.desc())
              .first() for lk in (links["mp_a"], links["mp_b"], links["pt"])}
    assert all(v.status == "accepted" and v.reviewer.email == "tpi@contoh.go.id" for v in newest.values())
    events = list(AuditEvent.select().where((AuditEvent.id > before)
                                            & (AuditEvent.action == "evidence:review")))
    assert sorted(e.item_code for e in events) == ["P-MP-i-a", "P-MP-i-b", "P-PT-i-a"]  # one per row
    assert AuditEvent.select().where(AuditEvent.id > before).count() == 3
    assert not EvidenceReview.select().where(EvidenceReview.link == foreign).exists()


def test_accepting_a_selection_without_script_comes_back_with_the_result(r, login):
    links = r["links"]
    client = login("tpi@contoh.go.id")
    response = client.post(f"{r['url']}/accept-selected", data={
        "link": [str(links["mp_a"].id), str(links["mp_ok"].id)], "back": "evidence", "view_area": "MP",
        "view_status": "awaiting"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.path, parse_qs(target.query)) == (r["url"], {"area": ["MP"], "status": ["awaiting"]})
    page = client.get(f"{target.path}?{target.query}").get_data(as_text=True)
    assert "Data dukung diterima: 1. Tidak dapat diterima: 1." in page
    assert "<li>P-MP-ii-a · Dokumen Diterima: Sudah diterima.</li>" in page
    assert sections(page) == ["P-MP-i-b"]  # what still awaits review in MP
    again = client.get(f"{target.path}?{target.query}").get_data(as_text=True)
    assert "Sudah diterima." not in again  # shown once

    empty = client.post(f"{r['url']}/accept-selected", data={"back": "evidence"})
    assert empty.status_code == 302
    assert "Pilih dulu data dukung yang akan diterima." in client.get(empty.headers["Location"]).get_data(
        as_text=True)


def test_only_tpi_reviewing_gets_checkboxes_and_may_accept_a_selection(r, login):
    link = r["links"]["mp_a"]
    for who in ("pimpinan", "anggota", "admin", "reviewer"):
        email = f"{who}@contoh.go.id"
        client = login(email)
        page = client.get(r["url"] + "?area=all&status=all").get_data(as_text=True)
        assert 'form="bulk-accept"' not in page and "accept-selected" not in page, email
        assert client.post(f"{r['url']}/accept-selected", data={"link": str(link.id)}).status_code == 403
    tpi = login("tpi@contoh.go.id")
    page = tpi.get(r["url"] + "?area=MP&status=all").get_data(as_text=True)
    assert page.count('form="bulk-accept"') == 2  # the two awaiting rows, not the accepted one
    assert "Terima yang dipilih" in page
    set_status(r["a"], "revision")
    assert 'form="bulk-accept"' not in tpi.get(r["url"] + "?area=MP&status=all").get_data(as_text=True)
    assert tpi.post(f"{r['url']}/accept-selected", data={"link": str(link.id)}).status_code == 403
    assert not EvidenceReview.select().where(EvidenceReview.link == link).exists()


# --- staying where one was after uploads and links -------------------------------------------------


def test_a_plain_upload_of_several_files_comes_back_to_the_item_with_its_results(r, login):
    set_status(r["a"], "draft")
    client = login("pimpinan@contoh.go.id")
    response = client.post(f"{r['url']}/upload", content_type="multipart/form-data", data={
        "file": [(io.BytesIO(pdf("satu")), "satu.pdf"), (io.BytesIO(b"MZ\x90\x00bukan pdf"), "dua.exe")],
        "items": "P-RB-i-a" if "P-RB-i-a" in r["criteria"].items_by_code else "P-PW-i-a",
        "back": "evidence", "view_area": "all", "view_status": "missing"})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    code = target.fragment.removeprefix("ev-")
    assert parse_qs(target.query) == {"area": ["all"], "status": ["missing"], "keep": [code]}
    page = client.get(f"{target.path}?{target.query}").get_data(as_text=True)
    body = page.split(f'id="ev-{code}">', 1)[1].split("</section>", 1)[0]
    assert "Hasil unggahan terakhir" in body
    assert re.search(r'upload-row small ok"><span>satu.pdf tersimpan \(revisi 1\).</span>', body)
    assert re.search(r'upload-row small bad"><span>dua.exe ditolak: ', body)
    assert "tidak lagi cocok dengan filter" in body  # no longer missing, still in view
    assert "Hasil unggahan terakhir" not in client.get(f"{target.path}?{target.query}").get_data(as_text=True)


def test_links_and_unlinks_come_back_to_the_item(r, login):
    set_status(r["a"], "draft")
    client = login("anggota@contoh.go.id")
    response = client.post(f"{r['url']}/link-url", data={
        "url": "https://lapor.go.id/1", "title": "LAPOR", "items": "P-PT-i-b", "back": "evidence",
        "view_area": "PT", "view_status": "all"})
    assert response.status_code == 302 and response.headers["Location"].endswith("keep=P-PT-i-b#ev-P-PT-i-b")
    link = r["links"]["pt"]
    response = client.post(f"{r['url']}/links/{link.id}/unlink", data={"back": "evidence", "view_area": "PT",
                                                                       "view_status": "revision"})
    target = urlsplit(response.headers["Location"])
    assert target.fragment == "ev-P-PT-i-a" and parse_qs(target.query)["status"] == ["revision"]
    # a form from elsewhere (no `back`) still answers as before
    other = client.post(f"{r['url']}/link-url", data={"url": "https://lapor.go.id/2", "items": "P-PT-i-b"},
                        headers={"Referer": "http://localhost/somewhere"})
    assert other.headers["Location"].endswith("/somewhere")


# --- queries -----------------------------------------------------------------------------------------


def test_the_filtered_page_runs_the_same_queries_with_ten_times_the_evidence(r, login, app):
    client = login("tpi@contoh.go.id")
    url = r["url"] + "?area=MP&status=all"
    client.get(url)
    with count_queries() as before:
        assert client.get(url).status_code == 200
    tpi = User.get(User.email == "tpi@contoh.go.id")
    items = [i.code for i in r["criteria"].items if i.code.startswith("P-MP-")][:10]
    for n, code in enumerate(items * 3):
        link = add(app, r["criteria"], r["a"], code, f"Bukti {n:02d}")
        if n % 2:
            service.review(link, tpi, "accepted" if n % 3 else "revision", "perbaiki")
    with count_queries() as after:
        page = client.get(url).get_data(as_text=True)
    assert "Bukti 29" in page
    assert after.count == before.count, (before.statements, after.statements)
    assert not after.repeated(), after.repeated()


# --- in Chromium -----------------------------------------------------------------------------------------

SHOTS = Path("/tmp/zi-evidence-review-shots")


@pytest.mark.slow
@pytest.mark.xdist_group("browser")
def test_in_chromium_tpi_reviews_in_place_and_accepts_a_selection(database_url, tmp_path):
    from playwright.sync_api import expect

    from zi.web import create_app

    app = create_app({"DATABASE_URL": database_url, "EVIDENCE_DIR": str(tmp_path / "evidence")})
    with database.connection_context():
        criteria = app.extensions["zi_criteria"][procurement().period.criteria_id]
        a = procurement()
        links = {code: add(app, criteria, a, code, f"Bukti {code}")
                 for code in ("P-MP-i-a", "P-MP-i-b", "P-MP-ii-a", "P-MP-ii-b")}
        set_status(a, "in_review")
    SHOTS.mkdir(exist_ok=True)
    with serve(app) as base, chromium() as browser:
        context, page = signed_in(browser, base, "tpi")
        page.goto(f"/assessments/{a.id}/evidence")
        expect(page.locator("section.item")).to_have_count(4)
        page.screenshot(path=str(SHOTS / "evidence-tpi-1366.png"), full_page=True)
        url = page.url

        # asking for a revision without a comment: refused at the row, nothing reloads
        last = links["P-MP-ii-b"]
        row = page.locator(f"#link-{last.id}")
        page.evaluate("window.marker = 1")
        row.get_by_role("button", name="Perlu revisi").click()
        expect(row.locator(".ev-row-msg")).to_have_text("Tuliskan apa yang perlu direvisi.")
        # accepting in place: the row and the counts change, the page is the same page at the same place
        row.get_by_role("button", name="Terima").scroll_into_view_if_needed()
        top = page.evaluate("window.scrollY")
        row.get_by_role("button", name="Terima").click()
        row = page.locator(f"#link-{last.id}")
        expect(row.locator(".ev-row-msg")).to_have_text("Reviu data dukung P-MP-ii-b dicatat.")
        expect(row.locator(".badge")).to_have_text("Diterima")
        expect(page.locator("#ev-P-MP-ii-b .ev-moved")).to_have_count(1)
        expect(page.locator('label.pill:has(input[value="accepted"]) b')).to_have_text("1")
        expect(page.locator('label.pill:has(input[value="awaiting"]) b')).to_have_text("3")
        assert page.evaluate("window.marker") == 1 and page.url == url
        assert top > 100 and abs(page.evaluate("window.scrollY") - top) < 50

        # a selection of two at once
        page.locator(f".ev-pick[value='{links['P-MP-i-b'].id}']").check()
        page.locator(f".ev-pick[value='{links['P-MP-ii-a'].id}']").check()
        expect(page.locator("#bulk-accept [data-selected]")).to_have_text("2 dipilih")
        page.get_by_role("button", name="Terima yang dipilih").click()
        expect(page.locator("#bulk-accept .bulk-result")).to_have_text("Data dukung diterima: 2.")
        for code in ("P-MP-i-b", "P-MP-ii-a"):
            expect(page.locator(f"#link-{links[code].id} .badge")).to_have_text("Diterima")
            expect(page.locator(f"#link-{links[code].id} .ev-row-msg")).to_have_text("Diterima")
        expect(page.locator(f"#link-{links['P-MP-i-a'].id} .badge")).to_have_text("Menunggu reviu")
        expect(page.locator('label.pill:has(input[value="awaiting"]) b')).to_have_text("1")
        expect(page.locator("#bulk-accept [data-selected]")).to_have_text("0 dipilih")
        assert page.evaluate("window.marker") == 1
        with database.connection_context():
            accepted = {lk.item_code for lk in EvidenceLink.select().join(EvidenceReview).where(
                EvidenceReview.status == "accepted")}
        assert accepted == {"P-MP-ii-b", "P-MP-i-b", "P-MP-ii-a"}

        # the filtered page on a phone and on a laptop, as it now stands
        page.goto(url)
        expect(page.locator("section.item")).to_have_count(1)
        page.screenshot(path=str(SHOTS / "evidence-filtered-1366.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"/assessments/{a.id}/evidence?area=MP&status=all")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / "evidence-filtered-390.png"), full_page=True)
        page.goto(f"/assessments/{a.id}/evidence?area=PW&status=awaiting")
        expect(page.get_by_text("Tidak ada butir yang cocok dengan filter ini.")).to_be_visible()
        page.screenshot(path=str(SHOTS / "evidence-empty-390.png"), full_page=True)
        context.close()

        # the head uploads with the script: the results stay listed and the item shows the document
        set_status_in = database.connection_context()
        with set_status_in:
            set_status(a, "draft")
        context, page = signed_in(browser, base, "pimpinan")
        page.goto(f"/assessments/{a.id}/evidence?area=MP&status=missing")
        section = page.locator("section.item").first
        code = section.get_attribute("id").removeprefix("ev-")
        page.evaluate("window.marker = 2")
        section.locator("input[type=file]").set_input_files([
            {"name": "baru.pdf", "mimeType": "application/pdf", "buffer": pdf("baru")},
            {"name": "salah.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}])
        section.get_by_role("button", name="Unggah").click()
        section = page.locator(f"#ev-{code}")
        expect(section.locator("ul.docs li")).to_have_count(1)
        expect(section.locator(".upload-row.ok")).to_contain_text("baru.pdf tersimpan")
        expect(section.locator(".upload-row.bad")).to_contain_text("salah.exe ditolak")
        page.wait_for_timeout(1500)  # the old script reloaded the page here
        expect(section.locator(".upload-row")).to_have_count(2)
        assert page.evaluate("window.marker") == 2
        page.screenshot(path=str(SHOTS / "evidence-upload-1366.png"), full_page=True)
        context.close()
    for name in ("evidence-tpi-1366", "evidence-filtered-1366", "evidence-filtered-390",
                 "evidence-upload-1366"):
        assert (SHOTS / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_an_area_page_links_to_its_own_items_evidence(client, login, db):
    """The evidence page is filtered; the area page's links must open the view that shows the item."""
    from zi.summary import HASIL

    login("anggota@contoh.go.id")
    a = Assessment.select().first()
    for code in ("MP", "SDM", HASIL):
        page = client.get(f"/assessments/{a.id}/area/{code}").get_data(as_text=True)
        found = re.findall(r'href="(/assessments/\d+/evidence\?[^"#]*)', page)
        links = {html.unescape(link) for link in found}
        assert len(links) > 1, code
        for link in links:
            shown = client.get(link)
            assert shown.status_code == 200, link
            item = re.search(r"keep=([^&]+)", link)
            if item:
                assert f'id="ev-{item.group(1)}"' in shown.get_data(as_text=True), link
