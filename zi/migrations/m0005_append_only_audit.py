"""The database itself refuses to change or delete audit events (only links may be nulled
when the unit, assessment or user they point to is deleted)."""

from peewee import SqliteDatabase

GUARDED = "action, item_code, old, new, reason, created_at, instansi_id"


def up(db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql(
            f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF {GUARDED} ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")
        db.execute_sql(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
            "WHEN (SELECT COUNT(*) FROM instansi WHERE id = OLD.instansi_id) > 0 "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")
        return
    db.execute_sql(
        "CREATE OR REPLACE FUNCTION zi_audit_append_only() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM instansi WHERE id = OLD.instansi_id) "
        "THEN RETURN OLD; END IF; "
        "RAISE EXCEPTION 'audit events are append-only'; END $$ LANGUAGE plpgsql")
    db.execute_sql(
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF {GUARDED} ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION zi_audit_append_only()")
    db.execute_sql(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION zi_audit_append_only()")
