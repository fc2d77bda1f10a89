"""Access.can / ensure on their own, for the rules where a mistake is easy: pokja areas, items flagged
for revision, a person who is both on a unit's team and its TPI, and lookups that hide what a person
may not see."""

from __future__ import annotations

import io

import pytest

from tests.evidence.helpers import pdf
from zi import workflow
from zi.access import Access, Forbidden, NotAllowed
from zi.demo import INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.evidence import service, store_from_config
from zi.models import (
    Assessment,
    Dossier,
    DossierJob,
    Instansi,
    RevisionRequest,
    RoleAssignment,
    Unit,
    User,
    now,
)


def person(email: str) -> Access:
    return Access(User.get(User.email == email))


def assessment_of(unit_name: str, status: str = "draft") -> Assessment:
    instansi = Instansi.get(Instansi.name == INSTANSI)
    unit = Unit.get((Unit.instansi == instansi) & (Unit.name == unit_name))
    found = Assessment.get(Assessment.unit == unit)
    Assessment.update(status=status).where(Assessment.id == found.id).execute()
    return Assessment.get_by_id(found.id)


def saves(access: Access, assessment, code: str, criteria, layer: str = "unit") -> bool:
    return access.can("answer.save", assessment, criteria=criteria, item_code=code, layer=layer)


def adds(access: Access, assessment, criteria, *codes: str) -> bool:
    return access.can("evidence.add", assessment, criteria=criteria, item_codes=list(codes))


def test_a_pokja_member_answers_and_adds_evidence_only_in_their_areas(db, criteria):
    own = assessment_of(PROCUREMENT)
    member, head = person("anggota@contoh.go.id"), person("pimpinan@contoh.go.id")
    assert member.areas(own.unit) == {"MP", "PT"}
    assert saves(member, own, "P-MP-i-b", criteria) and saves(member, own, "P-PT-i-a", criteria)
    assert not saves(member, own, "P-SDM-i-a", criteria)
    assert not saves(member, own, "H-I-a", criteria)  # Hasil belongs to no area: the head's
    assert adds(member, own, criteria, "P-PT-i-a") and adds(member, own, criteria)
    assert not adds(member, own, criteria, "P-PT-i-a", "P-SDM-i-a")
    assert not adds(member, own, criteria, "H-I-a")
    assert saves(head, own, "P-SDM-i-a", criteria) and saves(head, own, "H-I-a", criteria)
    assert adds(head, own, criteria, "P-SDM-i-a", "H-I-a")


def test_in_revision_only_flagged_items_open_for_answers(db, criteria):
    own = assessment_of(PROCUREMENT, "revision")
    member, head = person("anggota@contoh.go.id"), person("pimpinan@contoh.go.id")
    flag = RevisionRequest.create(assessment=own, item_code="P-MP-i-b", comment="Lengkapi")
    RevisionRequest.create(assessment=own, item_code="P-SDM-i-a", comment="Lengkapi")
    assert saves(member, own, "P-MP-i-b", criteria) and saves(head, own, "P-MP-i-b", criteria)
    assert not saves(member, own, "P-MP-i-a", criteria) and not saves(head, own, "P-MP-i-a", criteria)
    assert not saves(member, own, "P-SDM-i-a", criteria)  # flagged, but not the member's area
    assert saves(head, own, "P-SDM-i-a", criteria)
    assert not saves(member, own, "P-MP-i-b", criteria, layer="tpi")
    flag.resolved_at = now()
    flag.save()
    assert not saves(member, own, "P-MP-i-b", criteria)
    # evidence stays open in revision (a document TPI asked to revise need not be a flagged answer)
    assert adds(member, own, criteria, "P-MP-i-a") and not adds(member, own, criteria, "P-SDM-i-b")


@pytest.mark.parametrize("status", ["submitted", "in_review", "resubmitted", "accepted"])
def test_the_unit_changes_nothing_while_tpi_has_it(db, criteria, status):
    own = assessment_of(PROCUREMENT, status)
    for email in ("anggota@contoh.go.id", "pimpinan@contoh.go.id"):
        access = person(email)
        assert not saves(access, own, "P-MP-i-b", criteria)
        assert not adds(access, own, criteria, "P-MP-i-b") and not adds(access, own, criteria)


def test_tpi_answers_only_its_own_layer_and_only_in_review(db, criteria):
    tpi = person("tpi@contoh.go.id")
    own = assessment_of(PROCUREMENT, "in_review")
    assert saves(tpi, own, "P-MP-i-b", criteria, layer="tpi")
    assert not saves(tpi, own, "P-MP-i-b", criteria)
    assert not adds(tpi, own, criteria, "P-MP-i-b")
    assert all(tpi.can(action, own) for action in ("item.flag", "evidence.review", "assessment.copy_unit"))
    draft = assessment_of(PROCUREMENT, "draft")
    assert not saves(tpi, draft, "P-MP-i-b", criteria, layer="tpi")
    assert not tpi.can("item.flag", draft) and not tpi.can("evidence.review", draft)


def test_a_unit_team_member_is_never_tpi_of_their_own_unit(db, criteria):
    """A role row from before separation of duties (head and TPI of one unit) gives no TPI power there."""
    user = User.get(User.email == "pimpinan@contoh.go.id")
    own = assessment_of(PROCUREMENT, "in_review")
    RoleAssignment.create(user=user, role="tpi", instansi=own.unit.instansi_id, unit=own.unit)
    access = Access(user)
    assert access.roles(own.unit) == {"head"}
    assert not saves(access, own, "P-MP-i-b", criteria, layer="tpi")
    for action in ("item.flag", "evidence.review", "assessment.copy_unit", "assessment.accept",
                   "assessment.request_revision"):
        assert not access.can(action, own), action
    submitted = assessment_of(PROCUREMENT, "submitted")
    assert not access.can("assessment.start_review", submitted)
    # TPI of the second unit, where they are not on the team, it still is
    RoleAssignment.create(user=user, role="tpi", instansi=own.unit.instansi_id,
                          unit=Unit.get(Unit.name == SECOND_UNIT))
    second = assessment_of(SECOND_UNIT, "in_review")
    assert Access(user).can("item.flag", second)


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review", "revision", "resubmitted", "accepted"])
def test_transition_actions_are_the_workflows(db, status):
    own = assessment_of(PROCUREMENT, status)
    for email in ("admin@contoh.go.id", "pimpinan@contoh.go.id", "anggota@contoh.go.id", "tpi@contoh.go.id",
                  "reviewer@contoh.go.id"):
        access = person(email)
        allowed = {t.action for t in workflow.available(own, access.roles(own.unit))}
        assert {name for name in workflow.TRANSITIONS if access.can(f"assessment.{name}", own)} == allowed


def test_ensure_tells_invisible_from_forbidden(db, criteria):
    member = person("anggota@contoh.go.id")
    own, second = assessment_of(PROCUREMENT), assessment_of(SECOND_UNIT)
    with pytest.raises(NotAllowed):
        member.ensure("assessment.view", second)
    assert not member.can("assessment.view", second)
    with pytest.raises(Forbidden):
        member.ensure("item.flag", own)
    member.ensure("evidence.add", own, criteria=criteria, item_codes=["P-MP-i-a"])
    with pytest.raises(KeyError):
        member.can("item.delete", own)  # a misspelt action fails loudly
    with pytest.raises(Forbidden):
        member.ensure("admin.manage")
    person("admin@contoh.go.id").ensure("admin.manage")


def test_lookups_return_only_what_the_person_sees(app, db, criteria):
    store = store_from_config(app.config)
    admin = User.get(User.email == "admin@contoh.go.id")
    own, second = assessment_of(PROCUREMENT), assessment_of(SECOND_UNIT)
    mine = service.upload(store, own, admin, io.BytesIO(pdf("milik unit")), "a.pdf", criteria=criteria,
                          max_bytes=1 << 20, item_codes=["P-MP-i-b"])
    theirs = service.upload(store, second, admin, io.BytesIO(pdf("unit lain")), "b.pdf", criteria=criteria,
                            max_bytes=1 << 20, item_codes=["P-MP-i-b"])
    job = DossierJob.create(assessment=second, variant="internal", status="done")
    dossier = Dossier.create(assessment=second, variant="internal", sha256=theirs.file.sha256, size=1)
    member, reviewer = person("anggota@contoh.go.id"), person("reviewer@contoh.go.id")

    assert member.document(mine.document_id).id == mine.document_id
    assert member.revision(mine.id).file.sha256 == mine.file.sha256
    assert member.revision_by_hash(mine.file.sha256.upper()).id == mine.id
    link = theirs.document.links.get()
    for lookup in (lambda: member.document(theirs.document_id), lambda: member.revision(theirs.id),
                   lambda: member.revision_by_hash(theirs.file.sha256), lambda: member.dossier_job(job.id),
                   lambda: member.dossier(dossier.id), lambda: member.link(own, link.id),
                   lambda: member.instansi(own.unit.instansi_id)):
        with pytest.raises(NotAllowed):
            lookup()
    assert reviewer.document(theirs.document_id).id == theirs.document_id
    assert reviewer.dossier_job(job.id).id == job.id and reviewer.dossier(dossier.id).id == dossier.id
    assert reviewer.link(second, link.id).id == link.id
    admin_access = Access(admin)
    instansi = own.unit.instansi
    assert admin_access.admin_unit(instansi, second.unit_id).id == second.unit_id
    with pytest.raises(NotAllowed):
        reviewer.admin_unit(instansi, second.unit_id)  # a reviewer administers nothing
    assignment = RoleAssignment.get(RoleAssignment.user == User.get(User.email == "anggota@contoh.go.id"))
    assert admin_access.role_assignment(instansi, assignment.id).id == assignment.id
    assert admin_access.period(instansi, own.period_id).id == own.period_id
    with pytest.raises(NotAllowed):
        admin_access.role_assignment(instansi, 10**9)


def test_trash_and_restore(app, db, criteria):
    admin = User.get(User.email == "admin@contoh.go.id")
    own = assessment_of(PROCUREMENT)
    doc = service.upload(store_from_config(app.config), own, admin, io.BytesIO(pdf()), "a.pdf",
                         criteria=criteria, max_bytes=1 << 20, item_codes=["P-MP-i-b"]).document
    assert person("pimpinan@contoh.go.id").can("document.trash", doc)
    assert person("admin@contoh.go.id").can("document.trash", doc)
    assert not person("anggota@contoh.go.id").can("document.trash", doc)
    assert not person("tpi@contoh.go.id").can("document.trash", doc)
    assert person("admin@contoh.go.id").can("document.restore", doc)
    assert not person("pimpinan@contoh.go.id").can("document.restore", doc)
