"""Separation of duties: a unit's own team is never its TPI, and an admin manages only the people of
their instansi without learning which emails exist elsewhere."""

from __future__ import annotations

import pytest

from zi import admin, migrations
from zi.db import database, open_database
from zi.demo import DEMO_PASSWORD, INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.models import AuditEvent, Instansi, RoleAssignment, Unit, User
from zi.passwords import check_password


def demo():
    instansi = Instansi.get(Instansi.name == INSTANSI)
    return (instansi, Unit.get((Unit.instansi == instansi) & (Unit.name == PROCUREMENT)),
            Unit.get((Unit.instansi == instansi) & (Unit.name == SECOND_UNIT)))


def person(email: str) -> User:
    return User.get(User.email == email)


def roles_and_events() -> tuple:
    return (sorted((r.user_id, r.role, r.instansi_id, r.unit_id) for r in RoleAssignment.select()),
            AuditEvent.select().where(AuditEvent.action.in_(("role:assign", "user:create"))).count())


# --- the unit's team is not its TPI ---------------------------------------------------------


def test_a_member_or_head_cannot_be_tpi_of_the_same_unit_whichever_comes_first(db):
    instansi, procurement, second = demo()
    before = roles_and_events()
    head, tpi = person("pimpinan@contoh.go.id"), person("tpi@contoh.go.id")
    with pytest.raises(admin.AdminError, match="Pemisahan tugas"):
        admin.assign_role(head, "tpi", instansi, procurement)  # head first, then TPI
    for role in ("member", "head"):
        with pytest.raises(admin.AdminError, match="Pemisahan tugas"):
            admin.assign_role(tpi, role, instansi, procurement)  # TPI first, then the unit's team
    assert roles_and_events() == before

    admin.assign_role(head, "tpi", instansi, second)  # another unit: allowed
    third = admin.create_unit(instansi, "Bagian Umum")
    member = admin.assign_role(tpi, "member", instansi, third, ["MP"])
    with pytest.raises(admin.AdminError, match="Pemisahan tugas"):
        admin.assign_role(tpi, "tpi", instansi, third)
    admin.remove_role(member)
    admin.assign_role(tpi, "tpi", instansi, third)  # once the unit role is gone, TPI is fine
    admin.assign_role(head, "member", instansi, procurement)  # head and member of one unit: fine


def test_the_admin_page_refuses_it_with_the_reason(client, login, db):
    _, procurement, _ = demo()
    login("admin@contoh.go.id")
    before = roles_and_events()
    client.post("/admin/roles", data={"email": "tpi@contoh.go.id", "role": "head", "unit_id": procurement.id})
    assert flashes(client) == [("error", admin.SEPARATION_OF_DUTIES)]
    assert roles_and_events() == before
    client.post("/lang/en")
    client.post("/admin/roles", data={"email": "pimpinan@contoh.go.id", "role": "tpi",
                                      "unit_id": procurement.id})
    assert flashes(client) == [("error", "Separation of duties: the same person cannot be a member of the "
                                         "unit's working team or its head and also its TPI evaluator.")]


# --- people belong to an instansi ---------------------------------------------------------


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


@pytest.fixture
def elsewhere(db):
    """Another instansi with its admin, a person created there, and a person holding only a role there."""
    other = admin.get_or_create_instansi("Pemerintah Kota Lain")
    unit = admin.create_unit(other, "Inspektorat Kota Lain")
    other_admin = admin.create_user("admin@lain.go.id", "Admin Lain", DEMO_PASSWORD, instansi=other)
    admin.assign_role(other_admin, "admin", other)
    created = admin.create_user("dibuat@lain.go.id", "Dibuat di Kota Lain", DEMO_PASSWORD, actor=other_admin,
                                instansi=other)
    holder = admin.create_user("berperan@lain.go.id", "Berperan di Kota Lain", DEMO_PASSWORD)
    admin.assign_role(holder, "member", other, unit)
    return {"instansi": other, "unit": unit, "admin": other_admin, "created": created, "holder": holder}


def test_people_of_another_instansi_are_answered_as_unknown_emails(client, login, elsewhere, db):
    _, procurement, _ = demo()
    login("admin@contoh.go.id")
    before = roles_and_events()
    answers = {}
    for email in ("dibuat@lain.go.id", "berperan@lain.go.id", "admin@lain.go.id", "tidak-ada@lain.go.id"):
        response = client.post("/admin/roles", data={"email": email, "role": "member",
                                                     "unit_id": procurement.id})
        answers[email] = (response.status_code, response.headers["Location"], flashes(client))
    assert len(set(map(repr, answers.values()))) == 1, answers
    assert answers["tidak-ada@lain.go.id"][2] == [("error", "Pengguna dengan email itu tidak ditemukan.")]
    assert roles_and_events() == before

    # …and the other way round.
    login("admin@lain.go.id")
    client.post("/admin/roles", data={"email": "anggota@contoh.go.id", "role": "member",
                                      "unit_id": elsewhere["unit"].id})
    assert flashes(client) == [("error", "Pengguna dengan email itu tidak ditemukan.")]
    assert roles_and_events() == before


def test_people_of_the_instansi_can_be_given_roles(client, login, elsewhere, db):
    """Someone with a role here, someone created here without one, and someone who belongs nowhere yet."""
    instansi, procurement, second = demo()
    admin.create_user("tanpa-peran@contoh.go.id", "Tanpa Peran", DEMO_PASSWORD)  # command line, no role
    login("admin@contoh.go.id")
    client.post("/admin/users", data={"email": "baru@contoh.go.id", "name": "Baru",
                                      "password": "kata-sandi-baru"})
    assert flashes(client) == [("success", "Pengguna ditambahkan.")]
    assert person("baru@contoh.go.id").created_in_id == instansi.id
    for email, unit in (("anggota@contoh.go.id", second), ("baru@contoh.go.id", procurement),
                        ("tanpa-peran@contoh.go.id", procurement)):
        client.post("/admin/roles", data={"email": email, "role": "member", "unit_id": unit.id})
        assert flashes(client) == [("success", "Peran diberikan.")], email
        assert RoleAssignment.get_or_none((RoleAssignment.user == person(email))
                                          & (RoleAssignment.unit == unit))
    # once they have a role here they belong here: the other instansi no longer reaches them
    assert not admin.belongs_to(person("tanpa-peran@contoh.go.id"), elsewhere["instansi"])


def test_assign_role_refuses_an_admin_reaching_elsewhere_but_not_the_command_line(elsewhere, db):
    instansi, procurement, _ = demo()
    demo_admin = person("admin@contoh.go.id")
    with pytest.raises(admin.AdminError) as refused:
        admin.assign_role(elsewhere["created"], "member", instansi, procurement, actor=demo_admin)
    assert str(refused.value) == admin.UNKNOWN_USER
    with pytest.raises(admin.AdminError, match="tidak ditemukan"):
        admin.find_user(instansi, "BERPERAN@lain.go.id")
    assert admin.find_user(elsewhere["instansi"], " BERPERAN@lain.go.id ") == elsewhere["holder"]
    # the operator (zi users create --role …, no actor) may give a role in any instansi
    admin.assign_role(elsewhere["holder"], "reviewer", instansi)
    assert admin.belongs_to(elsewhere["holder"], instansi)


def test_creating_a_user_does_not_tell_whether_the_email_exists_elsewhere(client, login, elsewhere, db):
    login("admin@contoh.go.id")
    before = ([(u.id, u.name, u.password_hash, u.session_token) for u in User.select().order_by(User.id)],
              roles_and_events())
    answers = []
    for email in ("dibuat@lain.go.id", "anggota@contoh.go.id", "DIBUAT@lain.go.id"):
        client.post("/admin/users", data={"email": email, "name": "Penyusup", "password": "kata-sandi-baru",
                                          "role": "member", "unit_id": demo()[1].id})
        answers.append(flashes(client))
    assert answers == [[("error", admin.UNUSABLE_EMAIL)]] * 3
    assert "lain.go.id" not in admin.UNUSABLE_EMAIL and "sudah ada" not in admin.UNUSABLE_EMAIL
    after = ([(u.id, u.name, u.password_hash, u.session_token) for u in User.select().order_by(User.id)],
             roles_and_events())
    assert after == before
    assert check_password(person("dibuat@lain.go.id").password_hash, DEMO_PASSWORD)
    # from the command line (the operator sees every instansi) the reason is plain
    with pytest.raises(admin.AdminError, match="sudah ada"):
        admin.create_user("dibuat@lain.go.id", "x", "kata-sandi-baru")


# --- m0007 records where existing people were created ----------------------------------------


def test_m0007_gives_tokens_and_takes_the_creating_instansi_from_the_audit_log(tmp_path):
    previous = database.obj
    db = open_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        db.connect()
        assert migrations.upgrade(db, target=6) == [1, 2, 3, 4, 5, 6]
        db.execute_sql("INSERT INTO instansi (id, name, kind, created_at) "
                       "VALUES (1, 'Kota A', 'pemda', '2026-01-01')")
        for uid, email in ((1, "a@kota.go.id"), (2, "cli@kota.go.id")):
            db.execute_sql('INSERT INTO "user" (id, email, name, password_hash, active, created_at) '
                           "VALUES (?, ?, 'x', 'h', 1, '2026-01-01')", (uid, email))
        db.execute_sql("INSERT INTO audit_event (action, instansi_id, item_code, new, reason, created_at) "
                       "VALUES ('user:create', 1, '', '{\"email\": \"a@kota.go.id\", \"name\": \"x\"}', '', "
                       "'2026-01-01')")
        db.execute_sql("INSERT INTO audit_event (action, instansi_id, item_code, new, reason, created_at) "
                       "VALUES ('user:create', NULL, '', '{\"email\": \"cli@kota.go.id\"}', '', "
                       "'2026-01-01')")
        assert migrations.upgrade(db) and migrations.current_version(db) >= 7
        rows = db.execute_sql('SELECT email, created_in_id, session_token FROM "user" ORDER BY id').fetchall()
        assert [(email, instansi) for email, instansi, _ in rows] == [
            ("a@kota.go.id", 1), ("cli@kota.go.id", None)]
        tokens = {token for _, _, token in rows}
        assert len(tokens) == 2 and all(len(t) >= 32 for t in tokens)
    finally:
        db.close()
        database.initialize(previous)
