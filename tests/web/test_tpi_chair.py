"""The instansi admin chooses the Ketua TPI on the admin page, among the people holding the TPI role in
the instansi; a refusal is shown at the field, every change audited; nobody else sets it."""

from __future__ import annotations

import re

from zi import admin as ops
from zi.demo import DEMO_PASSWORD
from zi.models import AuditEvent, Instansi, User

ADMIN, HEAD, TPI = "admin@contoh.go.id", "pimpinan@contoh.go.id", "tpi@contoh.go.id"


def person(email: str) -> User:
    return User.get(User.email == email)


def demo_instansi() -> Instansi:
    return Instansi.get(Instansi.name == "Pemerintah Kabupaten Contoh")


def test_the_admin_page_offers_the_tpi_evaluators_only(client, login, db):
    login(ADMIN)
    page = client.get("/admin/").get_data(as_text=True)
    form = page.split('id="tpi-chair"', 1)[1].split("</form>", 1)[0]
    assert 'action="/admin/tpi-chair"' in form and 'name="csrf_token"' in form
    offered = re.findall(r'<option value="(\d+)"', form)
    assert offered == [str(person(TPI).id)]
    assert "Evaluator TPI (tpi@contoh.go.id)" in form


def test_the_admin_sets_and_clears_the_chair(client, login, db):
    login(ADMIN)
    tpi = person(TPI)
    response = client.post("/admin/tpi-chair", data={"chair_id": str(tpi.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#tpi-chair")
    assert demo_instansi().tpi_chair_id == tpi.id
    page = client.get("/admin/").get_data(as_text=True)
    assert "Ketua TPI disimpan." in page and f'<option value="{tpi.id}" selected>' in page
    event = AuditEvent.select().where(AuditEvent.action == "instansi:tpi_chair").get()
    assert event.user.email == ADMIN and event.new == {"name": "Evaluator TPI", "email": TPI}
    assert "Ketua TPI ditetapkan" in page  # the audit log's label
    client.post("/admin/tpi-chair", data={"chair_id": ""})
    assert demo_instansi().tpi_chair_id is None


def test_someone_without_the_tpi_role_is_refused_at_the_field(client, login, db):
    login(ADMIN)
    for value in (str(person(HEAD).id), "abc", "999999", "-1"):
        response = client.post("/admin/tpi-chair", data={"chair_id": value})
        assert response.status_code == 302
        page = client.get("/admin/").get_data(as_text=True)
        card = page.split('id="tpi-chair"', 1)[1].split("</div>", 1)[0]
        assert 'id="err-tpi-chair" role="alert"' in card and "peran evaluator TPI" in card, value
        assert demo_instansi().tpi_chair_id is None
    assert 'id="err-tpi-chair"' not in client.get("/admin/").get_data(as_text=True)  # shown once
    assert not AuditEvent.select().where(AuditEvent.action == "instansi:tpi_chair").exists()


def test_in_english(client, login, db):
    login(ADMIN)
    client.post("/lang/en")
    client.post("/admin/tpi-chair", data={"chair_id": str(person(HEAD).id)})
    page = client.get("/admin/").get_data(as_text=True)
    assert "The TPI chair must be someone holding the TPI evaluator role" in page
    assert "Save TPI chair" in page


def test_only_the_instansis_admin_sets_it(client, login, db):
    tpi = person(TPI)
    for email in (HEAD, TPI, "reviewer@contoh.go.id"):
        login(email)
        assert client.post("/admin/tpi-chair", data={"chair_id": str(tpi.id)}).status_code == 403
    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    stranger = ops.create_user("admin@lain.go.id", "Admin Kota Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "admin", other)
    login("admin@lain.go.id")
    demo = demo_instansi()
    assert client.post("/admin/tpi-chair", data={"chair_id": str(tpi.id), "instansi": str(demo.id)}
                       ).status_code == 404
    # in their own instansi, the demo's evaluator is no TPI of theirs
    assert client.post("/admin/tpi-chair", data={"chair_id": str(tpi.id)}).status_code == 302
    assert demo_instansi().tpi_chair_id is None and Instansi.get_by_id(other.id).tpi_chair_id is None


def test_a_chair_who_lost_the_role_is_pointed_out(client, login, db):
    from zi.models import RoleAssignment

    tpi = person(TPI)
    ops.set_tpi_chair(demo_instansi(), tpi.id, person(ADMIN))
    RoleAssignment.delete().where((RoleAssignment.user == tpi) & (RoleAssignment.role == "tpi")).execute()
    login(ADMIN)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Evaluator TPI tidak lagi memegang peran evaluator TPI" in page
    assert "Belum ada orang dengan peran evaluator TPI di instansi ini." in page
