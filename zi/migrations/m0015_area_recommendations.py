"""TPI's recommendations per change area of an assessment (one per assessment and area), for the
TPI endorsement of the KemenPAN-RB dossier."""

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from . import model_base


def up(db):
    Base = model_base(db)

    class User(Base):
        pass

    class Assessment(Base):
        pass

    class AreaRecommendation(Base):
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        area_code = CharField()
        text = TextField(default="")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("assessment", "area_code"), True),)

    db.create_tables([AreaRecommendation])
