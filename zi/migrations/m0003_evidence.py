"""Evidence (data dukung): stored files, documents with revisions, links to items, TPI reviews."""

from peewee import (
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

    class Unit(Base):
        pass

    class User(Base):
        pass

    class Assessment(Base):
        pass

    class EvidenceFile(Base):
        sha256 = CharField(unique=True)
        size = IntegerField()
        mime = CharField()
        extension = CharField()
        created_at = DateTimeField()

    class EvidenceDocument(Base):
        unit = ForeignKeyField(Unit, on_delete="CASCADE")
        title = CharField()
        document_date = DateField(null=True)
        description = TextField(default="")
        url = TextField(default="")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        deleted_at = DateTimeField(null=True)
        deleted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class EvidenceRevision(Base):
        document = ForeignKeyField(EvidenceDocument, on_delete="CASCADE")
        number = IntegerField()
        file = ForeignKeyField(EvidenceFile, on_delete="RESTRICT")
        filename = CharField()
        uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        uploaded_at = DateTimeField()

        class Meta:
            indexes = ((("document", "number"), True),)

    class EvidenceLink(Base):
        document = ForeignKeyField(EvidenceDocument, on_delete="CASCADE")
        assessment = ForeignKeyField(Assessment, on_delete="CASCADE")
        item_code = CharField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("document", "assessment", "item_code"), True),)

    class EvidenceReview(Base):
        link = ForeignKeyField(EvidenceLink, on_delete="CASCADE")
        status = CharField()
        comment = TextField(default="")
        revision_number = IntegerField(default=0)
        reviewer = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

    db.create_tables([EvidenceFile, EvidenceDocument, EvidenceRevision, EvidenceLink, EvidenceReview])
