"""Evidence through the web routes and the `zi evidence` commands, on the demo database."""

from __future__ import annotations

import hashlib
import io
import os
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.http import parse_options_header

import zi.admin as ops
from tests.evidence.helpers import (
    ELF,
    EXE,
    HEX64,
    MB,
    bomb_entry,
    files_under,
    pdf,
    plain_zip,
    png,
    stored_files,
)
from zi.demo import DEMO_PASSWORD, INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.evidence import LocalStore, service
from zi.models import (
    Assessment,
    AuditEvent,
    EvidenceDocument,
    EvidenceFile,
    EvidenceLink,
    EvidenceReview,
    EvidenceRevision,
    Instansi,
    Unit,
)
from zi.passwords import hash_password

JSON = {"Accept": "application/json"}
_HASHES: dict[str, str] = {}


def _cached_hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def w(db, app, criteria, monkeypatch):
    """The demo plus a head of the second unit and an admin of another instansi."""
    instansi = Instansi.get(Instansi.name == INSTANSI)
    own = Unit.get((Unit.instansi == instansi) & (Unit.name == PROCUREMENT))
    second = Unit.get((Unit.instansi == instansi) & (Unit.name == SECOND_UNIT))
    monkeypatch.setattr(ops, "hash_password", _cached_hash)
    head2 = ops.create_user("kepala@dpmptsp.contoh.go.id", "Kepala DPMPTSP", DEMO_PASSWORD, instansi=instansi)
    ops.assign_role(head2, "head", instansi, second)
    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    ops.create_unit(other, "Inspektorat Kota Lain")
    stranger = ops.create_user("admin@lain.go.id", "Admin Kota Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "admin", other)
    return {
        "criteria": criteria,
        "own": Assessment.get(Assessment.unit == own),
        "second": Assessment.get(Assessment.unit == second),
        "store": LocalStore(app.config["EVIDENCE_DIR"]),
        "root": Path(app.config["EVIDENCE_DIR"]),
    }


def post_upload(
    client, assessment_id: int, data: bytes, name: str, items=("P-MP-i-a",), headers=JSON, **form
):
    return client.post(
        f"/assessments/{assessment_id}/evidence/upload",
        headers=headers,
        data={"file": (io.BytesIO(data), name), "items": list(items), **form},
        content_type="multipart/form-data",
    )


def upload_ok(
    client, assessment_id: int, data: bytes, name: str = "SK Tim.pdf", **kwargs
) -> EvidenceRevision:
    response = post_upload(client, assessment_id, data, name, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["ok"] is True
    return EvidenceRevision.select().order_by(EvidenceRevision.id.desc()).first()


def disposition(response) -> tuple[str, dict]:
    return parse_options_header(response.headers["Content-Disposition"])


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def set_status(assessment: Assessment, status: str) -> None:
    Assessment.update(status=status).where(Assessment.id == assessment.id).execute()


# --- upload and download -------------------------------------------------------------------


def test_upload_answers_json_and_download_gives_the_exact_bytes(w, login):
    client = login("anggota@contoh.go.id")
    data = pdf("SK Tim Kerja") + os.urandom(3000)
    response = post_upload(
        client, w["own"].id, data, "SK Tim Kerja.pdf", title="SK Tim", document_date="2026-01-05"
    )

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["ok"] is True
    assert "SK Tim Kerja.pdf" in body["message"] and "1" in body["message"]
    revision = EvidenceRevision.get()
    assert revision.document.title == "SK Tim" and revision.document.document_date == date(2026, 1, 5)
    assert [lk.item_code for lk in EvidenceLink.select()] == ["P-MP-i-a"]

    download = client.get(f"/evidence/revisions/{revision.id}/file")
    assert download.status_code == 200
    assert download.data == data
    assert hashlib.sha256(download.data).hexdigest() == revision.file.sha256
    assert disposition(download) == ("attachment", {"filename": "SK Tim Kerja.pdf"})
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Length"] == str(len(data))
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "no-store" in download.headers["Cache-Control"]

    by_hash = client.get(f"/evidence/sha256/{revision.file.sha256.upper()}")
    assert by_hash.status_code == 200 and by_hash.data == data


def test_upload_as_plain_form_redirects_with_a_flash(w, login):
    client = login("anggota@contoh.go.id")
    response = post_upload(client, w["own"].id, pdf(), "a.pdf", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert [c for c, _ in flashes(client)] == ["success"]


def test_upload_without_a_file_is_a_400(w, login):
    client = login("anggota@contoh.go.id")
    response = client.post(
        f"/assessments/{w['own'].id}/evidence/upload",
        headers=JSON,
        data={"items": "P-MP-i-a"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and response.get_json()["ok"] is False
    assert EvidenceDocument.select().count() == 0


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("a<b>:c|d?.PDF", "a_b__c_d_.pdf"),
        ("Laporan Kinerja — Triwulan I.pdf", "Laporan Kinerja — Triwulan I.pdf"),
        ("tanpa ekstensi", "tanpa ekstensi.pdf"),
        ("gambar.jpg", "gambar.pdf"),  # the content decides the extension
    ],
)
def test_download_name_is_sanitised(w, login, sent, shown):
    client = login("anggota@contoh.go.id")
    revision = upload_ok(client, w["own"].id, pdf(), sent)
    assert revision.filename == shown
    response = client.get(f"/evidence/revisions/{revision.id}/file")
    kind, options = disposition(response)
    assert kind == "attachment"
    assert options["filename"] == shown
    assert (
        "\r" not in response.headers["Content-Disposition"]
        and "\n" not in response.headers["Content-Disposition"]
    )


@pytest.mark.parametrize(
    "data, name, inline",
    [
        (pdf(), "a.pdf", True),
        (png(), "b.png", True),
        (plain_zip(), "c.zip", False),
    ],
)
def test_inline_only_for_pdfs_and_images(w, login, data, name, inline):
    client = login("anggota@contoh.go.id")
    revision = upload_ok(client, w["own"].id, data, name)

    response = client.get(f"/evidence/revisions/{revision.id}/file?inline=1")
    assert response.status_code == 200 and response.data == data
    assert disposition(response)[0] == ("inline" if inline else "attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if inline:
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    else:
        assert "sandbox" in response.headers["Content-Security-Policy"]
    assert disposition(client.get(f"/evidence/revisions/{revision.id}/file"))[0] == "attachment"


@pytest.mark.parametrize("content", [EXE, ELF], ids=["exe", "elf"])
def test_executable_named_pdf_is_refused_and_earlier_evidence_stays(w, login, content):
    client = login("anggota@contoh.go.id")
    good = upload_ok(client, w["own"].id, pdf("asli"), "SK.pdf")
    events = AuditEvent.select().count()

    response = post_upload(
        client, w["own"].id, content, "SK revisi.pdf", items=(), document_id=str(good.document_id)
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["ok"] is False
    assert "SK revisi.pdf" in body["message"] and "ditolak" in body["message"]
    assert "tidak diizinkan" in body["message"]
    assert ("application/x-msdownload" if content == EXE else "application/x-executable") in body["message"]
    assert EvidenceRevision.select().count() == 1
    assert EvidenceFile.select().count() == 1
    assert AuditEvent.select().count() == events
    assert stored_files(w["root"]) == [w["store"].path(good.file.sha256)]
    assert files_under(w["root"] / "tmp") == []
    assert client.get(f"/evidence/revisions/{good.id}/file").data == pdf("asli")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.pdf", "..\\..\\windows\\system.ini.pdf", "/etc/passwd.pdf"]
)
def test_path_traversal_in_the_file_name_is_stored_under_a_safe_name(w, login, tmp_path, name):
    client = login("anggota@contoh.go.id")
    revision = upload_ok(client, w["own"].id, pdf("jalur"), name)

    assert "/" not in revision.filename and "\\" not in revision.filename and ".." not in revision.filename
    # (the test client's multipart encoding may swallow backslashes; either way no folder survives)
    assert revision.filename.endswith(("passwd.pdf", "system.ini.pdf"))
    # the only file written is the content-addressed one, inside the evidence folder
    [stored] = stored_files(w["root"])
    assert HEX64.fullmatch(stored.name) and stored.name == revision.file.sha256
    assert not any(p.name.startswith(("passwd", "system")) for p in tmp_path.rglob("*"))
    assert (
        disposition(client.get(f"/evidence/revisions/{revision.id}/file"))[1]["filename"] == revision.filename
    )


def test_a_malformed_document_id_is_not_a_server_error(w, login):
    client = login("anggota@contoh.go.id")
    response = post_upload(client, w["own"].id, pdf(), "a.pdf", document_id="abc")
    assert response.status_code in (400, 404)


class TestSizeLimit:
    """An app whose limits are small: 1 MB per file, 2 MB per request."""

    @pytest.fixture
    def app(self, database_url, tmp_path, criteria_registry):
        from zi.db import database
        from zi.web import create_app

        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": database_url,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "EVIDENCE_DIR": str(tmp_path / "evidence"),
                "EVIDENCE_MAX_BYTES": MB,
                "MAX_CONTENT_LENGTH": 2 * MB,
            },
            criteria=criteria_registry,
        )
        yield app
        if not database.is_closed():
            database.close()

    @pytest.mark.parametrize(
        "size, status", [(MB + MB // 2, 422), (3 * MB, 413)], ids=["over-file-limit", "over-request-limit"]
    )
    def test_too_big_stores_nothing(self, w, login, size, status):
        client = login("anggota@contoh.go.id")
        response = post_upload(client, w["own"].id, pdf().ljust(size, b"\x00"), "besar.pdf")

        assert response.status_code == status
        body = response.get_json()
        assert body["ok"] is False and "1 MB" in body["message"]
        assert EvidenceFile.select().count() == 0 and EvidenceDocument.select().count() == 0
        assert files_under(w["root"]) == []

    def test_just_under_the_limit_is_accepted(self, w, login):
        client = login("anggota@contoh.go.id")
        revision = upload_ok(client, w["own"].id, pdf().ljust(MB, b"\x00"), "pas.pdf")
        assert revision.file.size == MB


# --- who may do what --------------------------------------------------------------------------


def test_another_units_people_cannot_reach_the_file(w, login):
    client = login("anggota@contoh.go.id")
    revision = upload_ok(client, w["own"].id, pdf("rahasia unit"), "rahasia.pdf")
    sha, doc_id = revision.file.sha256, revision.document_id
    urls = [
        f"/evidence/revisions/{revision.id}/file",
        f"/evidence/revisions/{revision.id}/file?inline=1",
        f"/evidence/sha256/{sha}",
    ]
    for url in urls:  # the owner's side: the same URLs work
        assert client.get(url).status_code == 200, url
    urls.append(f"/evidence/documents/{doc_id}")

    for email, assessment in [("kepala@dpmptsp.contoh.go.id", w["second"]), ("admin@lain.go.id", w["own"])]:
        client = login(email)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (email, url)
            assert b"rahasia unit" not in response.data
        linked = client.post(
            f"/assessments/{assessment.id}/evidence/link",
            headers=JSON,
            data={"document_id": doc_id, "item": "P-MP-i-b"},
        )
        assert linked.status_code in (403, 404), email
        revised = post_upload(
            client, assessment.id, pdf("menimpa"), "x.pdf", items=(), document_id=str(doc_id)
        )
        assert revised.status_code in (403, 404), email
        trashed = client.post(f"/evidence/documents/{doc_id}/trash")
        assert trashed.status_code in (403, 404), email

    assert EvidenceLink.select().count() == 1
    assert EvidenceRevision.select().count() == 1
    assert EvidenceDocument.get_by_id(doc_id).deleted_at is None


def test_a_member_cannot_use_another_units_assessment(w, login):
    client = login("anggota@contoh.go.id")
    response = post_upload(client, w["second"].id, pdf(), "a.pdf")
    assert response.status_code == 404
    assert EvidenceDocument.select().count() == 0


@pytest.mark.parametrize("email", ["reviewer@contoh.go.id", "tpi@contoh.go.id", "admin@contoh.go.id"])
def test_people_outside_the_unit_team_cannot_upload(w, login, email):
    client = login(email)
    assert post_upload(client, w["own"].id, pdf(), "a.pdf").status_code == 403
    assert (
        client.post(
            f"/assessments/{w['own'].id}/evidence/link-url",
            headers=JSON,
            data={"url": "https://contoh.go.id", "items": "P-MP-i-a"},
        ).status_code
        == 403
    )
    assert EvidenceDocument.select().count() == 0
    assert files_under(w["root"]) == []


def test_a_pokja_member_uploads_only_for_their_areas(w, login):
    client = login("anggota@contoh.go.id")
    assert post_upload(client, w["own"].id, pdf(), "a.pdf", items=("P-SDM-i-a",)).status_code == 403
    assert (
        post_upload(client, w["own"].id, pdf(), "a.pdf", items=("P-PT-i-a", "P-SDM-i-a")).status_code == 403
    )
    assert EvidenceDocument.select().count() == 0
    upload_ok(client, w["own"].id, pdf(), "a.pdf", items=("P-PT-i-a",))


def test_no_uploads_once_the_assessment_is_submitted(w, login):
    set_status(w["own"], "submitted")
    client = login("pimpinan@contoh.go.id")
    assert post_upload(client, w["own"].id, pdf(), "a.pdf").status_code == 403
    set_status(w["own"], "revision")
    upload_ok(client, w["own"].id, pdf(), "a.pdf")


def test_a_pokja_member_cannot_revise_evidence_of_another_area(w, login):
    head = login("pimpinan@contoh.go.id")
    revision = upload_ok(head, w["own"].id, pdf("SDM"), "sdm.pdf", items=("P-SDM-i-a",))
    member = login("anggota@contoh.go.id")
    response = post_upload(
        member, w["own"].id, pdf("ditimpa"), "x.pdf", items=(), document_id=str(revision.document_id)
    )
    assert response.status_code == 403
    assert EvidenceRevision.select().count() == 1


def test_external_link_route(w, login):
    client = login("anggota@contoh.go.id")
    bad = client.post(
        f"/assessments/{w['own'].id}/evidence/link-url",
        headers=JSON,
        data={"url": "javascript:alert(1)", "title": "x", "items": "P-PT-i-a"},
    )
    assert bad.status_code == 422 and "http://" in bad.get_json()["message"]
    good = client.post(
        f"/assessments/{w['own'].id}/evidence/link-url",
        headers=JSON,
        data={"url": "https://lapor.go.id/laporan/1", "title": "LAPOR!", "items": "P-PT-i-a"},
    )
    assert good.status_code == 200 and good.get_json()["ok"] is True
    [document] = EvidenceDocument.select()
    assert document.url == "https://lapor.go.id/laporan/1"
    page = client.get(f"/assessments/{w['own'].id}/evidence?area=PT").get_data(as_text=True)
    assert 'href="https://lapor.go.id/laporan/1" rel="noopener noreferrer nofollow"' in page


def test_tpi_reviews_only_while_in_review(w, login):
    client = login("anggota@contoh.go.id")
    upload_ok(client, w["own"].id, pdf())
    link = EvidenceLink.get()
    url = f"/assessments/{w['own'].id}/evidence/links/{link.id}/review"

    tpi = login("tpi@contoh.go.id")
    for status in ("draft", "submitted", "revision", "accepted"):
        set_status(w["own"], status)
        assert tpi.post(url, headers=JSON, data={"status": "accepted"}).status_code == 403, status
    assert EvidenceReview.select().count() == 0

    set_status(w["own"], "in_review")
    assert "Terima" in tpi.get(f"/assessments/{w['own'].id}/evidence").get_data(as_text=True)
    empty = tpi.post(url, headers=JSON, data={"status": "revision", "comment": " "})
    assert empty.status_code == 422 and EvidenceReview.select().count() == 0
    answer = tpi.post(url, headers=JSON, data={"status": "revision", "comment": "Belum ditandatangani"})
    assert answer.status_code == 200 and answer.get_json()["ok"] is True
    [verdict] = EvidenceReview.select()
    assert (verdict.status, verdict.comment, verdict.reviewer.email) == (
        "revision",
        "Belum ditandatangani",
        "tpi@contoh.go.id",
    )

    for email in ("anggota@contoh.go.id", "pimpinan@contoh.go.id", "reviewer@contoh.go.id"):
        other = login(email)
        assert other.post(url, headers=JSON, data={"status": "accepted"}).status_code == 403, email
    assert EvidenceReview.select().count() == 1


def test_review_of_a_link_of_another_assessment_is_404(w, login):
    client = login("pimpinan@contoh.go.id")
    upload_ok(client, w["own"].id, pdf())
    link = EvidenceLink.get()
    set_status(w["second"], "in_review")
    tpi = login("tpi@contoh.go.id")  # TPI of both units
    response = tpi.post(
        f"/assessments/{w['second'].id}/evidence/links/{link.id}/review",
        headers=JSON,
        data={"status": "accepted"},
    )
    assert response.status_code == 404
    assert EvidenceReview.select().count() == 0


def test_overview_shows_the_newest_version(w, login):
    client = login("anggota@contoh.go.id")
    first = upload_ok(client, w["own"].id, pdf("v1"), "SK.pdf", title="SK Tim Kerja")
    latest = upload_ok(
        client, w["own"].id, pdf("v2"), "SK v2.pdf", items=(), document_id=str(first.document_id)
    )

    overview = client.get(f"/assessments/{w['own'].id}/evidence")
    assert overview.status_code == 200
    text = overview.get_data(as_text=True)
    assert "SK Tim Kerja" in text and "SK v2.pdf" in text
    assert f"/evidence/revisions/{latest.id}/file" in text
    assert f"/evidence/revisions/{first.id}/file" not in text


def test_document_page_shows_the_revision_history(w, login):
    member = login("anggota@contoh.go.id")
    first = upload_ok(member, w["own"].id, pdf("v1"), "SK.pdf", title="SK Tim Kerja")
    head = login("pimpinan@contoh.go.id")
    second = upload_ok(
        head, w["own"].id, pdf("v2"), "SK v2.pdf", items=(), document_id=str(first.document_id)
    )

    response = login("admin@contoh.go.id").get(f"/evidence/documents/{first.document_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = page.split("<tr>")[2:]  # after the header row, newest first
    assert len(rows) == 2
    assert (
        "SK v2.pdf" in rows[0] and "Kepala Bagian Pengadaan" in rows[0] and second.file.sha256[:16] in rows[0]
    )
    assert (
        "SK.pdf" in rows[1] and "Anggota Pokja MP &amp; PT" in rows[1] and first.file.sha256[:16] in rows[1]
    )
    assert f"/evidence/revisions/{second.id}/file?inline=1" in page  # a PDF: previewed in a frame


def test_trash_by_the_head_restore_by_the_admin(w, login):
    client = login("anggota@contoh.go.id")
    revision = upload_ok(client, w["own"].id, pdf())
    doc_id = revision.document_id
    assert client.post(f"/evidence/documents/{doc_id}/trash").status_code == 403

    assert login("pimpinan@contoh.go.id").post(f"/evidence/documents/{doc_id}/trash").status_code == 302
    assert EvidenceDocument.get_by_id(doc_id).deleted_at is not None
    assert login("pimpinan@contoh.go.id").post(f"/evidence/documents/{doc_id}/restore").status_code == 403

    assert login("admin@contoh.go.id").post(f"/evidence/documents/{doc_id}/restore").status_code == 302
    assert EvidenceDocument.get_by_id(doc_id).deleted_at is None
    assert [
        e.action
        for e in AuditEvent.select()
        .where(AuditEvent.action.in_(["evidence:trash", "evidence:restore"]))
        .order_by(AuditEvent.id)
    ] == ["evidence:trash", "evidence:restore"]


# --- ZIP import ---------------------------------------------------------------------------------


def lke_zip(extra: dict[str, bytes] | None = None, bomb: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf", pdf("SK Tim"))
        archive.writestr("REFORM/2.iii.b x.pdf", pdf("Reform PT"))
        archive.writestr(zipfile.ZipInfo("../../1.i.b keluar.pdf"), pdf("keluar"))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
        if bomb:
            bomb_entry(archive, "1.ii.a bom.pdf", megabytes=20)
    return buffer.getvalue()


def post_zip(client, assessment_id: int, data: bytes):
    return client.post(
        f"/assessments/{assessment_id}/evidence/import",
        data={"archive": (io.BytesIO(data), "data-dukung.zip")},
        content_type="multipart/form-data",
    )


def test_zip_import_previews_then_stores_on_confirm(w, login):
    client = login("pimpinan@contoh.go.id")
    assert client.get(f"/assessments/{w['own'].id}/evidence/import").status_code == 200

    preview = post_zip(client, w["own"].id, lke_zip())
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    for text in (
        "AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf",
        "P-MP-i-a",
        "REFORM/2.iii.b x.pdf",
        "R-PT-iii-b",
        "../../1.i.b keluar.pdf",
        "keluar dari folder",
        "zip bomb",
        "Impor 2 berkas",
    ):
        assert text in page, text
    # nothing stored yet; the ZIP waits in the evidence temp folder
    assert EvidenceFile.select().count() == 0 and EvidenceDocument.select().count() == 0
    assert stored_files(w["root"]) == []
    [held] = files_under(w["root"] / "tmp")

    confirm = client.post(f"/assessments/{w['own'].id}/evidence/import/confirm")
    assert confirm.status_code == 302
    assert confirm.headers["Location"].endswith(f"/assessments/{w['own'].id}/evidence")
    assert ("success", "2 berkas diimpor, 2 dilewati.") in flashes(client)
    assert not held.exists()
    linked = service.linked_documents(w["own"])
    assert sorted(linked) == ["P-MP-i-a", "R-PT-iii-b"]
    assert b"".join(w["store"].chunks(linked["P-MP-i-a"][0].latest.file.sha256)) == pdf("SK Tim")
    assert len(stored_files(w["root"])) == 2

    # the preview is used once: confirming again imports nothing
    again = client.post(f"/assessments/{w['own'].id}/evidence/import/confirm")
    assert again.status_code == 302 and again.headers["Location"].endswith("/evidence/import")
    assert EvidenceDocument.select().count() == 2


def test_zip_import_preview_is_bound_to_its_assessment(w, login):
    client = login("pimpinan@contoh.go.id")
    post_zip(client, w["own"].id, lke_zip(bomb=False))
    set_status(w["second"], "draft")
    # pimpinan has no role on the second unit: the confirm URL of that assessment is a 404
    assert client.post(f"/assessments/{w['second'].id}/evidence/import/confirm").status_code == 404
    assert EvidenceDocument.select().count() == 0


def test_a_broken_zip_is_refused_with_a_message(w, login):
    client = login("pimpinan@contoh.go.id")
    response = post_zip(client, w["own"].id, b"PK\x03\x04 not really a zip")
    assert response.status_code == 200
    assert any(
        "ZIP ditolak" in message for _, message in flashes(client)
    ) or "ZIP ditolak" in response.get_data(as_text=True)
    assert files_under(w["root"]) == []
    assert client.post(f"/assessments/{w['own'].id}/evidence/import/confirm").status_code == 302
    assert EvidenceDocument.select().count() == 0


def test_zip_import_is_for_the_unit_team_only(w, login):
    for email in ("reviewer@contoh.go.id", "tpi@contoh.go.id"):
        client = login(email)
        assert post_zip(client, w["own"].id, lke_zip(bomb=False)).status_code == 403
        assert client.post(f"/assessments/{w['own'].id}/evidence/import/confirm").status_code == 403
    assert files_under(w["root"]) == []


def test_zip_import_by_a_pokja_member_keeps_to_their_areas(w, login):
    client = login("anggota@contoh.go.id")
    post_zip(client, w["own"].id, lke_zip({"AREA III/3.i.a rencana.pdf": pdf("SDM")}, bomb=False))
    client.post(f"/assessments/{w['own'].id}/evidence/import/confirm")
    linked = service.linked_documents(w["own"])
    assert "P-MP-i-a" in linked
    assert "P-SDM-i-a" not in linked


def test_zip_import_with_a_lying_header_is_not_a_server_error(w, login):
    from tests.evidence.test_service import liar_archive

    client = login("pimpinan@contoh.go.id")
    post_zip(client, w["own"].id, liar_archive())
    response = client.post(f"/assessments/{w['own'].id}/evidence/import/confirm")
    assert response.status_code == 302
    assert sorted(service.linked_documents(w["own"])) == ["P-MP-i-a", "P-MP-ii-a"]


# --- the zi evidence commands -----------------------------------------------------------------


@pytest.fixture
def cli(app, database_url):
    from zi.cli import main

    env = {"DATABASE_URL": database_url, "ZI_EVIDENCE_DIR": app.config["EVIDENCE_DIR"], "ZI_S3_BUCKET": ""}

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)

    return invoke


def test_cli_verify_reports_altered_and_missing_files(w, login, cli):
    client = login("anggota@contoh.go.id")
    kept = upload_ok(client, w["own"].id, pdf("utuh"), "utuh.pdf")
    changed = upload_ok(client, w["own"].id, pdf("diubah"), "ubah.pdf")

    result = cli("evidence", "verify")
    assert result.exit_code == 0, result.output
    assert "2 file(s) checked, 0 missing, 0 altered." in result.output
    assert "ALTERED" not in result.output

    path = w["store"].path(changed.file.sha256)
    path.write_bytes(path.read_bytes() + b"% disisipkan\n")
    result = cli("evidence", "verify")
    assert result.exit_code == 1
    assert f"ALTERED {changed.file.sha256}" in result.output
    assert kept.file.sha256 not in result.output
    assert "2 file(s) checked, 0 missing, 1 altered." in result.output

    w["store"].path(kept.file.sha256).unlink()
    result = cli("evidence", "verify")
    assert result.exit_code == 1
    assert f"MISSING {kept.file.sha256}" in result.output


def test_cli_export_writes_a_zip_with_an_index(w, login, cli, tmp_path):
    client = login("anggota@contoh.go.id")
    revision = upload_ok(client, w["own"].id, pdf("SK Tim"), "SK Tim.pdf")
    out = tmp_path / "ekspor.zip"

    result = cli("evidence", "export", PROCUREMENT, 2026, "-o", out)

    assert result.exit_code == 0, result.output
    assert f"Wrote {out} with 1 file(s)." in result.output
    archive = zipfile.ZipFile(out)
    assert "index.html" in archive.namelist()
    [entry] = [n for n in archive.namelist() if n.endswith("/P-MP-i-a/SK Tim.pdf")]
    assert archive.read(entry) == pdf("SK Tim")
    assert revision.file.sha256 in archive.read("index.html").decode()


def test_cli_export_of_an_unknown_unit_is_a_usage_error(w, cli, tmp_path):
    result = cli("evidence", "export", "Unit Yang Tidak Ada", 2026, "-o", tmp_path / "x.zip")
    assert result.exit_code == 2
    assert "0 assessments" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_zip_previews_never_confirmed_are_cleaned_up_after_a_day(w, login):
    client = login("pimpinan@contoh.go.id")
    folder = w["root"] / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    old, recent = folder / "tmpold.zip", folder / "tmprecent.zip"
    for path in (old, recent):
        path.write_bytes(b"PK")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    post_zip(client, w["own"].id, lke_zip(bomb=False))
    assert not old.exists() and recent.exists()
