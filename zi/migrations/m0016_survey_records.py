"""Survey records: how each survey index of Hasil (IPAK, IPKP) was measured — respondents, the
survey period and who ran it — one row per assessment and item."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from . import model_base


def up(db):
    Base = model_base(db)

    class User(Base):
        pass

    class Assessment(Base):
        pass

    class SurveyRecord(Base):
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        item_code = CharField()
        respondents = IntegerField()
        period_start = DateField()
        period_end = DateField()
        surveyor = CharField()
        updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        updated_at = DateTimeField()

        class Meta:
            indexes = ((("assessment", "item_code"), True),)

    db.create_tables([SurveyRecord])
