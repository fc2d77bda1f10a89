"""The exported LKE workbook: the official layout with zi's answers, and live formulas that, once
LibreOffice recalculates them, show exactly the figures of zi's scoring engine."""

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import FULL_COUNTS, best_answer, worst_answer
from zi import scoring
from zi.lke_workbook import layout as L
from zi.lke_workbook import write_workbook

from .support import figures, recalculate

TOLERANCE = 0.005


def _rows(ws):
    return {ws[f"{L.TEXT}{r}"].value: r for r in range(L.FIRST_ROW, ws.max_row + 1)}


def _item_row(ws, criteria, code):
    text = criteria.item(code).text
    return next(r for r in range(L.FIRST_ROW, ws.max_row + 1) if ws[f"{L.TEXT}{r}"].value == text)


def test_layout_answers_notes_and_evidence(criteria):
    answers = {item.code: best_answer(item) for item in criteria.items}
    wb = write_workbook(criteria, answers, notes={"P-MP-i-a": "SK sudah ditandatangani"},
                        evidence={"P-MP-i-a": ["SK Tim ZI — https://zi.example/evidence/1"]})
    ws = wb[L.SHEET]
    assert [ws[f"{c}{L.HEADER_ROW}"].value for c in (L.BOBOT, L.PENJELASAN, L.PILIHAN, L.JAWABAN,
                                                        L.NILAI, L.PERSEN, L.CATATAN)] == \
        ["Bobot", "Penjelasan", "Pilihan Jawaban", "Jawaban", "Nilai", "%", "Catatan"]
    row = _item_row(ws, criteria, "P-MP-i-a")
    assert ws[f"{L.JAWABAN}{row}"].value == "Ya"
    assert ws[f"{L.PILIHAN}{row}"].value == "Ya/Tidak"
    assert ws[f"{L.CATATAN}{row}"].value == "SK sudah ditandatangani"
    assert "https://zi.example/evidence/1" in ws[f"{L.DATA_DUKUNG}{row}"].value
    assert str(ws[f"{L.NILAI}{row}"].value).startswith("=")
    # a % item: its counts on `-` rows below it, its % a formula of them
    row = _item_row(ws, criteria, "R-PW-iii-a")
    counts = [ws[f"{L.JAWABAN}{row + 1 + i}"].value for i in range(4)]
    assert counts == list(FULL_COUNTS["R-PW-iii-a"].values())
    assert {ws[f"{L.ITEM}{row + 1 + i}"].value for i in range(4)} == {L.COUNT_MARK}
    assert {ws[f"{L.PILIHAN}{row + 1 + i}"].value for i in range(4)} == {L.COUNT_TYPE}
    assert str(ws[f"{L.JAWABAN}{row}"].value).startswith("=IF(")
    # survey indices as numbers; the closing rows
    assert ws[f"{L.JAWABAN}{_item_row(ws, criteria, 'H-I-a')}"].value == 4
    rows = _rows(ws)
    assert {"TOTAL PENGUNGKIT", "TOTAL HASIL", L.NILAI_EVALUASI} <= set(rows)
    assert ws[f"{L.NILAI}{rows[L.NILAI_EVALUASI]}"].value.startswith("=SUM(")


def test_sub_area_counts_every_item(criteria):
    """zi's rule, not the template's AVERAGE (which skips blanks): SUM / number of items × Bobot."""
    ws = write_workbook(criteria, {})[L.SHEET]
    row = _rows(ws)["Penyusunan Tim Kerja"]
    assert ws[f"{L.NILAI}{row}"].value == f"=SUM({L.NILAI}{row + 1},{L.NILAI}{row + 2})/2*{L.BOBOT}{row}"
    assert "AVERAGE" not in "".join(str(c.value) for r in ws.iter_rows() for c in r)


def test_official_letters_are_printed(criteria):
    ws = write_workbook(criteria, {})[L.SHEET]
    for item in criteria.items:
        row = _item_row(ws, criteria, item.code)
        marks = [ws[f"{c}{row}"].value for c in (L.ITEM, L.AREA)]
        assert L.numbered(L.item_letter(item)) in marks


def _mixed(criteria):
    """Answers in every type and case, an unanswered item per area, and every zero rule."""
    answers = {}
    for n, item in enumerate(criteria.items):
        if n % 7 == 3:
            continue  # unanswered: counts 0
        answers[item.code] = best_answer(item) if n % 2 else worst_answer(item)
        if item.type in ("abc", "abcd", "abcde") and n % 3 == 0:
            answers[item.code] = item.option_keys[1].lower()
        if item.type == "ya_tidak" and n % 5 == 0:
            answers[item.code] = "tidak"
    answers["H-I-a"] = 3.6
    answers["H-II-a"] = "2,75"  # an index as text, decimal comma
    answers["R-SDM-iii-a"] = {"last_year": 8, "this_year": 3, "sanctioned": 2}
    answers["R-MP-i-b"] = {"changes": 7, "integrated": 1}
    answers["R-PW-iii-a"] = {"heads": 1, "officials": 4, "others": 2, "reported": 5}
    answers["R-PW-iii-b"] = {"echelon3": 0, "echelon4": 0, "staff": 0, "reported": 0}
    return answers


def _zero_rules(criteria):
    """Every % item on its zero denominator (the error rule of R-AK-i-a leaves it unanswered)."""
    answers = {item.code: worst_answer(item) for item in criteria.items}
    for item in criteria.items:
        if item.type == "percent":
            answers[item.code] = {c: 0 for c in item.count_ids}
    answers["R-SDM-iii-a"] = {"last_year": 0, "this_year": 0, "sanctioned": 0}
    del answers["R-AK-i-a"]
    return answers


def _invalid(criteria):
    """Answers zi no longer accepts (criteria changed since they were saved) count as unanswered."""
    answers = {item.code: best_answer(item) for item in criteria.items}
    answers["P-MP-i-a"] = "Mungkin"
    answers["P-MP-ii-a"] = "F"
    answers["H-I-a"] = 5
    answers["R-MP-i-a"] = {"agents": -1, "changes": 3}
    return answers


def _reference(criteria, answers):
    """What zi.answers.report does with stored answers: an invalid one is left out."""
    values = {}
    for code, answer in answers.items():
        try:
            values[code] = scoring.item_value(criteria.item(code), answer)
        except scoring.AnswerError:
            continue
    return scoring.score_values(criteria, values, scoring.NO_PREDICATE)


CASES = {
    "invalid": _invalid,
    "best": lambda c: {item.code: best_answer(item) for item in c.items},
    "worst": lambda c: {item.code: worst_answer(item) for item in c.items},
    "mixed": _mixed,
    "zero_rules": _zero_rules,
    "blank": lambda c: {},
}


def assert_same_figures(path: Path, report: scoring.ScoreReport, criteria) -> None:
    shown = figures(path)
    for area in criteria.areas:
        assert shown["areas"][area.number] == pytest.approx(float(report.areas[area.code].score),
                                                            abs=TOLERANCE), area.code
    for comp in criteria.components:
        assert shown["closing"][f"TOTAL {comp.name.upper()}"] == pytest.approx(
            float(report.components[comp.code]), abs=TOLERANCE)
    assert shown["closing"][L.NILAI_EVALUASI] == pytest.approx(float(report.total), abs=TOLERANCE)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_recalculated_figures_are_zis(criteria, tmp_path, case):
    answers = CASES[case](criteria)
    report = _reference(criteria, answers)
    path = tmp_path / f"{case}.xlsx"
    write_workbook(criteria, answers).save(path)
    assert_same_figures(recalculate(path, tmp_path / "out"), report, criteria)
    if case == "best":
        assert float(report.total) == pytest.approx(100)
    if case == "invalid":
        assert len(report.unanswered) == 4
    if case == "mixed":
        assert report.unanswered  # the case holds unanswered items


@pytest.mark.slow
def test_recalculated_zero_rules_per_item(criteria, tmp_path):
    """Each % item's Jawaban shows the value zi's engine gives on a zero denominator."""
    answers = _zero_rules(criteria)
    path = tmp_path / "zero.xlsx"
    write_workbook(criteria, answers).save(path)
    ws = openpyxl.load_workbook(recalculate(path, tmp_path / "out"), data_only=True)[L.SHEET]
    for item in criteria.items:
        if item.type != "percent":
            continue
        shown = ws[f"{L.JAWABAN}{_item_row(ws, criteria, item.code)}"].value
        if item.code in answers:
            assert shown == pytest.approx(float(scoring.item_value(item, answers[item.code]))), item.code
        else:
            assert shown in (None, ""), item.code


def test_penjelasan_holds_only_the_official_meanings(criteria):
    """zi's own "Tidak" meanings (source: zi) are not the LKE's text and stay out of column I."""
    from zi.lke_workbook.writer import _penjelasan

    item = criteria.items_by_code["P-MP-i-a"]
    assert any(o.source == "zi" for o in item.options)
    text = _penjelasan(item)
    assert text.startswith("Ya: ") and "Tidak:" not in text
