"""The area page's answer forms never lose what was typed and always say what happened, at the item:
the save route answers JSON for the answer script (answers.js) and a page for a plain form."""

from __future__ import annotations

import html
import re

import pytest

from tests.web.support import chromium, serve, signed_in
from zi import demo
from zi.db import database
from zi.models import Answer, Assessment, RevisionRequest, Unit

JSON = {"Accept": "application/json"}
FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def procurement(db):
    return Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()


def stored(assessment, code, layer="unit"):
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.item_code == code)
                              & (Answer.layer == layer))


def section(page: str, code: str) -> str:
    start = page.index(f'id="item-{code}"')
    end = page.find('<section class="item', start)
    return page[start:end if end != -1 else len(page)]


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def field_error(part: str, field: str = "value") -> str:
    found = re.search(rf'<p class="field-error" id="err-{field}-[^"]+" role="alert" '
                      rf'data-error="{field}">(.*?)</p>', part, re.S)
    assert found, part[:3000]
    return html.unescape(found.group(1))


# --- a plain form (JavaScript off) ------------------------------------------------------------


def test_a_refused_value_is_told_at_its_field_with_the_typed_value_kept(client, login, procurement):
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{procurement.id}/items/H-I-a",
                           data={"layer": "unit", "value": "86,79", "note": "IPAK 2026", "version": "0"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="flash' not in page  # nothing at the top of the page
    item = section(page, "H-I-a")
    assert field_error(item) == ("Jawaban H-I-a tidak disimpan: Nilai survei harus 0–4. Indeks skala 0–100? "
                                 "Bagi dengan 25: 86,79 → 3,47.")
    assert 'value="86,79"' in item and ">IPAK 2026</textarea>" in item
    assert 'aria-invalid="true" aria-describedby="err-value-unit-H-I-a"' in item
    assert "Tidak tersimpan." in text_of(item)
    assert stored(procurement, "H-I-a") is None


@pytest.mark.parametrize(("typed", "kept"), [("3,47", 3.47), ("4", 4), ("0.5", 0.5)])
def test_a_survey_index_takes_a_decimal_comma_or_point(client, login, procurement, typed, kept):
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{procurement.id}/items/H-I-a", headers=JSON,
                           data={"layer": "unit", "value": typed, "version": "0"})
    assert response.status_code == 200, response.get_json()
    assert stored(procurement, "H-I-a").value == kept


@pytest.mark.parametrize("typed", ["-1", "250", "abc", "4,01"])
def test_a_survey_index_out_of_range_is_refused_without_the_hint_where_it_would_not_help(
        client, login, procurement, typed):
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{procurement.id}/items/H-I-a", headers=JSON,
                           data={"layer": "unit", "value": typed, "version": "0"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "value"
    assert ("Bagi dengan 25" in body["error"]) is (typed == "4,01")
    assert stored(procurement, "H-I-a") is None


def test_a_plain_save_goes_back_to_the_item_and_says_so_there(client, login, procurement):
    login("anggota@contoh.go.id")
    before = stored(procurement, "P-MP-i-b")
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b",
                           data={"layer": "unit", "value": "B", "version": before.version})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith(f"/assessments/{procurement.id}/area/MP?saved=P-MP-i-b&layer=unit#item-P-MP-i-b")
    page = client.get(location).get_data(as_text=True)
    assert 'class="flash' not in page
    told = '<span class="save-state saved" data-state role="status">Jawaban P-MP-i-b tersimpan.</span>'
    assert told in section(page, "P-MP-i-b")
    assert "tersimpan" not in text_of(section(page, "P-MP-i-a"))
    assert stored(procurement, "P-MP-i-b").value == "B"


def test_without_javascript_each_item_is_its_own_form_and_says_so(client, login, procurement):
    login("anggota@contoh.go.id")
    page = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    forms = re.findall(r'<form method="post" class="answer-form" action="([^"]+)"', page)
    assert len(forms) == len(set(forms)) == 16  # one form per item, each posting its own item
    assert "<noscript>" in page and "Setiap butir disimpan sendiri" in page
    assert page.count("Simpan butir ini") == 16 + 1  # each button, and the hint naming it


def test_a_stale_plain_save_keeps_both_answers_at_the_item(client, login, procurement):
    seen = stored(procurement, "P-MP-i-b")
    url = f"/assessments/{procurement.id}/items/P-MP-i-b"
    login("pimpinan@contoh.go.id")
    assert client.post(url, data={"layer": "unit", "value": "B", "note": "versi pimpinan",
                                  "version": seen.version}).status_code == 302

    login("anggota@contoh.go.id")
    response = client.post(url, data={"layer": "unit", "value": "C", "note": "versi anggota",
                                      "version": seen.version})
    assert response.status_code == 409
    item = section(response.get_data(as_text=True), "P-MP-i-b")
    message = field_error(item)
    assert "Kepala Bagian Pengadaan" in message and "Jawaban terbaru: B" in message
    assert 'value="C" checked' in " ".join(item.split()) and ">versi anggota</textarea>" in item
    assert f'name="version" value="{seen.version + 1}"' in item  # saving again replaces B knowingly
    kept = stored(procurement, "P-MP-i-b")
    assert (kept.value, kept.note) == ("B", "versi pimpinan")

    again = client.post(url, data={"layer": "unit", "value": "C", "note": "versi anggota",
                                   "version": seen.version + 1})
    assert again.status_code == 302 and stored(procurement, "P-MP-i-b").value == "C"


# --- JSON for the answer script ------------------------------------------------------------------


def test_a_save_answers_json_with_version_score_and_the_area_figures(client, login, procurement):
    login("anggota@contoh.go.id")
    before = stored(procurement, "P-MP-i-b")
    page = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    area_before = re.search(r'<b id="kpi-area-unit">([^<]+)</b>', page).group(1)
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b", headers=FETCH,
                           data={"layer": "unit", "value": "C", "note": "SK belum ada",
                                 "version": before.version})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["version"] == before.version + 1 and body["warnings"] == []
    assert body["message"] == "Jawaban P-MP-i-b tersimpan."
    assert re.fullmatch(r"\d+,\d{3}", body["score"])
    figures = body["figures"]
    assert {"kpi-area-unit", "kpi-area-unit-pct", "kpi-total-unit", "tab-progress-MP"} <= set(figures)
    assert figures["kpi-area-unit"] != area_before  # C scores lower than A
    page = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    for element_id, shown in figures.items():  # the same figures a fresh page shows
        assert re.search(rf'id="{element_id}">{re.escape(shown)}<', page), element_id
    assert stored(procurement, "P-MP-i-b").note == "SK belum ada"


def test_a_refused_count_names_its_field(client, login, procurement):
    login("pimpinan@contoh.go.id")
    url = f"/assessments/{procurement.id}/items/R-AK-i-a"
    before = stored(procurement, "R-AK-i-a")
    response = client.post(url, headers=JSON, data={"layer": "unit", "count_targets": "4", "version": "0"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "count_achieved"
    assert "Isi semua jumlah" in response.get_json()["error"]
    response = client.post(url, headers=JSON, data={"layer": "unit", "count_targets": "0",
                                                    "count_achieved": "0", "version": "0"})
    assert response.status_code == 422 and response.get_json()["field"] == "count_targets"
    assert "paling sedikit 1" in response.get_json()["error"]  # not the scoring engine's English
    response = client.post(url, headers=JSON, data={"layer": "unit", "count_targets": "2",
                                                    "count_achieved": "x", "version": "0"})
    assert response.get_json()["field"] == "count_achieved"
    after = stored(procurement, "R-AK-i-a")
    assert (after.value, after.version) == (before.value, before.version)


def test_a_long_note_refused_in_json_names_the_note(client, login, procurement):
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b", headers=JSON,
                           data={"layer": "unit", "value": "B", "note": "n" * 20_001, "version": "1"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "note" and "terlalu panjang" in response.get_json()["error"]


def test_a_stale_save_in_json_gives_the_newer_answer_and_who(client, login, procurement):
    seen = stored(procurement, "R-PW-ii-a")
    assert seen is None
    url = f"/assessments/{procurement.id}/items/R-PW-ii-a"
    counts = {"count_to_follow_up": "10", "count_in_process": "2", "count_completed": "8"}
    login("pimpinan@contoh.go.id")
    assert client.post(url, headers=JSON, data={"layer": "unit", "version": "0", **counts}).status_code == 200

    login("anggota@contoh.go.id")  # not theirs: PW
    assert client.post(url, headers=JSON, data={"layer": "unit", "version": "0", **counts}).status_code == 403
    login("pimpinan@contoh.go.id")
    response = client.post(url, headers=JSON, data={"layer": "unit", "version": "0",
                                                    "count_to_follow_up": "1", "count_in_process": "0",
                                                    "count_completed": "1"})
    assert response.status_code == 409
    body = response.get_json()
    assert body["stale"] is True and body["version"] == 1
    assert body["current"]["who"] == "Kepala Bagian Pengadaan"
    assert body["current"]["shown"] == ("Jumlah pengaduan masyarakat yang harus ditindaklanjuti: 10 · "
                                        "Jumlah pengaduan masyarakat yang sedang diproses: 2 · "
                                        "Jumlah pengaduan masyarakat yang selesai ditindaklanjuti: 8")
    assert body["current"]["fields"] == {"count_to_follow_up": "10", "count_in_process": "2",
                                         "count_completed": "8"}
    assert "{" not in body["error"] and "Jawaban terbaru" in body["error"]
    assert stored(procurement, "R-PW-ii-a").value == {"to_follow_up": 10, "in_process": 2, "completed": 8}


def test_implausible_counts_are_saved_with_a_warning_shown_at_the_item(client, login, procurement):
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{procurement.id}/items/R-PW-ii-a", headers=JSON,
                           data={"layer": "unit", "version": "0", "count_to_follow_up": "3",
                                 "count_in_process": "2", "count_completed": "2"})
    assert response.status_code == 200
    [warning] = response.get_json()["warnings"]
    assert "(4)" in warning and "(3)" in warning and "tetap disimpan" in warning
    assert response.get_json()["score"] == "2,000"  # §9 as it is: completed / to follow up, at most 1
    assert stored(procurement, "R-PW-ii-a").value == {"to_follow_up": 3, "in_process": 2, "completed": 2}

    for who in ("pimpinan@contoh.go.id", "reviewer@contoh.go.id"):  # on page load, editable or not
        login(who)
        page = client.get(f"/assessments/{procurement.id}/area/PW").get_data(as_text=True)
        assert f"Periksa: {warning}" in text_of(section(page, "R-PW-ii-a")), who
        assert "Periksa" not in text_of(section(page, "R-PW-iii-a"))


def test_reported_beyond_those_obliged_warns_in_english_too(client, login, procurement):
    login("pimpinan@contoh.go.id")
    client.post("/lang/en")
    response = client.post(f"/assessments/{procurement.id}/items/R-PW-iii-b", headers=JSON,
                           data={"layer": "unit", "version": "0", "count_echelon3": "1",
                                 "count_echelon4": "1", "count_staff": "1", "count_reported": "5"})
    assert response.status_code == 200
    [warning] = response.get_json()["warnings"]
    assert "(5)" in warning and "(3)" in warning and "saved" in warning


def test_the_save_takes_the_csrf_token_from_the_header(app, client, login, procurement):
    login("anggota@contoh.go.id")
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = stored(procurement, "P-MP-i-b").version
    url = f"/assessments/{procurement.id}/items/P-MP-i-b"
    data = {"layer": "unit", "value": "B", "version": version}
    assert client.post(url, headers=FETCH, data=data).status_code == 400
    response = client.post(url, headers={**FETCH, "X-CSRFToken": token}, data=data)
    assert response.status_code == 200 and stored(procurement, "P-MP-i-b").value == "B"


def test_a_revision_flag_answers_json_and_a_plain_form_returns_to_the_item(client, login, procurement):
    Assessment.update(status="in_review").where(Assessment.id == procurement.id).execute()
    login("tpi@contoh.go.id")
    url = f"/assessments/{procurement.id}/items/P-MP-i-b/revision"
    response = client.post(url, headers=JSON, data={"comment": "  "})
    assert response.status_code == 422 and response.get_json()["field"] == "comment"
    response = client.post(url, data={"comment": ""})
    assert response.status_code == 422
    assert "Catatan revisi wajib diisi." in field_error(section(response.get_data(as_text=True), "P-MP-i-b"),
                                                        "comment")
    response = client.post(url, headers=JSON, data={"comment": "Lampirkan SK"})
    assert response.status_code == 200
    assert response.get_json()["message"] == "Permintaan revisi P-MP-i-b dicatat."
    assert RevisionRequest.get().comment == "Lampirkan SK"
    response = client.post(url, data={"comment": "Lampirkan SK bertanda tangan"})
    assert response.headers["Location"].endswith("?saved=P-MP-i-b&layer=revision#item-P-MP-i-b")


# --- whose areas ----------------------------------------------------------------------------------


def test_a_member_sees_which_areas_are_theirs(client, login, procurement):
    login("anggota@contoh.go.id")  # pokja of MP and PT
    own = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    tabs = own[own.index('<nav class="tabs"'):own.index("</nav>", own.index('<nav class="tabs"'))]
    marks = dict(re.findall(r'/area/(\w+)"[^>]*>.*?<span class="area-mark (\w+)">', tabs))
    assert marks == {"MP": "own", "PT": "own", "SDM": "readonly", "AK": "readonly", "PW": "readonly",
                     "PP": "readonly", "H": "readonly"}
    assert 'id="area-note"' not in own and own.count('class="answer-form"') == 16

    other = client.get(f"/assessments/{procurement.id}/area/SDM").get_data(as_text=True)
    note = text_of(other[other.index('id="area-note"'):other.index("</p>", other.index('id="area-note"'))])
    assert "Hanya baca." in note and "Manajemen Perubahan" in note and "Penataan Tatalaksana" in note
    assert "answer-form" not in other and 'type="file"' not in other

    login("pimpinan@contoh.go.id")  # the head answers everything: nothing to mark
    page = client.get(f"/assessments/{procurement.id}/area/SDM").get_data(as_text=True)
    assert "area-mark" not in page and 'id="area-note"' not in page


def test_the_unit_team_is_told_why_a_submitted_assessment_has_no_forms(client, login, procurement):
    Assessment.update(status="submitted").where(Assessment.id == procurement.id).execute()
    login("anggota@contoh.go.id")
    page = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    assert "answer-form" not in page
    assert "Jawaban unit tidak dapat diubah pada status Diajukan." in text_of(page)


def test_every_radio_group_is_a_fieldset_named_for_its_item(client, login, procurement):
    login("pimpinan@contoh.go.id")
    page = client.get(f"/assessments/{procurement.id}/area/MP").get_data(as_text=True)
    item = section(page, "P-MP-i-b")
    fieldset = item[item.index("<fieldset"):item.index("</fieldset>")]
    assert 'aria-describedby="text-P-MP-i-b"' in fieldset
    legend = text_of(fieldset[fieldset.index("<legend"):fieldset.index("</legend>")])
    assert "Jawaban unit" in legend and "P-MP-i-b" in legend
    assert 'id="text-P-MP-i-b"' in item and fieldset.count('type="radio"') == 4  # A B C and empty
    counts = section(client.get(f"/assessments/{procurement.id}/area/PW").get_data(as_text=True), "R-PW-ii-a")
    for count in ("to_follow_up", "in_process", "completed"):
        assert f'<label for="unit-R-PW-ii-a-{count}">' in counts and f'id="unit-R-PW-ii-a-{count}"' in counts


# --- in Chromium ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("browser")
def test_answers_save_themselves_and_a_refusal_stays_at_the_item(database_url, tmp_path):
    from playwright.sync_api import expect

    from zi.web import create_app

    app = create_app({"DATABASE_URL": database_url, "EVIDENCE_DIR": str(tmp_path / "evidence")})
    assert app.config["WTF_CSRF_ENABLED"] is True
    with database.connection_context():
        a = Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()
        before = {c: stored(a, c) for c in ("P-MP-i-a", "P-MP-i-b")}
    with serve(app) as base, chromium() as browser:
        context, page = signed_in(browser, base, "anggota")
        page.goto(f"/assessments/{a.id}/area/MP")
        expect(page.locator("#autosave-note")).to_be_visible()
        first, second = page.locator("#item-P-MP-i-a"), page.locator("#item-P-MP-i-b")
        expect(second.get_by_role("button", name="Simpan butir ini")).to_be_hidden()  # nothing to press
        total_before = page.locator("#kpi-total-unit").inner_text()

        second.locator("input[name=value][value=C]").check()  # a choice saves at once
        first.locator("textarea[name=note]").fill("SK tim kerja ZI terlampir")  # a note after a pause
        expect(second.locator("[data-state]")).to_have_text("Tersimpan.")
        expect(first.locator("[data-state]")).to_have_text("Tersimpan.")
        assert page.locator("#kpi-total-unit").inner_text() != total_before  # figures follow, no reload
        page.reload()
        expect(second.locator("input[name=value][value=C]")).to_be_checked()
        expect(first.locator("textarea[name=note]")).to_have_value("SK tim kerja ZI terlampir")
        with database.connection_context():
            assert stored(a, "P-MP-i-b").value == "C" and stored(a, "P-MP-i-b").version == before[
                "P-MP-i-b"].version + 1
            assert stored(a, "P-MP-i-a").note == "SK tim kerja ZI terlampir"
            assert stored(a, "P-MP-i-a").value == before["P-MP-i-a"].value

        # A refused count, far down the page: the message beside the field, the page where it was.
        item = page.locator("#item-R-MP-i-a")
        field = item.locator("input[name=count_changes]")
        field.scroll_into_view_if_needed()
        scrolled = page.evaluate("scrollY")
        assert scrolled > 2000
        field.fill("2,5")
        field.press("Tab")
        error = item.locator("[data-error=value]")
        expect(error).to_have_text("Jawaban R-MP-i-a tidak disimpan: Jumlah harus bilangan bulat ≥ 0.")
        expect(item.locator("[data-state]")).to_have_text("Tidak tersimpan.")
        expect(field).to_have_value("2,5")  # what was typed stays
        expect(field).to_have_attribute("aria-invalid", "true")
        assert abs(page.evaluate("scrollY") - scrolled) < 200
        box, gap = error.bounding_box(), field.bounding_box()
        assert 0 < box["y"] < 900 and box["y"] - (gap["y"] + gap["height"]) < 200  # next to the field
        expect(item.get_by_role("button", name="Simpan butir ini")).to_be_visible()  # to retry

        # Someone else saved the next item meanwhile: their answer and name shown, ours kept.
        other = page.locator("#item-R-MP-i-b")
        with database.connection_context():
            version = stored(a, "R-MP-i-b").version if stored(a, "R-MP-i-b") else 0
        other.locator("input[name=version]").evaluate("(e, v) => { e.value = v + 5; }", version)
        other.locator("input[name=count_changes]").fill("4")
        other.locator("input[name=count_integrated]").fill("9")
        other.locator("input[name=count_integrated]").press("Tab")
        expect(other.locator("[data-stale]")).to_contain_text("sudah diubah oleh")
        other.get_by_role("button", name="Simpan jawaban saya").click()
        expect(other.locator("[data-state]")).to_have_text("Tersimpan.")
        expect(other.locator("[data-warnings]")).to_have_text("")

        # Leaving with the refused count unsaved asks first.
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
        page.close(run_before_unload=True)
        page.wait_for_timeout(500)
        assert dialogs == ["beforeunload"] and not page.is_closed()
        field.fill("2")
        field.press("Tab")
        expect(item.locator("[data-state]")).to_have_text("Tersimpan.")
        expect(error).to_be_hidden()
        with database.connection_context():
            assert stored(a, "R-MP-i-a").value["changes"] == 2
            assert stored(a, "R-MP-i-b").value == {"changes": 4, "integrated": 9}

        page.goto(f"/assessments/{a.id}/area/MP")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "area-390.png"), full_page=False)
        context.close()
