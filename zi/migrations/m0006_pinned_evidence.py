"""Evidence links remember the revision an accepted assessment was accepted with.

A document keeps growing revisions (next year's draft may upload a new version); the accepted
assessment must keep showing exactly what TPI accepted. Links of assessments already accepted
are pinned to their document's newest revision now, which is what they were accepted with
unless a newer version was uploaded since (the situation this migration ends).
"""

from peewee import IntegerField, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    migrate(migrator.add_column("evidence_link", "pinned_revision", IntegerField(null=True)))
    db.execute_sql(
        "UPDATE evidence_link SET pinned_revision = ("
        " SELECT MAX(r.number) FROM evidence_revision r WHERE r.document_id = evidence_link.document_id)"
        " WHERE assessment_id IN (SELECT id FROM assessment WHERE status = 'accepted')"
    )
