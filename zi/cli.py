"""The `zi` command: criteria checks, scoring from the shell, and (later) administration."""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import click

from . import scoring
from .answer_file import read_answer_file
from .config import Config
from .criteria import Criteria, CriteriaError, load_directory, load_file
from .criteria.model import ANSWER_TYPES


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """zi: Zona Integritas (WBK/WBBM) self-assessment and evidence tracker."""


@lru_cache(maxsize=1)
def _all_criteria() -> dict[str, Criteria]:
    try:
        return load_directory(Config.CRITERIA_DIR)
    except CriteriaError as err:
        click.echo(f"The criteria in {Config.CRITERIA_DIR} do not validate:\n{err}", err=True)
        sys.exit(1)


def _criteria(criteria_id: str | None) -> Criteria:
    found = _all_criteria()
    if not found:
        raise click.UsageError(f"no criteria files in {Config.CRITERIA_DIR}")
    if criteria_id is None:
        return max(found.values(), key=lambda c: (c.year, c.id))
    if criteria_id not in found:
        raise click.BadParameter(
            f"unknown criteria {scoring.shown(criteria_id)}; loaded: {', '.join(sorted(found))}",
            param_hint="--criteria",
        )
    return found[criteria_id]


criteria_option = click.option(
    "--criteria", "criteria_id", metavar="ID",
    help="Criteria version to use (default: the newest year loaded).",
)


@main.group()
def criteria() -> None:
    """Check, browse and export the LKE criteria files."""


@criteria.command("validate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def criteria_validate(files: tuple[Path, ...]) -> None:
    """Validate criteria files (default: every file in the criteria folder)."""
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
        sys.exit(1)
    summary = "; ".join(
        f"{c.id} ({c.year}): {len(c.areas)} areas, {len(c.items_by_code)} scored items, "
        f"weight {float(sum(c.weights.values())):g}"
        for c in loaded
    )
    click.echo(f"OK {len(loaded)} file(s): {summary}")


@criteria.command("show")
@click.argument("code", required=False)
@criteria_option
def criteria_show(code: str | None, criteria_id: str | None) -> None:
    """Show the criteria tree, or one item (e.g. P-MP-i-b) with its options and evidence."""
    c = _criteria(criteria_id)
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


@criteria.command("export")
@click.option("--json", "as_json", is_flag=True, required=True, help="Export as JSON (the only format).")
@criteria_option
def criteria_export(as_json: bool, criteria_id: str | None) -> None:
    """Print the loaded criteria as JSON: the whole tree and a flat list of scored items."""
    c = _criteria(criteria_id)
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
            "text": item.text,
            "options": [o.key for o in item.options],
            "counts": item.count_ids,
        }
        for item, where in c.walk_items()
    ]
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def report_json(c: Criteria, report: scoring.ScoreReport) -> dict:
    """The figures of a report, rounded for display; `hasil_parts` are the item-only parts."""
    r = scoring.rounded
    with_areas = [s.code for comp in c.components for s in comp.sub_components if s.areas]
    parts = [s for comp in c.components for s in comp.sub_components if not s.areas]
    return {
        "criteria": report.criteria_id,
        "complete": report.complete,
        "unanswered": report.unanswered,
        "total": r(report.total),
        **{code: r(value) for code, value in report.components.items()},
        **{code: r(report.sub_components.get(code, 0)) for code in with_areas},
        "areas": {
            code: {
                **{part: r(value) for part, value in area.parts.items()},
                "score": r(area.score),
                "weight": float(area.weight),
                "percent": r(area.percent),
            }
            for code, area in report.areas.items()
        },
        "hasil_parts": {
            **{s.code: r(report.sub_components.get(s.code, 0)) for s in parts},
            **{i.code: r(report.items[i.code].score) for s in parts for i in s.items},
        },
        "items": {
            code: {"value": None if s.value is None else r(s.value, 4), "score": r(s.score, 4)}
            for code, s in report.items.items()
        },
        "thresholds": {
            predicate: [
                {
                    "id": t.id,
                    "label": t.label,
                    "value": r(t.value),
                    "min": float(t.minimum),
                    "passed": t.passed,
                    "margin": r(t.margin),
                }
                for t in report.thresholds
                if t.predicate == predicate
            ]
            for predicate in report.missed
        },
        "missed": report.missed,
        "prior_predicate": report.prior_predicate,
        "predicate": report.predicate,
    }


MAX_PROBLEMS_SHOWN = 50


@main.command("score")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@criteria_option
def score_command(answers: Path, as_json: bool, criteria_id: str | None) -> None:
    """Score an answer file (YAML or JSON) against the criteria."""
    try:
        data = read_answer_file(answers)
        c = _criteria(criteria_id or data.get("criteria"))
        report = scoring.score(c, data.get("answers") or {}, data.get("prior_predicate"))
    except scoring.AnswerError as err:
        click.echo(f"Error: cannot score {answers}:", err=True)
        for problem in err.problems[:MAX_PROBLEMS_SHOWN]:
            click.echo(f"  {problem}", err=True)
        if len(err.problems) > MAX_PROBLEMS_SHOWN:
            click.echo(f"  … and {len(err.problems) - MAX_PROBLEMS_SHOWN} more problem(s)", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report_json(c, report), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(c, report))


def format_report(c: Criteria, report: scoring.ScoreReport) -> str:
    r = scoring.rounded
    parts = [sub.code for comp in c.components for sub in comp.sub_components if sub.areas]
    minimums = {
        t.predicate: t.minimum for t in report.thresholds if t.id.endswith(":" + c.areas[0].code)
    }
    head = f"{'Area':<42}" + "".join(f"{p.capitalize():>11}" for p in parts)
    head += f"{'Nilai':>9}{'Bobot':>7}{'%':>8}" + "".join(f"{'min ' + k:>10}" for k in minimums)
    lines = [f"{c.title} [{c.id}]", "", head, "-" * len(head)]
    for area in c.areas:
        s = report.areas[area.code]
        line = f"{area.number}. {area.name:<39}"[:42].ljust(42)
        line += "".join(f"{r(s.parts.get(p, 0)):>11.2f}" for p in parts)
        line += f"{r(s.score):>9.2f}{float(area.weight):>7g}{r(s.percent):>7.2f}%"
        line += "".join(f"{float(m):>9g}%" for m in minimums.values())
        lines.append(line)
    lines.append("")
    for comp in c.components:
        lines.append(f"{comp.name:<30}{r(report.components.get(comp.code, 0)):>8.2f} / {comp.weight:g}")
        for sub in comp.sub_components:
            value = report.sub_components.get(sub.code, 0)
            lines.append(f"  {sub.name:<28}{r(value):>8.2f} / {sub.weight:g}")
    lines.append(f"{'Nilai total':<30}{r(report.total):>8.2f} / {c.total_weight:g}")
    lines.append("")
    if report.unanswered:
        shown = ", ".join(report.unanswered[:10]) + (" …" if len(report.unanswered) > 10 else "")
        lines.append(f"Belum lengkap: {len(report.unanswered)} butir belum dijawab ({shown})")
    for pred in c.predicates:
        results = [t for t in report.thresholds if t.predicate == pred.code]
        passed = sum(t.passed for t in results)
        lines.append(f"{pred.code}: {passed}/{len(results)} syarat nilai terpenuhi")
        for t in results:
            mark = "ya   " if t.passed else "TIDAK"
            lines.append(f"  [{mark}] {t.label:<72} {r(t.value):>7.2f} ≥ {float(t.minimum):g}")
    lines.append("")
    lines.append(f"Predikat: {report.predicate}")
    for code, missed in report.missed.items():
        if missed and report.predicate != code:
            lines.append(f"  belum {code}: " + "; ".join(missed))
    return "\n".join(lines)


# --- administration without the browser ---------------------------------------


def _database(check_schema: bool = True):
    """Open the configured database (DATABASE_URL, default the SQLite file in instance/)."""
    from . import migrations
    from .config import Config as Settings
    from .db import open_database

    db = open_database(Settings().DATABASE_URL)
    db.connect(reuse_if_open=True)
    if check_schema and migrations.current_version(db) < migrations.latest_version():
        click.echo("Error: the database schema is out of date; run `zi db upgrade` first.", err=True)
        sys.exit(2)
    return db


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring it up to date (numbered migrations, no data lost)."""
    from . import migrations

    database = _database(check_schema=False)
    applied = migrations.upgrade(database)
    version = migrations.current_version(database)
    click.echo(f"Applied migrations {applied}; schema version {version}." if applied
               else f"Schema is up to date (version {version}).")


def _admin_call(action):
    from .admin import AdminError

    try:
        with _database().atomic():
            return action()
    except AdminError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)


def _unit_named(instansi, name: str | None):
    """The unit of that name in the instansi (None for no name); an unknown name is an error."""
    from .admin import AdminError
    from .models import Unit

    if not name:
        return None
    unit = Unit.get_or_none((Unit.instansi == instansi) & (Unit.name == name))
    if unit is None:
        raise AdminError(f"no unit named {name!r} in {instansi.name!r}")
    return unit


@main.group()
def units() -> None:
    """Units (unit kerja) of an instansi."""


@units.command("create")
@click.option("--instansi", required=True, help="Name of the instansi (created if new).")
@click.option("--name", required=True, help="Name of the unit.")
@click.option("--parent", default=None, help="Name of the parent unit, if any.")
@click.option("--region", default="", help="Region, district or office.")
def units_create(instansi: str, name: str, parent: str | None, region: str) -> None:
    """Create a unit (and its instansi if it does not exist yet)."""
    from . import admin

    def action():
        owner = admin.get_or_create_instansi(instansi)
        return admin.create_unit(owner, name, parent=_unit_named(owner, parent), region=region)

    unit = _admin_call(action)
    click.echo(f"Created unit {unit.name!r} (id {unit.id}) in {instansi!r}.")


@main.group()
def users() -> None:
    """People and their roles."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="At least 10 characters (asked for when not given).")
@click.option("--role", type=click.Choice(["admin", "member", "head", "tpi", "reviewer"]), default=None)
@click.option("--instansi", default=None, help="Instansi of the role.")
@click.option("--unit", default=None, help="Unit of the role (member, head, tpi; optional for reviewer).")
@click.option("--areas", default="", help="Pokja areas of a member, e.g. MP,PT (default: all).")
def users_create(email, name, password, role, instansi, unit, areas) -> None:
    """Create a user, optionally with a role (e.g. the first admin of an instansi)."""
    from . import admin

    def action():
        user = admin.create_user(email, name, password)
        if role:
            if not instansi:
                raise admin.AdminError("--role needs --instansi")
            owner = admin.get_or_create_instansi(instansi)
            admin.assign_role(user, role, owner, _unit_named(owner, unit), [a for a in areas.split(",") if a])
        return user

    user = _admin_call(action)
    click.echo(f"Created user {user.email}" + (f" with role {role}." if role else "."))


@users.command("password")
@click.option("--email", required=True)
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
              help="At least 10 characters (asked for when not given).")
def users_password(email, password) -> None:
    """Set a person's password; every session they have ends (they sign in again with the new one)."""
    from . import admin
    from .models import User

    def action():
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None:
            raise admin.AdminError(f"no user with email {email!r}")
        admin.set_password(user, password)
        return user

    user = _admin_call(action)
    click.echo(f"Password of {user.email} changed; their sessions have ended.")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
def demo_load() -> None:
    """Load the demo instansi, units, people and a half-filled assessment into an empty database."""
    from . import demo as demo_data
    from . import migrations

    database = _database(check_schema=False)
    migrations.upgrade(database)
    if not demo_data.is_empty():
        click.echo("Error: the database already has users; demo data goes only into an empty one.", err=True)
        sys.exit(2)
    with database.atomic():
        logins = demo_data.load(_criteria(None))
    for email, password, role in logins:
        click.echo(f"{role:<9} {email}  {password}")


@main.group()
def evidence() -> None:
    """Evidence (data dukung): integrity check and export."""


def _store():
    from .config import Config as Settings
    from .evidence import store_from_config

    return store_from_config(vars(Settings()))


@evidence.command("verify")
@click.option("--clean", is_flag=True,
              help="Then remove the orphaned and stale temporary files listed (never pending ones).")
def evidence_verify(clean: bool) -> None:
    """Re-hash every referenced file; list missing or altered ones, stored files no row references
    (ORPHAN; PENDING while younger than an hour) and stale temporary files (exit 1 if any)."""
    from .evidence import bundle

    _database()
    store = _store()
    result = bundle.verify(store)
    for label, found in (("MISSING", result.missing), ("ALTERED", result.altered),
                         ("ORPHAN", result.orphans), ("PENDING", result.pending), ("STALE", result.stale)):
        for what in found:
            click.echo(f"{label} {what}")
    click.echo(f"{result.checked} file(s) checked, {len(result.missing)} missing, "
               f"{len(result.altered)} altered.")
    click.echo(f"{len(result.orphans)} orphaned, {len(result.pending)} pending (unreferenced, under an "
               f"hour old), {len(result.stale)} stale temporary file(s).")
    if not clean:
        sys.exit(0 if result.ok else 1)
    done = bundle.clean(store, result)
    for sha in done.kept:
        click.echo(f"KEPT {sha} (in use or touched since the check)")
    click.echo(f"Removed {len(done.removed)} orphaned file(s) and {len(done.removed_temp)} "
               "stale temporary file(s).")
    # Missing or altered files cannot be cleaned away; they still fail the check.
    sys.exit(1 if result.missing or result.altered else 0)


def _assessment(unit: str, period: int):
    from .models import Assessment, Period, Unit

    query = Assessment.select(Assessment, Unit, Period).join(Unit).switch(Assessment).join(Period)
    condition = (Unit.id == int(unit)) if unit.isdigit() else (Unit.name == unit)
    found = list(query.where(condition & (Period.year == period)))
    if len(found) != 1:
        raise click.BadParameter(f"{len(found)} assessments of unit {unit!r} in {period}; "
                                 "give the unit's id when names repeat", param_hint="UNIT")
    return found[0]


@evidence.command("export")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="ZIP file to write (default: data-dukung-<unit id>-<period>.zip).")
def evidence_export(unit: str, period: int, output: Path | None) -> None:
    """Write a ZIP of UNIT's evidence for PERIOD: one folder per LKE code and an index.html."""
    from .evidence import bundle

    _database()
    assessment = _assessment(unit, period)
    criteria = _criteria(assessment.period.criteria_id)
    output = output or Path(f"data-dukung-{assessment.unit_id}-{period}.zip")
    with output.open("wb") as out:
        count = bundle.export_zip(_store(), assessment, criteria, out)
    click.echo(f"Wrote {output} with {count} file(s).")


@main.command("dossier")
@click.argument("unit")
@click.argument("period", type=int)
@click.option("--variant", type=click.Choice(["internal", "kemenpan"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--bundle", type=click.Choice(["", "zip", "attach"]), default="",
              help="zip: dossier and evidence tree in one ZIP; attach: evidence PDFs inside the PDF.")
def dossier_command(unit: str, period: int, variant: str, output: Path, bundle: str) -> None:
    """Write UNIT's dossier for PERIOD. An accepted assessment gives its frozen final file."""
    from .dossier.build import build
    from .models import Dossier

    _database()
    assessment = _assessment(unit, period)
    store = _store()
    final = (Dossier.select().where((Dossier.assessment == assessment) & (Dossier.variant == variant))
             .order_by(Dossier.id.desc()).first())
    if final is not None and assessment.status == "accepted" and not bundle:
        with output.open("wb") as out:
            for chunk in store.chunks(final.sha256):
                out.write(chunk)
        click.echo(f"Wrote the final dossier {output} (SHA-256 {final.sha256}).")
        return
    def progress(pct: int, message: str) -> None:
        click.echo(f"{pct:3d}% {message}", err=True)

    content, _ = build(assessment, _criteria(assessment.period.criteria_id), variant, store=store,
                       bundle=bundle, progress=progress)
    output.write_bytes(content)
    draft = "" if assessment.status == "accepted" else ", DRAFT"
    click.echo(f"Wrote {output} ({len(content) // 1024} KB{draft}).")


# --- backup and restore -------------------------------------------------------------


def _backup_target():
    from .backup import Target
    from .config import Config as Settings

    return Target.from_config(Settings())


@main.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .tar.gz to write (replaced only once the new one is complete).")
@click.option("--with-secrets", is_flag=True, help="Also include the secret key (instance/secret_key).")
def backup_command(output: Path, with_secrets: bool) -> None:
    """Write one .tar.gz with a consistent snapshot of the database, the evidence store (for S3:
    a list of keys with their SHA-256) and a manifest with the SHA-256 of every file."""
    from .backup import BackupError, create_backup

    try:
        manifest = create_backup(_backup_target(), output, with_secrets=with_secrets)
    except BackupError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    evidence = sum(name.startswith("evidence/") for name in manifest["files"])
    click.echo(f"Wrote {output}: {manifest['database']} database at schema {manifest['schema_version']}, "
               + (f"{evidence} evidence file(s)" if manifest["evidence_store"] == "local"
                  else "a listing of the S3 bucket's evidence")
               + (", the secret key." if with_secrets else "; no secret key (see --with-secrets)."))


@main.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the database this instance already has.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup made by `zi backup` into this instance (DATABASE_URL, ZI_INSTANCE_DIR,
    ZI_EVIDENCE_DIR), then bring the schema up to date and re-hash every evidence file."""
    from .backup import BackupError, check_archive, restore

    try:
        # Checked before reading the settings: a bad archive changes nothing, not even instance/.
        manifest = check_archive(archive)
        result = restore(archive, _backup_target(), force=force, manifest=manifest)
    except BackupError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)
    manifest = result.manifest
    click.echo(f"Restored the {manifest['database']} database of {manifest['created_at']} "
               f"(schema {manifest['schema_version']}), {result.evidence_files} evidence file(s)"
               + (", the secret key" if result.secret_restored else ""))
    if result.migrations_applied:
        click.echo(f"Applied migrations {result.migrations_applied}.")
    for sha in result.missing:
        click.echo(f"MISSING {sha}")
    for sha in result.altered:
        click.echo(f"ALTERED {sha}")
    click.echo(f"{result.checked} evidence file(s) checked, {len(result.missing)} missing, "
               f"{len(result.altered)} altered.")
    sys.exit(0 if result.ok else 1)
