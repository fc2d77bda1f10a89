"""Storing answers safely: no silent overwrite, everything audited, notes harmless on the page."""

from __future__ import annotations

import html
import re

import pytest

from zi import answers as store
from zi import workflow
from zi.access import Access
from zi.demo import INSTANSI, PROCUREMENT
from zi.models import Answer, Assessment, AuditEvent, Instansi, RoleAssignment, Unit, User


@pytest.fixture
def people(db):
    return {e.split("@")[0]: User.get(User.email == e) for e in
            ("admin@contoh.go.id", "pimpinan@contoh.go.id", "anggota@contoh.go.id", "tpi@contoh.go.id",
             "reviewer@contoh.go.id")}


@pytest.fixture
def assessment(db):
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def answer(assessment, code, layer="unit") -> Answer | None:
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == layer)
                              & (Answer.item_code == code))


def events(action=None, **where) -> list[AuditEvent]:
    query = AuditEvent.select().order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    for field, value in where.items():
        query = query.where(getattr(AuditEvent, field) == value)
    return list(query)


# --- stale edits --------------------------------------------------------------------------

def test_second_save_from_same_version_is_refused(criteria, people, assessment):
    """Head and member both opened the page at version v; the member's later save must not win."""
    seen = answer(assessment, "P-MP-i-b")
    assert seen.value == "A"
    store.save_answer(criteria, assessment, people["pimpinan"], "unit", "P-MP-i-b", "B", "dari pimpinan",
                      seen.version)
    audit_rows = len(events())
    with pytest.raises(store.StaleEdit) as caught:
        store.save_answer(criteria, assessment, people["anggota"], "unit", "P-MP-i-b", "C", "dari anggota",
                          seen.version)
    newer = caught.value.current
    assert (newer.value, newer.note, newer.version) == ("B", "dari pimpinan", seen.version + 1)
    assert newer.updated_by_id == people["pimpinan"].id
    stored = answer(assessment, "P-MP-i-b")
    assert (stored.value, stored.note, stored.version) == ("B", "dari pimpinan", seen.version + 1)
    assert len(events()) == audit_rows  # the refused save left no trace but the refusal


def test_two_first_answers_race(criteria, people, assessment):
    """Both saw the item unanswered (version 0): the first creates it, the second is stale."""
    code = "P-PW-i-a"
    assert answer(assessment, code) is None
    store.save_answer(criteria, assessment, people["pimpinan"], "unit", code, "A", "", 0)
    with pytest.raises(store.StaleEdit) as caught:
        store.save_answer(criteria, assessment, people["anggota"], "unit", code, "B", "", 0)
    assert caught.value.current.value == "A"
    assert answer(assessment, code).value == "A"
    assert answer(assessment, code).version == 1


def test_expected_version_for_a_missing_answer_is_stale(criteria, people, assessment):
    """A form that claims version 3 of an answer that does not exist (deleted, other layer) is stale."""
    with pytest.raises(store.StaleEdit) as caught:
        store.save_answer(criteria, assessment, people["tpi"], "tpi", "P-MP-i-a", "Ya", "", 3)
    assert caught.value.current.value is None
    assert answer(assessment, "P-MP-i-a", "tpi") is None


def test_unchanged_save_is_a_no_op(criteria, people, assessment):
    """Saving what is already stored writes nothing: no new version, no audit row."""
    seen = answer(assessment, "P-MP-i-b")
    audit_rows = len(events())
    store.save_answer(criteria, assessment, people["pimpinan"], "unit", "P-MP-i-b", seen.value, seen.note,
                      seen.version)
    assert answer(assessment, "P-MP-i-b").version == seen.version
    assert len(events()) == audit_rows


def test_stale_edit_through_the_web(client, login, db, assessment):
    """The second form is refused with a message naming who changed it and the newer answer."""
    seen = answer(assessment, "P-MP-i-b")
    url = f"/assessments/{assessment.id}/items/P-MP-i-b"

    login("pimpinan@contoh.go.id")
    r = client.post(url, data={"layer": "unit", "value": "B", "note": "versi pimpinan",
                               "version": seen.version})
    assert r.status_code == 302
    client.get(r.headers["Location"])  # consume the success message

    login("anggota@contoh.go.id")
    r = client.post(url, data={"layer": "unit", "value": "C", "note": "versi anggota",
                               "version": seen.version})
    assert r.status_code == 409  # told at the item, what was typed kept (tests/web/test_answer_forms.py)
    errors = re.findall(r'<p class="field-error" id="err-value-unit-P-MP-i-b" role="alert" '
                        r'data-error="value">(.*?)</p>', r.get_data(as_text=True), re.S)
    assert len(errors) == 1, errors
    assert "Jawaban terbaru: B" in errors[0]
    assert "Kepala Bagian Pengadaan" in errors[0]  # who saved in between

    stored = answer(assessment, "P-MP-i-b")
    assert (stored.value, stored.note, stored.version) == ("B", "versi pimpinan", seen.version + 1)
    assert stored.updated_by.email == "pimpinan@contoh.go.id"


# --- the audit log ------------------------------------------------------------------------

def test_answer_changes_are_audited_with_old_and_new(criteria, people, assessment):
    seen = answer(assessment, "P-MP-i-b")
    store.save_answer(criteria, assessment, people["anggota"], "unit", "P-MP-i-b", "C", "bukti baru",
                      seen.version)
    row = events("answer:unit", item_code="P-MP-i-b")[-1]
    assert row.old == {"value": "A", "note": seen.note}
    assert row.new == {"value": "C", "note": "bukti baru"}
    assert (row.user_id, row.assessment_id, row.unit_id) == (people["anggota"].id, assessment.id,
                                                             assessment.unit_id)
    assert row.instansi_id == assessment.unit.instansi_id

    store.save_answer(criteria, assessment, people["pimpinan"], "unit", "P-PW-i-a", "B", "", 0)
    first = events("answer:unit", item_code="P-PW-i-a")
    assert [(r.old, r.new) for r in first] == [(None, {"value": "B", "note": ""})]


def test_tpi_layer_is_audited_separately(criteria, people, assessment):
    Assessment.update(status="in_review").where(Assessment.id == assessment.id).execute()
    store.save_answer(criteria, assessment, people["tpi"], "tpi", "P-MP-i-b", "B", "", 0)
    assert [r.new["value"] for r in events("answer:tpi", item_code="P-MP-i-b")] == ["B"]
    assert all(r.new["value"] != "B" for r in events("answer:unit", item_code="P-MP-i-b"))


def test_status_changes_are_audited(people, assessment):
    assessment.status = "in_review"
    assessment.save()
    workflow.transition(assessment, "accept", people["tpi"], Access(people["tpi"]).roles(assessment.unit))
    workflow.transition(assessment, "reopen", people["admin"], Access(people["admin"]).roles(assessment.unit),
                        reason="Keberatan unit")
    rows = events("status", assessment=assessment.id)
    assert [(r.old, r.new, r.user_id, r.reason) for r in rows] == [
        ("in_review", "accepted", people["tpi"].id, ""),
        ("accepted", "in_review", people["admin"].id, "Keberatan unit"),
    ]


def test_role_and_unit_changes_through_admin_pages_are_audited(client, login, db, people):
    """Admin actions record the admin as actor, the instansi, and what was given or taken away."""
    demo = Instansi.get(Instansi.name == INSTANSI)
    procurement = Unit.get(Unit.name == PROCUREMENT)
    login("admin@contoh.go.id")

    client.post("/admin/units", data={"name": "Bagian Umum", "region": "Sekretariat Daerah",
                                      "parent_id": procurement.id})
    unit_row = events("unit:create")[-1]
    new_unit = Unit.get(Unit.name == "Bagian Umum")
    assert unit_row.user_id == people["admin"].id
    assert (unit_row.unit_id, unit_row.instansi_id) == (new_unit.id, demo.id)
    assert unit_row.old is None
    assert unit_row.new == {"name": "Bagian Umum", "parent": procurement.id, "region": "Sekretariat Daerah"}

    client.post("/admin/roles", data={"email": "reviewer@contoh.go.id", "role": "member",
                                      "unit_id": new_unit.id, "areas": ["PW", "PP"]})
    assign_row = events("role:assign")[-1]
    assert assign_row.user_id == people["admin"].id and assign_row.unit_id == new_unit.id
    assert assign_row.new == {"user": "reviewer@contoh.go.id", "role": "member", "areas": "PW,PP"}

    member_role = RoleAssignment.get((RoleAssignment.user == people["anggota"])
                                     & (RoleAssignment.role == "member"))
    client.post(f"/admin/roles/{member_role.id}/delete")
    remove_row = events("role:remove")[-1]
    assert remove_row.user_id == people["admin"].id
    assert remove_row.old == {"user": "anggota@contoh.go.id", "role": "member", "areas": "MP,PT"}
    assert remove_row.new is None
    assert RoleAssignment.get_or_none(RoleAssignment.id == member_role.id) is None


def test_admin_audit_log_shows_what_was_removed(client, login, db, people):
    """An admin reading the instansi log must see whose role was revoked, not an empty cell."""
    member_role = RoleAssignment.get((RoleAssignment.user == people["anggota"])
                                     & (RoleAssignment.role == "member"))
    login("admin@contoh.go.id")
    client.post(f"/admin/roles/{member_role.id}/delete")
    page = client.get("/admin/").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "Peran dicabut" in r)
    assert "anggota@contoh.go.id" in html.unescape(row)


def test_audit_page_shows_old_and_new_answer(criteria, client, login, db, people, assessment):
    seen = answer(assessment, "P-MP-i-b")
    store.save_answer(criteria, assessment, people["pimpinan"], "unit", "P-MP-i-b", "C", "catatan-baru-xyz",
                      seen.version)
    login("reviewer@contoh.go.id")
    response = client.get(f"/assessments/{assessment.id}/audit?item=P-MP-i-b")
    page = html.unescape(response.get_data(as_text=True))
    assert "catatan-baru-xyz" in page
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "catatan-baru-xyz" in r)
    cells = [re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert any(re.search(r"\bA\b", c) for c in cells) and any(re.search(r"\bC\b", c) for c in cells)
    assert "{'" not in page and "'value'" not in page  # values for people, not Python dicts


def test_audit_events_cannot_be_updated(db):
    """Append-only: saving an existing row raises, and the stored row stays as it was."""
    row = AuditEvent.select().order_by(AuditEvent.id).first()
    original = (row.action, row.new, row.reason)
    row.reason = "rewritten history"
    row.new = {"forged": True}
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.save(only=[AuditEvent.reason])
    again = AuditEvent.get_by_id(row.id)
    assert (again.action, again.new, again.reason) == original


def test_new_audit_events_can_still_be_written(db, people):
    """The guard must not block inserts (a row without id)."""
    before = AuditEvent.select().count()
    AuditEvent(action="test", user=people["admin"], new={"x": 1}).save()
    assert AuditEvent.select().count() == before + 1


# --- Markdown notes -----------------------------------------------------------------------

HOSTILE_NOTE = (
    "Bukti **lengkap** di arsip.\n\n"
    "<script>alert('xss')</script>\n\n"
    "<img src=http://evil.example/track.png onerror=alert(1)>\n\n"
    "[unduh](javascript:alert(2)) <a href=\"https://contoh.go.id/sk\" onclick=\"steal()\">SK</a>"
)


def _item_section(page: str, code: str) -> str:
    start = page.index(f'id="item-{code}"')
    end = page.find('<section class="item', start)
    return page[start:end if end != -1 else len(page)]


@pytest.fixture
def hostile(criteria, people, assessment):
    seen = answer(assessment, "P-MP-i-b")
    store.save_answer(criteria, assessment, people["pimpinan"], "unit", "P-MP-i-b", "A", HOSTILE_NOTE,
                      seen.version)
    return assessment


def test_note_rendered_as_markdown_without_active_content(client, login, hostile):
    """Read-only view (reviewer): the note's Markdown is rendered, script/img/handlers/js links are gone."""
    login("reviewer@contoh.go.id")
    page = client.get(f"/assessments/{hostile.id}/area/MP").get_data(as_text=True)
    section = _item_section(page, "P-MP-i-b")
    assert "<strong>lengkap</strong>" in section  # the note is shown, as Markdown
    assert 'href="https://contoh.go.id/sk"' in section
    assert re.findall(r"<script[^>]*>", page.lower()) == ['<script src="/static/answers.js">']  # its own
    assert "<img" not in page.lower()
    assert "onerror" not in section and "onclick" not in section
    assert "javascript:" not in section


def test_note_in_the_edit_form_is_escaped(client, login, hostile):
    """Editable view (head, draft): the raw note sits escaped in the textarea, never as markup."""
    login("pimpinan@contoh.go.id")
    page = client.get(f"/assessments/{hostile.id}/area/MP").get_data(as_text=True)
    section = _item_section(page, "P-MP-i-b")
    assert "&lt;script&gt;alert(" in section
    assert re.findall(r"<script[^>]*>", page.lower()) == ['<script src="/static/answers.js">']  # its own
    assert "<img" not in page.lower()


def test_revision_comment_is_sanitised(client, login, db, people, assessment):
    """TPI's revision comment is Markdown too and shown to the unit on the area page."""
    Assessment.update(status="in_review").where(Assessment.id == assessment.id).execute()
    store.request_revision(assessment, people["tpi"], "P-MP-i-b",
                           "Perlu *SK* <script>alert(3)</script><img src=http://evil.example/x.png>")
    login("pimpinan@contoh.go.id")
    page = client.get(f"/assessments/{assessment.id}/area/MP").get_data(as_text=True)
    section = _item_section(page, "P-MP-i-b")
    assert "<em>SK</em>" in section
    assert re.findall(r"<script[^>]*>", page.lower()) == ['<script src="/static/answers.js">']  # its own
    assert "<img" not in page.lower() and "evil.example" not in page
