"""Who signs: a person's NIP and position (jabatan) for the SPTJM letter and the TPI endorsement,
the SPTJM letter's own number and place (its date is `sptjm_at`), the signers' name, NIP and
position as signed (a later edit of the profile does not change a signed letter), and the
instansi's Ketua TPI, who signs the TPI endorsement."""

from peewee import BooleanField, CharField, ForeignKeyField, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import model_base


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    Base = model_base(db)

    class User(Base):
        pass

    chair = ForeignKeyField(User, null=True, field=User.id, on_delete="SET NULL")
    migrate(migrator.add_column("user", "nip", CharField(null=True)),
            migrator.add_column("user", "position", CharField(null=True)),
            migrator.add_column("assessment", "sptjm_number", CharField(null=True)),
            migrator.add_column("assessment", "sptjm_place", CharField(null=True)),
            # the SPTJM letter as signed (submit, resubmit)
            migrator.add_column("assessment", "sptjm_name", CharField(null=True)),
            migrator.add_column("assessment", "sptjm_nip", CharField(null=True)),
            migrator.add_column("assessment", "sptjm_position", CharField(null=True)),
            # the TPI endorsement as signed (accept); cleared when an admin reopens
            migrator.add_column("assessment", "endorsed_by_name", CharField(null=True)),
            migrator.add_column("assessment", "endorsed_by_nip", CharField(null=True)),
            migrator.add_column("assessment", "endorsed_by_position", CharField(null=True)),
            migrator.add_column("assessment", "endorsed_by_chair", BooleanField(null=True)),
            migrator.add_column("instansi", "tpi_chair_id", chair))
