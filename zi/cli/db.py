"""`zi db`: create the database or bring its schema up to date."""

from __future__ import annotations

import click

from .common import database, echo_json


@click.group("db")
def group() -> None:
    """Database schema."""


@group.command("upgrade")
@click.option("--json", "as_json", is_flag=True,
              help="Print {applied, version, latest} as JSON instead of a sentence.")
def db_upgrade(as_json: bool) -> None:
    """Create the database or bring it up to date (numbered migrations, no data lost)."""
    from .. import migrations

    db = database(check_schema=False)
    applied = migrations.upgrade(db)
    version = migrations.current_version(db)
    if as_json:
        echo_json({"applied": applied, "version": version, "latest": migrations.latest_version()})
    elif applied:
        click.echo(f"Applied migrations {applied}; schema version {version}.")
    else:
        click.echo(f"Schema is up to date (version {version}).")


COMMANDS = [group]
