"""`zi dossier`: a unit's dossier PDF (or bundle) from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from .common import assessment, criteria, database, store


@click.command("dossier")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("--variant", type=click.Choice(["internal", "kemenpan"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--bundle", type=click.Choice(["", "zip", "attach"]), default="",
              help="zip: dossier and evidence tree in one ZIP; attach: evidence PDFs inside the PDF.")
def dossier_command(unit: str, period: int, variant: str, output: Path, bundle: str) -> None:
    """Write UNIT's dossier for PERIOD. An accepted assessment gives its frozen final file."""
    from ..dossier.build import build
    from ..models import Dossier

    database()
    found = assessment(unit, period)
    files = store()
    final = (Dossier.select().where((Dossier.assessment == found) & (Dossier.variant == variant))
             .order_by(Dossier.id.desc()).first())
    if final is not None and found.status == "accepted" and not bundle:
        with output.open("wb") as out:
            for chunk in files.chunks(final.sha256):
                out.write(chunk)
        click.echo(f"Wrote the final dossier {output} (SHA-256 {final.sha256}).")
        return

    def progress(pct: int, message: str) -> None:
        click.echo(f"{pct:3d}% {message}", err=True)

    content, _ = build(found, criteria(found.period.criteria_id), variant, store=files,
                       bundle=bundle, progress=progress)
    output.write_bytes(content)
    draft = "" if found.status == "accepted" else ", DRAFT"
    click.echo(f"Wrote {output} ({len(content) // 1024} KB{draft}).")


COMMANDS = [dossier_command]
