"""The audit log is append-only in the database itself, not only in the ORM."""

import pytest
from peewee import DatabaseError

from zi import admin, audit
from zi.models import AuditEvent, Instansi, Unit


def test_audit_rows_cannot_be_changed_or_deleted(db):
    event = audit.record("test", None, instansi=Instansi.get(), new={"x": 1})
    with pytest.raises(DatabaseError, match="append-only"), db.atomic():
        AuditEvent.update(new={"x": 2}).where(AuditEvent.id == event.id).execute()
    with pytest.raises(DatabaseError, match="append-only"), db.atomic():
        AuditEvent.delete().where(AuditEvent.id == event.id).execute()
    assert AuditEvent.get_by_id(event.id).new == {"x": 1}


def test_deleting_a_unit_keeps_its_audit_rows(db):
    instansi = Instansi.get()
    unit = admin.create_unit(instansi, "Unit Sementara")
    before = AuditEvent.select().where(AuditEvent.unit == unit).count()
    assert before == 1
    unit.delete_instance()
    kept = AuditEvent.select().where((AuditEvent.action == "unit:create") & AuditEvent.unit.is_null())
    assert kept.count() >= 1


def test_deleting_a_whole_instansi_removes_its_log_with_it(db):
    other = admin.get_or_create_instansi("Instansi Uji Hapus")
    admin.create_unit(other, "Unit Uji")
    assert AuditEvent.select().where(AuditEvent.instansi == other).count() == 2
    other.delete_instance(recursive=False)
    assert AuditEvent.select().where(AuditEvent.instansi == other.id).count() == 0
    assert Unit.select().where(Unit.name == "Unit Uji").count() == 0
