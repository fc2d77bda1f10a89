"""The `zi` command: one module per command group, assembled here (`zi = "zi.cli:main"`).

This is an adapter like `zi.web`: it imports the domain, and no other zi module imports it.
"""

from __future__ import annotations

import click

from . import backup, criteria, db, demo, dossier, evidence, lke, score, units, users
from .common import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """zi: Zona Integritas (WBK/WBBM) self-assessment and evidence tracker.

    Exit status: 0 done, 1 a check found problems, 2 refused or bad input (reason on stderr).
    """


for _module in (criteria, score, db, units, users, demo, evidence, dossier, backup, lke):
    for _command in _module.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]
