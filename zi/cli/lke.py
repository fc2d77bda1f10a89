"""`zi lke`: the official LKE workbook (sheet "LKE ZI") of an assessment, or a blank one."""

from __future__ import annotations

from pathlib import Path

import click

from ..lke_workbook import assessment_tpi_workbook, assessment_workbook, blank_workbook
from ..lke_workbook.reader import LAYERS as READ_LAYERS
from .common import assessment, criteria, criteria_option, database

LAYERS = ("unit", "tpi", "final")
VARIANTS = ("unit", "tpi")


@click.group("lke")
def lke_group() -> None:
    """The official LKE Excel workbook (PermenPAN-RB 90/2021 Lampiran III)."""


@lke_group.command("export")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--variant", type=click.Choice(VARIANTS), default="unit", show_default=True,
              help="The official unit-layer sheet, or the TPI workbook (unit and TPI side by side).")
@click.option("--layer", type=click.Choice(LAYERS), default=None,
              help="Whose answers in the unit variant: the unit's (default), TPI's, or the final "
                   "layer (TPI's once TPI answered). The TPI variant always holds both.")
def export_command(unit: str, period: int, output: Path, variant: str, layer: str | None) -> None:
    """Write UNIT's LKE workbook for PERIOD: answers, Catatan, data dukung, live Nilai formulas."""
    from ..answers import both_layers, reports
    from ..config import Config
    from ..evidence.service import linked_documents

    if variant == "tpi" and layer is not None:
        raise click.UsageError("--layer applies to the unit variant; the TPI variant holds both layers")
    database()
    found = assessment(unit, period)
    c = criteria(found.period.criteria_id)
    layers = both_layers(found)
    title = f"{c.title} — {found.unit.name} {found.period.year}"
    if variant == "tpi":
        wb = assessment_tpi_workbook(c, layers, linked_documents(found), Config().BASE_URL, title)
        wb.save(output)
        click.echo(f"Wrote {output} (TPI variant, {len(layers['unit'])} unit answers, "
                   f"{len(layers['tpi'])} TPI answers).")
        return
    layer = layer or "unit"
    if layer == "final":
        layer = str(reports(c, found, layers).final_layer)
    wb = assessment_workbook(c, layers[layer], linked_documents(found), Config().BASE_URL, title)
    wb.save(output)
    click.echo(f"Wrote {output} (layer {layer}, {len(layers[layer])} answers).")


@lke_group.command("blank")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--variant", type=click.Choice(VARIANTS), default="unit", show_default=True,
              help="The official unit-layer sheet, or the TPI workbook.")
@criteria_option
def blank_command(output: Path, variant: str, criteria_id: str | None) -> None:
    """Write a blank LKE workbook of the criteria (its formulas ready for answers)."""
    c = criteria(criteria_id)
    blank_workbook(c, variant).save(output)
    click.echo(f"Wrote {output} ({c.id}, {variant} variant, blank).")



@lke_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("unit")
@click.argument("period", type=int)
@click.option("--layer", type=click.Choice(READ_LAYERS), default="unit", show_default=True,
              help="Which layer the workbook's answers go to (a TPI-variant file holds both).")
@click.option("--dry-run", is_flag=True, help="Show the preview only; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the preview (and what was done) as JSON.")
@click.option("--as", "as_email", metavar="EMAIL",
              help="Who the audit log names (default: the first admin of the unit's instansi).")
def import_command(file: Path, unit: str, period: int, layer: str, dry_run: bool, as_json: bool,
                   as_email: str | None) -> None:
    """Import a filled LKE workbook FILE into UNIT's assessment of PERIOD: a preview item by item,
    then the changed answers, notes and data dukung links in one transaction (the workflow's rules
    for the layer apply: the unit layer in a draft or on flagged items, TPI's while reviewing).
    Exit 0 imported (departures listed) or a clean dry run, 1 a dry run with departures, 2 refused."""
    import sys

    from .. import workbook_import
    from ..lke_workbook import WorkbookRefused, read_workbook
    from ..models import RoleAssignment, User
    from .common import EXIT_DONE, EXIT_PROBLEMS, all_criteria, echo_json, fail

    database()
    found = assessment(unit, period)
    c = criteria(found.period.criteria_id)
    if as_email:
        user = User.get_or_none(User.email == as_email.strip().lower()) or \
            User.get_or_none(User.email == as_email.strip())
        if user is None:
            fail(f"no user with the email {as_email!r}")
    else:
        admins = RoleAssignment.select().where(
            (RoleAssignment.role == "admin") & RoleAssignment.unit.is_null()
            & (RoleAssignment.instansi == found.unit.instansi_id))
        first = admins.order_by(RoleAssignment.id).first()
        if first is None:
            fail(f"the instansi of {found.unit.name!r} has no admin; name the user with --as EMAIL")
        user = first.user
    try:
        reading = read_workbook(file, layer, found.period.criteria_id, registry=all_criteria())
        preview = workbook_import.preview(found, c, reading)
    except (WorkbookRefused, workbook_import.ImportRefused) as err:
        fail(err)
    result = None
    if not dry_run:
        try:
            result = workbook_import.apply(found, c, reading, user, file.name, operator=True)
        except workbook_import.ImportRefused as err:
            fail(err)
        preview = result.preview
    if as_json:
        data = preview.to_json()
        data["file"] = file.name
        data["imported"] = result is not None
        if result is not None:
            data["done"] = {"answers": result.answers, "notes": result.notes, "links": result.links,
                            "skipped": result.skipped, "audit_event": result.event_id}
        echo_json(data)
    else:
        click.echo(_preview_text(preview, c, file.name))
        if result is not None:
            click.echo(f"Diimpor: {result.answers} jawaban, {result.notes} catatan, "
                       f"{result.links} tautan data dukung; {result.skipped} butir dilewati "
                       f"(dicatat di log audit atas nama {user.email}).")
        else:
            click.echo("Uji coba (--dry-run): tidak ada yang disimpan.")
    if result is None and preview.departures:
        sys.exit(EXIT_PROBLEMS)
    sys.exit(EXIT_DONE)


def _preview_text(preview, c, name: str) -> str:
    """The preview as a table: departures (with their rows) first, then each item that changes or
    is skipped, then the score before and after."""
    from .. import scoring
    from ..messages import DomainError, in_locale
    from ..report_format import shorten

    r = scoring.rounded
    lines = [f"{name} → {preview.assessment.unit.name} {preview.assessment.period.year}, "
             f"lapisan {preview.layer} ({preview.criteria_id})", ""]
    if preview.departures:
        lines.append(f"Penyimpangan ({len(preview.departures)}):")
        for d in preview.departures:
            where = f"baris {d.row}" if d.row else "-"
            lines.append(f"  {where:<11} {in_locale(DomainError(d.message_id, **d.params))}")
        lines.append("")
    shown = [row for row in preview.rows if row.changes or row.skipped or row.problem]
    head = f"{'':2}{'Butir':<13}{'Baris':>6}  {'Sekarang':<34}{'Dari berkas':<34}Catatan"
    lines += [head, "-" * len(head)]
    for row in shown:
        mark = "*" if row.changes else "x" if row.skipped else "!"
        note = shorten(row.workbook_note, 40) if row.note_changes else ""
        if row.problem:
            note = in_locale(DomainError(row.problem, **row.problem_params))
        elif row.skipped:
            note = "tidak boleh diubah: dilewati"
        if row.urls:
            note = (note + " · " if note else "") + f"+{len(row.urls)} tautan"
        lines.append(f"{mark:<2}{row.code:<13}{row.row or '':>6}  {shorten(row.current_text, 32):<34}"
                     f"{shorten(row.workbook_text, 32):<34}{note}")
    if not shown:
        lines.append("  (tidak ada yang berubah)")
    counts = preview.counts
    lines += ["", f"{counts['items']} butir berubah ({counts['answers']} jawaban, "
              f"{counts['notes']} catatan), {counts['links']} tautan data dukung, "
              f"{counts['skipped']} dilewati, "
              f"{counts['departures']} penyimpangan.",
              f"Nilai: {r(preview.before.total):.2f} → {r(preview.after.total):.2f} "
              f"(predikat {preview.before.predicate} → {preview.after.predicate})"]
    return "\n".join(line.rstrip() for line in lines)

COMMANDS = [lke_group]
