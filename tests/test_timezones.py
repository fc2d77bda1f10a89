"""Times in the unit's time zone (WIB, WITA, WIT): the instansi's zone, a unit's own, set by the admin,
shown on pages and in dossiers; zi keeps storing UTC."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from zi import admin, formatting
from zi.demo import INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.dossier.gather import gather
from zi.dossier.render import render_html
from zi.models import Assessment, AuditEvent, Instansi, Unit

STORED = datetime(2026, 11, 29, 14, 5)  # UTC


def _instansi():
    return Instansi.get(Instansi.name == INSTANSI)


def _unit(name=PROCUREMENT):
    return Unit.get(Unit.name == name)


def test_an_instansi_starts_in_wib_and_its_units_follow_it(db):
    instansi = _instansi()
    assert instansi.timezone == "Asia/Jakarta"
    assert _unit().timezone is None
    assert formatting.zone_of(_unit()) == "Asia/Jakarta"
    assert formatting.zone_of(Assessment.get(Assessment.unit == _unit())) == "Asia/Jakarta"


def test_the_admin_sets_the_instansi_zone_and_a_units_own(db):
    instansi, unit, second = _instansi(), _unit(), _unit(SECOND_UNIT)
    admin.set_timezone(instansi, "Asia/Makassar")
    assert formatting.zone_of(Unit.get_by_id(unit.id)) == "Asia/Makassar"
    admin.set_timezone(instansi, "Asia/Jayapura", unit=unit)
    assert formatting.zone_of(Unit.get_by_id(unit.id)) == "Asia/Jayapura"
    assert formatting.zone_of(Unit.get_by_id(second.id)) == "Asia/Makassar"  # the others keep the instansi's
    admin.set_timezone(instansi, "", unit=Unit.get_by_id(unit.id))  # back to the instansi's
    assert Unit.get_by_id(unit.id).timezone is None
    changes = [(e.action, e.old, e.new) for e in
               AuditEvent.select().where(AuditEvent.action.endswith(":timezone")).order_by(AuditEvent.id)]
    assert changes == [
        ("instansi:timezone", {"timezone": "Asia/Jakarta"}, {"timezone": "Asia/Makassar"}),
        ("unit:timezone", {"timezone": None}, {"timezone": "Asia/Jayapura"}),
        ("unit:timezone", {"timezone": "Asia/Jayapura"}, {"timezone": None}),
    ]


@pytest.mark.parametrize("zone", ["Europe/Paris", "WIB", "", "Asia/Jakarta'; --"])
def test_only_indonesias_three_zones_are_accepted_for_an_instansi(db, zone):
    with pytest.raises(admin.AdminError):
        admin.set_timezone(_instansi(), zone)
    assert Instansi.get_by_id(_instansi().id).timezone == "Asia/Jakarta"


def test_admin_form_sets_a_units_zone_and_pages_show_times_there(client, login, db):
    unit = _unit()
    assessment = Assessment.get(Assessment.unit == unit)
    login("admin@contoh.go.id")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'name="timezone"' in page and "WITA — Waktu Indonesia Tengah" in page
    response = client.post("/admin/timezone", data={"timezone": "Asia/Jayapura", "unit_id": unit.id,
                                                    "instansi": unit.instansi_id})
    assert response.status_code == 302
    assert Unit.get_by_id(unit.id).timezone == "Asia/Jayapura"
    audit = client.get(f"/assessments/{assessment.id}/audit").get_data(as_text=True)
    times = re.findall(r'<td class="small">(\d{1,2} \w+ \d{4} \d\d\.\d\d (?:WIB|WITA|WIT))</td>', audit)
    assert times and all(t.endswith(" WIT") for t in times)
    assert "UTC" not in audit
    # the admin's own instansi-wide audit log shows the unit's change in the unit's zone, labelled
    admin_page = client.get("/admin/").get_data(as_text=True)
    assert "Zona waktu unit diubah" in admin_page and "zona waktu: WIT" in admin_page


def test_refused_zone_from_the_form_changes_nothing(client, login, db):
    login("admin@contoh.go.id")
    response = client.post("/admin/timezone", data={"timezone": "Mars/Olympus", "instansi": _instansi().id})
    assert response.status_code == 302
    assert "Zona waktu tidak dikenal" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert Instansi.get_by_id(_instansi().id).timezone == "Asia/Jakarta"


def test_the_dossier_shows_times_in_the_units_zone(db, criteria):
    unit = _unit()
    admin.set_timezone(_instansi(), "Asia/Makassar")
    assessment = Assessment.get(Assessment.unit == unit)
    from zi import answers
    from zi.models import Answer, User

    seen = Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == "unit")
                              & (Answer.item_code == "H-I-a"))
    answers.save_answer(criteria, assessment, User.get(User.email == "pimpinan@contoh.go.id"), "unit",
                        "H-I-a", "3,72", "", seen.version if seen else 0)
    data = gather(assessment, criteria, "internal")
    data.generated_at = STORED
    html = render_html(data)
    assert "29 November 2026 22.05 WITA" in html and " UTC" not in html
    assert "<b>3,72</b>" in html  # a survey index the Indonesian way
    english = gather(assessment, criteria, "internal", locale="en")
    english.generated_at = STORED
    english_html = render_html(english)
    assert "29 November 2026 22:05 WITA" in english_html and "<b>3.72</b>" in english_html


def test_a_page_of_no_unit_shows_the_readers_zone(app, db):
    from flask_login import login_user

    from zi.models import User

    admin.set_timezone(_instansi(), "Asia/Jayapura")
    template = app.jinja_env.from_string("{{ when|dt }}")
    with app.test_request_context("/notifications/"):
        assert template.render(when=STORED).endswith(" WIB")  # signed out: WIB
    with app.test_request_context("/notifications/"):
        login_user(User.get(User.email == "pimpinan@contoh.go.id"))
        assert template.render(when=STORED) == "29 November 2026 23.05 WIT"
