"""TPI's recommendation per change area: written by the unit's TPI while reviewing (never by the unit's
own people, nor by anyone of another instansi), audited, Markdown shown safely, read-only for the unit."""

from __future__ import annotations

import pytest

from zi import admin as ops
from zi.demo import DEMO_PASSWORD, PROCUREMENT
from zi.models import AreaRecommendation, Assessment, AuditEvent, RoleAssignment, Unit, User
from zi.text import NOTE_MAX_CHARS

TPI, HEAD, MEMBER, ADMIN, REVIEWER = ("tpi@contoh.go.id", "pimpinan@contoh.go.id", "anggota@contoh.go.id",
                                      "admin@contoh.go.id", "reviewer@contoh.go.id")


def procurement(status: str = "in_review") -> Assessment:
    found = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    Assessment.update(status=status).where(Assessment.id == found.id).execute()
    return Assessment.get_by_id(found.id)


def post(client, assessment, text: str, area: str = "MP"):
    return client.post(f"/assessments/{assessment.id}/area/{area}/recommendation",
                       data={"recommendation": text})


def stored(assessment) -> dict[str, str]:
    return {r.area_code: r.text for r in
            AreaRecommendation.select().where(AreaRecommendation.assessment == assessment)}


def test_tpi_writes_an_audited_recommendation_the_unit_reads_but_cannot_change(client, login, db):
    a = procurement()
    login(TPI)
    page = client.get(f"/assessments/{a.id}/area/MP").get_data(as_text=True)
    assert 'name="recommendation"' in page and 'name="csrf_token"' in page
    response = post(client, a, "Perkuat **agen perubahan**.\n\n<script>alert(1)</script>")
    assert response.status_code == 302 and response.headers["Location"].endswith("/area/MP#recommendation")
    assert stored(a) == {"MP": "Perkuat **agen perubahan**.\n\n<script>alert(1)</script>"}
    event = AuditEvent.select().where(AuditEvent.action == "recommendation").get()
    assert event.user.email == TPI and event.assessment_id == a.id
    assert event.new["areas"] == "MP" and event.old is None

    login(HEAD)
    page = client.get(f"/assessments/{a.id}/area/MP").get_data(as_text=True)
    assert "<strong>agen perubahan</strong>" in page  # Markdown rendered…
    assert "<script>alert(1)</script>" not in page  # …safely
    assert 'name="recommendation"' not in page  # read-only for the unit
    other_area = client.get(f"/assessments/{a.id}/area/PT").get_data(as_text=True)
    assert "Rekomendasi TPI untuk area ini" not in other_area  # none written for that area


def test_changing_and_emptying_a_recommendation(client, login, db):
    a = procurement()
    login(TPI)
    post(client, a, "Satu")
    post(client, a, "Dua")
    assert stored(a) == {"MP": "Dua"}
    post(client, a, "Dua")  # unchanged: no new audit row
    assert post(client, a, "   ").status_code == 302
    assert stored(a) == {}
    events = list(AuditEvent.select().where(AuditEvent.action == "recommendation").order_by(AuditEvent.id))
    assert [(e.old and e.old["note"], e.new and e.new["note"]) for e in events] == [
        (None, "Satu"), ("Satu", "Dua"), ("Dua", None)]


@pytest.mark.parametrize("who", [HEAD, MEMBER, ADMIN, REVIEWER])
def test_nobody_but_tpi_may_write_one(client, login, db, who):
    a = procurement()
    login(who)
    assert post(client, a, "Saran").status_code == 403
    page = client.get(f"/assessments/{a.id}/area/MP").get_data(as_text=True)
    assert 'name="recommendation"' not in page
    assert stored(a) == {}


def test_tpi_of_another_instansi_does_not_see_the_assessment(client, login, db):
    a = procurement()
    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    unit = ops.create_unit(other, "Dinas Lain")
    stranger = ops.create_user("tpi@lain.go.id", "TPI Kota Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "tpi", other, unit)
    login("tpi@lain.go.id")
    assert post(client, a, "Saran").status_code == 404
    assert stored(a) == {}


def test_a_unit_member_who_is_also_named_tpi_may_not(client, login, db):
    """Separation of duties: the unit's own head keeps no TPI power on the unit (zi.access)."""
    a = procurement()
    head = User.get(User.email == HEAD)
    instansi = a.unit.instansi
    RoleAssignment.create(user=head, role="tpi", instansi=instansi, unit=a.unit)  # a row from before the rule
    login(HEAD)
    assert post(client, a, "Saran").status_code == 403


@pytest.mark.parametrize("status", ["draft", "submitted", "accepted"])
def test_tpi_writes_only_while_reviewing(client, login, db, status):
    a = procurement(status)
    login(TPI)
    assert post(client, a, "Saran").status_code == 403
    assert stored(a) == {}


def test_too_long_is_refused_at_the_field_with_the_text_kept(client, login, db):
    a = procurement()
    login(TPI)
    text = "x" * (NOTE_MAX_CHARS + 1)
    response = post(client, a, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="err-recommendation"' in page and "Rekomendasi tidak disimpan" in page
    assert 'aria-invalid="true" aria-describedby="err-recommendation"' in page
    assert text in page
    assert stored(a) == {}


@pytest.mark.parametrize("area", ["hasil", "XX"])
def test_an_unknown_area_or_hasil_is_404(client, login, db, area):
    a = procurement()
    login(TPI)
    assert post(client, a, "Saran", area).status_code == 404


def test_concurrent_saves_never_fail_and_the_audit_chain_holds(app, db):
    """TPI's recommendation saved, emptied and saved again from several browsers at once, through
    the real server: no 500 (the first creation races on the unique index), one row at most, and
    every audit row's old text is the text the row held just before."""
    from tests.web.support import post_in_parallel

    a = procurement()
    threads = 8
    statuses = post_in_parallel(
        app, db, TPI, f"/assessments/{a.id}/area/MP/recommendation",
        lambda n: ({"recommendation": f"Saran {n}"}, {"recommendation": ""},
                   {"recommendation": f"Saran {n} lagi"}), threads)
    assert statuses == [302] * (threads * 3), statuses
    rows = AreaRecommendation.select().where((AreaRecommendation.assessment == a)
                                             & (AreaRecommendation.area_code == "MP"))
    assert rows.count() <= 1
    events = list(AuditEvent.select().where(AuditEvent.action == "recommendation").order_by(AuditEvent.id))
    assert events
    held = None
    for event in events:
        assert (event.old or {}).get("note") == held
        held = (event.new or {}).get("note")
    assert stored(a).get("MP") == held
