"""`zi lke`: the official LKE workbook (sheet "LKE ZI") of an assessment, or a blank one."""

from __future__ import annotations

from pathlib import Path

import click

from ..lke_workbook import assessment_workbook, write_workbook
from .common import assessment, criteria, criteria_option, database

LAYERS = ("unit", "tpi", "final")


@click.group("lke")
def lke_group() -> None:
    """The official LKE Excel workbook (PermenPAN-RB 90/2021 Lampiran III)."""


@lke_group.command("export")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--layer", type=click.Choice(LAYERS), default="unit", show_default=True,
              help="Whose answers: the unit's, TPI's, or the final layer (TPI's once TPI answered).")
def export_command(unit: str, period: int, output: Path, layer: str) -> None:
    """Write UNIT's LKE workbook for PERIOD: answers, Catatan, data dukung, live Nilai formulas."""
    from ..answers import both_layers, reports
    from ..config import Config
    from ..evidence.service import linked_documents

    database()
    found = assessment(unit, period)
    c = criteria(found.period.criteria_id)
    layers = both_layers(found)
    if layer == "final":
        layer = str(reports(c, found, layers).final_layer)
    title = f"{c.title} — {found.unit.name} {found.period.year}"
    wb = assessment_workbook(c, layers[layer], linked_documents(found), Config().BASE_URL, title)
    wb.save(output)
    click.echo(f"Wrote {output} (layer {layer}, {len(layers[layer])} answers).")


@lke_group.command("blank")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@criteria_option
def blank_command(output: Path, criteria_id: str | None) -> None:
    """Write a blank LKE workbook of the criteria (its formulas ready for answers)."""
    c = criteria(criteria_id)
    write_workbook(c, {}).save(output)
    click.echo(f"Wrote {output} ({c.id}, blank).")


COMMANDS = [lke_group]
