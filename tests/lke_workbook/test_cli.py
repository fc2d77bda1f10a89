"""`zi lke export` / `zi lke blank`: the demo assessment and a fully answered one, recalculated by
LibreOffice, show the figures zi's engine gives for the stored answers."""

import openpyxl
import pytest

from tests.conftest import best_answer, demo_assessment
from zi import answers as answers_mod
from zi.demo import PROCUREMENT
from zi.lke_workbook import layout as L
from zi.models import Answer

from .support import recalculate
from .test_export import assert_same_figures


def test_unknown_unit_and_bad_layer_are_refused(cli, db, tmp_path):
    out = tmp_path / "x.xlsx"
    result = cli("lke", "export", "Tidak Ada", 2026, "-o", out)
    assert result.exit_code == 2 and "0 assessments" in result.output and not out.exists()
    assert cli("lke", "export", PROCUREMENT, 2026, "-o", out, "--layer", "tpn").exit_code == 2


def test_blank_workbook(cli, criteria, tmp_path):
    out = tmp_path / "blank.xlsx"
    result = cli("lke", "blank", "-o", out, "--criteria", criteria.id)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)[L.SHEET]
    answers = [ws[f"{L.JAWABAN}{r}"].value for r in range(L.FIRST_ROW, ws.max_row + 1)]
    assert not [a for a in answers if a is not None and not str(a).startswith("=")]
    assert ws[f"{L.JAWABAN}{L.HEADER_ROW}"].value == "Jawaban"


@pytest.mark.slow
def test_demo_assessment_recalculates_to_zis_figures(cli, db, tmp_path, criteria_registry):
    assessment = demo_assessment()
    criteria = criteria_registry[assessment.period.criteria_id]
    stored = answers_mod.layer_answers(assessment, "unit")
    assert stored and len(stored) < len(criteria.items)  # the demo is partly answered
    out = tmp_path / "demo.xlsx"
    result = cli("lke", "export", PROCUREMENT, 2026, "-o", out)
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)[L.SHEET]
    noted = next(a for a in stored.values() if a.note)
    assert noted.note in [ws[f"{L.CATATAN}{r}"].value for r in range(L.FIRST_ROW, ws.max_row + 1)]
    report = answers_mod.report(criteria, assessment, stored)
    assert_same_figures(recalculate(out, tmp_path / "out"), report, criteria)


@pytest.mark.slow
def test_fully_answered_tpi_layer_recalculates_to_zis_figures(cli, db, tmp_path, criteria_registry):
    assessment = demo_assessment()
    criteria = criteria_registry[assessment.period.criteria_id]
    Answer.delete().where((Answer.assessment == assessment) & (Answer.layer == "tpi")).execute()
    for n, item in enumerate(criteria.items):
        value = best_answer(item) if n % 4 else item.option_keys[-1] if item.options else best_answer(item)
        Answer.create(assessment=assessment, layer="tpi", item_code=item.code, value=value,
                      note=f"catatan {item.code}")
    out = tmp_path / "final.xlsx"
    result = cli("lke", "export", PROCUREMENT, 2026, "-o", out, "--layer", "final")
    assert result.exit_code == 0 and "layer tpi" in result.output, result.output
    report = answers_mod.report(criteria, assessment, answers_mod.layer_answers(assessment, "tpi"))
    assert not report.unanswered
    assert_same_figures(recalculate(out, tmp_path / "out"), report, criteria)
