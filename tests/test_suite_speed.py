"""What keeps the suite fast stays honest: production password hashing, and the PostgreSQL restore."""

import re

import pytest

from zi import passwords

from .conftest import POSTGRES_URL


def test_passwords_keep_rfc_9106_by_default(monkeypatch):
    """Only the suite hashes cheaply (conftest sets ZI_ARGON2_*); without the settings a hash uses
    RFC 9106's parameters, and hashes made with other parameters still verify."""
    cheap = passwords.hash_password("zona-integritas")
    assert "$m=8,t=1,p=1$" in cheap
    with monkeypatch.context() as m:
        for name in ("ZI_ARGON2_TIME_COST", "ZI_ARGON2_MEMORY_KIB", "ZI_ARGON2_PARALLELISM"):
            m.delenv(name)
        try:
            passwords.configure()
            production = passwords.hash_password("zona-integritas")
            assert re.match(r"^\$argon2id\$v=19\$m=65536,t=3,p=4\$", production), production
            assert passwords.check_password(production, "zona-integritas")
            assert passwords.check_password(cheap, "zona-integritas")
            assert not passwords.check_password(production, "bukan-sandinya")
            assert "$m=19456,t=2,p=4$" in passwords.configure(time_cost=2, memory_kib=19456).hash("x" * 10)
        finally:
            m.undo()
            passwords.configure()
    assert "$m=8,t=1,p=1$" in passwords.hash_password("zona-integritas")


def test_app_uses_the_criteria_it_is_given(app, criteria_registry):
    """create_app(..., criteria=) keeps the registry it is handed instead of loading CRITERIA_DIR."""
    assert app.extensions["zi_criteria"] is criteria_registry


@pytest.mark.skipif(not POSTGRES_URL, reason="the snapshot restore runs on PostgreSQL only")
def test_each_test_gets_the_demo_back_on_postgres(postgres_demo, database_url, db):
    """Rows, ids and sequences come back after a test changed them; audit_event's append-only triggers
    are back on after the restore (which disables them in its own transaction)."""
    from zi.models import AuditEvent, User

    users = User.select().count()
    events = AuditEvent.select().count()
    next_id = db.execute_sql("SELECT nextval('user_id_seq')").fetchone()[0]
    User.update(name="Diganti").where(User.email == "reviewer@contoh.go.id").execute()
    db.execute_sql("INSERT INTO audit_event (action, item_code, reason, created_at, instansi_id) "
                   "SELECT 'test', '', '', now(), min(id) FROM instansi")
    assert AuditEvent.select().count() == events + 1
    with pytest.raises(Exception, match="append-only"), db.atomic():
        db.execute_sql("DELETE FROM audit_event")
    with db.atomic() as transaction:  # TRUNCATE fires no row-level DELETE trigger
        db.execute_sql("TRUNCATE audit_event")
        assert AuditEvent.select().count() == 0
        transaction.rollback()
    db.close()

    postgres_demo.restore()
    db.connect()
    assert User.select().count() == users
    assert AuditEvent.select().count() == events
    assert User.get(User.email == "reviewer@contoh.go.id").name != "Diganti"
    assert db.execute_sql("SELECT nextval('user_id_seq')").fetchone()[0] == next_id
    with pytest.raises(Exception, match="append-only"), db.atomic():
        db.execute_sql("DELETE FROM audit_event")
