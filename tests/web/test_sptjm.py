"""The SPTJM letter on the submit form and as a PDF of its own; the survey records beside the survey
indices on the Hasil page (plain forms, no JavaScript needed)."""

from __future__ import annotations

import html
import io
import re
from datetime import date

import pypdf
import pytest

from tests.conftest import best_answer
from zi import admin as ops
from zi.demo import DEMO_PASSWORD, PROCUREMENT
from zi.formatting import date as written_date
from zi.formatting import local, zone_of
from zi.models import Answer, Assessment, AuditEvent, SurveyRecord, Unit, User
from zi.sptjm import STATEMENT, TITLE

HEAD = "pimpinan@contoh.go.id"
TPI = "tpi@contoh.go.id"
REVIEWER = "reviewer@contoh.go.id"
MEMBER = "anggota@contoh.go.id"
LETTER = {"sptjm": "1", "sptjm_number": "800/17/ZI/2026", "sptjm_place": "Kota Contoh"}
SURVEY = {"respondents": "30", "period_start": "2026-07-01", "period_end": "2026-09-30",
          "surveyor": "BPS Kabupaten Contoh"}


@pytest.fixture
def procurement(db):
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def fill(criteria, assessment) -> None:
    with Answer._meta.database.atomic():
        for item in criteria.items:
            Answer.insert(assessment=assessment, layer="unit", item_code=item.code, value=best_answer(item),
                          note="", version=1).on_conflict(
                conflict_target=[Answer.assessment, Answer.layer, Answer.item_code],
                update={Answer.value: best_answer(item)}).execute()


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def letter_form(page: str) -> str:
    found = re.search(r'<fieldset class="sptjm-letter">.*?</fieldset>', page, re.S)
    assert found, page[-3000:]
    return found.group(0)


def status_of(assessment) -> str:
    return Assessment.get_by_id(assessment.id).status


# --- the submit form ---------------------------------------------------------------------


def test_the_submit_form_asks_for_number_and_place_and_shows_who_signs(client, login, procurement):
    login(HEAD)
    form = letter_form(client.get(f"/assessments/{procurement.id}").get_data(as_text=True))
    assert 'name="sptjm_number"' in form and 'name="sptjm_place"' in form and 'name="sptjm"' in form
    shown = text_of(form)
    assert "Kepala Bagian Pengadaan" in shown and "197805122003121002" in shown
    assert "Kepala Bagian Pengadaan Barang dan Jasa" in shown and "field-error" not in form


def test_submit_without_number_or_place_is_refused_at_the_fields_keeping_what_was_typed(
        client, login, procurement, criteria):
    fill(criteria, procurement)
    login(HEAD)
    response = client.post(f"/assessments/{procurement.id}/action/submit",
                           data={"sptjm": "1", "sptjm_number": "800/17/ZI/2026", "sptjm_place": "  "})
    assert response.status_code == 422
    form = letter_form(response.get_data(as_text=True))
    assert 'value="800/17/ZI/2026"' in form and " checked" in form
    place = re.search(r'<label for="sptjm-submit-place">.*?</label>', form, re.S).group(0)
    assert 'aria-invalid="true"' in place
    assert "Isi tempat penandatanganan SPTJM (nama kota)." in text_of(place)
    number = re.search(r'<label for="sptjm-submit-number">.*?</label>', form, re.S).group(0)
    assert "field-error" not in number
    assert status_of(procurement) == "draft"
    assert Assessment.get_by_id(procurement.id).sptjm_at is None


def test_submit_without_nip_is_refused_with_a_link_to_the_account(client, login, procurement, criteria):
    fill(criteria, procurement)
    User.update(nip=None).where(User.email == HEAD).execute()
    login(HEAD)
    page = client.get(f"/assessments/{procurement.id}").get_data(as_text=True)
    assert "NIP Anda belum tercatat" in text_of(letter_form(page))  # told before trying
    response = client.post(f"/assessments/{procurement.id}/action/submit", data=LETTER)
    assert response.status_code == 422
    form = letter_form(response.get_data(as_text=True))
    nip = re.search(r'<dd[^>]*id="sptjm-submit-nip">.*?</dd>', form, re.S).group(0)
    assert "surat SPTJM tanpa NIP tidak dapat ditandatangani" in text_of(nip)
    assert 'href="/account"' in nip
    assert 'value="800/17/ZI/2026"' in form and 'value="Kota Contoh"' in form
    assert status_of(procurement) == "draft"


def test_submit_with_the_letter_signs_it(client, login, procurement, criteria):
    fill(criteria, procurement)
    login(HEAD)
    response = client.post(f"/assessments/{procurement.id}/action/submit", data=LETTER)
    assert response.status_code == 302
    stored = Assessment.get_by_id(procurement.id)
    assert (stored.status, stored.sptjm_number, stored.sptjm_place) == ("submitted", "800/17/ZI/2026",
                                                                       "Kota Contoh")
    page = client.get(f"/assessments/{procurement.id}").get_data(as_text=True)
    assert f'href="/assessments/{procurement.id}/sptjm.pdf"' in page
    assert AuditEvent.get(AuditEvent.action == "sptjm").new["nip"] == "197805122003121002"


# --- the letter alone ----------------------------------------------------------------------


def test_no_letter_before_it_is_signed(client, login, procurement):
    login(HEAD)
    assert client.get(f"/assessments/{procurement.id}/sptjm.pdf").status_code == 404


@pytest.mark.slow
def test_the_letter_pdf_says_who_signed_what_where_and_when(client, login, procurement, criteria):
    fill(criteria, procurement)
    login(HEAD)
    assert client.post(f"/assessments/{procurement.id}/action/submit", data=LETTER).status_code == 302
    login(REVIEWER)  # whoever may read the assessment may read its letter
    response = client.get(f"/assessments/{procurement.id}/sptjm.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "sptjm-bagian-pengadaan-barang-dan-jasa-2026.pdf" in response.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    stored = Assessment.get_by_id(procurement.id)
    signed_on = written_date(local(stored.sptjm_at, zone_of(stored)).date())
    for expected in (TITLE, "Nomor: 800/17/ZI/2026", "Yang bertanda tangan di bawah ini:",
                     "Nama : Kepala Bagian Pengadaan", "NIP : 19780512 200312 1 002",
                     "Jabatan : Kepala Bagian Pengadaan Barang dan Jasa", f"Unit kerja : {PROCUREMENT}",
                     f"Kota Contoh, {signed_on}", "NIP 19780512 200312 1 002",
                     "PEMERINTAH KABUPATEN CONTOH", PROCUREMENT.upper()):
        assert expected in text, expected
    wording = " ".join(STATEMENT[1].split()[:12])
    assert wording in text and "Nomor 90 Tahun 2021" in text


def test_another_instansi_does_not_get_the_letter(client, login, procurement, criteria, db):
    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    stranger = ops.create_user("admin@lain.go.id", "Admin Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "admin", other)
    Assessment.update(sptjm_at=date(2026, 5, 1), sptjm_number="1", sptjm_place="X",
                      status="submitted").where(Assessment.id == procurement.id).execute()
    login("admin@lain.go.id")
    assert client.get(f"/assessments/{procurement.id}/sptjm.pdf").status_code == 404


# --- survey records on the Hasil page -----------------------------------------------------


def survey_part(page: str, code: str = "H-I-a") -> str:
    """The survey block of an item: from its start to the end of the item's section."""
    start = page.index(f'<div class="survey" id="survey-{code}"')
    return page[start:page.index("</section>", start)]


def test_the_head_records_a_survey_beside_the_index(client, login, procurement):
    login(HEAD)
    page = client.get(f"/assessments/{procurement.id}/area/H").get_data(as_text=True)
    part = survey_part(page)
    assert 'name="respondents"' in part and 'name="period_start"' in part and 'name="surveyor"' in part
    response = client.post(f"/assessments/{procurement.id}/surveys/H-I-a", data=SURVEY)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/area/H?saved=H-I-a&layer=survey#survey-H-I-a")
    record = SurveyRecord.get(SurveyRecord.item_code == "H-I-a")
    assert (record.respondents, record.period_end, record.surveyor) == (30, date(2026, 9, 30),
                                                                       "BPS Kabupaten Contoh")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash' not in page  # told at the record, where the page scrolls to
    assert 'class="save-state saved" role="status">Data survei H-I-a tersimpan.' in survey_part(page)
    assert 'value="2026-07-01"' in survey_part(page)
    emptied = client.post(f"/assessments/{procurement.id}/surveys/H-I-a", data=dict.fromkeys(SURVEY, ""))
    page = client.get(emptied.headers["Location"]).get_data(as_text=True)
    assert "Data survei H-I-a dihapus." in survey_part(page)
    assert not SurveyRecord.select().exists()


def test_29_respondents_are_refused_at_the_field_keeping_what_was_typed(client, login, procurement):
    login(HEAD)
    response = client.post(f"/assessments/{procurement.id}/surveys/H-II-a",
                           data={**SURVEY, "respondents": "29"})
    assert response.status_code == 422
    part = survey_part(response.get_data(as_text=True), "H-II-a")
    respondents = re.search(r'<label for="survey-H-II-a-respondents">.*?</label>', part, re.S).group(0)
    assert 'aria-invalid="true"' in respondents and 'value="29"' in respondents
    assert "minimal 30 responden" in text_of(respondents)
    assert 'value="BPS Kabupaten Contoh"' in part and 'value="2026-09-30"' in part
    assert not SurveyRecord.select().exists()


def test_a_period_ending_before_it_starts_is_refused_at_its_end(client, login, procurement):
    login(HEAD)
    response = client.post(f"/assessments/{procurement.id}/surveys/H-I-a",
                           data={**SURVEY, "period_start": "2026-10-01"})
    assert response.status_code == 422
    part = survey_part(response.get_data(as_text=True))
    end = re.search(r'<label for="survey-H-I-a-end">.*?</label>', part, re.S).group(0)
    assert "tidak boleh sebelum" in text_of(end) and 'aria-invalid="true"' in end


@pytest.mark.parametrize("who,status,expected", [
    (TPI, "draft", 403), (TPI, "in_review", 403),         # TPI never edits the unit's record
    (REVIEWER, "draft", 403), (MEMBER, "draft", 403),      # the member's areas are MP and PT
    (HEAD, "in_review", 403), (HEAD, "submitted", 403),    # locked with the unit's answers
])
def test_who_may_not_change_the_record(client, login, procurement, who, status, expected):
    Assessment.update(status=status).where(Assessment.id == procurement.id).execute()
    login(who)
    response = client.post(f"/assessments/{procurement.id}/surveys/H-I-a", data=SURVEY)
    assert response.status_code == expected
    assert not SurveyRecord.select().exists()


def test_tpi_reads_the_record_and_has_no_form(client, login, procurement, criteria):
    login(HEAD)
    client.post(f"/assessments/{procurement.id}/surveys/H-I-a", data=SURVEY)
    Assessment.update(status="in_review").where(Assessment.id == procurement.id).execute()
    login(TPI)
    part = survey_part(client.get(f"/assessments/{procurement.id}/area/H").get_data(as_text=True))
    assert "survey-form" not in part
    assert "30 responden" in text_of(part) and "BPS Kabupaten Contoh" in text_of(part)


def test_another_unit_or_instansi_gets_404_and_a_non_survey_item_too(client, login, procurement, db):
    second = Assessment.select().join(Unit).where(Unit.name != PROCUREMENT).get()
    login(HEAD)
    assert client.post(f"/assessments/{second.id}/surveys/H-I-a", data=SURVEY).status_code == 404
    assert client.post(f"/assessments/{procurement.id}/surveys/P-MP-i-a", data=SURVEY).status_code == 404
    assert not SurveyRecord.select().exists()
