"""Demo data for a first look: one regency, two units, one person per role, a half-filled LKE and
a few evidence documents (small generated PDFs) on the procurement unit's items."""

from __future__ import annotations

import io
from datetime import date

import yaml

from . import admin
from .answers import save_answer
from .config import PACKAGE_DIR
from .criteria import Criteria
from .models import User

DEMO_PASSWORD = "zona-integritas"
INSTANSI = "Pemerintah Kabupaten Contoh"
PROCUREMENT = "Bagian Pengadaan Barang dan Jasa"
SECOND_UNIT = "Dinas Penanaman Modal dan PTSP"
PEOPLE = [
    # email, name, role, unit (None: instansi-wide), areas
    ("admin@contoh.go.id", "Admin Inspektorat", "admin", None, ()),
    ("pimpinan@contoh.go.id", "Kepala Bagian Pengadaan", "head", PROCUREMENT, ()),
    ("anggota@contoh.go.id", "Anggota Pokja MP & PT", "member", PROCUREMENT, ("MP", "PT")),
    ("tpi@contoh.go.id", "Evaluator TPI", "tpi", PROCUREMENT, ()),
    ("reviewer@contoh.go.id", "Pimpinan TPI", "reviewer", None, ()),
]
# Evidence of the procurement unit: file name, title, document date (in the demo year), uploader's
# role, the items it supports, the lines of its one page.
DOCUMENTS = [
    ("SK Tim Kerja ZI.pdf", "SK Tim Kerja ZI {year}", (1, 6), "member", ("P-MP-i-a", "P-MP-i-b"),
     ["Keputusan Kepala Bagian Pengadaan Barang dan Jasa", "Nomor 100/{year}",
      "tentang Tim Kerja Pembangunan Zona Integritas"]),
    ("Rencana Kerja ZI.pdf", "Rencana Kerja Pembangunan ZI {year}", (1, 20), "member",
     ("P-MP-ii-a", "P-MP-ii-b"),
     ["Rencana kerja pembangunan Zona Integritas menuju WBK", "Target prioritas, kegiatan, jadwal",
      "dan penanggung jawab per area"]),
    ("Laporan Monev ZI Triwulan I.pdf", "Laporan Monev Pembangunan ZI Triwulan I", (4, 10), "member",
     ("P-MP-iii-a", "P-MP-iii-b"),
     ["Laporan monitoring dan evaluasi pembangunan Zona Integritas", "Triwulan I tahun {year}",
      "Capaian rencana kerja dan tindak lanjut"]),
    ("Notula Sosialisasi ZI.pdf", "Notula Sosialisasi Pembangunan ZI", (2, 3), "head", ("P-MP-ii-c",),
     ["Notula rapat sosialisasi pembangunan Zona Integritas", "kepada seluruh pegawai",
      "dengan daftar hadir"]),
]


def load(criteria: Criteria, year: int = 2026, store=None) -> list[tuple[str, str, str]]:
    """Create the demo; returns (email, password, role) for the printed logins. With an evidence
    store (zi.evidence.store_from_config), the procurement unit's items get their demo documents,
    uploaded through the evidence service as a person would; without one, no evidence."""
    instansi = admin.get_or_create_instansi(INSTANSI)
    procurement = admin.create_unit(instansi, PROCUREMENT, region="Sekretariat Daerah")
    second = admin.create_unit(instansi, SECOND_UNIT, region="Kecamatan Kota")
    units = {PROCUREMENT: procurement, SECOND_UNIT: second}
    users = {}
    for email, name, role, unit_name, areas in PEOPLE:
        user = admin.create_user(email, name, DEMO_PASSWORD, instansi=instansi)
        admin.assign_role(user, role, instansi, units.get(unit_name), areas)
        users[role] = user
    admin.assign_role(users["tpi"], "tpi", instansi, second)
    # The head signs the SPTJM letter with a (fictitious) NIP and position (zi.sptjm).
    User.update(nip="197805122003121002", position="Kepala Bagian Pengadaan Barang dan Jasa").where(
        User.id == users["head"].id).execute()
    period = admin.create_period(instansi, year, criteria.id, date(year, 1, 1), date(year, 12, 31))
    for key in ("wtp", "sakip", "spip"):
        admin.set_prerequisite(instansi, key, True, actor=users["admin"])
    admin.set_prerequisite(instansi, "indeks_rb", None, "Menunggu hasil evaluasi RB", actor=users["admin"])

    example = yaml.safe_load((PACKAGE_DIR / "data" / "bagian-pengadaan-2026.yaml").read_text())
    answers = example["answers"]
    half = [item.code for item, where in criteria.walk_items() if where.area in ("MP", "PT", "SDM", "AK")]
    first = admin.ensure_assessment(procurement, period)
    for code in half:
        save_answer(criteria, first, users["head"], "unit", code, answers[code], "", 0)
    save_answer(criteria, first, users["member"], "unit", "P-MP-i-a", "Ya",
                "SK Tim Kerja ZI Nomor 100/2026, ditandatangani **Kepala Bagian**.", 1)
    other = admin.ensure_assessment(second, period)
    for code in half[:20]:
        save_answer(criteria, other, users["head"], "unit", code, answers[code], "", 0)
    if store is not None:
        add_evidence(store, criteria, first, users, year)
    return [(email, DEMO_PASSWORD, role) for email, _, role, _, _ in PEOPLE]


def add_evidence(store, criteria: Criteria, assessment, users: dict, year: int) -> None:
    from .evidence import service

    for filename, title, (month, day), role, codes, lines in DOCUMENTS:
        data = pdf(title.format(year=year), [line.format(year=year) for line in lines])
        service.upload(store, assessment, users[role], io.BytesIO(data), filename, criteria=criteria,
                       max_bytes=len(data), title=title.format(year=year),
                       document_date=date(year, month, day), item_codes=codes)


def pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and a few lines in Helvetica (a standard PDF font: nothing
    embedded). Written with pydyf, WeasyPrint's own PDF writer: no rendering, about a millisecond."""
    import pydyf

    document = pydyf.PDF()
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica",
                             "Encoding": "/WinAnsiEncoding"})
    document.add_object(font)
    content = pydyf.Stream()
    content.begin_text()
    for n, (size, text) in enumerate([(18, title), *((12, line) for line in lines)]):
        content.set_font_size("F1", size)
        content.set_text_matrix(1, 0, 0, 1, 72, 760 - 30 * n - (10 if n else 0))
        content.show_text(pydyf.String(text.encode("cp1252", "replace")))
    content.end_text()
    document.add_object(content)
    page = pydyf.Dictionary({
        "Type": "/Page", "Parent": document.pages.reference, "MediaBox": pydyf.Array([0, 0, 595, 842]),
        "Contents": content.reference,
        "Resources": pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})}),
    })
    document.add_page(page)
    document.info["Title"] = pydyf.String(title.encode("cp1252", "replace"))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def is_empty() -> bool:
    return not User.select().exists()
