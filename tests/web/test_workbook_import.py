"""The assessment page's "Impor dari LKE Excel": upload → preview → confirm, with real .xlsx files."""

from __future__ import annotations

import io
import json
import re
import time

import pytest

from tests.web.support import chromium, serve, signed_in
from zi import answers as store
from zi.demo import DEMO_PASSWORD, PROCUREMENT
from zi.lke_workbook import workbook_bytes, write_workbook
from zi.models import Assessment, AuditEvent, EvidenceDocument, Unit
from zi.workbook_import import IMPORT_ACTION


@pytest.fixture
def staging(app, tmp_path):
    """The instance folder of this test's app; its staging files are under lke-import/."""
    app.config["INSTANCE_DIR"] = str(tmp_path / "instance")
    return tmp_path / "instance" / "lke-import"


def _procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def workbook(criteria, assessment, extra_sheet: bool = True) -> bytes:
    answers = {c: a.value for c, a in store.layer_answers(assessment, "unit").items()}
    answers.update({"P-MP-i-a": "Tidak", "P-PP-i-a": "B"})
    wb = write_workbook(criteria, answers, notes={"P-PP-i-a": "Dari LKE 2025"},
                        evidence={"P-PP-i-a": ["SK ZI — https://jdih.contoh.go.id/sk-zi"]})
    if extra_sheet:
        wb.create_sheet("Ctt Eval")["A1"] = "catatan evaluator"
    return workbook_bytes(wb)


def _upload(client, a, data: bytes, name: str = "lke-2025.xlsx", **form):
    return client.post(f"/assessments/{a.id}/lke-import",
                       data={"file": (io.BytesIO(data), name), **form}, content_type="multipart/form-data")


def _token(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_upload_preview_confirm(login, db, criteria, staging):
    a = _procurement()
    client = login("pimpinan@contoh.go.id")
    overview = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert f"/assessments/{a.id}/lke-import" in overview and "Impor dari LKE Excel" in overview
    assert client.get(f"/assessments/{a.id}/lke-import").status_code == 200
    response = _upload(client, a, workbook(criteria, a))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-800:]
    # departures at the top with their rows, then the score before → after, then the items
    assert page.index('id="departures"') < page.index('id="score-change"') < page.index('id="import"')
    assert "Ctt Eval" in page and "Belum ada yang disimpan." in page
    row = re.search(r'<tr class="diff" id="import-P-MP-i-a">(.*?)</tr>', page, re.S).group(1)
    assert "Ya" in row and "Tidak" in row and "berubah" in row
    assert "Dari LKE 2025" in page and "https://jdih.contoh.go.id/sk-zi" in page
    assert 'id="same-P-MP-i-b"' in page  # unchanged items are listed too, folded away
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"  # nothing saved yet
    token = _token(page)
    assert len(list(staging.iterdir())) == 2
    response = client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/assessments/{a.id}")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "LKE lke-2025.xlsx diimpor: 2 jawaban, 1 catatan, 1 tautan data dukung" in shown
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Tidak"
    assert EvidenceDocument.get(EvidenceDocument.url == "https://jdih.contoh.go.id/sk-zi").title == "SK ZI"
    event = AuditEvent.get(AuditEvent.action == IMPORT_ACTION)
    assert event.new["file"] == "lke-2025.xlsx" and event.user.email == "pimpinan@contoh.go.id"
    assert "Jawaban diimpor dari LKE Excel" in client.get(f"/assessments/{a.id}/audit").get_data(as_text=True)
    assert list(staging.iterdir()) == []  # the staging file is gone after the confirmation
    again = client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": token})
    assert again.status_code == 302 and again.headers["Location"].endswith("/lke-import")
    assert AuditEvent.select().where(AuditEvent.action == IMPORT_ACTION).count() == 1


def test_csrf_is_required(app, login, db, criteria, staging):
    a = _procurement()
    client = login("pimpinan@contoh.go.id")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert _upload(client, a, workbook(criteria, a)).status_code == 400  # no token
        page = client.get(f"/assessments/{a.id}/lke-import").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        preview = _upload(client, a, workbook(criteria, a), csrf_token=csrf).get_data(as_text=True)
        assert 'id="import"' in preview
        token = _token(preview)
        refused = client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": token})
        assert refused.status_code == 400
        assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', preview).group(1)
        done = client.post(f"/assessments/{a.id}/lke-import/confirm",
                           data={"token": token, "csrf_token": csrf})
        assert done.status_code == 302
        assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Tidak"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_refused_files_are_told_at_the_field(login, db, criteria, staging):
    a = _procurement()
    client = login("pimpinan@contoh.go.id")
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 1000 + b"\n%%EOF"
    response = _upload(client, a, pdf, "laporan.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<span class="field-error" id="lke-file-error" role="alert">(.*?)</span>', page, re.S)
    assert error and "laporan.xlsx ditolak" in error.group(1)
    assert 'aria-invalid="true"' in page
    wrong = _upload(client, a, pdf, "laporan.pdf")
    assert wrong.status_code == 422 and "hanya berkas Excel .xlsx" in wrong.get_data(as_text=True)
    missing = client.post(f"/assessments/{a.id}/lke-import", data={}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "Pilih berkas LKE" in missing.get_data(as_text=True)
    not_lke = write_workbook(criteria, {})
    not_lke.remove(not_lke.active)
    not_lke.create_sheet("Anggaran")["A1"] = "Belanja"
    refused = _upload(client, a, workbook_bytes(not_lke), "anggaran.xlsx")
    assert refused.status_code == 422 and "bukan LKE" in refused.get_data(as_text=True)
    data = workbook(criteria, a)
    truncated = _upload(client, a, data[: len(data) // 2], "terpotong.xlsx")
    assert truncated.status_code == 422 and "terpotong.xlsx ditolak" in truncated.get_data(as_text=True)
    assert not staging.exists() or list(staging.iterdir()) == []  # nothing staged for refused files
    assert not AuditEvent.select().where(AuditEvent.action == IMPORT_ACTION).exists()


def test_a_staging_is_the_uploaders_own_and_expires(client, login, db, criteria, staging):
    a = _procurement()
    login("pimpinan@contoh.go.id")
    token = _token(_upload(client, a, workbook(criteria, a)).get_data(as_text=True))
    login("anggota@contoh.go.id")  # may import the unit layer too, but not the head's upload
    response = client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/lke-import")
    assert "kedaluwarsa" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"
    assert (staging / f"{token}.xlsx").exists()  # still the head's
    login("pimpinan@contoh.go.id")
    meta = staging / f"{token}.json"
    record = json.loads(meta.read_text())
    meta.write_text(json.dumps({**record, "created": time.time() - 3601}))
    client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": token})
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"  # expired: nothing imported
    for bad in ("../../etc/passwd", "x" * 43, ""):
        assert client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": bad}).status_code == 302
    assert not AuditEvent.select().where(AuditEvent.action == IMPORT_ACTION).exists()


def test_who_may_import(client, login, db, criteria, staging):
    a = _procurement()
    for who, status in (("pimpinan", 200), ("anggota", 200), ("tpi", 403), ("admin", 403)):
        login(f"{who}@contoh.go.id")
        assert client.get(f"/assessments/{a.id}/lke-import").status_code == status, who
        shown = "Impor dari LKE Excel" in client.get(f"/assessments/{a.id}").get_data(as_text=True)
        assert shown == (status == 200), who
    Assessment.update(status="in_review").where(Assessment.id == a.id).execute()
    login("tpi@contoh.go.id")
    page = client.get(f"/assessments/{a.id}/lke-import").get_data(as_text=True)
    assert 'name="layer" value="tpi"' in page
    login("pimpinan@contoh.go.id")
    assert client.get(f"/assessments/{a.id}/lke-import").status_code == 403
    Assessment.update(status="accepted").where(Assessment.id == a.id).execute()
    login("tpi@contoh.go.id")
    assert client.get(f"/assessments/{a.id}/lke-import").status_code == 403


def test_a_pokja_member_sees_what_is_skipped(client, login, db, criteria, staging):
    a = _procurement()
    login("anggota@contoh.go.id")
    page = _upload(client, a, workbook(criteria, a)).get_data(as_text=True)
    assert "dilewati: tidak dapat Anda ubah" in page  # P-PP-i-a is not in their areas
    client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": _token(page)})
    stored = store.layer_answers(a, "unit")
    assert stored["P-MP-i-a"].value == "Tidak" and "P-PP-i-a" not in stored


def test_too_large_is_told_at_the_field(app, login, db, criteria, staging):
    a = _procurement()
    client = login("pimpinan@contoh.go.id")
    data = workbook(criteria, a)
    app.config["WORKBOOK_MAX_BYTES"] = len(data) - 1
    refused = _upload(client, a, data)
    assert refused.status_code == 413 and "melebihi batas" in refused.get_data(as_text=True)
    assert 'id="lke-file-error"' in refused.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2048  # the whole request over the app's limit
    body = _upload(client, a, data)
    assert body.status_code == 413 and 'id="lke-file-error"' in body.get_data(as_text=True)
    assert not staging.exists() or list(staging.iterdir()) == []


@pytest.mark.slow
def test_on_a_phone(app, db, criteria, staging, tmp_path):
    """At 390 px the preview fits the screen (its tables scroll inside their frame) and the import
    goes through in a real browser."""
    a = _procurement()
    path = tmp_path / "lke-2025.xlsx"
    path.write_bytes(workbook(criteria, a))
    db.close()
    with serve(app) as base, chromium() as browser:
        context, page = signed_in(browser, base, "pimpinan", width=390)
        page.goto(f"/assessments/{a.id}")
        page.get_by_role("link", name="Impor dari LKE Excel").click()
        page.get_by_label("Berkas LKE (.xlsx)").set_input_files(str(path))
        page.get_by_role("button", name="Pratinjau").click()
        page.wait_for_selector("#import-P-MP-i-a")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator("#departures").is_visible()
        page.get_by_role("button", name="Impor", exact=True).click()
        page.wait_for_selector(".flash.success")
        assert "2 jawaban" in page.locator(".flash.success").inner_text()
        context.close()
    db.connect(reuse_if_open=True)
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Tidak"


def test_an_edit_between_preview_and_confirm_is_not_overwritten(client, login, db, criteria, staging):
    """The preview's versions travel in the staging record: a save meanwhile refuses the import,
    naming the item, and nothing is written."""
    a = _procurement()
    login("pimpinan@contoh.go.id")
    page = _upload(client, a, workbook(criteria, a)).get_data(as_text=True)
    record = json.loads(next(staging.glob("*.json")).read_text())
    mp = store.layer_answers(a, "unit")["P-MP-i-a"]
    assert record["versions"]["P-MP-i-a"] == mp.version and record["versions"]["P-PP-i-a"] == 0
    login("anggota@contoh.go.id")  # a colleague saves the item in the meantime
    saved = client.post(f"/assessments/{a.id}/items/P-MP-i-a",
                        data={"value": "Ya", "note": "sudah diperiksa", "version": mp.version})
    assert saved.status_code in (200, 302)
    login("pimpinan@contoh.go.id")
    response = client.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": _token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/lke-import")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tidak diimpor" in shown and "P-MP-i-a diubah setelah pratinjau" in shown
    stored = store.layer_answers(a, "unit")
    assert stored["P-MP-i-a"].note == "sudah diperiksa" and "P-PP-i-a" not in stored
    assert not AuditEvent.select().where(AuditEvent.action == IMPORT_ACTION).exists()
    assert list(staging.iterdir()) == []  # refused: upload again for a fresh preview


def test_an_upload_sweeps_expired_stagings_of_everyone(login, db, criteria, staging):
    import os

    a = _procurement()
    staging.mkdir(parents=True)
    old = time.time() - 3700
    for name in ("ditinggal.xlsx", "ditinggal.json"):
        (staging / name).write_bytes(b"{}")
        os.utime(staging / name, (old, old))
    client = login("pimpinan@contoh.go.id")
    assert _upload(client, a, workbook(criteria, a)).status_code == 200
    left = sorted(p.suffix for p in staging.iterdir())
    assert left == [".json", ".xlsx"] and not (staging / "ditinggal.xlsx").exists()


@pytest.fixture
def limited_app(database_url, tmp_path, criteria_registry):
    from zi.db import database
    from zi.web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": True, "LKE_IMPORT_RATE_LIMIT": "3 per minute",
                      "EVIDENCE_DIR": str(tmp_path / "evidence"), "INSTANCE_DIR": str(tmp_path / "instance")},
                     criteria=criteria_registry)
    database.connect(reuse_if_open=True)
    yield app
    if not database.is_closed():
        database.close()


def test_uploads_and_confirmations_are_rate_limited_per_person(limited_app, criteria):
    """Reading a workbook takes a worker seconds: one person gets LKE_IMPORT_RATE_LIMIT uploads and
    confirmations together, then a refusal at the field; another person still has their own.
    (Not the `app`/`db` fixtures: a second app would switch the one limiter off again.)"""
    a = _procurement()
    data = workbook(criteria, a)

    def signed_in(email: str):
        client = limited_app.test_client()
        assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
        return client

    head = signed_in("pimpinan@contoh.go.id")
    first = _upload(head, a, data).get_data(as_text=True)
    assert _upload(head, a, data).status_code == 200
    assert head.post(f"/assessments/{a.id}/lke-import/confirm",
                     data={"token": _token(first)}).status_code == 302  # the third of three
    refused = _upload(head, a, data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and refused.headers.get("Retry-After")
    assert 'id="lke-file-error"' in page and "Terlalu banyak unggahan atau impor LKE" in page
    assert head.post(f"/assessments/{a.id}/lke-import/confirm", data={"token": "x" * 43}).status_code == 429
    member = signed_in("anggota@contoh.go.id")  # the same address, another person
    assert _upload(member, a, data).status_code == 200
