"""Notifications: the in-app list and mail outbox (one row per person and event, unique per
kind, assessment, person and key so that a reminder is recorded once), and each person's choice
of e-mail (on by default)."""

from peewee import (
    SQL,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    SqliteDatabase,
    TextField,
)
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import model_base


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    Base = model_base(db)

    class User(Base):
        pass

    class Assessment(Base):
        pass

    class Notification(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        assessment = ForeignKeyField(Assessment, null=True, on_delete="CASCADE")
        kind = CharField()
        key = CharField()
        params = TextField()
        created_at = DateTimeField()
        read_at = DateTimeField(null=True)
        mail_status = CharField(default="pending")
        mail_attempts = IntegerField(default=0)
        mail_due_at = DateTimeField(null=True)
        mail_error = TextField(default="")
        mailed_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("kind", "assessment", "user", "key"), True),
                (("user", "read_at"), False),
                (("mail_status", "mail_due_at"), False),
            )

    db.create_tables([Notification])
    wanted = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])
    migrate(migrator.add_column("user", "email_notifications", wanted, allow_not_null=True))
