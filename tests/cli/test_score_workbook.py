"""`zi score FILE.xlsx`: a filled official workbook scored directly, with the JSON of an answer
file; departures on stderr, a refused file exits 2. `--prior-predicate` for both kinds of file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import FULL_COUNTS, best_answer
from tests.lke_workbook.builders import Spec, build, encrypted_ooxml, entity_bomb, pdf_bytes, zip_bomb
from zi.cli import main
from zi.config import PROJECT_DIR

EXAMPLE = PROJECT_DIR / "examples" / "bagian-pengadaan-2026.yaml"


@pytest.fixture
def run():
    def invoke(*args, env=None):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False,
                                  env={"ZI_LOCALE": "", **(env or {})})

    return invoke


@pytest.fixture(scope="module")
def example_answers():
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["answers"]


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("prior", ["none", "WBK"])
def test_xlsx_json_equals_yaml_json_for_the_same_answers(run, tmp_path, criteria_registry,
                                                         example_answers, prior):
    c = criteria_registry["lke-2021"]
    xlsx = _write(tmp_path / "lke.xlsx", build(c, Spec(answers=example_answers, typed=True)))
    answers_file = tmp_path / "lke.yaml"
    answers_file.write_text(yaml.safe_dump({"criteria": "lke-2021", "answers": example_answers}))
    from_xlsx = run("score", xlsx, "--json", "--prior-predicate", prior)
    from_yaml = run("score", answers_file, "--json", "--prior-predicate", prior)
    assert from_xlsx.exit_code == 0, from_xlsx.output
    assert from_yaml.exit_code == 0, from_yaml.output
    assert json.loads(from_xlsx.stdout) == json.loads(from_yaml.stdout)
    assert json.loads(from_xlsx.stdout)["prior_predicate"] == prior
    assert from_xlsx.stderr == ""  # nothing departs from the instrument


def test_the_criteria_version_is_detected(run, tmp_path, criteria_registry):
    c = criteria_registry["lke-2025"]
    answers = {item.code: best_answer(item) for item in c.items}
    xlsx = _write(tmp_path / "lke-2025.xlsx", build(c, Spec(answers=answers)))
    data = json.loads(run("score", xlsx, "--json").stdout)
    assert data["criteria"] == "lke-2025" and data["total"] == 100 and data["complete"] is True
    assert data["predicate"] == "WBK"  # WBBM needs a prior WBK
    wbbm = json.loads(run("score", xlsx, "--json", "--prior-predicate", "WBK").stdout)
    assert wbbm["predicate"] == "WBBM"


def test_departures_go_to_stderr_and_json_stays_clean(run, tmp_path, criteria_registry):
    c = criteria_registry["lke-2021"]
    xlsx = _write(tmp_path / "lke.xlsx", build(c, Spec(
        answers={"P-MP-i-a": "ya", "P-MP-i-b": "F", "H-I-a": 90}, type_labels={"P-MP-i-a": "Ya"},
        extra_sheets=("Utama",))))
    result = run("score", xlsx, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["items"]["P-MP-i-a"]["value"] == 1 and data["items"]["P-MP-i-b"]["value"] is None
    lines = result.stderr.splitlines()
    assert any(line.startswith("type_label: Baris ") for line in lines)
    assert any(line.startswith("unknown_answer: ") and "P-MP-i-b" in line for line in lines)
    assert any("bagi dengan 25" in line for line in lines)
    assert "extra_sheet: Lembar 'Utama' bukan lembar LKE dan tidak dibaca." in lines
    english = run("score", xlsx, "--json", env={"ZI_LOCALE": "en"})
    assert "extra_sheet: Sheet 'Utama' is not the LKE sheet and was not read." in english.stderr.splitlines()


def test_the_table_of_a_workbook(run, tmp_path, criteria_registry):
    c = criteria_registry["lke-2021"]
    xlsx = _write(tmp_path / "lke.xlsx", build(c, Spec(answers=dict(FULL_COUNTS))))
    result = run("score", xlsx)
    assert result.exit_code == 0 and "Predikat:" in result.stdout


def test_a_tpi_workbook_scored_for_either_layer(run, tmp_path, criteria_registry):
    c = criteria_registry["lke-2021"]
    unit = {item.code: best_answer(item) for item in c.items}
    xlsx = _write(tmp_path / "tpi.xlsx", build(c, Spec(variant="tpi", answers=unit,
                                                       tpi_answers={"P-MP-i-a": "Tidak"})))
    by_unit = json.loads(run("score", xlsx, "--json").stdout)
    by_tpi = json.loads(run("score", xlsx, "--json", "--layer", "tpi").stdout)
    assert by_unit["total"] == 100
    assert by_tpi["complete"] is False and by_tpi["items"]["P-MP-i-a"]["value"] == 0


@pytest.mark.parametrize(("data", "message"), [
    (pdf_bytes(), "bukan buku kerja Excel"),
    (encrypted_ooxml(), "dilindungi kata sandi"),
    (b"PK\x03\x04 truncated", "Berkas rusak"),
])
def test_a_refused_workbook_exits_2_with_the_message(run, tmp_path, data, message):
    result = run("score", _write(tmp_path / "lke.xlsx", data), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and message in result.stderr


def test_a_workbook_named_otherwise_is_still_read(run, tmp_path, criteria_registry):
    c = criteria_registry["lke-2021"]
    path = _write(tmp_path / "lke.bin", build(c, Spec(answers={"P-MP-i-a": "Ya"})))
    data = json.loads(run("score", path, "--json").stdout)
    assert data["items"]["P-MP-i-a"]["value"] == 1


def test_prior_predicate_option_for_answer_files(run, tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("prior_predicate: WBK\nanswers: {P-MP-i-a: Ya}\n")
    assert json.loads(run("score", path, "--json").stdout)["prior_predicate"] == "WBK"
    overridden = run("score", path, "--json", "--prior-predicate", "none")
    assert json.loads(overridden.stdout)["prior_predicate"] == "none"
    bad = run("score", path, "--json", "--prior-predicate", "gold")
    assert bad.exit_code == 2 and "prior_predicate: 'gold' is not allowed" in bad.stderr


@pytest.mark.parametrize("hostile", ["zip-bomb", "billion-laughs"])
def test_hostile_workbooks_are_refused_quickly_by_the_real_command(tmp_path, criteria_registry, hostile):
    """The installed command in a subprocess, under the time limit of tests/test_cli_limits.py."""
    if hostile == "zip-bomb":
        data, message = zip_bomb(), "zip bomb"
    else:
        data, message = entity_bomb(build(criteria_registry["lke-2021"], Spec())), "Berkas rusak"
    path = _write(tmp_path / f"{hostile}.xlsx", data)
    started = time.monotonic()
    result = subprocess.run([str(Path(sys.executable).parent / "zi"), "score", str(path), "--json"],
                            capture_output=True, text=True, timeout=10, env={"ZI_LOCALE": "id",
                                                                             "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2, result.stderr[:500]
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == "" and time.monotonic() - started < 10
