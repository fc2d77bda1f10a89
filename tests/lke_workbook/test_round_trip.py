"""The round trip: an assessment exported with zi's writer (`zi lke export`), recalculated by
LibreOffice as a person's Excel would, and imported (`zi lke import`) into a fresh assessment of
the same period gives identical answers, notes and scores — for the official sheet (unit layer) and
for the TPI workbook (TPI layer)."""

from __future__ import annotations

import pytest

import zi.admin as ops
from zi import answers as store
from zi.demo import PROCUREMENT
from zi.models import Assessment, AuditEvent, Instansi, Period, Unit, User
from zi.workbook_import import IMPORT_ACTION

from .support import recalculate
from .test_export import _mixed

FRESH = "Unit Uji Impor LKE"



def _source_and_fresh():
    source = (Assessment.select().join(Unit).switch(Assessment).join(Period)
              .where((Unit.name == PROCUREMENT) & (Period.year == 2026)).get())
    instansi = Instansi.get_by_id(source.unit.instansi_id)
    fresh = ops.ensure_assessment(ops.create_unit(instansi, FRESH), source.period)
    return source, fresh


def _fill(criteria, assessment, layer: str, user) -> None:
    """Every answer type and case (zi.answers stores them canonical), unanswered items, notes with
    line breaks and Markdown."""
    for n, (code, value) in enumerate(_mixed(criteria).items()):
        note = f"Catatan {code}\nbaris kedua, **tebal**" if n % 3 == 0 else ""
        current = store.layer_answers(assessment, layer).get(code)
        store.save_answer(criteria, assessment, user, layer, code, value, note,
                          current.version if current else 0)


def _same(criteria, source, fresh, layer: str) -> None:
    exported = store.layer_answers(source, layer)
    imported = store.layer_answers(fresh, layer)
    assert {c: (a.value, a.note) for c, a in imported.items()} == \
        {c: (a.value, a.note) for c, a in exported.items() if a.value is not None or a.note}
    before = store.report(criteria, source, exported)
    after = store.report(criteria, fresh, imported)
    assert after.total == before.total  # exact fractions, not rounded figures
    assert after.components == before.components and after.sub_components == before.sub_components
    assert {c: s.score for c, s in after.areas.items()} == {c: s.score for c, s in before.areas.items()}
    assert after.unanswered == before.unanswered and after.predicate == before.predicate


@pytest.mark.slow
def test_unit_layer_round_trip(cli, db, tmp_path, criteria_registry):
    source, fresh = _source_and_fresh()
    criteria = criteria_registry[source.period.criteria_id]
    _fill(criteria, source, "unit", User.get(User.email == "pimpinan@contoh.go.id"))
    out = tmp_path / "lke.xlsx"
    assert cli("lke", "export", PROCUREMENT, 2026, "-o", out).exit_code == 0
    recalculated = recalculate(out, tmp_path / "out")
    result = cli("lke", "import", recalculated, FRESH, 2026, "--as", "pimpinan@contoh.go.id")
    assert result.exit_code == 0, result.output
    _same(criteria, source, fresh, "unit")
    event = AuditEvent.get((AuditEvent.action == IMPORT_ACTION) & (AuditEvent.assessment == fresh))
    assert event.new["departures"] == 0, result.output
    # importing the same file again changes nothing
    again = cli("lke", "import", recalculated, FRESH, 2026, "--json", "--dry-run")
    assert again.exit_code == 0 and '"items": 0' in again.stdout


@pytest.mark.slow
def test_tpi_workbook_round_trip(cli, db, tmp_path, criteria_registry):
    source, fresh = _source_and_fresh()
    criteria = criteria_registry[source.period.criteria_id]
    Assessment.update(status="in_review").where(Assessment.id.in_([source.id, fresh.id])).execute()
    source, fresh = Assessment.get_by_id(source.id), Assessment.get_by_id(fresh.id)
    _fill(criteria, source, "tpi", User.get(User.email == "tpi@contoh.go.id"))
    out = tmp_path / "lke-tpi.xlsx"
    exported = cli("lke", "export", PROCUREMENT, 2026, "-o", out, "--variant", "tpi")
    assert exported.exit_code == 0, exported.output
    recalculated = recalculate(out, tmp_path / "out")
    result = cli("lke", "import", recalculated, FRESH, 2026, "--layer", "tpi", "--as", "tpi@contoh.go.id")
    assert result.exit_code == 0, result.output
    _same(criteria, source, fresh, "tpi")
