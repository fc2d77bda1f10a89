"""The import contract (pyproject's [tool.importlinter]) holds, covers every module, and bites."""

import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import zi
from zi.config import PROJECT_DIR

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
ADAPTERS = {"zi.web", "zi.cli"}


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def contracts() -> dict:
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def test_the_contract_is_kept():
    result = lint_imports(PROJECT_DIR)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert f"Contracts: {len(contracts())} kept, 0 broken." in result.stdout


def test_every_module_but_the_adapters_is_flask_free_by_contract():
    modules = {f"zi.{m.name}" for m in pkgutil.iter_modules(zi.__path__)}
    assert {"zi.scoring", "zi.dossier", "zi.web", "zi.cli"} <= modules
    listed = set(contracts()["no-flask-in-domain"]["source_modules"])
    assert listed == modules - ADAPTERS, "list each new zi module in no-flask-in-domain (pyproject.toml)"


def test_the_contract_catches_each_kind_of_violation(tmp_path):
    shutil.copytree(PROJECT_DIR / "zi", tmp_path / "zi", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_DIR / "pyproject.toml", tmp_path)
    for module, line in (("summary.py", "from .web import filters"), ("demo.py", "from . import cli"),
                         ("scoring.py", "from . import models"), ("workflow.py", "import flask")):
        with (tmp_path / "zi" / module).open("a") as f:
            f.write(f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert "Contracts: 0 kept, 4 broken." in out, out[-3000:]
    assert "zi.summary -> zi.web.filters" in out and "zi.demo -> zi.cli" in out
    assert "zi.scoring is not allowed to import zi.models" in out
    assert "zi.workflow -> flask" in out
