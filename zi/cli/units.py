"""`zi units`: units (unit kerja) of an instansi."""

from __future__ import annotations

import click

from .common import admin_call, unit_named


@click.group("units")
def group() -> None:
    """Units (unit kerja) of an instansi."""


@group.command("create")
@click.option("--instansi", required=True, help="Name of the instansi (created if new).")
@click.option("--name", required=True, help="Name of the unit.")
@click.option("--parent", default=None, help="Name of the parent unit, if any.")
@click.option("--region", default="", help="Region, district or office.")
def units_create(instansi: str, name: str, parent: str | None, region: str) -> None:
    """Create a unit (and its instansi if it does not exist yet)."""
    from .. import admin

    def action():
        owner = admin.get_or_create_instansi(instansi)
        return admin.create_unit(owner, name, parent=unit_named(owner, parent), region=region)

    unit = admin_call(action)
    click.echo(f"Created unit {unit.name!r} (id {unit.id}) in {instansi!r}.")


COMMANDS = [group]
