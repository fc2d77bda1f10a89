"""`zi backup` and `zi restore`: one checksummed archive of the database and the evidence."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_DONE, EXIT_PROBLEMS, fail


def _target():
    from ..backup import Target
    from ..config import Config

    return Target.from_config(Config())


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .tar.gz to write (replaced only once the new one is complete).")
@click.option("--with-secrets", is_flag=True, help="Also include the secret key (instance/secret_key).")
def backup_command(output: Path, with_secrets: bool) -> None:
    """Write one .tar.gz with a consistent snapshot of the database, the evidence store (for S3:
    a list of keys with their SHA-256) and a manifest with the SHA-256 of every file."""
    from ..backup import BackupError, create_backup

    try:
        manifest = create_backup(_target(), output, with_secrets=with_secrets)
    except BackupError as err:
        fail(err)
    evidence = sum(name.startswith("evidence/") for name in manifest["files"])
    click.echo(f"Wrote {output}: {manifest['database']} database at schema {manifest['schema_version']}, "
               + (f"{evidence} evidence file(s)" if manifest["evidence_store"] == "local"
                  else "a listing of the S3 bucket's evidence")
               + (", the secret key." if with_secrets else "; no secret key (see --with-secrets)."))


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the database this instance already has.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup made by `zi backup` into this instance (DATABASE_URL, ZI_INSTANCE_DIR,
    ZI_EVIDENCE_DIR), then bring the schema up to date and re-hash every evidence file."""
    from ..backup import BackupError, check_archive, restore

    try:
        # Checked before reading the settings: a bad archive changes nothing, not even instance/.
        manifest = check_archive(archive)
        result = restore(archive, _target(), force=force, manifest=manifest)
    except BackupError as err:
        fail(err)
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
    sys.exit(EXIT_DONE if result.ok else EXIT_PROBLEMS)


COMMANDS = [backup_command, restore_command]
