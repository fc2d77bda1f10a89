"""Length limits of notes, comments, reasons and short fields: a clear message at the field, the
typed text shown back, nothing stored; and no note makes a page slow."""

from __future__ import annotations

import html
import time

import pytest

from zi.evidence import service
from zi.models import Answer, Assessment, AuditEvent, EvidenceLink, RevisionRequest, Unit, User
from zi.text import NOTE_MAX_CHARS, SHORT_MAX_CHARS

JSON = {"Accept": "application/json"}


@pytest.fixture
def procurement(db):
    return Assessment.select().join(Unit).where(Unit.name.contains("Pengadaan")).get()


def _answer(assessment, code, layer="unit"):
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.item_code == code)
                              & (Answer.layer == layer))


def _section(page: str, code: str) -> str:
    start = page.index(f'id="item-{code}"')
    end = page.find('<section class="item', start)
    return page[start:end if end != -1 else len(page)]


def test_a_note_of_the_limit_is_saved(client, login, procurement):
    login("pimpinan@contoh.go.id")
    before = _answer(procurement, "P-MP-i-b")
    note = "Justifikasi LKE. " * (NOTE_MAX_CHARS // 17) + "x" * (NOTE_MAX_CHARS % 17)
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b",
                           data={"layer": "unit", "value": "B", "note": note, "version": before.version})
    assert response.status_code == 302
    assert _answer(procurement, "P-MP-i-b").note == note.strip()


def test_a_longer_note_is_refused_at_the_field_and_shown_back(client, login, procurement):
    login("pimpinan@contoh.go.id")
    before = _answer(procurement, "P-MP-i-b")
    note = "Catatan panjang <b>&</b> " + "y" * NOTE_MAX_CHARS
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b",
                           data={"layer": "unit", "value": "C", "note": note, "version": before.version})
    assert response.status_code == 422
    section = _section(response.get_data(as_text=True), "P-MP-i-b")
    assert "terlalu panjang" in section and "20.000" in section  # the message, at the field
    textarea = section[section.index('<textarea name="note">'):]
    assert html.unescape(textarea[len('<textarea name="note">'):textarea.index("</textarea>")]) == note
    assert 'value="C"\n          checked' in section or 'value="C" checked' in " ".join(section.split())
    after = _answer(procurement, "P-MP-i-b")
    assert (after.value, after.note, after.version) == (before.value, before.note, before.version)


def test_a_refused_value_keeps_the_note_typed_with_it(client, login, procurement):
    login("tpi@contoh.go.id")
    Assessment.update(status="in_review").where(Assessment.id == procurement.id).execute()
    response = client.post(f"/assessments/{procurement.id}/items/H-I-a",
                           data={"layer": "tpi", "value": "1e999", "note": "Survei IPK 2026", "version": "0"})
    assert response.status_code == 422
    section = _section(response.get_data(as_text=True), "H-I-a")
    assert "Nilai survei harus angka 0 sampai 4." in section
    assert "Survei IPK 2026</textarea>" in section and 'value="1e999"' in section
    assert _answer(procurement, "H-I-a", "tpi") is None


def test_a_long_revision_comment_is_refused_and_shown_back(client, login, procurement):
    Assessment.update(status="in_review").where(Assessment.id == procurement.id).execute()
    login("tpi@contoh.go.id")
    comment = "Lengkapi SK " + "z" * NOTE_MAX_CHARS
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b/revision",
                           data={"comment": comment})
    assert response.status_code == 422
    section = _section(response.get_data(as_text=True), "P-MP-i-b")
    assert "Permintaan revisi P-MP-i-b tidak dicatat" in section and f'value="{comment}"' in section
    assert RevisionRequest.select().count() == 0
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b/revision",
                           data={"comment": comment[:NOTE_MAX_CHARS]})
    assert response.status_code == 302 and RevisionRequest.get().comment == comment[:NOTE_MAX_CHARS]


def test_a_long_reopen_reason_is_refused_and_shown_back(client, login, procurement):
    Assessment.update(status="accepted").where(Assessment.id == procurement.id).execute()
    login("admin@contoh.go.id")
    reason = "Keberatan unit " + "r" * NOTE_MAX_CHARS
    response = client.post(f"/assessments/{procurement.id}/action/reopen", data={"reason": reason})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Alasan tidak diterima" in page and f">{reason}</textarea>" in page
    assert Assessment.get_by_id(procurement.id).status == "accepted"
    response = client.post(f"/assessments/{procurement.id}/action/reopen", data={"reason": reason[:5000]})
    assert response.status_code == 302 and Assessment.get_by_id(procurement.id).status == "in_review"
    assert AuditEvent.select().where(AuditEvent.action == "status").order_by(AuditEvent.id.desc()).get() \
        .reason == reason[:5000]


def test_evidence_texts_over_their_limits_are_refused_with_a_message(client, login, procurement, criteria):
    login("pimpinan@contoh.go.id")
    url = f"/assessments/{procurement.id}/evidence/link-url"
    base = {"url": "https://contoh.go.id/sk", "title": "SK", "description": "", "items": "P-MP-i-a"}
    cases = {"title": "t" * (SHORT_MAX_CHARS + 1), "description": "d" * (NOTE_MAX_CHARS + 1),
             "url": "https://contoh.go.id/" + "u" * 2_000}
    for field, value in cases.items():
        response = client.post(url, data={**base, field: value}, headers=JSON)
        assert response.status_code == 422, field
        assert "terlalu panjang" in response.get_json()["message"], field
    assert EvidenceLink.select().count() == 0
    response = client.post(url, data={**base, "title": "t" * SHORT_MAX_CHARS,
                                      "description": "d" * NOTE_MAX_CHARS}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["ok"]

    head = User.get(User.email == "pimpinan@contoh.go.id")
    service.add_link(procurement, head, "https://contoh.go.id/sop", "SOP", criteria=criteria,
                     item_codes=["P-MP-i-b"])
    Assessment.update(status="in_review").where(Assessment.id == procurement.id).execute()
    link = EvidenceLink.select().where(EvidenceLink.item_code == "P-MP-i-b").get()
    login("tpi@contoh.go.id")
    response = client.post(f"/assessments/{procurement.id}/evidence/links/{link.id}/review",
                           data={"status": "revision", "comment": "c" * (NOTE_MAX_CHARS + 1)}, headers=JSON)
    assert response.status_code == 422 and "Catatan: teks terlalu panjang" in response.get_json()["message"]
    comment = "Perlu SK bertanda tangan " + "c" * NOTE_MAX_CHARS  # the plain form: shown back
    response = client.post(f"/assessments/{procurement.id}/evidence/links/{link.id}/review",
                           data={"status": "revision", "comment": comment})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Catatan: teks terlalu panjang" in page
    assert f'value="{comment}"' in page
    assert not link.reviews.exists()


def test_admin_short_fields_over_their_limit_are_refused_with_a_message(client, login, db):
    login("admin@contoh.go.id")
    before = Unit.select().count()
    response = client.post("/admin/units", data={"name": "U" * (SHORT_MAX_CHARS + 1)}, follow_redirects=True)
    assert "Nama unit terlalu panjang (256 karakter; paling banyak 255)." in response.get_data(as_text=True)
    assert Unit.select().count() == before
    response = client.post("/admin/units", data={"name": "U" * SHORT_MAX_CHARS}, follow_redirects=True)
    assert Unit.select().count() == before + 1


def test_a_megabyte_in_a_field_is_refused_with_a_message(client, login, procurement):
    """Urlencoded, the note reaches its length check (shown back); multipart, the form parser's
    limit answers first (413, with a message)."""
    login("pimpinan@contoh.go.id")
    url = f"/assessments/{procurement.id}/items/P-MP-i-b"
    data = {"layer": "unit", "value": "A", "note": "n" * 1_000_000, "version": "1"}
    response = client.post(url, data=data)
    assert response.status_code == 422 and "terlalu panjang" in response.get_data(as_text=True)
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Isian terlalu besar; tidak ada yang disimpan." in response.get_data(as_text=True)


def test_a_note_of_thousands_of_brackets_does_not_slow_the_page(client, login, procurement):
    """It took 8 s per view before: Python-Markdown is quadratic on `[`."""
    login("pimpinan@contoh.go.id")
    before = _answer(procurement, "P-MP-i-b")
    note = "[" * 8_000 + " ![" * 2_000 + " [x](" * 1_000
    response = client.post(f"/assessments/{procurement.id}/items/P-MP-i-b",
                           data={"layer": "unit", "value": "B", "note": note, "version": before.version})
    assert response.status_code == 302
    login("reviewer@contoh.go.id")  # read-only: the note is rendered, not in a textarea
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        page = client.get(f"/assessments/{procurement.id}/area/MP")
        timings.append(time.perf_counter() - start)
        assert page.status_code == 200 and "[[[[" in page.get_data(as_text=True)
    assert timings[0] < 1.5 and timings[1] < 1.0, timings
