"""The SPTJM letter and the survey records in both dossiers, read back from the PDFs with pypdf."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.conftest import best_answer
from zi import answers as store
from zi import surveys, workflow
from zi.access import Access
from zi.demo import PROCUREMENT
from zi.dossier.gather import gather
from zi.dossier.render import html_to_pdf, render_html
from zi.formatting import date as written_date
from zi.formatting import local, zone_of
from zi.models import Answer, Assessment, Unit, User
from zi.sptjm import STATEMENT, TITLE

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dossier")]


def flat(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def signed(db, criteria):
    """The demo assessment complete, an IPAK survey recorded (IPKP's not), submitted with the letter."""
    assessment = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    head = User.get(User.email == "pimpinan@contoh.go.id")
    current = store.layer_answers(assessment, "unit")
    with Answer._meta.database.atomic():
        for item in criteria.items:
            old = current.get(item.code)
            store.save_answer(criteria, assessment, head, "unit", item.code, best_answer(item), "",
                              old.version if old else 0)
    surveys.save(criteria, assessment, head, "H-I-a", surveys.Typed(
        respondents="1250", period_start="2026-07-01", period_end="2026-09-30",
        surveyor="BPS Kabupaten Contoh"))
    workflow.transition(assessment, "submit", head, Access(head).roles(assessment.unit), sptjm=True,
                        sptjm_number="800/17/ZI/2026", sptjm_place="Kota Contoh")
    return Assessment.get_by_id(assessment.id)


@pytest.mark.parametrize("variant", ["kemenpan", "internal"])
def test_the_dossier_carries_the_letter_and_the_survey_records(signed, criteria, variant):
    data = gather(signed, criteria, variant)
    assert set(data.surveys) == {"H-I-a"}
    pages = flat(html_to_pdf(render_html(data)))
    letter = next(page for page in pages if TITLE in page)
    signed_on = written_date(local(signed.sptjm_at, zone_of(signed)).date())
    for expected in ("Nomor: 800/17/ZI/2026", "Nama : Kepala Bagian Pengadaan", "NIP : 19780512 200312 1 002",
                     "Jabatan : Kepala Bagian Pengadaan Barang dan Jasa", f"Unit kerja : {PROCUREMENT}",
                     f"Kota Contoh, {signed_on}", "NIP 19780512 200312 1 002", "PEMERINTAH KABUPATEN CONTOH"):
        assert expected in letter, expected
    assert " ".join(STATEMENT[2].split()[:8]) in letter
    text = " ".join(pages)
    record = ("Survei: 1.250 responden · periode 1 Juli 2026 – 30 September 2026 · "
              "pelaksana BPS Kabupaten Contoh")
    assert record in text
    assert "data survei belum dicatat" in text  # IPKP


def test_an_unsigned_letter_says_so(db, criteria):
    assessment = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    html = render_html(gather(assessment, criteria, "kemenpan"))
    assert TITLE in html and "Belum ditandatangani" in html and "Nomor: ……………………" in html
