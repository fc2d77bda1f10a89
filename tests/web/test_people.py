"""One form per person: their roles per unit with the pokja areas, saved at once (audited), without
duplicate rows, separation of duties kept; "semua area" means every area, on the page and in the rules."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from zi import admin
from zi.demo import INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.models import Answer, Assessment, AuditEvent, Instansi, RoleAssignment, Unit, User


def person(email: str) -> User:
    return User.get(User.email == email)


def units():
    instansi = Instansi.get(Instansi.name == INSTANSI)
    return (instansi, Unit.get((Unit.instansi == instansi) & (Unit.name == PROCUREMENT)),
            Unit.get((Unit.instansi == instansi) & (Unit.name == SECOND_UNIT)))


def roles_of(user: User) -> list[tuple]:
    return sorted((r.role, r.unit_id or 0, r.areas) for r in RoleAssignment.select()
                  .where(RoleAssignment.user == user))


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def row_html(page: str, unit_id: int) -> str:
    match = re.search(rf'<tr id="unit-{unit_id}">.*?</tr>', page, re.S)
    assert match, page[-2000:]
    return match.group(0)


def test_the_person_page_shows_roles_and_areas_checked(client, login, db):
    _, procurement, _ = units()
    member = person("anggota@contoh.go.id")
    login("admin@contoh.go.id")
    admin_page = client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/people/{member.id}?instansi=' in admin_page
    page = client.get(f"/admin/people/{member.id}").get_data(as_text=True)
    row = row_html(page, procurement.id)
    assert re.search(rf'value="{procurement.id}:member" checked', row)
    assert not re.search(rf'value="{procurement.id}:head" checked', row)
    assert re.search(rf'value="{procurement.id}:MP" checked', row)
    assert re.search(rf'value="{procurement.id}:PT" checked', row)
    assert not re.search(rf'value="{procurement.id}:SDM" checked', row)


def test_saving_the_form_replaces_the_roles_at_once_and_audits_each_change(client, login, db):
    instansi, procurement, second = units()
    member = person("anggota@contoh.go.id")
    login("admin@contoh.go.id")
    before = AuditEvent.select().count()
    response = client.post(f"/admin/people/{member.id}", data=MultiDict([
        ("role", f"{procurement.id}:member"),
        ("area", f"{procurement.id}:SDM"), ("area", f"{procurement.id}:MP"),
        ("role", "reviewer"),
        ("add_unit", str(second.id)), ("add_role", "member"),  # no areas: every area
    ]))
    assert response.status_code == 302
    assert flashes(client) == [("success", f"Peran {member.name} disimpan.")]
    assert roles_of(member) == [("member", procurement.id, "MP,SDM"), ("member", second.id, ""),
                                ("reviewer", 0, "")]
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)][before:]
    assert sorted(actions) == ["role:areas", "role:assign", "role:assign"]
    page = client.get(f"/admin/people/{member.id}").get_data(as_text=True)
    assert "semua area" in row_html(page, second.id)
    assert "MP, SDM" in row_html(page, procurement.id)
    # saving the same again changes nothing and adds no row
    client.post(f"/admin/people/{member.id}", data=MultiDict([
        ("role", f"{procurement.id}:member"),
        ("area", f"{procurement.id}:SDM"), ("area", f"{procurement.id}:MP"),
        ("role", "reviewer"), ("role", f"{second.id}:member")]))
    assert flashes(client) == [("success", "Tidak ada perubahan peran.")]
    assert len(roles_of(member)) == 3 and AuditEvent.select().count() == before + 3


def test_separation_of_duties_is_refused_at_the_row_and_nothing_changes(client, login, db):
    _, procurement, second = units()
    tpi = person("tpi@contoh.go.id")
    login("admin@contoh.go.id")
    before, events = roles_of(tpi), AuditEvent.select().count()
    response = client.post(f"/admin/people/{tpi.id}", data=MultiDict([
        ("role", f"{procurement.id}:tpi"), ("role", f"{procurement.id}:head"),
        ("role", f"{second.id}:tpi"), ("role", "reviewer")]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    row = row_html(page, procurement.id)
    assert '<span class="field-error">Pemisahan tugas:' in row
    assert re.search(rf'value="{procurement.id}:head" checked', row)  # what was ticked is kept
    assert "field-error" not in row_html(page, second.id)
    assert roles_of(tpi) == before and AuditEvent.select().count() == events


def test_an_unknown_area_or_a_role_without_a_unit_is_refused_with_a_message(client, login, db):
    _, procurement, _ = units()
    member = person("anggota@contoh.go.id")
    login("admin@contoh.go.id")
    before = roles_of(member)
    bad_area = client.post(f"/admin/people/{member.id}", data=MultiDict([
        ("role", f"{procurement.id}:member"), ("area", f"{procurement.id}:XX")]))
    assert "Area tidak dikenal: XX" in row_html(bad_area.get_data(as_text=True), procurement.id)
    no_unit = client.post(f"/admin/people/{member.id}", data=MultiDict([
        ("role", f"{procurement.id}:member"), ("add_role", "head")]))
    assert "Pilih unit untuk peran baru." in no_unit.get_data(as_text=True)
    assert roles_of(member) == before


def test_an_admin_cannot_drop_their_own_admin_role_here(client, login, db):
    me = person("admin@contoh.go.id")
    login("admin@contoh.go.id")
    response = client.post(f"/admin/people/{me.id}", data={"role": "reviewer"})
    assert response.status_code == 200
    assert "Anda tidak dapat mencabut peran admin Anda sendiri." in response.get_data(as_text=True)
    assert roles_of(me) == [("admin", 0, "")]


def test_a_unit_of_another_instansi_on_the_form_is_not_found(client, login, db):
    member = person("anggota@contoh.go.id")
    foreign = admin.create_unit(admin.get_or_create_instansi("Kota Lain"), "Unit Lain")
    login("admin@contoh.go.id")
    before = roles_of(member)
    assert client.post(f"/admin/people/{member.id}", data={"role": f"{foreign.id}:member"}).status_code == 404
    assert client.post(f"/admin/people/{member.id}", data={"add_unit": str(foreign.id),
                                                           "add_role": "member"}).status_code == 404
    assert roles_of(member) == before


def test_the_old_role_form_adds_no_duplicate_row(client, login, db):
    instansi, procurement, _ = units()
    login("admin@contoh.go.id")
    for _ in range(2):
        client.post("/admin/roles", data={"email": "reviewer@contoh.go.id", "role": "reviewer"})
    assert RoleAssignment.select().where((RoleAssignment.user == person("reviewer@contoh.go.id"))
                                         & (RoleAssignment.instansi == instansi)).count() == 1


def test_a_member_without_areas_answers_every_area_as_the_page_says(client, login, db):
    _, procurement, _ = units()
    member = person("anggota@contoh.go.id")
    RoleAssignment.update(areas="").where(RoleAssignment.user == member).execute()
    login("admin@contoh.go.id")
    table = client.get("/admin/").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", table, re.S) if "anggota@contoh.go.id" in r)
    assert "semua area" in row
    login("anggota@contoh.go.id")
    assessment = Assessment.get(Assessment.unit == procurement)
    sdm = Answer.get((Answer.assessment == assessment) & (Answer.item_code == "P-SDM-i-a")
                     & (Answer.layer == "unit"))
    response = client.post(f"/assessments/{assessment.id}/items/P-SDM-i-a",
                           data={"layer": "unit", "value": "Tidak", "version": str(sdm.version)})
    assert response.status_code in (200, 302)
    assert Answer.get_by_id(sdm.id).value == "Tidak"
