"""One convention for every `zi` command: exit 0 done, 1 a check found problems, 2 refused or bad
input with the reason on stderr and no traceback; `--json` where a machine reads the output."""

import hashlib
import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from zi import migrations
from zi.cli import main
from zi.config import PROJECT_DIR
from zi.evidence import LocalStore

EXAMPLE = PROJECT_DIR / "examples" / "bagian-pengadaan-2026.yaml"
PROCUREMENT = "Bagian Pengadaan Barang dan Jasa"


def command_paths(group: click.Group = main, prefix: tuple = ()) -> list[tuple[str, ...]]:
    """Every group and command below `zi`, as the words typed after `zi`."""
    found = []
    for name, command in sorted(group.commands.items()):
        path = prefix + (name,)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(command_paths(command, path))
    return found


@pytest.fixture
def env(database_url, tmp_path):
    return {"DATABASE_URL": database_url, "ZI_EVIDENCE_DIR": str(tmp_path / "evidence"), "ZI_S3_BUCKET": ""}


@pytest.fixture
def cli(env):
    def invoke(*args, env=env, **kwargs):
        # catch_exceptions=False: an exception that escapes the command fails the test with its traceback.
        return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False, **kwargs)

    return invoke


def refused(result, *words):
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def test_every_command_and_group_has_help():
    paths = command_paths()
    assert {("score",), ("criteria", "validate"), ("evidence", "verify"), ("restore",)} <= set(paths)
    for path in [(), *paths]:
        result = CliRunner().invoke(main, [*path, "--help"], catch_exceptions=False)
        assert result.exit_code == 0, (path, result.output)
        usage = result.output.splitlines()[0]
        assert usage.startswith("Usage: ") and " ".join(path) in usage, (path, usage)


def test_unknown_commands_and_options_are_usage_errors(cli):
    refused(cli("nope"), "No such command")
    refused(cli("criteria", "show", "--nope"), "No such option")
    refused(cli("score"), "Missing argument")


def test_an_outdated_schema_refuses_every_database_command(cli, env, tmp_path):
    empty = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    for args in (["units", "create", "--instansi", "I", "--name", "U"],
                 ["users", "password", "--email", "a@b.c", "--password", "sandi-rahasia-123"],
                 ["evidence", "verify"], ["evidence", "verify", "--json"],
                 ["evidence", "export", "U", "2026"],
                 ["dossier", "U", "2026", "--variant", "internal", "-o", tmp_path / "d.pdf"]):
        refused(cli(*args, env=empty), "schema is out of date", "zi db upgrade")


def test_unknown_units_people_and_periods_are_refused(cli, tmp_path):
    out = tmp_path / "x.pdf"
    refused(cli("dossier", "Tidak Ada", 2026, "--variant", "internal", "-o", out), "0 assessments")
    refused(cli("dossier", PROCUREMENT, 1999, "--variant", "internal", "-o", out), "0 assessments")
    refused(cli("evidence", "export", "²", 2026), "0 assessments")  # a digit int() does not read
    refused(cli("evidence", "export", "9" * 40, 2026), "0 assessments")  # beyond any id
    refused(cli("users", "password", "--email", "nobody@contoh.go.id", "--password", "sandi-rahasia-123"),
            "no user")
    refused(cli("demo", "load"), "already has users")
    assert not out.exists()


def test_an_unwritable_output_is_refused_with_its_path(cli, tmp_path):
    target = tmp_path / "no-such-folder" / "x.zip"
    refused(cli("evidence", "export", PROCUREMENT, 2026, "-o", target), str(target))


def test_an_unreachable_or_unknown_database_is_refused(cli, env):
    refused(cli("db", "upgrade", env={**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}),
            "database")
    refused(cli("db", "upgrade", env={**env, "DATABASE_URL": "mysql://zi@127.0.0.1/zi"}),
            "cannot open DATABASE_URL (mysql:…)")


def test_an_unreachable_bucket_is_refused(cli, env):
    bucket = {**env, "ZI_S3_BUCKET": "zi", "ZI_S3_ENDPOINT_URL": "http://127.0.0.1:1",
              "ZI_S3_REGION": "us-east-1", "ZI_S3_ACCESS_KEY_ID": "x", "ZI_S3_SECRET_ACCESS_KEY": "y"}
    refused(cli("evidence", "verify", env=bucket), "S3: Could not connect")


def test_db_upgrade_json(cli, env, tmp_path):
    latest = migrations.latest_version()
    fresh = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    first = cli("db", "upgrade", "--json", env=fresh)
    assert first.exit_code == 0
    assert json.loads(first.stdout) == {"applied": list(range(1, latest + 1)), "version": latest,
                                        "latest": latest}
    again = json.loads(cli("db", "upgrade", "--json", env=fresh).stdout)
    assert again == {"applied": [], "version": latest, "latest": latest}


def test_evidence_verify_json_lists_orphans_and_clean_removes_them(cli, env):
    store = LocalStore(env["ZI_EVIDENCE_DIR"])
    sha = hashlib.sha256(b"nobody refers to me").hexdigest()
    path = store.path(sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"nobody refers to me")
    os.utime(path, (0, 0))  # older than an hour: an orphan, not a pending upload

    found = cli("evidence", "verify", "--json")
    assert found.exit_code == 1
    data = json.loads(found.stdout)
    assert data["ok"] is False and data["orphans"] == [sha] and data["missing"] == data["altered"] == []
    assert "cleaned" not in data

    cleaned = cli("evidence", "verify", "--clean", "--json")
    assert cleaned.exit_code == 0
    data = json.loads(cleaned.stdout)
    assert data["ok"] is True and data["cleaned"]["removed"] == [sha] and not path.exists()
    again = cli("evidence", "verify", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["orphans"] == []


def run_zi(*args, **env):
    """`zi` as a person runs it: its own process, real stdout and stderr."""
    return subprocess.run([sys.executable, "-c", "from zi.cli import main; main()", *map(str, args)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, **env})


def test_broken_criteria_refuse_scoring_and_fail_the_check(tmp_path, criteria_text):
    folder = tmp_path / "criteria"
    folder.mkdir()
    (folder / "lke.yaml").write_text(criteria_text.replace("type: abcde", "type: abcdef", 1))
    score = run_zi("score", EXAMPLE, ZI_CRITERIA_DIR=str(folder))
    assert score.returncode == 2, score.stderr
    assert "do not validate" in score.stderr and "type" in score.stderr
    assert "Traceback" not in score.stderr + score.stdout and score.stdout == ""
    check = run_zi("criteria", "validate", ZI_CRITERIA_DIR=str(folder))
    assert check.returncode == 1 and "1 problem(s) in 1 file(s)" in check.stderr


def test_a_criteria_file_that_is_not_utf8_is_a_problem_with_its_line(tmp_path, cli):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"id: x\ntitle: Pr\xe9dikat\n")
    result = cli("criteria", "validate", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"{path}:2: not UTF-8 text")


def test_score_json_is_one_object(cli):
    result = cli("score", EXAMPLE, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["criteria"] == "lke-2021" and data["predicate"] in ("WBBM", "WBK", "none")
