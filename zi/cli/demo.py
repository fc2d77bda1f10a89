"""`zi demo`: demo data for a first look."""

from __future__ import annotations

import click

from .common import criteria, database, fail, store


@click.group("demo")
def group() -> None:
    """Demo data."""


@group.command("load")
def demo_load() -> None:
    """Load the demo instansi, units, people, a half-filled assessment and its evidence documents
    into an empty database."""
    from .. import demo as demo_data
    from .. import migrations

    db = database(check_schema=False)
    migrations.upgrade(db)
    if not demo_data.is_empty():
        fail("the database already has users; demo data goes only into an empty one.")
    with db.atomic():
        logins = demo_data.load(criteria(None), store=store())
    for email, password, role in logins:
        click.echo(f"{role:<9} {email}  {password}")


COMMANDS = [group]
