"""`zi evidence`: integrity check of the evidence store, and a ZIP export per unit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_DONE, EXIT_PROBLEMS, assessment, criteria, database, echo_json, store


@click.group("evidence")
def group() -> None:
    """Evidence (data dukung): integrity check and export."""


@group.command("verify")
@click.option("--clean", is_flag=True,
              help="Then remove the orphaned and stale temporary files listed (never pending ones).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
def evidence_verify(clean: bool, as_json: bool) -> None:
    """Re-hash every referenced file; list missing or altered ones, stored files no row references
    (ORPHAN; PENDING while younger than an hour) and stale temporary files (exit 1 if any)."""
    from ..evidence import bundle

    database()
    files = store()
    result = bundle.verify(files)
    done = bundle.clean(files, result) if clean else None
    # Missing or altered files cannot be cleaned away; they still fail the check.
    failed = (result.missing or result.altered) if clean else not result.ok
    if as_json:
        data = {
            "ok": not failed,
            "checked": result.checked,
            "missing": result.missing,
            "altered": result.altered,
            "orphans": result.orphans,
            "pending": result.pending,
            "stale": [str(p) for p in result.stale],
        }
        if done is not None:
            data["cleaned"] = {"removed": done.removed, "kept": done.kept,
                               "removed_temp": [str(p) for p in done.removed_temp]}
        echo_json(data)
        sys.exit(EXIT_PROBLEMS if failed else EXIT_DONE)
    for label, found in (("MISSING", result.missing), ("ALTERED", result.altered),
                         ("ORPHAN", result.orphans), ("PENDING", result.pending), ("STALE", result.stale)):
        for what in found:
            click.echo(f"{label} {what}")
    click.echo(f"{result.checked} file(s) checked, {len(result.missing)} missing, "
               f"{len(result.altered)} altered.")
    click.echo(f"{len(result.orphans)} orphaned, {len(result.pending)} pending (unreferenced, under an "
               f"hour old), {len(result.stale)} stale temporary file(s).")
    if done is not None:
        for sha in done.kept:
            click.echo(f"KEPT {sha} (in use or touched since the check)")
        click.echo(f"Removed {len(done.removed)} orphaned file(s) and {len(done.removed_temp)} "
                   "stale temporary file(s).")
    sys.exit(EXIT_PROBLEMS if failed else EXIT_DONE)


@group.command("export")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="ZIP file to write (default: data-dukung-<unit id>-<period>.zip).")
def evidence_export(unit: str, period: int, output: Path | None) -> None:
    """Write a ZIP of UNIT's evidence for PERIOD: one folder per LKE code and an index.html."""
    from ..evidence import bundle

    database()
    found = assessment(unit, period)
    c = criteria(found.period.criteria_id)
    output = output or Path(f"data-dukung-{found.unit_id}-{period}.zip")
    with output.open("wb") as out:
        count = bundle.export_zip(store(), found, c, out)
    click.echo(f"Wrote {output} with {count} file(s).")


COMMANDS = [group]
