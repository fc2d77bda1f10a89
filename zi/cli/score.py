"""`zi score`: score an answer file or a filled LKE workbook from the shell (table or JSON)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import scoring
from ..answer_file import read_answer_file
from ..lke_workbook.reader import LAYERS as READ_LAYERS
from ..report_format import format_report, report_json
from .common import EXIT_REFUSED, all_criteria, criteria, criteria_option, echo_json, fail

MAX_PROBLEMS_SHOWN = 50
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def _is_workbook(path: Path) -> bool:
    """An Excel file by its name or its first bytes (a zip, or an old/encrypted OLE2 file)."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        with path.open("rb") as source:
            head = source.read(4)
    except OSError:
        return False
    return head in WORKBOOK_MAGIC


def _read_workbook(path: Path, layer: str, criteria_id: str | None) -> tuple[str, dict]:
    """The criteria id and answers of a filled workbook; departures on stderr, a refusal exits 2."""
    from ..lke_workbook.reader import read_workbook
    from ..lke_workbook.reading import WorkbookRefused
    from ..messages import DomainError, in_locale

    try:
        reading = read_workbook(path, layer, criteria_id, registry=all_criteria())
    except WorkbookRefused as err:
        fail(err)
    for departure in reading.departures:
        text = in_locale(DomainError(departure.message_id, **departure.params))
        click.echo(f"{departure.kind.value}: {text}", err=True)
    return reading.criteria_id, dict(reading.answers)


@click.command("score")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--layer", type=click.Choice(READ_LAYERS), default="unit", show_default=True,
              help="For a workbook: whose answers to score (the TPI variant holds both).")
@click.option("--prior-predicate", "prior", metavar="none|WBK|WBBM", default=None,
              help="The predicate the unit already holds (default: the answer file's, else none).")
@criteria_option
def score_command(answers: Path, as_json: bool, layer: str, prior: str | None,
                  criteria_id: str | None) -> None:
    """Score an answer file (YAML or JSON) or a filled LKE workbook (.xlsx, sheet "LKE ZI": the
    criteria version detected from its texts) against the criteria; bad input exits 2. A
    workbook's departures from the instrument are listed on stderr."""
    try:
        if _is_workbook(answers):
            found_id, given = _read_workbook(answers, layer, criteria_id)
            c = criteria(found_id)
            report = scoring.score(c, given, prior)
        else:
            data = read_answer_file(answers)
            c = criteria(criteria_id or data.get("criteria"))
            given_prior = prior if prior is not None else data.get("prior_predicate")
            report = scoring.score(c, data.get("answers") or {}, given_prior)
    except scoring.AnswerError as err:
        click.echo(f"Error: cannot score {answers}:", err=True)
        for problem in err.problems[:MAX_PROBLEMS_SHOWN]:
            click.echo(f"  {problem}", err=True)
        if len(err.problems) > MAX_PROBLEMS_SHOWN:
            click.echo(f"  … and {len(err.problems) - MAX_PROBLEMS_SHOWN} more problem(s)", err=True)
        sys.exit(EXIT_REFUSED)
    if as_json:
        echo_json(report_json(c, report))
    else:
        click.echo(format_report(c, report))


COMMANDS = [score_command]
