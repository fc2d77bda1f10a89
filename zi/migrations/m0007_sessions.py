"""Sessions that end on the server, and the instansi that created each person.

`user.session_token` is carried by every session of the person; logout and a password change
replace it, which ends every copy of an older session cookie. Existing people get a random token
(sessions signed before this version carry none and must sign in again).

`user.created_in` is the instansi whose admin created the person; it is taken from the audit log's
`user:create` events (which recorded the instansi) so that people keep belonging where they were made.
"""

import json
import secrets

from peewee import SQL, CharField, ForeignKeyField, SqliteDatabase
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import model_base


def up(db):
    migrator = SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)
    Base = model_base(db)

    class Instansi(Base):
        pass

    token = CharField(default="", constraints=[SQL("DEFAULT ''")])
    created_in = ForeignKeyField(Instansi, null=True, field=Instansi.id, on_delete="SET NULL")
    migrate(migrator.add_column("user", "session_token", token, allow_not_null=True),
            migrator.add_column("user", "created_in_id", created_in))

    p = db.param
    for (user_id,) in db.execute_sql('SELECT id FROM "user"').fetchall():
        db.execute_sql(f'UPDATE "user" SET session_token = {p} WHERE id = {p}',
                       (secrets.token_urlsafe(32), user_id))
    created = db.execute_sql(
        "SELECT instansi_id, new FROM audit_event WHERE action = 'user:create' AND instansi_id IS NOT NULL "
        "ORDER BY id").fetchall()
    for instansi_id, new in created:
        email = (json.loads(new) or {}).get("email") if new else None
        if email:
            db.execute_sql(f'UPDATE "user" SET created_in_id = {p} '
                           f'WHERE email = {p} AND created_in_id IS NULL', (instansi_id, email))
