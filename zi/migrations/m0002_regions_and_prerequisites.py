"""Units get a region (district, office); proposal prerequisites (§4.3) get a table."""

from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    SqliteDatabase,
    TextField,
)
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import model_base


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    # One ALTER TABLE with a default: no table rebuild on SQLite.
    region = CharField(default="", constraints=[SQL("DEFAULT ''")])
    migrate(migrator.add_column("unit", "region", region, allow_not_null=True))

    Base = model_base(db)

    class Instansi(Base):
        pass

    class Unit(Base):
        pass

    class User(Base):
        pass

    class Prerequisite(Base):
        instansi = ForeignKeyField(Instansi, on_delete="CASCADE")
        unit = ForeignKeyField(Unit, null=True, on_delete="CASCADE")
        key = CharField()
        met = BooleanField(null=True)
        note = TextField(default="")
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("instansi", "unit", "key"), True),)

    db.create_tables([Prerequisite])
