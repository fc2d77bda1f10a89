"""Final dossiers (frozen bytes and hash) and background render jobs."""

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from . import model_base


def up(db):
    Base = model_base(db)

    class Assessment(Base):
        pass

    class User(Base):
        pass

    class Dossier(Base):
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        variant = CharField()
        sha256 = CharField()
        size = IntegerField()
        created_at = DateTimeField()

    class DossierJob(Base):
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        variant = CharField()
        bundle = CharField(default="")
        final = BooleanField(default=False)
        status = CharField(default="queued")
        progress = IntegerField(default=0)
        message = TextField(default="")
        sha256 = CharField(default="")
        size = IntegerField(default=0)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        finished_at = DateTimeField(null=True)

    db.create_tables([Dossier, DossierJob])
