"""The TPI variant of the LKE workbook (`layout.TpiColumns`): the unit's and TPI's answers side by
side, each layer with its own live Nilai and %, the national team's columns headed and empty; the
export, the blanks and who may download it."""

import io
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import FULL_COUNTS, best_answer, demo_assessment, worst_answer
from zi import answers as answers_mod
from zi.demo import PROCUREMENT
from zi.lke_workbook import blank_workbook, write_tpi_workbook
from zi.lke_workbook import layout as L
from zi.lke_workbook.layout import TpiColumns as T
from zi.lke_workbook.writer import LayerData
from zi.models import Answer, Assessment

from .support import recalculate
from .test_export import CASES, TOLERANCE, _item_row, _reference

OFFICIAL = (L.COMPONENT, L.TEXT, L.BOBOT, L.PENJELASAN, L.PILIHAN)
TPN = (T.TPN_ANSWER, T.TPN_NILAI, T.TPN_NOTE)


def _cells(ws, column):
    return [ws[f"{column}{r}"].value for r in range(L.FIRST_ROW, ws.max_row + 1)]


def _figures(path: Path, nilai: str) -> dict:
    """One layer's Nilai per area (Pemenuhan + Reform rows) and of the closing rows, as the
    recalculated workbook shows them in that layer's Nilai column."""
    ws = openpyxl.load_workbook(path, data_only=True)[L.SHEET]
    areas: dict[int, float] = {}
    closing: dict[str, float] = {}
    for row in range(L.FIRST_ROW, ws.max_row + 1):
        area, text, value = (ws[f"{c}{row}"].value for c in (L.AREA, L.TEXT, nilai))
        if area and str(area).rstrip(".").isdigit() and ws[f"{L.BOBOT}{row}"].value is not None \
                and ws[f"{L.PILIHAN}{row}"].value is None:
            assert isinstance(value, int | float), (row, value)
            areas[int(str(area).rstrip("."))] = areas.get(int(str(area).rstrip(".")), 0.0) + value
        if text and str(text).startswith(("TOTAL ", L.NILAI_EVALUASI)):
            closing[text] = value
    return {"areas": areas, "closing": closing}


def assert_layer_figures(path: Path, nilai: str, report, criteria) -> None:
    shown = _figures(path, nilai)
    for area in criteria.areas:
        assert shown["areas"][area.number] == pytest.approx(float(report.areas[area.code].score),
                                                            abs=TOLERANCE), (nilai, area.code)
    for comp in criteria.components:
        assert shown["closing"][f"TOTAL {comp.name.upper()}"] == pytest.approx(
            float(report.components[comp.code]), abs=TOLERANCE), (nilai, comp.code)
    assert shown["closing"][L.NILAI_EVALUASI] == pytest.approx(float(report.total), abs=TOLERANCE), nilai


def test_headers_answers_counts_and_empty_tpn_columns(criteria):
    unit = {item.code: best_answer(item) for item in criteria.items}
    tpi = {item.code: worst_answer(item) for item in criteria.items}
    wb = write_tpi_workbook(
        criteria,
        LayerData(unit, {"P-MP-i-a": "catatan unit"}, {"P-MP-i-a": ["SK Tim — https://zi.example/e/1"]}),
        LayerData(tpi, {"P-MP-i-a": "catatan TPI"}), title="Uji")
    ws = wb[L.SHEET]
    header = {c: ws[f"{c}{L.HEADER_ROW}"].value for c in "BCDEFGHIJKLMNOPQRSTUV"}
    assert [header[c] for c in OFFICIAL] == [L.HEADERS[c] for c in OFFICIAL]
    assert {c: header[c] for c in T.HEADERS} == T.HEADERS
    assert header[T.UNIT_ANSWER] == "Jawaban Unit" and header[T.TPI_ANSWER] == "Jawaban TPI"
    row = _item_row(ws, criteria, "P-MP-i-a")
    assert ws[f"{T.UNIT_ANSWER}{row}"].value == "Ya" and ws[f"{T.TPI_ANSWER}{row}"].value == "Tidak"
    assert ws[f"{T.UNIT_NOTE}{row}"].value == "catatan unit"
    assert ws[f"{T.TPI_NOTE}{row}"].value == "catatan TPI"
    assert "https://zi.example/e/1" in ws[f"{T.UNIT_EVIDENCE}{row}"].value
    for column in (T.UNIT_NILAI, T.TPI_NILAI):
        assert ws[f"{column}{row}"].value.startswith("=IF(UPPER(TRIM(")
    assert T.UNIT_ANSWER in ws[f"{T.UNIT_NILAI}{row}"].value
    assert T.TPI_ANSWER in ws[f"{T.TPI_NILAI}{row}"].value
    # a % item: each layer's counts in its own answer column, its % a formula of them
    row = _item_row(ws, criteria, "R-PW-iii-a")
    ids = criteria.item("R-PW-iii-a").count_ids
    assert [ws[f"{T.UNIT_ANSWER}{row + 1 + i}"].value for i in range(len(ids))] == \
        list(FULL_COUNTS["R-PW-iii-a"].values())
    assert [ws[f"{T.TPI_ANSWER}{row + 1 + i}"].value for i in range(len(ids))] == \
        [tpi["R-PW-iii-a"][c] for c in ids]
    assert {ws[f"{L.PILIHAN}{row + 1 + i}"].value for i in range(len(ids))} == {L.COUNT_TYPE}
    assert f"{T.TPI_ANSWER}{row + 1}" in ws[f"{T.TPI_ANSWER}{row}"].value
    assert f"{T.UNIT_ANSWER}{row + 1}" in ws[f"{T.UNIT_ANSWER}{row}"].value
    # the official layout's own answer columns carry nothing of theirs; TPN's stay empty
    assert ws[f"{L.CATATAN}{L.HEADER_ROW}"].value != "Catatan"
    for column in TPN:
        assert not [v for v in _cells(ws, column) if v is not None], column
    rows = {ws[f"{L.TEXT}{r}"].value: r for r in range(L.FIRST_ROW, ws.max_row + 1)}
    total = rows[L.NILAI_EVALUASI]
    assert ws[f"{T.UNIT_NILAI}{total}"].value.startswith(f"=SUM({T.UNIT_NILAI}")
    assert ws[f"{T.TPI_NILAI}{total}"].value.startswith(f"=SUM({T.TPI_NILAI}")
    assert ws[f"{T.TPI_PERSEN}{total}"].number_format == "0.00%"


def test_blank_variants(criteria):
    for variant, answer_columns in (("unit", (L.JAWABAN,)), ("tpi", (T.UNIT_ANSWER, T.TPI_ANSWER))):
        ws = blank_workbook(criteria, variant)[L.SHEET]
        for column in answer_columns:
            typed = [v for v in _cells(ws, column) if v is not None and not str(v).startswith("=")]
            assert not typed, (variant, column)
    ws = blank_workbook(criteria, "tpi")[L.SHEET]
    assert ws[f"{T.TPI_ANSWER}{L.HEADER_ROW}"].value == "Jawaban TPI"


@pytest.mark.slow
def test_both_layers_recalculate_to_zis_figures(criteria, tmp_path):
    """Unit and TPI answers that differ item by item (mixed cases, unanswered items, zero rules)."""
    unit, tpi = CASES["mixed"](criteria), CASES["zero_rules"](criteria)
    assert unit != tpi
    path = tmp_path / "tpi.xlsx"
    write_tpi_workbook(criteria, LayerData(unit), LayerData(tpi)).save(path)
    out = recalculate(path, tmp_path / "out")
    assert_layer_figures(out, T.UNIT_NILAI, _reference(criteria, unit), criteria)
    assert_layer_figures(out, T.TPI_NILAI, _reference(criteria, tpi), criteria)
    assert _reference(criteria, unit).total != _reference(criteria, tpi).total


# --- the export from the database: CLI and web --------------------------------------------------




def _tpi_differs(assessment, criteria) -> None:
    """TPI's layer answered in full, a third of it unlike the unit's answer."""
    Answer.delete().where((Answer.assessment == assessment) & (Answer.layer == "tpi")).execute()
    for n, item in enumerate(criteria.items):
        value = worst_answer(item) if n % 3 == 0 else best_answer(item)
        Answer.create(assessment=assessment, layer="tpi", item_code=item.code, value=value,
                      note=f"catatan TPI {item.code}")


def test_cli_blank_and_refusals(cli, db, criteria, tmp_path):
    out = tmp_path / "blank-tpi.xlsx"
    result = cli("lke", "blank", "-o", out, "--variant", "tpi", "--criteria", criteria.id)
    assert result.exit_code == 0 and "tpi variant" in result.output, result.output
    ws = openpyxl.load_workbook(out)[L.SHEET]
    assert ws[f"{T.TPN_ANSWER}{L.HEADER_ROW}"].value == "Jawaban TPN"
    refused = cli("lke", "export", PROCUREMENT, 2026, "-o", tmp_path / "x.xlsx", "--variant", "tpi",
                  "--layer", "unit")
    assert refused.exit_code == 2 and "--layer" in refused.output and not (tmp_path / "x.xlsx").exists()
    bad = cli("lke", "export", PROCUREMENT, 2026, "-o", tmp_path / "x.xlsx", "--variant", "tpn")
    assert bad.exit_code == 2


@pytest.mark.slow
def test_cli_export_recalculates_both_layers_to_zis_figures(cli, db, tmp_path, criteria_registry):
    assessment = demo_assessment()
    criteria = criteria_registry[assessment.period.criteria_id]
    _tpi_differs(assessment, criteria)
    out = tmp_path / "tpi.xlsx"
    result = cli("lke", "export", PROCUREMENT, 2026, "-o", out, "--variant", "tpi")
    assert result.exit_code == 0 and "TPI variant" in result.output, result.output
    ws = openpyxl.load_workbook(out)[L.SHEET]
    assert "catatan TPI P-MP-i-a" in _cells(ws, T.TPI_NOTE)
    unit_notes = [a.note for a in answers_mod.layer_answers(assessment, "unit").values() if a.note]
    assert unit_notes and unit_notes[0] in _cells(ws, T.UNIT_NOTE)
    for column in TPN:
        assert not [v for v in _cells(ws, column) if v is not None], column
    unit = answers_mod.report(criteria, assessment, answers_mod.layer_answers(assessment, "unit"))
    tpi = answers_mod.report(criteria, assessment, answers_mod.layer_answers(assessment, "tpi"))
    assert unit.total != tpi.total
    recalculated = recalculate(out, tmp_path / "out")
    assert_layer_figures(recalculated, T.UNIT_NILAI, unit, criteria)
    assert_layer_figures(recalculated, T.TPI_NILAI, tpi, criteria)


def test_web_download_and_blank(login, db):
    client = login("tpi@contoh.go.id")
    a = demo_assessment()
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert f"/assessments/{a.id}/lke.xlsx?variant=tpi" in page
    assert f"/assessments/{a.id}/lke-kosong.xlsx?variant=tpi" in page
    response = client.get(f"/assessments/{a.id}/lke.xlsx?variant=tpi")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "-tpi-lengkap.xlsx" in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.data))[L.SHEET]
    assert ws[f"{T.UNIT_ANSWER}{L.HEADER_ROW}"].value == "Jawaban Unit"
    assert [v for v in _cells(ws, T.UNIT_ANSWER) if v is not None and not str(v).startswith("=")]
    blank = client.get(f"/assessments/{a.id}/lke-kosong.xlsx?variant=tpi")
    assert blank.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(blank.data))[L.SHEET]
    assert ws[f"{T.TPI_ANSWER}{L.HEADER_ROW}"].value == "Jawaban TPI"
    assert not [v for v in _cells(ws, T.UNIT_NOTE) if v is not None]
    assert client.get(f"/assessments/{a.id}/lke.xlsx?variant=tpn").status_code == 400
    assert client.get(f"/assessments/{a.id}/lke-kosong.xlsx?variant=tpn").status_code == 400


def test_a_pokja_member_cannot_download_the_tpi_variant_while_tpis_layer_is_hidden(client, login, db):
    a = Assessment.select().first()
    assert a.status == "draft"  # TPI's layer is hidden from the unit in a draft
    login("anggota@contoh.go.id")
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert f"/assessments/{a.id}/lke.xlsx?variant=tpi" not in page
    assert f"/assessments/{a.id}/lke-kosong.xlsx?variant=tpi" in page  # a blank holds nobody's answers
    assert client.get(f"/assessments/{a.id}/lke.xlsx?variant=tpi").status_code == 403
    assert client.get(f"/assessments/{a.id}/lke-kosong.xlsx?variant=tpi").status_code == 200
    login("tpi@contoh.go.id")
    assert client.get(f"/assessments/{a.id}/lke.xlsx?variant=tpi").status_code == 200
