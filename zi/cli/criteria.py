"""`zi criteria`: check, browse and export the LKE criteria files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import Config
from ..criteria import Criteria, CriteriaError, load_file
from ..criteria.model import ANSWER_TYPES
from .common import EXIT_PROBLEMS, criteria_option, echo_json
from .common import criteria as load_criteria


@click.group("criteria")
def group() -> None:
    """Check, browse and export the LKE criteria files."""


@group.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def criteria_validate(files: tuple[Path, ...]) -> None:
    """Validate criteria files (default: every file in the criteria folder); exit 1 on problems."""
    paths = list(files) or sorted(Path(Config.CRITERIA_DIR).glob("*.y*ml"))
    if not paths:
        raise click.UsageError(f"no criteria files in {Config.CRITERIA_DIR}")
    problems, loaded = [], []
    for path in paths:
        try:
            loaded.append(load_file(path))
        except CriteriaError as err:
            problems.extend(err.problems)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) in {len(paths)} file(s)", err=True)
        sys.exit(EXIT_PROBLEMS)
    summary = "; ".join(
        f"{c.id} ({c.year}): {len(c.areas)} areas, {len(c.items_by_code)} scored items, "
        f"weight {float(sum(c.weights.values())):g}"
        for c in loaded
    )
    click.echo(f"OK {len(loaded)} file(s): {summary}")


@group.command("show")
@click.argument("code", required=False)
@criteria_option
def criteria_show(code: str | None, criteria_id: str | None) -> None:
    """Show the criteria tree, or one item (e.g. P-MP-i-b) with its options and evidence."""
    c = load_criteria(criteria_id)
    if code and code in c.items_by_code:
        _show_item(c, code)
        return
    if code and code not in {a.code for a in c.areas}:
        raise click.BadParameter(f"{code!r} is neither an item code nor an area code", param_hint="CODE")
    click.echo(f"{c.title} [{c.id}, {c.year}]")
    for comp in c.components:
        click.echo(f"{comp.letter}. {comp.name} ({comp.weight:g})")
        for sub in comp.sub_components:
            click.echo(f"  {sub.numeral}. {sub.name} ({sub.weight:g})")
            for block in sub.areas:
                if code and block.area != code:
                    continue
                area = c.area(block.area)
                click.echo(f"    {area.number}. {area.name} ({block.weight:g})")
                for sub_area in block.sub_areas:
                    click.echo(f"      {sub_area.numeral}. {sub_area.name} ({sub_area.weight:g})")
                    for item in sub_area.items:
                        click.echo(_item_line(c, item, "        "))
            if not code:
                for item in sub.items:
                    click.echo(_item_line(c, item, "    "))


def _item_line(c: Criteria, item, indent: str) -> str:
    text = item.text if len(item.text) <= 70 else item.text[:69] + "…"
    return f"{indent}{item.code:<12} {item.type:<9} {float(c.weights[item.code]):7.4f}  {text}"


def _show_item(c: Criteria, code: str) -> None:
    item = c.item(code)
    click.echo(f"{item.code}  ({item.type}, bobot {float(c.weights[code]):.4f})")
    click.echo(item.text)
    values = ANSWER_TYPES[item.type]
    if item.options:
        click.echo("\nPilihan jawaban:")
        for option in item.options:
            click.echo(f"  {option.key} ({float(values[option.key]):g}): {option.text}")
    if item.counts:
        click.echo("\nIsian jumlah:")
        for count in item.counts:
            click.echo(f"  {count.id}: {count.label}")
    if item.type == "index_0_4":
        click.echo("\nJawaban: nilai survei 0–4")
    if item.guidance:
        click.echo(f"\nPanduan: {item.guidance}")
    evidence = _expected_evidence(c, code)
    if evidence:
        click.echo("\nData dukung yang lazim:")
        for line in evidence:
            click.echo(f"  - {line}")


def _expected_evidence(c: Criteria, code: str) -> list[str]:
    for comp in c.components:
        for sub in comp.sub_components:
            for block in sub.areas:
                for sub_area in block.sub_areas:
                    if any(i.code == code for i in sub_area.items):
                        return c.item(code).evidence or sub_area.evidence
    return c.item(code).evidence


@group.command("export")
@click.option("--json", "as_json", is_flag=True, required=True, help="Export as JSON (the only format).")
@criteria_option
def criteria_export(as_json: bool, criteria_id: str | None) -> None:
    """Print the loaded criteria as JSON: the whole tree and a flat list of scored items (code,
    type, weight, place, official letter, sub-part heading, text, options and their sources)."""
    c = load_criteria(criteria_id)
    data = c.model_dump(mode="json", exclude={"source"})
    data["items"] = [
        {
            "code": item.code,
            "type": item.type,
            "weight": float(c.weights[item.code]),
            "component": where.component,
            "sub_component": where.sub_component,
            "area": where.area,
            "sub_area": where.sub_area,
            "letter": item.letter or None,
            "heading": item.heading or None,
            "text": item.text,
            "options": [o.key for o in item.options],
            # where each option's explanation comes from: "lke" (the official text) or "zi" (zi's own)
            "option_sources": {o.key: o.source for o in item.options},
            "counts": item.count_ids,
        }
        for item, where in c.walk_items()
    ]
    echo_json(data)


COMMANDS = [group]
