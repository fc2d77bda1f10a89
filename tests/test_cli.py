"""The `zi` command as a user runs it."""

import json

import pytest
from click.testing import CliRunner

from zi.cli import main
from zi.config import PROJECT_DIR

EXAMPLE = PROJECT_DIR / "examples" / "bagian-pengadaan-2026.yaml"


@pytest.fixture
def run():
    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_help_on_every_command(run):
    for args in ([], ["criteria"], ["criteria", "validate"], ["criteria", "show"],
                 ["criteria", "export"], ["score"]):
        result = run(*args, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_validate_shipped_criteria(run):
    result = run("criteria", "validate")
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "OK 2 file(s): lke-2021 (2021): 6 areas, 113 scored items, weight 100; "
        "lke-2025 (2025): 6 areas, 113 scored items, weight 100"
    )


def test_validate_lists_every_error_and_exits_1(run, tmp_criteria, criteria_text):
    bad = criteria_text.replace("type: abcde", "type: abcdef", 2)
    path = tmp_criteria(bad)
    result = run("criteria", "validate", path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[-1] == "2 problem(s) in 1 file(s)"
    assert all(line.startswith(f"{path}:") and ": type: " in line for line in lines[:2])


def test_show_tree_and_one_item(run):
    tree = run("criteria", "show")
    assert tree.exit_code == 0
    assert "A. Pengungkit (60)" in tree.stdout and "R-PP-ii-a" in tree.stdout
    item = run("criteria", "show", "P-PT-i-c")
    assert item.exit_code == 0
    assert "E (0): Jika SOP belum pernah dievaluasi" in item.stdout
    assert "Data dukung yang lazim" in item.stdout
    assert run("criteria", "show", "NOPE").exit_code == 2


def test_export_json(run, criteria):
    data = json.loads(run("criteria", "export", "--json").stdout)
    assert data["id"] == "lke-2025"  # the newest year by default
    older = json.loads(run("criteria", "export", "--json", "--criteria", "lke-2021").stdout)
    assert older["id"] == "lke-2021"
    assert len(data["items"]) == 113
    assert round(sum(i["weight"] for i in data["items"]), 9) == 100
    first = data["items"][0]
    assert (first["code"], first["type"], first["weight"]) == ("P-MP-i-a", "ya_tidak", 0.25)


def test_score_example_json(run, criteria):
    result = run("score", EXAMPLE, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("complete", "unanswered", "total", "pengungkit", "pemenuhan", "reform", "hasil",
                "areas", "hasil_parts", "thresholds", "predicate"):
        assert key in data
    assert set(data["areas"]) == {"MP", "PT", "SDM", "AK", "PW", "PP"}
    assert set(data["areas"]["MP"]) >= {"pemenuhan", "reform", "score", "percent"}
    assert data["complete"] is True and data["unanswered"] == []
    assert data["predicate"] in ("WBK", "WBBM", "none")
    assert data["total"] == round(data["pengungkit"] + data["hasil"], 2)
    assert 0 <= data["areas"]["PT"]["percent"] <= 100


def test_score_json_agrees_with_the_engine(run, criteria, tmp_path):
    from zi.scoring import rounded, score

    path = tmp_path / "a.json"
    answers = {"P-MP-i-a": "Ya", "R-MP-i-a": {"agents": 4, "changes": 3}, "H-I-a": 3.72}
    path.write_text(json.dumps({"prior_predicate": "WBK", "answers": answers}))
    data = json.loads(run("score", path, "--json").stdout)
    report = score(criteria, answers, "WBK")
    assert data["total"] == rounded(report.total)
    assert data["areas"]["MP"]["reform"] == rounded(report.areas["MP"].parts["reform"]) == 0.75
    assert data["hasil_parts"]["H-I-a"] == 16.28
    assert data["complete"] is False and len(data["unanswered"]) == 110
    assert data["predicate"] == "none"


def test_score_table(run):
    result = run("score", EXAMPLE)
    assert result.exit_code == 0
    assert "Nilai total" in result.stdout and "Predikat:" in result.stdout
    assert "1. Manajemen Perubahan" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("answers:\n  P-MP-i-b: F\n", "P-MP-i-b: 'F' is not allowed; expected A, B, C"),
        ("answers: [1, 2]\n", "expected a mapping with an `answers` mapping"),
        ("answers: {P-MP-i-a: Ya}\nprior: WBK\n", "unknown key(s): prior"),
        ("answers: {\n", "not a YAML or JSON file"),
        ("prior_predicate: gold\nanswers: {}\n", "prior_predicate: 'gold' is not allowed"),
    ],
)
def test_score_bad_input_exits_2_with_the_error_on_stderr(run, tmp_path, content, message):
    path = tmp_path / "answers.yaml"
    path.write_text(content)
    result = run("score", path, "--json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_score_missing_file_exits_2(run, tmp_path):
    assert run("score", tmp_path / "nope.yaml").exit_code == 2
