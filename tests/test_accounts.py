"""Password links (zi.accounts): signed, timed, single use; roles without duplicates (zi.admin)."""

from __future__ import annotations

import time
from datetime import date

import pytest

from zi import accounts, admin, migrations
from zi.db import open_database
from zi.demo import INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.models import Assessment, AuditEvent, Instansi, Period, RoleAssignment, Unit, User
from zi.passwords import check_password

SECRET = "test-secret-key"
NEW = "sandi-baru-yang-panjang"


def person(email: str = "tpi@contoh.go.id") -> User:
    return User.get(User.email == email)


def test_a_reset_link_sets_the_password_once(db):
    user = person()
    token = accounts.make_token(SECRET, user, accounts.RESET)
    assert accounts.read_token(SECRET, token) == (user, accounts.RESET)
    before = user.session_token
    accounts.use_token(SECRET, token, NEW, NEW)
    again = person()
    assert check_password(again.password_hash, NEW)
    assert again.session_token != before  # every session ended
    with pytest.raises(accounts.AccountError) as used:
        accounts.use_token(SECRET, token, "yang-lain-lagi-panjang", "yang-lain-lagi-panjang")
    assert used.value.message_id == accounts.USED
    assert check_password(person().password_hash, NEW)
    event = (AuditEvent.select().where(AuditEvent.action == "user:password")
             .order_by(AuditEvent.id.desc()).get())
    assert event.new == {"email": user.email, "via": "reset"}


def test_a_link_dies_when_the_password_changes_otherwise(db):
    user = person()
    token = accounts.make_token(SECRET, user)
    admin.set_password(user, NEW)
    with pytest.raises(accounts.AccountError) as err:
        accounts.read_token(SECRET, token)
    assert err.value.message_id == accounts.USED


def test_expiry_depends_on_the_purpose(db):
    user = person()
    reset = accounts.make_token(SECRET, user, accounts.RESET)
    invite = accounts.make_token(SECRET, user, accounts.INVITE)
    day, week = 24 * 3600, 7 * 24 * 3600
    accounts.read_token(SECRET, reset, now=time.time() + day - 60)
    with pytest.raises(accounts.AccountError) as err:
        accounts.read_token(SECRET, reset, now=time.time() + day + 60)
    assert err.value.message_id == accounts.EXPIRED
    assert accounts.read_token(SECRET, invite, now=time.time() + week - 60)[1] == accounts.INVITE
    with pytest.raises(accounts.AccountError, match="kedaluwarsa"):
        accounts.read_token(SECRET, invite, now=time.time() + week + 60)


@pytest.mark.parametrize("token", ["", "x", "abc.def.ghi", "a" * 2000, None])
def test_forged_or_broken_tokens_are_invalid(db, token):
    with pytest.raises(accounts.AccountError) as err:
        accounts.read_token(SECRET, token)
    assert err.value.message_id == accounts.INVALID


def test_a_token_signed_with_another_key_or_for_an_inactive_person_is_invalid(db):
    user = person()
    with pytest.raises(accounts.AccountError, match="tidak sah"):
        accounts.read_token(SECRET, accounts.make_token("another-key", user))
    token = accounts.make_token(SECRET, user)
    User.update(active=False).where(User.id == user.id).execute()
    with pytest.raises(accounts.AccountError, match="tidak sah"):
        accounts.read_token(SECRET, token)


def test_new_password_rules(db):
    token = accounts.make_token(SECRET, person())
    with pytest.raises(accounts.AccountError) as short:
        accounts.use_token(SECRET, token, "pendek", "pendek")
    assert short.value.message_id == accounts.TOO_SHORT and "minimal 10" in str(short.value)
    with pytest.raises(accounts.AccountError) as mismatch:
        accounts.use_token(SECRET, token, NEW, NEW + "x")
    assert mismatch.value.message_id == accounts.MISMATCH
    accounts.use_token(SECRET, token, NEW, NEW)  # the refusals did not use the link


def test_an_invited_person_cannot_sign_in_before_setting_a_password(db):
    user = admin.create_user("baru@contoh.go.id", "Orang Baru", None, instansi=Instansi.get())
    assert user.password_hash.startswith("$argon2")  # a real hash of a password nobody knows
    assert not check_password(user.password_hash, "")
    accounts.use_token(SECRET, accounts.make_token(SECRET, user, accounts.INVITE), NEW, NEW)
    assert check_password(person("baru@contoh.go.id").password_hash, NEW)


# --- roles: no duplicates ---------------------------------------------------------------------


def test_giving_a_role_twice_adds_no_row_and_merges_areas(db):
    instansi = Instansi.get(Instansi.name == INSTANSI)
    unit = Unit.get(Unit.name == PROCUREMENT)
    member = person("anggota@contoh.go.id")
    first = RoleAssignment.get(RoleAssignment.user == member)
    assert admin.assign_role(member, "member", instansi, unit, ["SDM"]).id == first.id
    assert RoleAssignment.select().where(RoleAssignment.user == member).count() == 1
    assert RoleAssignment.get_by_id(first.id).areas == "MP,PT,SDM"
    admin.assign_role(member, "member", instansi, unit, [])  # no areas: every area
    assert RoleAssignment.get_by_id(first.id).areas == ""
    admin.assign_role(person("reviewer@contoh.go.id"), "reviewer", instansi)
    assert RoleAssignment.select().where(RoleAssignment.user == person("reviewer@contoh.go.id")).count() == 1
    changes = AuditEvent.select().where(AuditEvent.action == "role:areas").count()
    assert changes == 2


def test_the_database_refuses_a_duplicate_role_row(db):
    from peewee import IntegrityError

    admin_row = RoleAssignment.get(RoleAssignment.role == "admin")
    with pytest.raises(IntegrityError), db.atomic():
        RoleAssignment.create(user=admin_row.user, role="admin", instansi=admin_row.instansi, unit=None)


def test_m0013_merges_duplicate_rows_before_the_unique_index(tmp_path):
    db = open_database(f"sqlite:///{tmp_path}/old.sqlite3")
    db.connect()
    try:
        migrations.upgrade(db, target=9)
        db.execute_sql("INSERT INTO instansi (id, name, kind, created_at) "
                       "VALUES (1, 'I', 'pemda', '2026-01-01')")
        db.execute_sql("INSERT INTO unit (id, instansi_id, name, region, created_at) "
                       "VALUES (1, 1, 'U', '', '2026-01-01')")
        db.execute_sql('INSERT INTO "user" (id, email, name, password_hash, active, created_at, '
                       "session_token) "
                       "VALUES (1, 'a@x', 'A', 'h', 1, '2026-01-01', 't')")
        for role, unit, areas in (("member", 1, "MP"), ("member", 1, "PT,MP"), ("admin", None, ""),
                                  ("admin", None, ""), ("head", 1, ""), ("member", 1, "SDM")):
            db.execute_sql("INSERT INTO role_assignment (user_id, role, instansi_id, unit_id, areas) "
                           "VALUES (1, ?, 1, ?, ?)", (role, unit, areas))
        from zi.migrations import m0013_unique_roles

        with db.atomic():
            m0013_unique_roles.up(db)
        rows = db.execute_sql("SELECT role, unit_id, areas FROM role_assignment ORDER BY id").fetchall()
        assert rows == [("member", 1, "MP,PT,SDM"), ("admin", None, ""), ("head", 1, "")]
    finally:
        db.close()


# --- a unit created after its period opened ---------------------------------------------------


def test_a_unit_created_mid_period_gets_the_open_periods_assessments(db, criteria):
    instansi = Instansi.get(Instansi.name == INSTANSI)
    closed = admin.create_period(instansi, 2025, criteria.id, date(2025, 1, 1), date(2025, 12, 31))
    unit = admin.create_unit(instansi, "Bagian Umum", today=date(2026, 6, 1))
    years = sorted(a.period.year for a in Assessment.select().join(Period).where(Assessment.unit == unit))
    assert years == [2026]
    assert not Assessment.select().where((Assessment.unit == unit) & (Assessment.period == closed)).exists()
    assert Unit.get(Unit.name == SECOND_UNIT).assessments.count() == 2  # others untouched
