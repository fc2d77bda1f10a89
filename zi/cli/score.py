"""`zi score`: score an answer file from the shell (table or JSON)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import scoring
from ..answer_file import read_answer_file
from ..report_format import format_report, report_json
from .common import EXIT_REFUSED, criteria, criteria_option, echo_json

MAX_PROBLEMS_SHOWN = 50


@click.command("score")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@criteria_option
def score_command(answers: Path, as_json: bool, criteria_id: str | None) -> None:
    """Score an answer file (YAML or JSON) against the criteria; bad input exits 2."""
    try:
        data = read_answer_file(answers)
        c = criteria(criteria_id or data.get("criteria"))
        report = scoring.score(c, data.get("answers") or {}, data.get("prior_predicate"))
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
