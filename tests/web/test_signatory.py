"""A person's NIP and position (jabatan) for the letters they sign: typed on Akun saya or by the
instansi admin on the person's page; a NIP is 18 digits (spaces allowed when typed, stored without),
a refusal shown at its field with what was typed kept, every change audited."""

from __future__ import annotations

import pytest

from zi import admin as ops
from zi.demo import DEMO_PASSWORD
from zi.models import AuditEvent, User
from zi.signatories import SignatoryError, normalise_nip, set_signatory

HEAD, ADMIN, TPI = "pimpinan@contoh.go.id", "admin@contoh.go.id", "tpi@contoh.go.id"


def person(email: str) -> User:
    return User.get(User.email == email)


@pytest.mark.parametrize("typed, stored", [
    ("198001012005011001", "198001012005011001"),
    ("19800101 200501 1 001", "198001012005011001"),
    ("  19800101\t200501 1 001 ", "198001012005011001"),
    ("", None), ("   ", None), (None, None),
])
def test_a_nip_is_stored_as_its_18_digits(typed, stored):
    assert normalise_nip(typed) == stored


@pytest.mark.parametrize("typed", [
    "19800101200501100",  # 17 digits
    "1980010120050110011",  # 19
    "19800101-200501-1-001",
    "1980O1012005011001",  # a letter O
    "１９８００１０１２００５０１１００１",  # full-width digits
    "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧",  # Arabic-Indic digits
])
def test_anything_else_is_refused_naming_the_field(typed):
    with pytest.raises(SignatoryError) as err:
        normalise_nip(typed)
    assert err.value.field == "nip" and "18 angka" in str(err.value)


def test_set_signatory_audits_a_change_and_only_a_change(db):
    head = person(HEAD)
    assert set_signatory(head, "19750101 200003 1 009", "  Kepala   Bagian ", head)
    head = person(HEAD)
    assert (head.nip, head.position) == ("197501012000031009", "Kepala Bagian")
    assert not set_signatory(head, "197501012000031009", "Kepala Bagian", head)
    events = list(AuditEvent.select().where(AuditEvent.action == "user:signatory"))
    assert len(events) == 1 and events[0].new["nip"] == "197501012000031009"
    with pytest.raises(SignatoryError) as err:
        set_signatory(head, "", "x" * 256, head)
    assert err.value.field == "position"


def test_account_page_saves_own_nip_and_position(client, login, db):
    login(HEAD)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="nip"' in page and 'name="position"' in page and 'action="/account/signatory"' in page
    response = client.post("/account/signatory", data={"nip": "19750101 200003 1 009",
                                                        "position": "Kepala Bagian Pengadaan"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#signatory")
    assert (person(HEAD).nip, person(HEAD).position) == ("197501012000031009", "Kepala Bagian Pengadaan")
    assert 'value="197501012000031009"' in client.get("/account").get_data(as_text=True)


def test_account_page_refuses_a_bad_nip_at_the_field(client, login, db):
    before = (person(HEAD).nip, person(HEAD).position)
    login(HEAD)
    response = client.post("/account/signatory", data={"nip": "1975 0101", "position": "Kepala"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="err-signatory-nip"' in page and "NIP harus 18 angka" in page
    assert 'value="1975 0101"' in page and 'value="Kepala"' in page  # what was typed, kept
    assert (person(HEAD).nip, person(HEAD).position) == before


def test_account_page_in_english(client, login, db):
    login(HEAD)
    client.post("/lang/en")
    page = client.post("/account/signatory", data={"nip": "123", "position": ""}).get_data(as_text=True)
    assert "The NIP must be 18 digits" in page


def test_admin_records_a_persons_nip_and_position(client, login, db):
    tpi = person(TPI)
    login(ADMIN)
    page = client.get(f"/admin/people/{tpi.id}").get_data(as_text=True)
    assert f'action="/admin/people/{tpi.id}/signatory"' in page
    response = client.post(f"/admin/people/{tpi.id}/signatory",
                           data={"nip": "19800101 200501 1 009", "position": "Inspektur Pembantu"})
    assert response.status_code == 302
    assert (person(TPI).nip, person(TPI).position) == ("198001012005011009", "Inspektur Pembantu")
    event = AuditEvent.select().where(AuditEvent.action == "user:signatory").get()
    assert event.user.email == ADMIN and event.new["email"] == TPI

    response = client.post(f"/admin/people/{tpi.id}/signatory", data={"nip": "abc", "position": "X"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="err-signatory-nip"' in page and 'value="abc"' in page
    assert person(TPI).nip == "198001012005011009"


def test_only_the_persons_admin_records_it(client, login, db):
    tpi = person(TPI)
    before = tpi.nip
    login(HEAD)  # not an admin
    assert client.post(f"/admin/people/{tpi.id}/signatory", data={"nip": "", "position": ""}).status_code in (
        403, 404)
    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    stranger = ops.create_user("admin@lain.go.id", "Admin Kota Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "admin", other)
    login("admin@lain.go.id")
    assert client.post(f"/admin/people/{tpi.id}/signatory",
                       data={"nip": "198001012005011001", "position": "X"}).status_code == 404
    assert person(TPI).nip == before
