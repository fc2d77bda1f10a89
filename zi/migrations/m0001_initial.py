"""The first release's schema."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from . import model_base


def up(db):
    Base = model_base(db)

    class Instansi(Base):
        name = CharField(unique=True)
        kind = CharField(default="pemda")
        created_at = DateTimeField()

    class Unit(Base):
        instansi = ForeignKeyField(Instansi, on_delete="CASCADE")
        parent = ForeignKeyField("self", null=True, on_delete="SET NULL")
        name = CharField()
        created_at = DateTimeField()

        class Meta:
            indexes = ((("instansi", "name"), True),)

    class User(Base):
        email = CharField(unique=True)
        name = CharField()
        password_hash = CharField()
        active = BooleanField(default=True)
        created_at = DateTimeField()

    class RoleAssignment(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        role = CharField()
        instansi = ForeignKeyField(Instansi, on_delete="CASCADE")
        unit = ForeignKeyField(Unit, null=True, on_delete="CASCADE")
        areas = CharField(default="")

    class Period(Base):
        instansi = ForeignKeyField(Instansi, on_delete="CASCADE")
        year = IntegerField()
        criteria_id = CharField()
        opens_on = DateField()
        closes_on = DateField()

        class Meta:
            indexes = ((("instansi", "year"), True),)

    class Assessment(Base):
        unit = ForeignKeyField(Unit, on_delete="CASCADE")
        period = ForeignKeyField(Period, on_delete="CASCADE")
        status = CharField(default="draft")
        prior_predicate = CharField(default="none")
        sptjm_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        sptjm_at = DateTimeField(null=True)
        accepted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        accepted_at = DateTimeField(null=True)
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("unit", "period"), True),)

    class Answer(Base):
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        layer = CharField()
        item_code = CharField()
        value = TextField(null=True)
        note = TextField(default="")
        version = IntegerField(default=1)
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("assessment", "layer", "item_code"), True),)

    class RevisionRequest(Base):
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        item_code = CharField()
        comment = TextField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        resolved_at = DateTimeField(null=True)

    class AuditEvent(Base):
        instansi = ForeignKeyField(Instansi, null=True, on_delete="CASCADE")
        unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
        assessment = ForeignKeyField(Assessment, null=True, on_delete="SET NULL")
        item_code = CharField(default="")
        user = ForeignKeyField(User, null=True, on_delete="SET NULL")
        action = CharField()
        old = TextField(null=True)
        new = TextField(null=True)
        reason = TextField(default="")
        created_at = DateTimeField(index=True)

    db.create_tables([Instansi, Unit, User, RoleAssignment, Period, Assessment, Answer,
                      RevisionRequest, AuditEvent])
