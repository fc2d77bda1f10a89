"""What people do with evidence (zi.evidence.service) and evidence in bulk (zi.evidence.bundle)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import socket
import zipfile
from datetime import date

import pytest

from zi.evidence import RejectedFile, TooLarge, bundle, service
from zi.evidence.service import EvidenceError
from zi.models import (
    AuditEvent,
    EvidenceDocument,
    EvidenceFile,
    EvidenceLink,
    EvidenceReview,
    EvidenceRevision,
)
from zi.summary import HASIL, area_of

from .helpers import EXE, MB, bomb_entry, files_under, make_zip, pdf, png, stored_files


def up(
    world,
    store,
    data: bytes,
    name: str = "SK Tim.pdf",
    codes=("P-MP-i-a",),
    user="anggota",
    assessment="own",
    **kwargs,
) -> EvidenceRevision:
    return service.upload(
        store,
        world[assessment],
        world[user],
        io.BytesIO(data),
        name,
        criteria=world["criteria"],
        max_bytes=kwargs.pop("max_bytes", 5 * MB),
        item_codes=codes,
        **kwargs,
    )


def links_of(assessment, code: str) -> list[EvidenceLink]:
    return list(
        EvidenceLink.select().where(
            (EvidenceLink.assessment == assessment) & (EvidenceLink.item_code == code)
        )
    )


def actions() -> list[str]:
    return [
        e.action
        for e in AuditEvent.select().where(AuditEvent.action.startswith("evidence:")).order_by(AuditEvent.id)
    ]


# --- upload, revisions, links --------------------------------------------------------


def test_demo_starts_without_evidence(world):
    assert EvidenceFile.select().count() == 0
    assert EvidenceDocument.select().count() == 0


def test_upload_creates_document_revision_one_and_link(world, store):
    data = pdf("SK Tim Kerja")
    revision = up(
        world,
        store,
        data,
        "SK Tim Kerja ZI.pdf",
        document_date=date(2026, 1, 5),
        description="  Nomor 100/2026  ",
    )

    document = EvidenceDocument.get()
    assert revision.document_id == document.id and revision.number == 1
    assert revision.filename == "SK Tim Kerja ZI.pdf"
    assert revision.uploaded_by_id == world["anggota"].id and revision.uploaded_at is not None
    assert document.title == "SK Tim Kerja ZI"  # from the file name when no title is given
    assert document.unit_id == world["own"].unit_id
    assert document.document_date == date(2026, 1, 5) and document.description == "Nomor 100/2026"
    assert not document.is_link
    assert revision.file.sha256 == hashlib.sha256(data).hexdigest()
    assert (revision.file.size, revision.file.mime, revision.file.extension) == (
        len(data),
        "application/pdf",
        "pdf",
    )
    assert [lk.document_id for lk in links_of(world["own"], "P-MP-i-a")] == [document.id]
    assert store.path(revision.file.sha256).read_bytes() == data
    event = AuditEvent.get(AuditEvent.action == "evidence:upload")
    assert event.user_id == world["anggota"].id and event.assessment_id == world["own"].id
    assert event.new["sha256"] == revision.file.sha256 and event.new["items"] == ["P-MP-i-a"]


def test_upload_names_the_file_after_its_content(world, store):
    revision = up(world, store, png(), "foto kegiatan.pdf")
    assert revision.filename == "foto kegiatan.png"
    assert revision.file.mime == "image/png"


def test_upload_refuses_unknown_items_before_storing(world, store):
    with pytest.raises(EvidenceError, match="X-NOPE"):
        up(world, store, pdf(), codes=("P-MP-i-a", "X-NOPE"))
    assert stored_files(store.root) == [] and EvidenceDocument.select().count() == 0


def test_refused_content_writes_nothing(world, store):
    with pytest.raises(RejectedFile, match="tidak diizinkan"):
        up(world, store, EXE, "laporan.pdf")
    with pytest.raises(TooLarge):
        up(world, store, pdf().ljust(2 * MB, b"\x00"), max_bytes=MB)
    assert EvidenceFile.select().count() == 0 and EvidenceDocument.select().count() == 0
    assert files_under(store.root) == []
    assert actions() == []


def test_new_version_keeps_the_old_one(world, store):
    first = up(world, store, pdf("versi 1"), "SK.pdf")
    document = first.document
    second = up(world, store, pdf("versi 2"), "SK revisi.pdf", user="pimpinan", codes=(), document=document)

    revisions = list(document.revisions.order_by(EvidenceRevision.number))
    assert [r.number for r in revisions] == [1, 2]
    assert second.document_id == document.id
    assert EvidenceDocument.select().count() == 1
    # who uploaded which version, and when
    assert [(r.filename, r.uploaded_by.email) for r in revisions] == [
        ("SK.pdf", "anggota@contoh.go.id"),
        ("SK revisi.pdf", "pimpinan@contoh.go.id"),
    ]
    assert revisions[0].uploaded_at <= revisions[1].uploaded_at
    # both still downloadable
    assert b"".join(store.chunks(revisions[0].file.sha256)) == pdf("versi 1")
    assert b"".join(store.chunks(revisions[1].file.sha256)) == pdf("versi 2")
    # the item now shows the newest version
    [shown] = service.linked_documents(world["own"])["P-MP-i-a"]
    assert shown.latest.number == 2 and shown.latest.file.sha256 == second.file.sha256


def test_a_version_cannot_be_added_to_another_units_document(world, store):
    theirs = up(world, store, pdf("unit lain"), user="pimpinan", assessment="second", codes=())
    with pytest.raises(EvidenceError, match="bukan berkas milik unit ini"):
        up(world, store, pdf("menyusup"), document=theirs.document)
    assert theirs.document.revisions.count() == 1


def test_a_version_cannot_be_added_to_a_link_document(world, store):
    document = service.add_link(
        world["own"], world["anggota"], "https://lapor.go.id/x", "LAPOR", criteria=world["criteria"]
    )
    with pytest.raises(EvidenceError):
        up(world, store, pdf(), document=document)
    assert EvidenceRevision.select().count() == 0


def test_one_file_supports_several_items_without_a_second_upload(world, store):
    revision = up(world, store, pdf("SK"), codes=("P-MP-i-a", "P-MP-i-b"))
    service.link(revision.document, world["own"], "P-PT-i-a", world["anggota"])
    service.link(revision.document, world["own"], "P-PT-i-a", world["anggota"])  # twice: one link

    linked = service.linked_documents(world["own"])
    for code in ("P-MP-i-a", "P-MP-i-b", "P-PT-i-a"):
        assert [d.document.id for d in linked[code]] == [revision.document_id], code
    assert EvidenceFile.select().count() == 1
    assert EvidenceRevision.select().count() == 1
    assert EvidenceLink.select().count() == 3
    assert actions().count("evidence:link") == 3


def test_same_bytes_uploaded_twice_are_one_file_row(world, store):
    a = up(world, store, pdf("sama"), "a.pdf")
    b = up(world, store, pdf("sama"), "b.pdf", codes=("P-MP-i-b",))
    assert a.document_id != b.document_id
    assert a.file_id == b.file_id
    assert EvidenceFile.select().count() == 1 and len(stored_files(store.root)) == 1


# --- external links -----------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to resolve or connect fails the test: links are stored, never fetched."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("url", ["https://spse.inaproc.id/contoh/lelang/123", "http://lapor.go.id/?q=a%20b"])
def test_http_links_are_stored_and_never_fetched(world, no_network, url):
    document = service.add_link(
        world["own"], world["anggota"], f"  {url} ", "", criteria=world["criteria"], item_codes=["P-PT-i-a"]
    )
    assert document.url == url and document.is_link
    assert document.title == url  # no title given: the address
    assert [d.document.id for d in service.linked_documents(world["own"])["P-PT-i-a"]] == [document.id]
    assert EvidenceRevision.select().count() == 0
    assert actions() == ["evidence:link", "evidence:link_url"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript://%0aalert(1)",
        "ftp://files.example.go.id/sk.pdf",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "http://",
        "https:///no-host",
        "www.contoh.go.id/sk",
        "https://contoh.go.id/a b",
        "",
    ],
)
def test_only_complete_http_links_are_accepted(world, no_network, url):
    with pytest.raises(EvidenceError) as caught:
        service.add_link(
            world["own"], world["anggota"], url, "x", criteria=world["criteria"], item_codes=["P-PT-i-a"]
        )
    assert "http:// atau https://" in str(caught.value)
    assert EvidenceDocument.select().count() == 0 and EvidenceLink.select().count() == 0


# --- review and status --------------------------------------------------------------------


def only_link(world, code="P-MP-i-a") -> EvidenceLink:
    [found] = links_of(world["own"], code)
    return found


def status_of(world, code="P-MP-i-a") -> str:
    return service.item_status(service.linked_documents(world["own"]).get(code, []))


def test_review_accepted_and_revision(world, store):
    up(world, store, pdf())
    assert status_of(world) == "awaiting"

    service.review(only_link(world), world["tpi"], "accepted")
    assert status_of(world) == "accepted"

    verdict = service.review(only_link(world), world["tpi"], "revision", "  Tanda tangan belum ada  ")
    assert verdict.comment == "Tanda tangan belum ada" and verdict.revision_number == 1
    assert status_of(world) == "revision"
    assert actions().count("evidence:review") == 2


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_revision_verdict_needs_a_comment(world, store, comment):
    up(world, store, pdf())
    with pytest.raises(EvidenceError, match="perlu direvisi"):
        service.review(only_link(world), world["tpi"], "revision", comment)
    assert EvidenceReview.select().count() == 0
    assert status_of(world) == "awaiting"


def test_unknown_verdict_is_refused(world, store):
    up(world, store, pdf())
    with pytest.raises(EvidenceError):
        service.review(only_link(world), world["tpi"], "rejected", "no")
    assert EvidenceReview.select().count() == 0


def test_new_upload_after_revision_awaits_review_again(world, store):
    first = up(world, store, pdf("v1"))
    service.review(only_link(world), world["tpi"], "revision", "Lampiran kurang")
    assert status_of(world) == "revision"
    assert service.open_evidence_revisions([world["own"].id]) == {world["own"].id: 1}

    up(world, store, pdf("v2"), codes=(), document=first.document)
    assert status_of(world) == "awaiting"
    service.review(only_link(world), world["tpi"], "accepted")
    assert status_of(world) == "accepted"
    assert service.open_evidence_revisions([world["own"].id]) == {}


def test_item_status_worst_document_wins(world, store):
    a = up(world, store, pdf("a"), "a.pdf")
    up(world, store, pdf("b"), "b.pdf")
    by_document = {lk.document_id: lk for lk in links_of(world["own"], "P-MP-i-a")}
    service.review(by_document[a.document_id], world["tpi"], "accepted")
    assert status_of(world) == "awaiting"
    other = next(lk for d, lk in by_document.items() if d != a.document_id)
    service.review(other, world["tpi"], "revision", "buram")
    assert status_of(world) == "revision"
    service.review(other, world["tpi"], "accepted")
    assert status_of(world) == "accepted"


def test_status_counts_per_area(world, store):
    criteria = world["criteria"]
    up(world, store, pdf("a"), codes=("P-MP-i-a",))
    up(world, store, pdf("b"), codes=("P-MP-i-b",))
    up(world, store, pdf("c"), codes=("P-MP-ii-a", "P-PT-i-a"))
    service.review(only_link(world, "P-MP-i-a"), world["tpi"], "accepted")
    service.review(only_link(world, "P-MP-i-b"), world["tpi"], "revision", "kurang")
    service.add_link(
        world["own"],
        world["anggota"],
        "https://contoh.go.id/survei",
        "Survei",
        criteria=criteria,
        item_codes=["H-I-a"],
    )

    counts = service.status_counts(criteria, service.linked_documents(world["own"]), area_of)
    items_in = {
        code: sum(1 for _, w in criteria.walk_items() if area_of(w) == code)
        for code in [a.code for a in criteria.areas] + [HASIL]
    }
    assert counts["MP"] == {"missing": items_in["MP"] - 3, "awaiting": 1, "revision": 1, "accepted": 1}
    assert counts["PT"] == {"missing": items_in["PT"] - 1, "awaiting": 1, "revision": 0, "accepted": 0}
    assert counts[HASIL] == {"missing": items_in[HASIL] - 1, "awaiting": 1, "revision": 0, "accepted": 0}
    assert counts["SDM"] == {"missing": items_in["SDM"], "awaiting": 0, "revision": 0, "accepted": 0}
    assert counts["total"] == {
        "missing": len(criteria.items) - 5,
        "awaiting": 3,
        "revision": 1,
        "accepted": 1,
    }
    # the other unit's assessment is untouched by all this
    other = service.status_counts(criteria, service.linked_documents(world["second"]), area_of)
    assert other["total"] == {"missing": len(criteria.items), "awaiting": 0, "revision": 0, "accepted": 0}


# --- trash and restore -------------------------------------------------------------------


def test_trash_hides_and_restore_brings_back(world, store):
    revision = up(world, store, pdf())
    document = revision.document

    service.trash(document, world["pimpinan"])
    document = EvidenceDocument.get_by_id(document.id)
    assert document.deleted_at is not None and document.deleted_by_id == world["pimpinan"].id
    assert "P-MP-i-a" not in service.linked_documents(world["own"])
    assert status_of(world) == "missing"
    assert store.exists(revision.file.sha256), "the trash keeps the bytes"
    with pytest.raises(EvidenceError, match="tempat sampah"):
        service.link(document, world["own"], "P-MP-i-b", world["pimpinan"])

    service.restore(document, world["admin"])
    document = EvidenceDocument.get_by_id(document.id)
    assert document.deleted_at is None and document.deleted_by_id is None
    assert [d.document.id for d in service.linked_documents(world["own"])["P-MP-i-a"]] == [document.id]

    trash_event = AuditEvent.get(AuditEvent.action == "evidence:trash")
    restore_event = AuditEvent.get(AuditEvent.action == "evidence:restore")
    assert trash_event.user_id == world["pimpinan"].id and restore_event.user_id == world["admin"].id
    assert trash_event.unit_id == restore_event.unit_id == world["own"].unit_id
    assert trash_event.new["document"] == restore_event.new["document"] == document.id
    assert trash_event.instansi_id == world["instansi"].id


def test_trashed_document_is_not_counted_as_open_revision(world, store):
    up(world, store, pdf())
    service.review(only_link(world), world["tpi"], "revision", "kurang")
    service.trash(only_link(world).document, world["pimpinan"])
    assert service.open_evidence_revisions([world["own"].id]) == {}


# --- units stay apart --------------------------------------------------------------------


def test_linking_a_document_of_another_unit_is_refused(world, store):
    theirs = up(world, store, pdf("milik DPMPTSP"), user="pimpinan", assessment="second", codes=())
    with pytest.raises(EvidenceError, match="unit lain"):
        service.link(theirs.document, world["own"], "P-MP-i-a", world["anggota"])
    assert links_of(world["own"], "P-MP-i-a") == []
    assert "evidence:link" not in actions()


def test_unlink_removes_only_that_link_and_is_audited(world, store):
    revision = up(world, store, pdf(), codes=("P-MP-i-a", "P-MP-i-b"))
    service.unlink(only_link(world, "P-MP-i-a"), world["anggota"])
    linked = service.linked_documents(world["own"])
    assert "P-MP-i-a" not in linked
    assert [d.document.id for d in linked["P-MP-i-b"]] == [revision.document_id]
    event = AuditEvent.get(AuditEvent.action == "evidence:unlink")
    assert event.item_code == "P-MP-i-a" and event.old == {"document": revision.document_id}


# --- integrity ---------------------------------------------------------------------------


def test_verify_finds_altered_and_missing_files(world, store):
    kept = up(world, store, pdf("utuh"), "utuh.pdf")
    altered = up(world, store, pdf("akan diubah"), "ubah.pdf")
    gone = up(world, store, pdf("akan dihapus"), "hapus.pdf")

    result = bundle.verify(store)
    assert (result.ok, result.checked, result.missing, result.altered) == (True, 3, [], [])

    path = store.path(altered.file.sha256)
    path.write_bytes(path.read_bytes().replace(b"akan diubah", b"sudah diubah"))
    store.path(gone.file.sha256).unlink()

    result = bundle.verify(store)
    assert result.ok is False
    assert result.checked == 3
    assert result.altered == [altered.file.sha256]
    assert result.missing == [gone.file.sha256]
    assert kept.file.sha256 not in result.altered + result.missing


# --- export -------------------------------------------------------------------------------


def export(world, store) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    bundle.export_zip(store, world["own"], world["criteria"], buffer)
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


def test_export_writes_a_folder_per_lke_code_and_an_index(world, store):
    sk = up(world, store, pdf("SK Tim"), "SK Tim.pdf", codes=("P-MP-i-a", "P-MP-i-b"), title="SK Tim Kerja")
    up(world, store, pdf("versi lama"), "SOP.pdf", codes=("R-PT-iii-b",))
    sop = up(
        world,
        store,
        pdf("versi baru"),
        "SOP v2.pdf",
        codes=(),
        document=EvidenceDocument.get(EvidenceDocument.title == "SOP"),
    )
    service.add_link(
        world["own"],
        world["anggota"],
        "https://lapor.go.id/?a=1&b=2",
        "Kanal <LAPOR!>",
        criteria=world["criteria"],
        item_codes=["P-PT-i-a"],
    )
    trashed = up(world, store, pdf("dibuang"), "dibuang.pdf", codes=("P-MP-ii-a",))
    service.trash(trashed.document, world["pimpinan"])
    theirs = up(
        world, store, pdf("unit lain"), "lain.pdf", user="pimpinan", assessment="second", codes=("P-MP-ii-b",)
    )

    buffer = io.BytesIO()
    written = bundle.export_zip(store, world["own"], world["criteria"], buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    names = archive.namelist()

    assert written == 3
    assert len(names) == 4 and "index.html" in names
    [mp_ia] = [n for n in names if "/P-MP-i-a/" in n]
    [mp_ib] = [n for n in names if "/P-MP-i-b/" in n]
    [pt] = [n for n in names if "/R-PT-iii-b/" in n]
    assert mp_ia == "AREA I Manajemen Perubahan/Pemenuhan/i. Penyusunan Tim Kerja/P-MP-i-a/SK Tim.pdf"
    assert pt.startswith("AREA II Penataan Tatalaksana/Reform/") and pt.endswith("/R-PT-iii-b/SOP v2.pdf")
    assert archive.read(mp_ia) == archive.read(mp_ib) == pdf("SK Tim")
    assert archive.read(pt) == pdf("versi baru"), "the newest revision is exported"
    assert not any("dibuang" in n or "lain" in n for n in names)
    assert archive.testzip() is None

    index = archive.read("index.html").decode()
    assert "Bagian Pengadaan Barang dan Jasa" in index and "2026" in index
    assert index.count(sk.file.sha256) == 2 and sop.file.sha256 in index
    assert trashed.file.sha256 not in index and theirs.file.sha256 not in index
    assert "SK Tim Kerja" in index
    assert "https://lapor.go.id/?a=1&amp;b=2" in index
    assert "Kanal &lt;LAPOR!&gt;" in index and "<LAPOR!>" not in index
    assert index.count("<tr>") == 1 + 4  # header + 2 (SK) + SOP + link


def test_export_of_nothing_is_just_an_index(world, store):
    archive = export(world, store)
    assert archive.namelist() == ["index.html"]


def test_export_folder_keeps_sub_area_names_that_contain_a_slash(world, store):
    up(world, store, pdf(), "monev.pdf", codes=("P-MP-iii-a",))
    [name] = [n for n in export(world, store).namelist() if n != "index.html"]
    assert name == (
        "AREA I Manajemen Perubahan/Pemenuhan/iii. Pemantauan dan Evaluasi Pembangunan "
        "WBK-WBBM/P-MP-iii-a/monev.pdf"
    )


def test_export_keeps_same_named_files_of_one_item_apart(world, store):
    up(world, store, pdf("SK lama"), "SK.pdf")
    up(world, store, pdf("SK baru"), "SK.pdf")
    archive = export(world, store)
    names = [n for n in archive.namelist() if n != "index.html"]
    assert len(set(names)) == 2
    assert {archive.read(n) for n in set(names)} == {pdf("SK lama"), pdf("SK baru")}


# --- import ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, code",
    [
        ("AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf", "P-MP-i-a"),
        ("REFORM/2.iii.b x.pdf", "R-PT-iii-b"),
        ("Reformasi/Area 2/2.III.B x.pdf", "R-PT-iii-b"),
        ("data/P-SDM-ii-a rencana kebutuhan.pdf", "P-SDM-ii-a"),
        ("HASIL/H-I-a survei.pdf", "H-I-a"),
        ("AREA VI/6.i.a layanan.pdf", "P-PP-i-a"),
        ("1.iv.b monitoring.pdf", "P-MP-iv-b"),
        ("catatan.pdf", None),
        ("7.i.a x.pdf", None),  # there is no area 7
        ("1.i.z x.pdf", None),  # no such item letter
        ("11.i.a x.pdf", None),  # part of a bigger number
        ("P-MP-ix-z x.pdf", None),  # looks like a code, names no item
    ],
)
def test_code_for_path(criteria, path, code):
    assert bundle.code_for_path(path, criteria) == code


BAD_NAMES = [
    "../1.i.a keluar.pdf",
    "AREA I/../../1.i.b keluar.pdf",
    "/etc/1.ii.a mutlak.pdf",
    "C:/Windows/1.ii.b drive.pdf",
    "..\\..\\1.ii.c backslash.pdf",
]


def import_archive(with_bomb: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf", pdf("SK Tim"))
        archive.writestr("REFORM/2.iii.b x.pdf", png())
        archive.writestr("AREA I/", b"")  # a folder entry: not a file
        for name in BAD_NAMES:
            archive.writestr(zipfile.ZipInfo(name), pdf("jalur"))
        archive.writestr("catatan rapat.pdf", pdf("tanpa kode"))
        archive.writestr("1.iv.a program.pdf", EXE)
        if with_bomb:
            bomb_entry(archive, "1.iv.b bom.pdf")
    return buffer.getvalue()


def test_preview_maps_entries_and_flags_the_dangerous_ones(criteria):
    data = import_archive()
    assert len(data) < 1 * MB, "the bomb is small inside the ZIP"
    assert set(zipfile.ZipFile(io.BytesIO(data)).namelist()) >= set(BAD_NAMES), "names kept as written"

    entries = {e.name: e for e in bundle.preview_zip(io.BytesIO(data), criteria)}

    assert "AREA I/" not in entries
    good = entries["AREA I/i. Penyusunan Tim Kerja/1.i.a SK Tim.pdf"]
    assert (good.item_code, good.problem, good.size) == ("P-MP-i-a", "", len(pdf("SK Tim")))
    assert (entries["REFORM/2.iii.b x.pdf"].item_code, entries["REFORM/2.iii.b x.pdf"].problem) == (
        "R-PT-iii-b",
        "",
    )
    for name in BAD_NAMES:
        assert "keluar dari folder" in entries[name].problem, name
    bomb = entries["1.iv.b bom.pdf"]
    assert bomb.size == 50 * MB and "zip bomb" in bomb.problem
    assert "tidak dikenali" in entries["catatan rapat.pdf"].problem
    # content is only judged on import
    assert (entries["1.iv.a program.pdf"].item_code, entries["1.iv.a program.pdf"].problem) == (
        "P-MP-iv-a",
        "",
    )


def test_preview_refuses_too_many_entries(criteria):
    data = make_zip(
        {f"P-MP-i-a/{n}.pdf": b"%PDF" for n in range(bundle.MAX_ENTRIES + 1)}, compression=zipfile.ZIP_STORED
    )
    with pytest.raises(RejectedFile, match=str(bundle.MAX_ENTRIES)):
        bundle.preview_zip(io.BytesIO(data), criteria)


def test_preview_refuses_more_than_the_total_limit(criteria, monkeypatch):
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", 1000)
    data = make_zip({"1.i.a a.pdf": pdf().ljust(600, b" "), "1.i.b b.pdf": pdf().ljust(600, b" ")})
    with pytest.raises(RejectedFile, match="terlalu besar"):
        bundle.preview_zip(io.BytesIO(data), criteria)


def test_import_stores_only_the_good_entries_and_links_them(world, store):
    imported, skipped = bundle.import_zip(
        store,
        io.BytesIO(import_archive()),
        world["own"],
        world["pimpinan"],
        world["criteria"],
        max_bytes=100 * MB,
        document_date=date(2026, 2, 1),
    )

    assert imported == 2
    assert sorted(e.name for e in skipped) == sorted(
        BAD_NAMES + ["catatan rapat.pdf", "1.iv.a program.pdf", "1.iv.b bom.pdf"]
    )
    assert "tidak diizinkan" in next(e for e in skipped if e.name == "1.iv.a program.pdf").problem

    linked = service.linked_documents(world["own"])
    assert sorted(code for code, docs in linked.items() if docs) == ["P-MP-i-a", "R-PT-iii-b"]
    [sk] = linked["P-MP-i-a"]
    assert sk.latest.filename == "1.i.a SK Tim.pdf" and sk.document.document_date == date(2026, 2, 1)
    [foto] = linked["R-PT-iii-b"]
    assert foto.latest.filename == "2.iii.b x.png", "named after its content"
    assert b"".join(store.chunks(sk.latest.file.sha256)) == pdf("SK Tim")

    assert EvidenceFile.select().count() == 2
    assert len(stored_files(store.root)) == 2 and files_under(store.tmp) == []
    event = AuditEvent.get(AuditEvent.action == "evidence:import_zip")
    assert event.new == {"imported": 2, "skipped": len(skipped)}


def lying_zip(entries: dict[str, bytes], liar: str, claimed: int) -> bytes:
    """A ZIP whose headers (local and central) claim `claimed` bytes for `liar`, which holds more."""
    data = bytearray(make_zip(entries))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(liar)
    real = info.file_size.to_bytes(4, "little")
    fake = claimed.to_bytes(4, "little")
    # local header: uncompressed size at offset 22; central directory entry: at offset 24
    local = info.header_offset
    assert data[local + 22 : local + 26] == real
    data[local + 22 : local + 26] = fake
    central = data.index(b"PK\x01\x02")
    while bytes(data[central + 46 : central + 46 + len(liar.encode())]) != liar.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = fake
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(liar).file_size == claimed
    return bytes(data)


LIAR = pdf("dibesar-besarkan") + b"A" * 4000


def liar_archive() -> bytes:
    return lying_zip(
        {"1.i.a jujur.pdf": pdf("jujur"), "1.i.b bohong.pdf": LIAR, "1.ii.a jujur.pdf": pdf("j2")},
        liar="1.i.b bohong.pdf",
        claimed=100,
    )


def test_lying_entry_size_never_stores_more_than_claimed(world, store):
    """Whatever else happens, the entry's real (bigger) content is not stored, nor a truncated copy."""
    with contextlib.suppress(Exception):
        bundle.import_zip(
            store,
            io.BytesIO(liar_archive()),
            world["own"],
            world["pimpinan"],
            world["criteria"],
            max_bytes=100 * MB,
        )
    hashes = {f.sha256 for f in EvidenceFile.select()}
    assert hashlib.sha256(LIAR).hexdigest() not in hashes
    assert hashlib.sha256(LIAR[:100]).hexdigest() not in hashes
    assert all(
        f.size < 100 or f.sha256 != hashlib.sha256(LIAR[: f.size]).hexdigest() for f in EvidenceFile.select()
    )
    assert files_under(store.tmp) == []


def test_lying_entry_size_is_skipped_and_the_rest_imported(world, store):
    """An entry holding more than its header says must not be stored (truncated or whole), and
    must not stop the import of the other entries."""
    data = liar_archive()

    imported, skipped = bundle.import_zip(
        store, io.BytesIO(data), world["own"], world["pimpinan"], world["criteria"], max_bytes=100 * MB
    )

    assert [e.name for e in skipped] == ["1.i.b bohong.pdf"]
    assert skipped[0].problem
    assert imported == 2
    linked = service.linked_documents(world["own"])
    assert "P-MP-i-b" not in linked
    assert sorted(linked) == ["P-MP-i-a", "P-MP-ii-a"]
    assert files_under(store.tmp) == []
