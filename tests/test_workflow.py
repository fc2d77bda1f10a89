"""The assessment's life: every transition, its preconditions, and who may edit what when.

Most tests call zi.workflow / zi.answers directly on the demo database (fixture `db`), with the
roles computed by zi.access exactly as the web layer does. One test walks the whole cycle through
the web routes.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import SPTJM_LETTER as LETTER
from tests.conftest import best_answer
from zi import answers as store
from zi import workflow
from zi.access import Access
from zi.demo import PROCUREMENT
from zi.models import Answer, Assessment, AuditEvent, RevisionRequest, Unit, User
from zi.workflow import WorkflowError

EMAILS = {
    "admin": "admin@contoh.go.id",
    "head": "pimpinan@contoh.go.id",
    "member": "anggota@contoh.go.id",
    "tpi": "tpi@contoh.go.id",
    "reviewer": "reviewer@contoh.go.id",
}


@pytest.fixture
def people(db):
    return {role: User.get(User.email == email) for role, email in EMAILS.items()}


@pytest.fixture
def assessment(db):
    """The procurement unit's demo assessment: draft, unit layer half answered."""
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def roles(user, assessment) -> set[str]:
    return Access(user).roles(assessment.unit)


def areas(user, assessment):
    return Access(user).areas(assessment.unit)


def reload(assessment) -> Assessment:
    return Assessment.get_by_id(assessment.id)


def fill(criteria, assessment, layer, user) -> None:
    """Answer every item at its best answer through save_answer (a complete layer), in one
    transaction: on PostgreSQL ~90 commits would cost seconds per test."""
    current = store.layer_answers(assessment, layer)
    with Answer._meta.database.atomic():
        for item in criteria.items:
            old = current.get(item.code)
            store.save_answer(criteria, assessment, user, layer, item.code, best_answer(item), "",
                              old.version if old else 0)


def complete(criteria, assessment, layer) -> bool:
    return store.report(criteria, assessment, store.layer_answers(assessment, layer)).complete


def act(assessment, action, user, criteria=None, layer="unit", **kw):
    """Like the web route: `complete` is computed from the layer the action checks."""
    if criteria is not None:
        kw.setdefault("complete", complete(criteria, assessment, layer))
    if action in ("submit", "resubmit"):  # the SPTJM letter's number and place (tests/test_surveys.py)
        kw = {**LETTER, **kw}
    return workflow.transition(assessment, action, user, roles(user, assessment), **kw)


def status_events(assessment) -> list[tuple]:
    return [(e.old, e.new, e.user.email, e.reason) for e in
            AuditEvent.select().where((AuditEvent.assessment == assessment) & (AuditEvent.action == "status"))
            .order_by(AuditEvent.id)]


# --- stepping stones ----------------------------------------------------------------------

@pytest.fixture
def submitted(criteria, people, assessment):
    fill(criteria, assessment, "unit", people["head"])
    act(assessment, "submit", people["head"], criteria, sptjm=True)
    return reload(assessment)


@pytest.fixture
def in_review(people, submitted):
    act(submitted, "start_review", people["tpi"])
    return reload(submitted)


@pytest.fixture
def in_revision(people, in_review):
    store.request_revision(in_review, people["tpi"], "P-MP-i-b", "Lampirkan SK")
    act(in_review, "request_revision", people["tpi"])
    return reload(in_review)


@pytest.fixture
def accepted(criteria, people, in_review):
    fill(criteria, in_review, "tpi", people["tpi"])
    act(in_review, "accept", people["tpi"], criteria, layer="tpi")
    return reload(in_review)


# --- each transition ----------------------------------------------------------------------

def test_submit_with_sptjm(criteria, people, assessment):
    """A complete unit layer plus the head's SPTJM: submitted, and who signed is recorded."""
    fill(criteria, assessment, "unit", people["head"])
    assert complete(criteria, assessment, "unit")
    act(assessment, "submit", people["head"], criteria, sptjm=True)
    stored = reload(assessment)
    assert stored.status == "submitted"
    assert stored.sptjm_by_id == people["head"].id and stored.sptjm_at is not None
    assert status_events(assessment) == [("draft", "submitted", EMAILS["head"], "")]


def test_submit_refused_without_sptjm(criteria, people, assessment):
    fill(criteria, assessment, "unit", people["head"])
    with pytest.raises(WorkflowError, match="SPTJM"):
        act(assessment, "submit", people["head"], criteria, sptjm=False)
    stored = reload(assessment)
    assert (stored.status, stored.sptjm_by_id, stored.sptjm_at) == ("draft", None, None)
    assert status_events(assessment) == []


def test_submit_refused_when_incomplete(criteria, people, assessment):
    """The demo unit layer is half answered: no submission, even with SPTJM."""
    assert not complete(criteria, assessment, "unit")
    with pytest.raises(WorkflowError, match="Semua butir"):
        act(assessment, "submit", people["head"], criteria, sptjm=True)
    assert reload(assessment).status == "draft"
    assert reload(assessment).sptjm_by_id is None


def test_start_review(people, submitted):
    act(submitted, "start_review", people["tpi"])
    assert reload(submitted).status == "in_review"
    assert status_events(submitted)[-1] == ("submitted", "in_review", EMAILS["tpi"], "")


def test_request_revision_refused_without_flagged_item(people, in_review):
    with pytest.raises(WorkflowError, match="Tandai"):
        act(in_review, "request_revision", people["tpi"])
    assert reload(in_review).status == "in_review"


def test_request_revision(people, in_review):
    store.request_revision(in_review, people["tpi"], "P-MP-i-b", "Lampirkan SK")
    act(in_review, "request_revision", people["tpi"])
    assert reload(in_review).status == "revision"
    assert set(workflow.open_revisions(in_review)) == {"P-MP-i-b"}


def test_flagging_twice_updates_the_open_request(people, in_review):
    """A second flag on the same item edits the open request instead of adding another."""
    store.request_revision(in_review, people["tpi"], "P-MP-i-b", "Lampirkan SK")
    store.request_revision(in_review, people["tpi"], "P-MP-i-b", "Lampirkan SK yang ditandatangani")
    requests = list(RevisionRequest.select().where(RevisionRequest.assessment == in_review))
    assert [r.comment for r in requests] == ["Lampirkan SK yang ditandatangani"]


def test_resubmit_resolves_revision_requests(criteria, people, in_revision):
    flagged = Answer.get((Answer.assessment == in_revision) & (Answer.layer == "unit")
                         & (Answer.item_code == "P-MP-i-b"))
    store.save_answer(criteria, in_revision, people["head"], "unit", "P-MP-i-b", "B", "SK terlampir",
                      flagged.version)
    with pytest.raises(WorkflowError, match="SPTJM"):
        act(in_revision, "resubmit", people["head"], criteria, sptjm=False)
    assert workflow.open_revisions(in_revision)  # still open after the refused attempt

    act(in_revision, "resubmit", people["head"], criteria, sptjm=True)
    assert reload(in_revision).status == "resubmitted"
    assert workflow.open_revisions(in_revision) == {}
    request = RevisionRequest.get(RevisionRequest.assessment == in_revision)
    assert request.resolved_at is not None


def test_accept_refused_while_tpi_layer_incomplete(criteria, people, in_review):
    """TPI copied nothing yet and answered one item: the layer is incomplete, nothing is final."""
    store.save_answer(criteria, in_review, people["tpi"], "tpi", "P-MP-i-a", "Ya", "", 0)
    assert not complete(criteria, in_review, "tpi")
    with pytest.raises(WorkflowError, match="belum lengkap"):
        act(in_review, "accept", people["tpi"], criteria, layer="tpi")
    stored = reload(in_review)
    assert (stored.status, stored.accepted_by_id, stored.accepted_at) == ("in_review", None, None)


def test_accept(people, accepted):
    assert accepted.status == "accepted"
    assert accepted.accepted_by_id == people["tpi"].id and accepted.accepted_at is not None
    assert status_events(accepted)[-1] == ("in_review", "accepted", EMAILS["tpi"], "")


@pytest.mark.parametrize("role", ["tpi", "head", "member", "reviewer"])
def test_reopen_only_by_admin(people, accepted, role):
    with pytest.raises(WorkflowError, match="tidak berwenang"):
        act(accepted, "reopen", people[role], reason="Salah hitung")
    assert reload(accepted).status == "accepted"


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_reopen_needs_a_reason(people, accepted, reason):
    with pytest.raises(WorkflowError, match="Alasan"):
        act(accepted, "reopen", people["admin"], reason=reason)
    assert reload(accepted).status == "accepted"


def test_reopen_by_admin_with_reason(people, accepted):
    act(accepted, "reopen", people["admin"], reason="Salah hitung area PW")
    assert reload(accepted).status == "in_review"
    assert status_events(accepted)[-1] == ("accepted", "in_review", EMAILS["admin"], "Salah hitung area PW")


# --- forbidden moves ----------------------------------------------------------------------

@pytest.mark.parametrize("action,role,fixture", [
    ("submit", "member", "assessment"),      # only the head signs the SPTJM
    ("submit", "tpi", "assessment"),
    ("submit", "admin", "assessment"),
    ("start_review", "head", "submitted"),
    ("start_review", "reviewer", "submitted"),
    ("request_revision", "head", "in_review"),
    ("accept", "head", "in_review"),         # the unit cannot accept its own assessment
    ("accept", "admin", "in_review"),
    ("resubmit", "member", "in_revision"),
])
def test_wrong_role_refused(request, criteria, people, action, role, fixture):
    target = request.getfixturevalue(fixture)
    if fixture == "assessment":
        fill(criteria, target, "unit", people["head"])
    if action == "accept":
        fill(criteria, target, "tpi", people["tpi"])
    before = reload(target).status
    with pytest.raises(WorkflowError, match="tidak berwenang"):
        act(target, action, people[role], criteria, layer="tpi" if action == "accept" else "unit", sptjm=True)
    assert reload(target).status == before


@pytest.mark.parametrize("action,role,fixture", [
    ("start_review", "tpi", "assessment"),
    ("accept", "tpi", "assessment"),
    ("request_revision", "tpi", "submitted"),
    ("submit", "head", "in_review"),
    ("resubmit", "head", "in_review"),
    ("reopen", "admin", "in_review"),
])
def test_wrong_status_refused(request, criteria, people, action, role, fixture):
    target = request.getfixturevalue(fixture)
    before = reload(target).status
    with pytest.raises(WorkflowError, match="tidak dapat dilakukan pada status"):
        act(target, action, people[role], complete=True, sptjm=True, reason="alasan")
    assert reload(target).status == before


def test_unknown_action(people, assessment):
    with pytest.raises(WorkflowError, match="tidak dikenal"):
        act(assessment, "approve", people["admin"])


def test_available_actions_follow_role_and_status(people, assessment):
    """What the overview offers: the head submits drafts, TPI reviews, the admin reopens,
    the reviewer nothing."""
    def offered(role, status):
        assessment.status = status
        return [t.action for t in workflow.available(assessment, roles(people[role], assessment))]

    assert offered("head", "draft") == ["submit"]
    assert offered("member", "draft") == []
    assert offered("tpi", "submitted") == ["start_review"]
    assert offered("tpi", "in_review") == ["request_revision", "accept"]
    assert offered("head", "revision") == ["resubmit"]
    assert offered("admin", "accepted") == ["reopen"]
    for status in workflow.STATUS_LABELS:
        assert offered("reviewer", status) == []


# --- who may edit which layer when --------------------------------------------------------

def can(role, people, assessment, layer, code="P-MP-i-b", area="MP"):
    user = people[role]
    return workflow.can_edit(reload(assessment), roles(user, assessment), layer, code, area,
                             areas(user, assessment))


@pytest.mark.parametrize("status", ["draft", "submitted", "in_review", "revision", "resubmitted", "accepted"])
def test_tpi_never_changes_the_unit_layer(people, assessment, status):
    Assessment.update(status=status).where(Assessment.id == assessment.id).execute()
    RevisionRequest.create(assessment=assessment, item_code="P-MP-i-b", comment="x")
    assert not can("tpi", people, assessment, "unit")


def test_tpi_layer_only_by_tpi_and_only_in_review(people, assessment):
    for status in ("draft", "submitted", "revision", "resubmitted", "accepted"):
        Assessment.update(status=status).where(Assessment.id == assessment.id).execute()
        assert not can("tpi", people, assessment, "tpi"), status
    Assessment.update(status="in_review").where(Assessment.id == assessment.id).execute()
    assert can("tpi", people, assessment, "tpi")
    for role in ("head", "member", "admin", "reviewer"):
        assert not can(role, people, assessment, "tpi"), role


@pytest.mark.parametrize("status", ["submitted", "in_review", "resubmitted", "accepted"])
@pytest.mark.parametrize("role", ["head", "member"])
def test_unit_cannot_change_answers_once_submitted(people, assessment, status, role):
    """Even a flagged item is locked unless the status is revision."""
    assert can(role, people, assessment, "unit")  # draft: allowed, so the refusal below means something
    Assessment.update(status=status).where(Assessment.id == assessment.id).execute()
    RevisionRequest.create(assessment=assessment, item_code="P-MP-i-b", comment="x")
    assert not can(role, people, assessment, "unit")


def test_in_revision_only_flagged_items(people, in_revision):
    assert can("head", people, in_revision, "unit", "P-MP-i-b", "MP")         # flagged
    assert not can("head", people, in_revision, "unit", "P-MP-i-a", "MP")     # not flagged
    assert not can("head", people, in_revision, "unit", "P-SDM-i-a", "SDM")
    assert can("member", people, in_revision, "unit", "P-MP-i-b", "MP")       # flagged, in their area
    store.request_revision(in_revision, people["tpi"], "P-SDM-i-a", "Perbaiki")
    assert can("head", people, in_revision, "unit", "P-SDM-i-a", "SDM")
    assert not can("member", people, in_revision, "unit", "P-SDM-i-a", "SDM")  # flagged, not their area


def test_resolved_requests_no_longer_open_items(criteria, people, in_revision):
    """After resubmission and a new review round, the once-flagged item is locked again."""
    act(in_revision, "resubmit", people["head"], criteria, sptjm=True)
    act(in_revision, "start_review", people["tpi"])
    assert reload(in_revision).status == "in_review"
    store.request_revision(in_revision, people["tpi"], "P-MP-i-a", "Ganti bukti")
    act(in_revision, "request_revision", people["tpi"])
    assert can("head", people, in_revision, "unit", "P-MP-i-a", "MP")
    assert not can("head", people, in_revision, "unit", "P-MP-i-b", "MP")


# --- the whole cycle through the web ------------------------------------------------------

def _form(item, value) -> dict:
    if item.type == "percent":
        return {f"count_{k}": str(v) for k, v in value.items()}
    return {"value": str(value)}


def _flash(client, response) -> tuple[str, str]:
    """The newest flash message (category, text) on the page the redirect leads to; an item's save
    or revision flag is told at the item instead, as a success."""
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    found = re.findall(r'<div class="flash (\w+)" role="status">(.*?)</div>', page, re.S)
    told = re.findall(r'<span class="save-state saved"[^>]*>(.*?)</span>', page)
    found += [("success", text) for text in told]
    assert found, "no flash message"
    return found[-1]


@pytest.mark.slow  # accepting renders both final dossiers through WeasyPrint; tests above cover each step
def test_full_cycle_through_the_web(criteria, client, login, db, assessment):
    """draft → submitted → in_review → revision → resubmitted → in_review → accepted → reopened."""
    a = assessment.id
    status = lambda: Assessment.get_by_id(a).status  # noqa: E731

    # The head answers the items the demo left empty, through the form.
    login(EMAILS["head"])
    answered = store.layer_answers(assessment, "unit")
    for item in criteria.items:
        if item.code not in answered:
            r = client.post(f"/assessments/{a}/items/{item.code}",
                            data={"layer": "unit", "version": "0", **_form(item, best_answer(item))})
            assert r.status_code == 302, item.code
    assert complete(criteria, assessment, "unit")
    client.get("/")  # shows (and so clears) the "saved" messages

    r = client.post(f"/assessments/{a}/action/submit", data=LETTER)
    assert _flash(client, r)[0] == "error" and status() == "draft"      # no SPTJM
    r = client.post(f"/assessments/{a}/action/submit", data={"sptjm": "1", **LETTER})
    assert _flash(client, r)[0] == "success" and status() == "submitted"
    version = Answer.get((Answer.assessment == a) & (Answer.item_code == "P-MP-i-b")).version
    r = client.post(f"/assessments/{a}/items/P-MP-i-b",
                    data={"layer": "unit", "value": "C", "version": version})
    assert r.status_code == 403

    login(EMAILS["tpi"])
    r = client.post(f"/assessments/{a}/action/start_review")
    assert status() == "in_review"
    r = client.post(f"/assessments/{a}/action/accept")
    assert _flash(client, r)[0] == "error" and status() == "in_review"  # TPI layer empty
    r = client.post(f"/assessments/{a}/copy-unit")
    assert _flash(client, r)[0] == "success"
    assert complete(criteria, assessment, "tpi")
    r = client.post(f"/assessments/{a}/action/request_revision")
    assert _flash(client, r)[0] == "error" and status() == "in_review"  # nothing flagged
    r = client.post(f"/assessments/{a}/items/P-MP-i-b/revision", data={"comment": "Lampirkan SK"})
    assert _flash(client, r)[0] == "success"
    r = client.post(f"/assessments/{a}/action/request_revision")
    assert status() == "revision"

    login(EMAILS["head"])
    sdm = Answer.get((Answer.assessment == a) & (Answer.layer == "unit") & (Answer.item_code == "P-SDM-i-a"))
    r = client.post(f"/assessments/{a}/items/P-SDM-i-a",
                    data={"layer": "unit", "value": "Tidak", "version": sdm.version})
    assert r.status_code == 403                                          # not flagged
    r = client.post(f"/assessments/{a}/items/P-MP-i-b",
                    data={"layer": "unit", "value": "B", "note": "SK terlampir", "version": version})
    assert _flash(client, r)[0] == "success"
    r = client.post(f"/assessments/{a}/action/resubmit", data={"sptjm": "1", **LETTER})
    assert status() == "resubmitted"
    assert workflow.open_revisions(Assessment.get_by_id(a)) == {}

    login(EMAILS["tpi"])
    client.post(f"/assessments/{a}/action/start_review")
    r = client.post(f"/assessments/{a}/action/accept")
    assert _flash(client, r)[0] == "error" and status() == "in_review"  # P-MP-i-b changed since review
    r = client.post(f"/assessments/{a}/items/P-MP-i-b/tpi-confirm")
    assert _flash(client, r)[0] == "success"
    r = client.post(f"/assessments/{a}/action/accept")
    assert _flash(client, r)[0] == "success" and status() == "accepted"

    login(EMAILS["head"])
    r = client.post(f"/assessments/{a}/items/P-MP-i-b",
                    data={"layer": "unit", "value": "C", "version": version + 1})
    assert r.status_code == 403

    login(EMAILS["admin"])
    r = client.post(f"/assessments/{a}/action/reopen", data={"reason": ""})
    assert _flash(client, r)[0] == "error" and status() == "accepted"
    r = client.post(f"/assessments/{a}/action/reopen", data={"reason": "Keberatan unit diterima"})
    assert status() == "in_review"

    assert [(old, new) for old, new, *_ in status_events(assessment)] == [
        ("draft", "submitted"), ("submitted", "in_review"), ("in_review", "revision"),
        ("revision", "resubmitted"), ("resubmitted", "in_review"), ("in_review", "accepted"),
        ("accepted", "in_review"),
    ]
    page = client.get(f"/assessments/{a}/audit").get_data(as_text=True)
    assert "Keberatan unit diterima" in page
