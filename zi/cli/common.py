"""What the command groups share: the exit-code convention, criteria, the database and the store.

Every `zi` command exits 0 when done, 1 when a check found problems, and 2 when it refused or was
given bad input, with the reason on stderr and no traceback (`Group.invoke` turns file and database
errors into such a refusal; click's own usage errors exit 2 already).
"""

from __future__ import annotations

import errno
import json
import sys
from functools import lru_cache
from typing import NoReturn

import click

from .. import scoring
from ..config import Config
from ..criteria import Criteria, CriteriaError, load_directory

EXIT_DONE, EXIT_PROBLEMS, EXIT_REFUSED = 0, 1, 2


def error_text(err: BaseException | str) -> str:
    """An error as the reader sees it: a domain error in ZI_LOCALE's language, anything else as is."""
    if isinstance(err, str):
        return err
    from ..messages import in_locale

    return in_locale(err)


def fail(err: BaseException | str) -> NoReturn:
    """Refuse: the reason on stderr, exit 2."""
    click.echo(f"Error: {error_text(err)}", err=True)
    sys.exit(EXIT_REFUSED)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# Errors of what a command reaches (database, bucket, store, renderer), by module and class: a module
# not imported yet cannot have raised its error, so none is imported just to be caught.
_REACHED = (
    ("peewee", "DatabaseError", "database"),
    ("botocore.exceptions", "BotoCoreError", "S3"),
    ("botocore.exceptions", "ClientError", "S3"),
    ("zi.evidence.store", "StoreError", "evidence store"),
    ("zi.dossier.render", "RenderError", "dossier"),
)


def _reached(err: Exception) -> str | None:
    """What failed, when `err` is an error of something a command reached; else None."""
    for module, name, what in _REACHED:
        kind = getattr(sys.modules.get(module), name, None)
        if kind is not None and isinstance(err, kind):
            return what
    return None


class Group(click.Group):
    """The `zi` group: a file, database, store or renderer error below is a refusal (exit 2), no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OSError as err:
            if err.errno == errno.EPIPE:  # click's own handling of a closed pipe (`| head`)
                raise
            where = f"{err.filename}: " if err.filename else ""
            fail(f"{where}{err.strerror or err}")
        except Exception as err:
            what = _reached(err)
            if what is None:
                raise
            fail(f"{what}: {str(err).strip() or type(err).__name__}")


@lru_cache(maxsize=1)
def all_criteria() -> dict[str, Criteria]:
    """Every criteria file of ZI_CRITERIA_DIR; files that do not validate stop the command (exit 2)."""
    try:
        return load_directory(Config.CRITERIA_DIR)
    except CriteriaError as err:
        click.echo(f"Error: the criteria in {Config.CRITERIA_DIR} do not validate "
                   "(see `zi criteria validate`):", err=True)
        click.echo(str(err), err=True)
        sys.exit(EXIT_REFUSED)


def criteria(criteria_id: str | None) -> Criteria:
    """The criteria of that id, or the newest year's when None."""
    found = all_criteria()
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


def database(check_schema: bool = True):
    """Open the configured database (DATABASE_URL, default the SQLite file in instance/)."""
    from .. import migrations
    from ..db import open_database

    url = Config().DATABASE_URL
    try:
        db = open_database(url)
    except (AssertionError, RuntimeError, ValueError) as err:
        scheme = url.split(":", 1)[0]
        fail(f"cannot open DATABASE_URL ({scheme}:…): {err}")
    db.connect(reuse_if_open=True)
    if check_schema and migrations.current_version(db) < migrations.latest_version():
        fail("the database schema is out of date; run `zi db upgrade` first.")
    return db


def store():
    """The evidence store the settings name (local folder or S3 bucket)."""
    from ..evidence import store_from_config

    return store_from_config(vars(Config()))


def admin_call(action):
    """Run `action` in one transaction; an AdminError refuses (exit 2) and changes nothing."""
    from ..admin import AdminError

    try:
        with database().atomic():
            return action()
    except AdminError as err:
        fail(err)


def unit_named(instansi, name: str | None):
    """The unit of that name in the instansi (None for no name); an unknown name is an error."""
    from ..admin import AdminError
    from ..models import Unit

    if not name:
        return None
    unit = Unit.get_or_none((Unit.instansi == instansi) & (Unit.name == name))
    if unit is None:
        raise AdminError(f"no unit named {name!r} in {instansi.name!r}")
    return unit


def assessment(unit: str, period: int):
    """The assessment of UNIT (a name or an id) in the PERIOD year; none or several refuse."""
    from ..models import Assessment, Period, Unit

    query = Assessment.select(Assessment, Unit, Period).join(Unit).switch(Assessment).join(Period)
    by_id = unit.isascii() and unit.isdigit() and len(unit) <= 18  # beyond that no id, only a name
    condition = (Unit.id == int(unit)) if by_id else (Unit.name == unit)
    found = list(query.where(condition & (Period.year == period)))
    if len(found) != 1:
        raise click.BadParameter(f"{len(found)} assessments of unit {unit!r} in {period}; "
                                 "give the unit's id when names repeat", param_hint="UNIT")
    return found[0]
