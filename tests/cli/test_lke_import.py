"""`zi lke import FILE.xlsx UNIT PERIOD`: the preview, the import, its exit codes and --json."""

from __future__ import annotations

import json

from tests.conftest import demo_assessment
from zi import answers as store
from zi.demo import PROCUREMENT
from zi.lke_workbook import write_workbook
from zi.models import Assessment, AuditEvent, EvidenceDocument, User
from zi.workbook_import import IMPORT_ACTION


def filled(criteria, assessment, path, extra_sheet: bool = False):
    """The assessment's unit answers in zi's official-layout workbook, with P-MP-i-a changed,
    P-PP-i-a answered with a note and a data dukung link; `extra_sheet` adds an old template's
    "Utama" sheet (a departure)."""
    answers = {c: a.value for c, a in store.layer_answers(assessment, "unit").items()}
    answers.update({"P-MP-i-a": "Tidak", "P-PP-i-a": "B"})
    wb = write_workbook(criteria, answers, notes={"P-PP-i-a": "Dari LKE 2025"},
                        evidence={"P-PP-i-a": ["SK ZI — https://jdih.contoh.go.id/sk-zi"]})
    if extra_sheet:
        wb.create_sheet("Utama")["A1"] = "Lembar lama"
    wb.save(path)
    return path


def test_dry_run_exit_codes_and_nothing_written(cli, db, criteria, tmp_path):
    a = demo_assessment()
    clean = filled(criteria, a, tmp_path / "lke.xlsx")
    result = cli("lke", "import", clean, PROCUREMENT, 2026, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "P-MP-i-a" in result.stdout and "Tidak" in result.stdout
    assert "tidak ada yang disimpan" in result.stdout
    with_departure = filled(criteria, a, tmp_path / "lama.xlsx", extra_sheet=True)
    result = cli("lke", "import", with_departure, PROCUREMENT, 2026, "--dry-run")
    assert result.exit_code == 1, result.output
    assert "Penyimpangan" in result.stdout and "Utama" in result.stdout
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"
    assert not AuditEvent.select().where(AuditEvent.action == IMPORT_ACTION).exists()


def test_import_records_the_first_admin(cli, db, criteria, tmp_path):
    a = demo_assessment()
    path = filled(criteria, a, tmp_path / "lke.xlsx", extra_sheet=True)
    result = cli("lke", "import", path, PROCUREMENT, 2026)
    assert result.exit_code == 0, result.output  # imported: departures are listed, not a failure
    assert "Utama" in result.stdout and "Diimpor: 2 jawaban, 1 catatan, 1 tautan" in result.stdout
    stored = store.layer_answers(a, "unit")
    assert stored["P-MP-i-a"].value == "Tidak" and stored["P-PP-i-a"].note == "Dari LKE 2025"
    assert EvidenceDocument.get(EvidenceDocument.url == "https://jdih.contoh.go.id/sk-zi").title == "SK ZI"
    event = AuditEvent.get(AuditEvent.action == IMPORT_ACTION)
    assert event.user.email == "admin@contoh.go.id"
    assert event.new["file"] == "lke.xlsx" and event.new["answers"] == 2
    again = cli("lke", "import", path, PROCUREMENT, 2026, "--as", "pimpinan@contoh.go.id")
    assert again.exit_code == 0 and "Diimpor: 0 jawaban, 0 catatan, 0 tautan" in again.stdout


def test_json(cli, db, criteria, tmp_path):
    a = demo_assessment()
    path = filled(criteria, a, tmp_path / "lke.xlsx", extra_sheet=True)
    result = cli("lke", "import", path, a.unit_id, 2026, "--dry-run", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["imported"] is False and data["criteria"] == "lke-2021" and data["layer"] == "unit"
    assert data["counts"]["answers"] == 2 and data["counts"]["links"] == 1
    assert [d["kind"] for d in data["departures"]] == ["extra_sheet"]
    item = next(i for i in data["items"] if i["code"] == "P-MP-i-a")
    assert (item["current"], item["workbook"], item["changes"]) == ("Ya", "Tidak", True)
    assert data["score"]["after"] != data["score"]["before"]
    done = json.loads(cli("lke", "import", path, a.unit_id, 2026, "--json",
                          "--as", "pimpinan@contoh.go.id").stdout)
    assert done["imported"] is True and done["done"]["answers"] == 2
    assert AuditEvent.get_by_id(done["done"]["audit_event"]).user_id == \
        User.get(User.email == "pimpinan@contoh.go.id").id


def test_refusals_exit_2(cli, db, criteria, tmp_path):
    a = demo_assessment()
    path = filled(criteria, a, tmp_path / "lke.xlsx")
    pdf = tmp_path / "laporan.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    result = cli("lke", "import", pdf, PROCUREMENT, 2026)
    assert result.exit_code == 2 and "Error:" in result.stderr
    assert cli("lke", "import", path, "Tidak Ada", 2026).exit_code == 2
    assert cli("lke", "import", path, PROCUREMENT, 2019).exit_code == 2
    unknown = cli("lke", "import", path, PROCUREMENT, 2026, "--as", "siapa@contoh.go.id")
    assert unknown.exit_code == 2 and "siapa@contoh.go.id" in unknown.stderr
    assert cli("lke", "import", tmp_path / "tidak-ada.xlsx", PROCUREMENT, 2026).exit_code == 2
    Assessment.update(status="accepted").where(Assessment.id == a.id).execute()
    locked = cli("lke", "import", path, PROCUREMENT, 2026)
    assert locked.exit_code == 2 and "terkunci" in locked.stderr
    Assessment.update(status="draft").where(Assessment.id == a.id).execute()
    tpi = cli("lke", "import", path, PROCUREMENT, 2026, "--layer", "tpi")  # TPI answers while reviewing only
    assert tpi.exit_code == 2 and "TPI" in tpi.stderr
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"
    assert not AuditEvent.select().where(AuditEvent.action == IMPORT_ACTION).exists()


def test_a_workbook_of_another_year_imports_with_its_wording_reported(cli, db, criteria_registry,
                                                                        tmp_path):
    """The period uses lke-2021 (LHKASN); a workbook in the 2025 wording (Non LHKPN) is read against
    the period's version: its answers import, and the row whose wording differs is reported."""
    newer = criteria_registry["lke-2025"]
    path = tmp_path / "lke-2025.xlsx"
    write_workbook(newer, {"P-MP-i-a": "Tidak"}).save(path)
    result = cli("lke", "import", path, PROCUREMENT, 2026, "--dry-run", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["criteria"] == "lke-2021"
    assert any(d["kind"] == "text" and d["code"] == "R-PW-iii-b" for d in data["departures"])
    assert store.layer_answers(demo_assessment(), "unit")["P-MP-i-a"].value == "Ya"
    imported = cli("lke", "import", path, PROCUREMENT, 2026)
    assert imported.exit_code == 0, imported.output
    assert store.layer_answers(demo_assessment(), "unit")["P-MP-i-a"].value == "Tidak"
