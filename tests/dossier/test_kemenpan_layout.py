"""The KemenPAN-RB dossier in the evaluators' columns, read back with pypdf: the LKE laid out like the
workbook (official numbering, Bobot, Penjelasan, each layer's Jawaban and Nilai side by side, Catatan,
data dukung with its link and review status, empty TPN columns) on landscape pages; a % item's counts
and percentage; the TPI endorsement (the accepting TPI member, their NIP and position, the
recommendations per area); the summary's boxes inside the page; the chart legend naming the layer.

Two PDFs are rendered once for the module (a draft on the unit layer, then the accepted assessment)."""

from __future__ import annotations

import shutil
from fractions import Fraction
from types import SimpleNamespace

import pytest

from tests.conftest import best_answer, build_demo
from tests.dossier.test_dossier import Pdf, connected, person, procurement, squash
from zi import answers as store
from zi import workflow
from zi.access import Access
from zi.db import database
from zi.dossier.gather import gather
from zi.dossier.render import html_to_pdf, render_html
from zi.evidence import service as evidence_service
from zi.models import Assessment, EvidenceLink
from zi.recommendations import save_recommendation
from zi.signatories import set_signatory

HEAD, TPI = "pimpinan@contoh.go.id", "tpi@contoh.go.id"
TPI_NIP, TPI_POSITION = "19800101 200501 1 001", "Inspektur Pembantu Wilayah I"
LINK = "https://contoh.go.id/sk-tim-zi-2026"
PERCENT_ITEM = "R-MP-i-a"  # Jumlah Perubahan yang dibuat ÷ Jumlah Agen Perubahan
HEADERS = ["No", "Komponen / Sub Komponen / Indikator", "Bobot", "Penjelasan", "Jawaban Unit", "Nilai Unit",
           "Jawaban TPI", "Nilai TPI", "Catatan", "Jawaban TPN", "Nilai TPN", "Catatan TPN"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dossier")]


def act(assessment, action: str, user, **kw) -> None:
    workflow.transition(assessment, action, user, Access(user).roles(assessment.unit), **kw)


def render(assessment, criteria) -> Pdf:
    html = render_html(gather(assessment, criteria, "kemenpan"))
    pdf = Pdf(html_to_pdf(html))
    pdf.html = html
    return pdf


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory, demo_template, criteria):
    path = tmp_path_factory.mktemp("kemenpan-layout") / "zi.sqlite3"
    if demo_template is not None:
        shutil.copy(demo_template, path)
    else:
        build_demo(f"sqlite:///{path}")
        database.close()
    with connected(f"sqlite:///{path}"):
        a = procurement()
        head, tpi = person(HEAD), person(TPI)
        draft = render(a, criteria)
        current = store.layer_answers(a, "unit")
        for item in criteria.items:
            value = {"agents": 7, "changes": 7} if item.code == PERCENT_ITEM else best_answer(item)
            old = current.get(item.code)
            store.save_answer(criteria, a, head, "unit", item.code, value,
                              "Catatan unit P-MP-i-a" if item.code == "P-MP-i-a" else "",
                              old.version if old else 0)
        evidence_service.add_link(a, head, LINK, "SK Tim ZI 2026", criteria=criteria, item_codes=["P-MP-i-a"])
        act(a, "submit", head, sptjm=True, sptjm_number="800/1/PBJ/2026", sptjm_place="Kota Contoh")
        act(a, "start_review", tpi)
        store.copy_unit_to_tpi(a, tpi)
        tpi_layer = store.layer_answers(a, "tpi")
        store.save_answer(criteria, a, tpi, "tpi", PERCENT_ITEM, {"agents": 7, "changes": 5},
                          "Dua agen belum berbuat", tpi_layer[PERCENT_ITEM].version)
        store.save_answer(criteria, a, tpi, "tpi", "P-MP-i-b", "B", "", tpi_layer["P-MP-i-b"].version)
        link = EvidenceLink.get((EvidenceLink.assessment == a) & (EvidenceLink.item_code == "P-MP-i-a"))
        evidence_service.review(link, tpi, "accepted")
        set_signatory(tpi, TPI_NIP, TPI_POSITION, tpi)
        save_recommendation(a, criteria, "MP", "Perkuat **agen perubahan**: satu agen, satu perubahan.", tpi)
        act(a, "accept", tpi, complete=True, missing=[])
        a = Assessment.get_by_id(a.id)
        final = render(a, criteria)
        tpi_report = store.reports(criteria, a).tpi
    return SimpleNamespace(draft=draft, final=final, tpi_report=tpi_report)


def lke_pages(pdf: Pdf) -> list[int]:
    """The 1-based numbers of the landscape pages (the LKE table)."""
    return [n for n, page in enumerate(pdf.reader.pages, start=1)
            if page.mediabox.width > page.mediabox.height]


def lke_text(pdf: Pdf) -> str:
    return " ".join(pdf.page(n) for n in lke_pages(pdf))


def test_the_lke_is_on_consecutive_landscape_pages_with_the_header_on_each(dossiers):
    pdf = dossiers.final
    pages = lke_pages(pdf)
    assert len(pages) >= 5 and pages == list(range(pages[0], pages[-1] + 1))
    assert "Lembar Kerja Evaluasi" in pdf.page(pages[0])
    cover = pdf.reader.pages[0].mediabox
    assert cover.width < cover.height  # the other pages stay portrait
    for number in pages:
        text = pdf.page(number)
        header = text[text.find("No Komponen / Sub Komponen / Indikator"):][:200]
        at = 0
        for name in HEADERS:  # each one, in the workbook's order
            found = header.find(name, at)
            assert found >= 0, (number, name, header)
            at = found + len(name)


def test_official_numbering_down_to_the_item_letters(dossiers, criteria):
    text = lke_text(dossiers.final)
    for line in ("A. PENGUNGKIT", "I. Pemenuhan", "1. Manajemen Perubahan", "i. Penyusunan Tim Kerja",
                 "a. Unit kerja telah membentuk tim", "II. Reform", "B. HASIL", "TOTAL PENGUNGKIT",
                 "TOTAL HASIL", "NILAI EVALUASI ZONA INTEGRITAS"):
        assert line in text, line
    # area 6.v prints its letters a, c, b (the official sheet), in that order
    v = next(sa for sub in criteria.components[0].sub_components if sub.code == "pemenuhan"
             for block in sub.areas if block.area == "PP" for sa in block.sub_areas if sa.numeral == "v")
    assert [item.letter for item in v.items] == ["a", "c", "b"]
    found = [text.find(f"{item.letter}. {squash(item.text)[:30]}") for item in v.items]
    assert -1 not in found and found == sorted(found), found
    # a lone item prints "-" as the official sheet does, with no dot
    assert "- Komitmen pimpinan" in text or "- " + squash(criteria.item("R-MP-ii-a").text)[:25] in text


def test_a_percent_item_shows_its_counts_and_computed_percentage(dossiers, criteria):
    text = lke_text(dossiers.final)
    item = criteria.item(PERCENT_ITEM)
    row = text[text.find(squash(item.text)[:30]):]
    # unit 7 of 7 = 100 %, value 1,00; TPI 5 of 7 = 71,43 %, value 0,71
    assert squash("100,00 % 1,00 71,43 % 0,71") in row[:400], row[:400]
    agents, changes = (c.label for c in item.counts)
    assert f"- {agents} 7 7" in row and f"- {changes} 7 5" in row
    assert "TPI: Dua agen belum berbuat" in row[:600]


def test_item_rows_carry_penjelasan_notes_evidence_and_both_layers(dossiers, criteria):
    text = lke_text(dossiers.final)
    item = criteria.item("P-MP-i-b")
    row = text[text.find(squash(item.text)[:30]):][:500]
    chosen = next(o.text for o in item.options if o.key == "B")
    assert squash(chosen)[:30] in row  # the Penjelasan of TPI's (final) answer
    assert "A 1,00 B 0,50" in row  # unit A (1), TPI B (0.5) side by side
    first = text[text.find("Unit kerja telah membentuk tim"):][:700]
    assert "Unit: Catatan unit P-MP-i-a" in first
    assert "SK Tim ZI 2026" in first and LINK in first and "Diterima" in first
    # the sub-area and area rows: weighted Nilai with their %
    sub_area = dossiers.tpi_report.sub_areas[("pemenuhan", "MP", "i")]
    assert sub_area == Fraction(3, 8)  # TPI: P-MP-i-a Ya (1), P-MP-i-b B (0.5), of 0.5
    assert "i. Penyusunan Tim Kerja 0,50 0,50 100,00 % 0,38 75,00 %" in text


def test_link_annotations_point_at_the_evidence(dossiers):
    uris = {annot.get_object().get("/A", {}).get("/URI")
            for page in dossiers.final.reader.pages for annot in (page.get("/Annots") or [])}
    assert LINK in uris


def endorsement_page(pdf: Pdf) -> str:
    return next(text for n in range(1, len(pdf) + 1) if "Pengesahan Tim Penilai" in (text := pdf.page(n)))


def test_the_endorsement_names_the_accepting_tpi_member_and_the_recommendations(dossiers, criteria):
    page = endorsement_page(dossiers.final)
    # no Ketua TPI chosen: the accepting member signs for the team (tests/test_signatures.py: the chair)
    assert "Tim Penilai Internal," in page and "Ketua Tim Penilai Internal" not in page
    assert "Evaluator TPI" in page and f"NIP {TPI_NIP}" in page and TPI_POSITION in page
    assert "1. Manajemen Perubahan Perkuat agen perubahan: satu agen, satu perubahan." in page
    for area in criteria.areas[1:]:
        assert f"{area.number}. {squash(area.name)}" in page
    assert page.count("Tidak ada rekomendasi.") == len(criteria.areas) - 1


def test_the_draft_endorsement_says_it_is_not_yet_endorsed(dossiers):
    page = endorsement_page(dossiers.draft)
    assert "Belum disahkan" in page and "NIP ……" in page


def test_the_chart_legend_names_the_layer(dossiers):
    assert "Nilai akhir: penilaian mandiri unit" in dossiers.draft.flat
    assert "Nilai akhir: penilaian TPI" in dossiers.final.flat


def text_boxes(page) -> list[tuple[float, float, str]]:
    """(left, estimated right, text) of every text fragment drawn on the page, in PDF points."""
    boxes = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        scale = (cm[0] ** 2 + cm[1] ** 2) ** 0.5 or 1
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        width = 0.45 * size * scale * len(text.strip())  # a narrow estimate: Noto Sans averages more
        boxes.append((x, x + width, text.strip()))

    page.extract_text(visitor_text=visit)
    return boxes


@pytest.mark.parametrize("which", ["draft", "final"])
def test_no_text_of_the_lke_runs_off_its_page(dossiers, which):
    pdf = getattr(dossiers, which)
    for number in lke_pages(pdf):
        page = pdf.reader.pages[number - 1]
        width = float(page.mediabox.width)
        outside = [(round(left), round(right), text) for left, right, text in text_boxes(page)
                   if left < 0 or right > width - 8]
        assert outside == [], (number, outside[:5])


def laid_out(html: str):
    """WeasyPrint's layout of the dossier, in this process: [(page box, [(box, classes)])]."""
    weasyprint = pytest.importorskip("weasyprint")
    pages = []
    for page in weasyprint.HTML(string=html).render().pages:
        box = page._page_box
        pages.append((box, [(b, (b.element.get("class") or "").split()) for b in box.descendants()
                            if getattr(b, "element", None) is not None and b.element_tag == "div"]))
    return pages


@pytest.mark.parametrize("which", ["draft", "final"])
def test_the_summary_boxes_fit_the_page(dossiers, which):
    """Every score box of the summary lies inside the page's content area (none cut at the right
    margin however many components there are), and they stand in one row."""
    found = []
    for page, divs in laid_out(getattr(dossiers, which).html):
        right = page.content_box_x() + page.width
        for box, classes in divs:
            if "kpi" in classes:
                found.append(box)
                assert box.position_x >= page.content_box_x() - 0.5
                assert box.position_x + box.margin_width() <= right + 0.5, (box.position_x, right)
    assert len(found) == 6  # total, Pengungkit, Pemenuhan, Reform, Hasil, Predikat
    assert len({round(box.position_y) for box in found}) == 1
