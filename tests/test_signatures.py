"""Signed letters keep what was signed: the SPTJM letter the unit head signs at submission and the TPI
endorsement signed at acceptance copy the signer's name, NIP and position (m0014), so a later edit of a
profile changes neither. The endorsement is signed by the instansi's Ketua TPI when the admin has chosen
one (zi.admin.set_tpi_chair), else by the accepting TPI member, as "Tim Penilai Internal"."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.conftest import SPTJM_LETTER, best_answer
from zi import admin as ops
from zi import answers as store
from zi import workflow
from zi.access import Access
from zi.demo import DEMO_PASSWORD, PROCUREMENT
from zi.dossier.gather import gather
from zi.models import Answer, Assessment, AuditEvent, Instansi, Unit, User
from zi.signatories import set_signatory
from zi.sptjm import letter

HEAD, TPI, ADMIN = "pimpinan@contoh.go.id", "tpi@contoh.go.id", "admin@contoh.go.id"
MEMBER = "anggota@contoh.go.id"
HEAD_NIP = "19780512 200312 1 002"  # the demo head's, as letters print it


def person(email: str) -> User:
    return User.get(User.email == email)


def reload(assessment) -> Assessment:
    return Assessment.get_by_id(assessment.id)


def fill(criteria, assessment, layer, user) -> None:
    current = store.layer_answers(assessment, layer)
    with Answer._meta.database.atomic():
        for item in criteria.items:
            old = current.get(item.code)
            store.save_answer(criteria, assessment, user, layer, item.code, best_answer(item), "",
                              old.version if old else 0)


def act(assessment, action, user, **kw):
    if action in ("submit", "resubmit"):
        kw = {**SPTJM_LETTER, "sptjm": True, **kw}
    return workflow.transition(assessment, action, user, Access(user).roles(assessment.unit), **kw)


@pytest.fixture
def submitted(db, criteria):
    assessment = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    fill(criteria, assessment, "unit", person(HEAD))
    act(assessment, "submit", person(HEAD))
    return reload(assessment)


@pytest.fixture
def reviewed(criteria, submitted):
    """Submitted, in review and the TPI layer complete: ready to accept."""
    act(submitted, "start_review", person(TPI))
    fill(criteria, submitted, "tpi", person(TPI))
    return reload(submitted)


def chair(name="Ketua Tim Penilai", email="ketua-tpi@contoh.go.id", nip="19700101 199503 1 001",
          position="Inspektur Daerah") -> User:
    """A second TPI evaluator of the instansi (on the second unit), chosen as Ketua TPI."""
    instansi = Instansi.get()
    user = ops.create_user(email, name, DEMO_PASSWORD, instansi=instansi)
    second = Unit.select().where((Unit.instansi == instansi) & (Unit.name != PROCUREMENT)).get()
    ops.assign_role(user, "tpi", instansi, second)
    set_signatory(user, nip, position)
    assert ops.set_tpi_chair(instansi, user.id, person(ADMIN))
    return User.get_by_id(user.id)


# --- the SPTJM letter ---------------------------------------------------------------------------------------

def test_the_letter_keeps_the_heads_nip_and_position_as_signed(submitted):
    signed = letter(submitted)
    assert (signed.name, signed.nip, signed.position) == (
        "Kepala Bagian Pengadaan", HEAD_NIP, "Kepala Bagian Pengadaan Barang dan Jasa")
    assert (submitted.sptjm_name, submitted.sptjm_nip) == ("Kepala Bagian Pengadaan", "197805122003121002")
    head = person(HEAD)
    set_signatory(head, "19800101 200501 1 009", "Plt. Kepala Bagian", head)
    User.update(name="Nama Baru").where(User.id == head.id).execute()
    assert letter(reload(submitted)) == signed  # the profile changed, the signed letter did not
    event = AuditEvent.select().where((AuditEvent.action == "sptjm")
                                      & (AuditEvent.assessment == submitted)).get()
    assert event.new["nip"] == "197805122003121002" and event.new["name"] == "Kepala Bagian Pengadaan"


def test_resubmitting_signs_again_with_the_profile_of_then(criteria, reviewed):
    store.request_revision(reviewed, person(TPI), "P-MP-i-b", "Lampirkan SK")
    act(reviewed, "request_revision", person(TPI))
    head = person(HEAD)
    set_signatory(head, "19800101 200501 1 009", "Plt. Kepala Bagian", head)
    act(reload(reviewed), "resubmit", person(HEAD), sptjm_number="800/2/ZI/2026")
    again = letter(reload(reviewed))
    assert (again.number, again.nip, again.position) == (
        "800/2/ZI/2026", "19800101 200501 1 009", "Plt. Kepala Bagian")


def test_a_letter_signed_before_m0014_prints_the_current_profile(submitted):
    Assessment.update(sptjm_name=None, sptjm_nip=None, sptjm_position=None).where(
        Assessment.id == submitted.id).execute()
    head = person(HEAD)
    set_signatory(head, "19800101 200501 1 009", "Plt. Kepala Bagian", head)
    old = letter(reload(submitted))
    assert (old.name, old.nip, old.position) == ("Kepala Bagian Pengadaan", "19800101 200501 1 009",
                                                 "Plt. Kepala Bagian")


# --- the TPI endorsement --------------------------------------------------------------------------------

def test_the_ketua_tpi_signs_the_endorsement_as_at_acceptance(criteria, reviewed):
    ketua = chair()
    act(reviewed, "accept", person(TPI))
    accepted = reload(reviewed)
    assert accepted.accepted_by.email == TPI  # who accepted is kept apart from who signs
    signer = gather(accepted, criteria, "kemenpan").endorser
    assert (signer.name, signer.nip, signer.position, signer.chair) == (
        "Ketua Tim Penilai", "197001011995031001", "Inspektur Daerah", True)
    set_signatory(ketua, "19990101 202001 1 001", "Jabatan Baru", ketua)
    data = gather(reload(reviewed), criteria, "kemenpan")
    assert (data.endorser.nip, data.endorser_nip) == ("197001011995031001", "19700101 199503 1 001")


def test_without_a_chair_the_accepting_member_signs_for_the_team(criteria, reviewed):
    tpi = person(TPI)
    set_signatory(tpi, "19800101 200501 1 009", "Auditor Madya", tpi)
    act(reviewed, "accept", tpi)
    signer = gather(reload(reviewed), criteria, "kemenpan").endorser
    assert (signer.name, signer.nip, signer.position, signer.chair) == (
        "Evaluator TPI", "198001012005011009", "Auditor Madya", False)
    set_signatory(tpi, "", "", tpi)
    assert gather(reload(reviewed), criteria, "kemenpan").endorser == signer


def test_reopening_clears_the_endorsement_and_accepting_again_signs_anew(criteria, reviewed):
    act(reviewed, "accept", person(TPI))
    act(reload(reviewed), "reopen", person(ADMIN), reason="Salah hitung")
    reopened = reload(reviewed)
    assert (reopened.endorsed_by_name, reopened.endorsed_by_nip, reopened.endorsed_by_position,
            reopened.endorsed_by_chair) == (None, None, None, None)
    assert gather(reopened, criteria, "kemenpan").endorser is None
    chair()
    act(reopened, "accept", person(TPI))
    assert gather(reload(reviewed), criteria, "kemenpan").endorser.name == "Ketua Tim Penilai"


def test_a_chair_who_lost_the_tpi_role_or_sits_in_the_unit_does_not_sign(criteria, reviewed):
    from zi.models import RoleAssignment

    ketua = chair()
    RoleAssignment.delete().where(RoleAssignment.user == ketua).execute()
    assert workflow.endorser(reviewed, person(TPI)) == (person(TPI), False)
    instansi = Instansi.get()
    own = Unit.get(Unit.name == PROCUREMENT)
    ops.assign_role(ketua, "tpi", instansi, Unit.select().where(Unit.id != own.id).get())
    assert workflow.endorser(reviewed, person(TPI))[1] is True
    ops.assign_role(ketua, "member", instansi, own)  # on the assessed unit's own team
    assert workflow.endorser(reviewed, person(TPI)) == (person(TPI), False)


def test_an_endorsement_accepted_before_m0014_prints_the_current_profile(criteria, reviewed):
    act(reviewed, "accept", person(TPI))
    Assessment.update(endorsed_by_name=None, endorsed_by_nip=None, endorsed_by_position=None,
                      endorsed_by_chair=None).where(Assessment.id == reviewed.id).execute()
    tpi = person(TPI)
    set_signatory(tpi, "19800101 200501 1 009", "Auditor Madya", tpi)
    signer = gather(reload(reviewed), criteria, "kemenpan").endorser
    assert (signer.name, signer.nip, signer.chair) == ("Evaluator TPI", "198001012005011009", False)


# --- choosing the chair -----------------------------------------------------------------------------------

def test_only_a_tpi_evaluator_of_the_instansi_can_be_chair(db):
    instansi = Instansi.get()
    admin = person(ADMIN)
    assert [u.email for u in ops.tpi_people(instansi)] == [TPI]
    for email in (HEAD, MEMBER, ADMIN, "reviewer@contoh.go.id"):
        with pytest.raises(ops.AdminError) as err:
            ops.set_tpi_chair(instansi, person(email).id, admin)
        assert "peran evaluator TPI" in str(err.value)
    with pytest.raises(ops.AdminError):
        ops.set_tpi_chair(instansi, 0, admin)  # an id no one has
    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    stranger = ops.create_user("tpi@lain.go.id", "TPI Kota Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "tpi", other, ops.create_unit(other, "Inspektorat Lain"))
    with pytest.raises(ops.AdminError):
        ops.set_tpi_chair(instansi, stranger.id, admin)  # a TPI evaluator elsewhere
    assert Instansi.get_by_id(instansi.id).tpi_chair_id is None
    assert not AuditEvent.select().where(AuditEvent.action == "instansi:tpi_chair").exists()

    assert ops.set_tpi_chair(instansi, person(TPI).id, admin)
    assert not ops.set_tpi_chair(Instansi.get_by_id(instansi.id), person(TPI).id, admin)  # no change
    assert ops.set_tpi_chair(Instansi.get_by_id(instansi.id), None, admin)
    events = [(e.old, e.new) for e in AuditEvent.select().where(AuditEvent.action == "instansi:tpi_chair")
              .order_by(AuditEvent.id)]
    assert events == [(None, {"name": "Evaluator TPI", "email": TPI}),
                      ({"name": "Evaluator TPI", "email": TPI}, None)]


# --- read back from the PDF -----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.xdist_group("dossier")
def test_the_kemenpan_dossier_names_the_ketua_tpi_with_nip(criteria, reviewed):
    from zi.dossier.render import html_to_pdf, render_html

    chair()
    act(reviewed, "accept", person(TPI))
    head = person(HEAD)
    set_signatory(head, "19800101 200501 1 009", "Plt. Kepala Bagian", head)  # after signing: not printed
    pdf = html_to_pdf(render_html(gather(reload(reviewed), criteria, "kemenpan")))
    pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    endorsement = next(p for p in pages if "Pengesahan Tim Penilai Internal" in p)
    for expected in ("Ketua Tim Penilai Internal,", "Ketua Tim Penilai", "NIP 19700101 199503 1 001",
                     "Inspektur Daerah"):
        assert expected in endorsement, expected
    text = " ".join(pages)
    assert f"NIP : {HEAD_NIP}" in text and "19800101 200501 1 009" not in text
