"""Dossier jobs name their worker and carry a heartbeat, so a job whose worker died is found
and failed instead of showing "running" forever."""

from peewee import SQL, CharField, DateTimeField, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    worker = CharField(default="", constraints=[SQL("DEFAULT ''")])
    migrate(migrator.add_column("dossier_job", "worker", worker, allow_not_null=True),
            migrator.add_column("dossier_job", "heartbeat_at", DateTimeField(null=True)))
