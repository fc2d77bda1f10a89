"""The README names every setting zi reads and every `zi` command, and explains the Indonesian terms."""

import re

import click

from zi.cli import main
from zi.config import PACKAGE_DIR, PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def settings_read() -> set[str]:
    found = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        found.update(re.findall(r"\bZI_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    return found


def commands(group: click.Group = main, prefix: str = "zi") -> set[str]:
    """Every command a person can run, as typed: `zi score`, `zi criteria validate` …"""
    found = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix} {name}")
        else:
            found.add(f"{prefix} {name}")
    return found


def test_every_setting_is_documented():
    settings = settings_read()
    assert {"ZI_CRITERIA_DIR", "ZI_S3_BUCKET", "ZI_EVIDENCE_DIR"} <= settings
    missing = sorted(s for s in settings if not re.search(rf"`{s}`", README))
    assert missing == [], f"add these settings to README's Configuration table: {missing}"


def test_every_command_is_documented():
    found = commands()
    assert {"zi score", "zi criteria validate", "zi evidence verify", "zi restore"} <= found
    missing = sorted(c for c in found if f"`{c}" not in README)
    assert missing == [], f"add these commands to README's `zi` command table: {missing}"


def test_the_glossary_explains_the_indonesian_terms():
    glossary = README.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    for term in ("pokja", "pimpinan", "data dukung", "dosir", "prasyarat", "pengungkit", "pemenuhan",
                 "reform", "hasil", "SPTJM", "TPI", "TPN", "LKE", "WBK", "WBBM"):
        assert re.search(rf"\*\*{re.escape(term)}\*\*", glossary, re.IGNORECASE), term
