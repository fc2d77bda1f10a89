"""Issue 10: states as enums with their labels, one Reports value, translatable domain messages,
and dates and numbers formatted in one Flask-free module."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import SPTJM_LETTER
from zi import admin, formatting, messages, workflow
from zi import answers as store
from zi.catalogs import DIRECTORY
from zi.dossier.gather import gather
from zi.evidence import service
from zi.models import Answer, Assessment, DossierJob, EvidenceReview, RoleAssignment, Unit, User
from zi.states import AssessmentStatus, EvidenceStatus, JobStatus, Layer, Role
from zi.summary import HASIL, expected_evidence, summarize, with_period

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = DIRECTORY / "en" / "LC_MESSAGES" / "messages.po"


def english() -> dict[str, str]:
    with CATALOGUE.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


# --- states ---------------------------------------------------------------------------------


def test_stored_values_are_unchanged():
    """No migration: the enums hold exactly the strings already in deployed databases."""
    assert list(AssessmentStatus) == ["draft", "submitted", "in_review", "revision", "resubmitted",
                                      "accepted"]
    assert list(Role) == ["admin", "member", "head", "tpi", "reviewer"]
    assert list(Layer) == ["unit", "tpi"]
    assert list(EvidenceStatus) == ["missing", "awaiting", "revision", "accepted"]
    assert list(JobStatus) == ["queued", "running", "done", "failed"]
    assert AssessmentStatus("in_review").label == "Direviu TPI"
    assert AssessmentStatus.label_of("unknown") == "unknown"


def test_fields_declare_their_choices():
    assert dict(Assessment.status.choices) == AssessmentStatus.labels()
    assert dict(RoleAssignment.role.choices) == Role.labels()
    assert dict(Answer.layer.choices) == Layer.labels()
    assert [v for v, _ in EvidenceReview.status.choices] == ["accepted", "revision"]
    assert dict(DossierJob.status.choices) == JobStatus.labels()


@pytest.mark.parametrize("enum", [AssessmentStatus, Role, Layer, EvidenceStatus, JobStatus])
def test_every_label_has_an_english_translation(enum):
    catalogue = english()
    missing = [m.label for m in enum if not catalogue.get(m.label)]
    assert not missing


# --- domain messages ------------------------------------------------------------------------


def marked_messages(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_"
            and isinstance(node.args[0], ast.Constant)]


@pytest.mark.parametrize("module", ["zi/workflow.py", "zi/admin.py", "zi/evidence/service.py"])
def test_every_domain_message_has_an_english_translation(module):
    catalogue = english()
    found = marked_messages(ROOT / module)
    assert found, "the module marks its messages"
    assert [m for m in found if not catalogue.get(m)] == []


def test_workflow_error_carries_id_and_parameters(db, criteria):
    assessment = Assessment.select().first()
    head = User.get(User.email == "pimpinan@contoh.go.id")
    with pytest.raises(workflow.WorkflowError) as caught:
        workflow.transition(assessment, "start_review", head, {"tpi"})
    err = caught.value
    assert str(err) == "Tindakan 'Mulai reviu' tidak dapat dilakukan pada status Draf."
    assert err.message_id == "Tindakan '%(action)s' tidak dapat dilakukan pada status %(status)s."
    assert err.params == {"action": "Mulai reviu", "status": "Draf"}
    # The labels among the parameters are translated with the message.
    assert messages.in_locale(err, "en") == "'Start review' cannot be done while the status is Draft."
    assert messages.in_locale(err, "id") == str(err)


def test_admin_and_evidence_errors_translate(db):
    instansi = admin.get_or_create_instansi("Pemerintah Kabupaten Contoh")
    with pytest.raises(admin.AdminError) as caught:
        admin.create_unit(instansi, "Bagian Pengadaan Barang dan Jasa")
    assert str(caught.value) == "Unit 'Bagian Pengadaan Barang dan Jasa' sudah ada di instansi ini."
    assert (messages.in_locale(caught.value, "en")
            == "Unit 'Bagian Pengadaan Barang dan Jasa' already exists in this instansi.")
    with pytest.raises(admin.AdminError) as caught:
        admin.typed("x" * 300, "Nama unit")
    assert messages.in_locale(caught.value, "en") == "Unit name is too long (300 characters; at most 255)."
    with pytest.raises(service.EvidenceError) as caught:
        service.valid_url("ftp://example.org/x")
    assert str(caught.value) == "Tautan harus alamat http:// atau https:// yang lengkap."
    assert messages.in_locale(caught.value, "en") == "A link must be a complete http:// or https:// address."


def test_the_cli_language_follows_zi_locale(monkeypatch):
    err = workflow.WorkflowError(workflow.N_("Alasan membuka kembali wajib diisi."))
    monkeypatch.setenv("ZI_LOCALE", "en")
    assert messages.in_locale(err) == "A reason for reopening is required."
    monkeypatch.delenv("ZI_LOCALE")
    assert messages.in_locale(err) == "Alasan membuka kembali wajib diisi."


def test_a_refused_transition_is_shown_in_the_readers_language(client, login, db):
    login("pimpinan@contoh.go.id")
    assessment = Assessment.select().first()
    client.post("/lang/en")
    page = client.post(f"/assessments/{assessment.id}/action/submit", data={"sptjm": "1", **SPTJM_LETTER},
                       follow_redirects=True).get_data(as_text=True)
    assert "Every item must be answered before submitting." in page
    assert "Semua butir harus dijawab" not in page


# --- one Reports value ----------------------------------------------------------------------


def test_final_is_the_unit_layer_until_tpi_answers(db, criteria):
    assessment = Assessment.select().first()
    reports = store.reports(criteria, assessment)
    assert reports.tpi is None and reports.final is reports.unit and reports.final_layer == "unit"
    assert [r["tpi"] for r in reports.area_rows()] == [None] * len(criteria.areas)

    tpi = User.get(User.email == "tpi@contoh.go.id")
    unit_value = reports.layers["unit"]["P-MP-i-a"].value
    other = "Tidak" if unit_value == "Ya" else "Ya"
    store.save_answer(criteria, assessment, tpi, "tpi", "P-MP-i-a", other, "", 0)

    reports = store.reports(criteria, assessment)
    assert reports.tpi is not None and reports.final is reports.tpi and reports.final_layer == "tpi"
    assert reports.final_answers["P-MP-i-a"].value == other
    assert reports.differences == ["P-MP-i-a"]
    assert reports.final.total != reports.unit.total
    assert [r["percent"] for r in reports.final_rows()] == [
        reports.tpi.areas[a.code].percent for a in criteria.areas]

    # The dashboard and the dossier read the same value.
    query = with_period(Assessment.select(Assessment, Unit).join(Unit))
    summaries = summarize(query, {criteria.id: criteria})
    summary = next(s for s in summaries if s.assessment.id == assessment.id)
    assert summary.final.total == reports.final.total and summary.tpi_report is not None
    data = gather(Assessment.get_by_id(assessment.id), criteria, "kemenpan")
    assert data.report.total == reports.final.total


def test_expected_evidence_comes_from_the_criteria(criteria):
    expected = expected_evidence(criteria)
    assert set(expected) == set(criteria.items_by_code)
    for comp in criteria.components:
        for sub in comp.sub_components:
            for block in sub.areas:
                for sub_area in block.sub_areas:
                    for item in sub_area.items:
                        assert expected[item.code] == (item.evidence or sub_area.evidence)
    assert any(expected.values())


def test_dossier_summary_takes_weights_from_the_criteria(db, criteria):
    from zi.dossier.render import render_html

    html = render_html(gather(Assessment.select().first(), criteria, "internal"))
    for comp in criteria.components:
        assert f"{comp.name} / {formatting.number(comp.weight, 0)}" in html
    assert f'id="area-{HASIL}"' in html


# --- formatting -----------------------------------------------------------------------------


def test_dates_and_numbers_are_formatted_in_one_module():
    # Indonesian by default; both languages in tests/test_formatting.py
    assert formatting.date(date(2026, 12, 31)) == "31 Desember 2026"
    assert formatting.datetime(datetime(2026, 1, 2, 14, 5)) == "2 Januari 2026 21.05 WIB"  # stored UTC
    assert formatting.date(None) == formatting.datetime(None) == "–"
    assert formatting.number(1234.5) == "1.234,50"
    assert formatting.percent(75) == "75,00\u00a0%"


def test_the_pdf_renderer_does_not_import_flask():
    code = "import zi.dossier.render, sys; assert 'flask' not in sys.modules, sorted(sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_labels_and_to_dos_follow_the_readers_language(client, login, db):
    login("anggota@contoh.go.id")
    assessment = Assessment.select().first()
    page = client.get("/").get_data(as_text=True)
    assert "<li>47 butir belum dijawab</li>" in page
    client.post("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert "<li>47 items not answered yet</li>" in page and "<li>47 butir" not in page
    page = client.get(f"/assessments/{assessment.id}/dossiers").get_data(as_text=True)
    assert "Internal TPI dossier" in page and "Dosir internal TPI" not in page
