"""An accepted (locked) assessment keeps its evidence exactly as it was accepted."""

from __future__ import annotations

import io
from datetime import date

import pytest

from zi import admin, workflow
from zi.evidence import service
from zi.evidence.service import EvidenceError
from zi.models import Assessment, EvidenceDocument, EvidenceLink

from .helpers import MB, pdf


def _upload(world, store, assessment, data, document=None, user="pimpinan"):
    return service.upload(store, assessment, world[user], io.BytesIO(data), "SK Tim.pdf",
                          criteria=world["criteria"], max_bytes=5 * MB, item_codes=["P-MP-i-a"],
                          document=document)


def _accept(world, assessment):
    Assessment.update(status="in_review").where(Assessment.id == assessment.id).execute()
    assessment = Assessment.get_by_id(assessment.id)
    return workflow.transition(assessment, "accept", world["tpi"], {"tpi"}, complete=True)


@pytest.fixture
def accepted(world, store):
    """2026 accepted with revision 1 of a document accepted by TPI; 2027 open as a draft."""
    first = _upload(world, store, world["own"], pdf("2026"))
    link = EvidenceLink.get((EvidenceLink.assessment == world["own"])
                            & (EvidenceLink.document == first.document))
    service.review(link, world["tpi"], "accepted")
    _accept(world, world["own"])
    period = admin.create_period(world["instansi"], world["own"].period.year + 1, world["criteria"].id,
                                 date(2027, 1, 1), date(2027, 12, 31))
    following = Assessment.get((Assessment.unit == world["own"].unit_id) & (Assessment.period == period))
    return {"document": first.document, "revision": first, "next": following}


def _shown(assessment):
    return service.linked_documents(assessment)["P-MP-i-a"]


def test_new_version_through_next_years_draft_leaves_the_accepted_assessment_as_accepted(
        world, store, accepted):
    service.link(accepted["document"], accepted["next"], "P-MP-i-a", world["pimpinan"])
    second = _upload(world, store, accepted["next"], pdf("2027"), document=accepted["document"])
    assert second.number == 2

    [then] = _shown(world["own"])
    assert then.latest.number == 1 and then.latest.file.sha256 == accepted["revision"].file.sha256
    assert then.status == "accepted"
    [now] = _shown(accepted["next"])
    assert now.latest.number == 2 and now.status == "awaiting"


def test_trash_refuses_a_document_an_accepted_assessment_rests_on(world, store, accepted):
    with pytest.raises(EvidenceError, match="sudah diterima"):
        service.trash(accepted["document"], world["pimpinan"])
    assert EvidenceDocument.get_by_id(accepted["document"].id).deleted_at is None
    assert len(_shown(world["own"])) == 1


def test_trash_through_the_web_says_why_and_changes_nothing(world, store, accepted, login, db):
    client = login("pimpinan@contoh.go.id")
    response = client.post(f"/evidence/documents/{accepted['document'].id}/trash", follow_redirects=True)
    assert response.status_code == 200
    assert "sudah diterima" in response.get_data(as_text=True)
    assert EvidenceDocument.get_by_id(accepted["document"].id).deleted_at is None


def test_reopening_shows_the_newest_version_again(world, store, accepted):
    service.link(accepted["document"], accepted["next"], "P-MP-i-a", world["pimpinan"])
    _upload(world, store, accepted["next"], pdf("2027"), document=accepted["document"])
    own = Assessment.get_by_id(world["own"].id)
    workflow.transition(own, "reopen", world["admin"], {"admin"}, reason="salah hitung")
    [again] = _shown(own)
    assert again.latest.number == 2 and again.status == "awaiting"
    # accepting again pins the version accepted this time
    _accept(world, own)
    assert EvidenceLink.get(EvidenceLink.assessment == own).pinned_revision == 2


def test_a_draft_only_document_can_still_be_trashed(world, store):
    revision = _upload(world, store, world["own"], pdf("draf"))
    service.trash(revision.document, world["pimpinan"])
    assert EvidenceDocument.get_by_id(revision.document_id).deleted_at is not None
