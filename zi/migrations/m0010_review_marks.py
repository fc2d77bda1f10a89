"""Answers remember where they stand in review: a unit answer copied from last year keeps that year
(`carried_from`) until someone confirms or changes it, and a TPI answer keeps the version of the
unit's answer it was given against (`reviewed_unit_version`), so a later change by the unit is seen.

Existing TPI answers count as reviewed against the unit answer they sit beside today (0: none)."""

from peewee import IntegerField, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    migrate(migrator.add_column("answer", "carried_from", IntegerField(null=True)),
            migrator.add_column("answer", "reviewed_unit_version", IntegerField(null=True)))
    db.execute_sql(
        'UPDATE "answer" SET reviewed_unit_version = COALESCE((SELECT u.version FROM "answer" u '
        "WHERE u.assessment_id = answer.assessment_id AND u.item_code = answer.item_code "
        "AND u.layer = 'unit'), 0) WHERE layer = 'tpi'")
