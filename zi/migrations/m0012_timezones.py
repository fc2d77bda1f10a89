"""Times shown in the unit's time zone (WIB, WITA, WIT): each instansi has one (WIB until its admin
says otherwise), a unit may have its own (none: its instansi's). zi keeps storing UTC."""

from peewee import SQL, CharField, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    zone = CharField(default="Asia/Jakarta", constraints=[SQL("DEFAULT 'Asia/Jakarta'")])
    migrate(migrator.add_column("instansi", "timezone", zone, allow_not_null=True),
            migrator.add_column("unit", "timezone", CharField(null=True)))
