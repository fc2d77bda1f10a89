"""Every period stays reachable (the dashboard's switcher, the period links of an assessment); a unit
created mid-period gets its assessment; people are told where to go; the dashboard shows the proposal
prerequisites it promises."""

from __future__ import annotations

import re
from datetime import date

from tests.conftest import best_answer
from zi import admin
from zi.demo import DEMO_PASSWORD, INSTANSI, PROCUREMENT, SECOND_UNIT
from zi.models import Answer, Assessment, Instansi, Period, Unit, User


def demo():
    instansi = Instansi.get(Instansi.name == INSTANSI)
    return (instansi, Unit.get((Unit.instansi == instansi) & (Unit.name == PROCUREMENT)),
            Unit.get((Unit.instansi == instansi) & (Unit.name == SECOND_UNIT)))


def assessment_of(unit: Unit, year: int) -> Assessment:
    return Assessment.select().join(Period).where((Assessment.unit == unit) & (Period.year == year)).get()


def cards(page: str) -> list[str]:
    """Each unit card's heading: "<unit> · <year>"."""
    return [f"{name} · {year}" for name, year in re.findall(
        r'<h2 style="margin:0"><a href="/assessments/\d+">([^<]+)</a></h2>\s*'
        r'<div class="muted small">Periode (\d{4})', page)]


def with_2027(criteria) -> tuple:
    instansi, procurement, second = demo()
    in_review = assessment_of(procurement, 2026).id
    Assessment.update(status="in_review").where(Assessment.id == in_review).execute()
    Assessment.update(status="accepted").where(Assessment.id == assessment_of(second, 2026).id).execute()
    admin.create_period(instansi, 2027, criteria.id, date(2027, 1, 1), date(2027, 12, 31))
    return instansi, procurement, second


def test_a_2026_assessment_in_review_stays_on_the_dashboard_after_2027_opens(client, login, db, criteria):
    _, procurement, second = with_2027(criteria)
    login("tpi@contoh.go.id")
    page = client.get("/").get_data(as_text=True)
    shown = cards(page)
    assert f"{PROCUREMENT} · 2027" in shown and f"{PROCUREMENT} · 2026" in shown  # in review: kept
    assert f"{SECOND_UNIT} · 2027" in shown and f"{SECOND_UNIT} · 2026" not in shown  # accepted: by year
    assert "Periode sebelumnya, belum diterima" in page
    assert 'href="/?period=2026&amp;sort=unit"' in page and 'href="/?period=2027&amp;sort=unit"' in page

    older = client.get("/?period=2026").get_data(as_text=True)
    assert set(cards(older)) == {f"{SECOND_UNIT} · 2026", f"{PROCUREMENT} · 2026"}
    assert re.search(r'href="/\?period=2026&amp;sort=unit" class="active" aria-current="page"', older)
    newer = client.get("/?period=2027").get_data(as_text=True)
    assert set(cards(newer)) == {f"{SECOND_UNIT} · 2027", f"{PROCUREMENT} · 2027"}
    for junk in ("1999", "abcd", "2026x", "9" * 50):  # not a year of theirs: the default view
        assert set(cards(client.get(f"/?period={junk}").get_data(as_text=True))) == set(shown)


def test_the_assessment_pages_link_the_units_other_periods(client, login, db, criteria):
    login("anggota@contoh.go.id")
    only = assessment_of(demo()[1], 2026)
    assert 'class="small periods"' not in client.get(f"/assessments/{only.id}").get_data(as_text=True)
    _, procurement, second = with_2027(criteria)
    old, new = assessment_of(procurement, 2026), assessment_of(procurement, 2027)
    login("anggota@contoh.go.id")
    for url in (f"/assessments/{new.id}", f"/assessments/{new.id}/area/MP"):
        page = client.get(url).get_data(as_text=True)
        nav = re.search(r'<nav class="small periods".*?</nav>', page, re.S).group(0)
        assert f'href="/assessments/{old.id}">2026</a>' in nav and "Direviu TPI" in nav
        assert '<b aria-current="page">2027</b>' in nav
        assert f"/assessments/{assessment_of(second, 2026).id}" not in nav  # another unit's
    # the links are bounded by what the reader sees: the member's unit only
    assert client.get(f"/assessments/{assessment_of(second, 2027).id}").status_code == 404


def test_a_unit_created_mid_period_gets_its_assessment_and_its_people_see_it(client, login, db):
    instansi, _, _ = demo()
    login("admin@contoh.go.id")
    client.post("/admin/units", data={"name": "Bagian Umum", "region": "Sekretariat Daerah"})
    unit = Unit.get(Unit.name == "Bagian Umum")
    open_periods = {p.id for p in Period.select().where((Period.instansi == instansi)
                                                        & (Period.closes_on >= date.today()))}
    assert {a.period_id for a in Assessment.select().where(Assessment.unit == unit)} == open_periods
    client.post("/admin/users", data={"email": "umum@contoh.go.id", "name": "Kepala Bagian Umum",
                                      "password": DEMO_PASSWORD, "role": "head", "unit_id": str(unit.id)})
    login("umum@contoh.go.id")
    page = client.get("/").get_data(as_text=True)
    if open_periods:
        assert any(c.startswith("Bagian Umum · ") for c in cards(page))
    assert "Bagian Pengadaan" not in page


def test_a_person_whose_unit_has_no_assessment_is_told_what_to_do(client, login, db):
    instansi, _, _ = demo()
    unit = Unit.create(instansi=instansi, name="Bagian Tanpa Periode")  # as before units got assessments
    user = admin.create_user("baru@contoh.go.id", "Orang Baru", DEMO_PASSWORD, instansi=instansi)
    admin.assign_role(user, "member", instansi, unit)
    login("baru@contoh.go.id")
    page = client.get("/").get_data(as_text=True)
    assert "Unit Anda belum memiliki penilaian." in page and "Bagian Tanpa Periode" in page
    assert "Admin Inspektorat" in page and 'href="mailto:admin@contoh.go.id"' in page


def test_a_person_without_any_role_is_told_whom_to_ask(client, login, db):
    instansi, _, _ = demo()
    admin.create_user("baru@contoh.go.id", "Orang Baru", DEMO_PASSWORD, instansi=instansi)
    login("baru@contoh.go.id")
    page = client.get("/").get_data(as_text=True)
    assert "Anda belum ditugaskan pada unit mana pun." in page
    assert 'href="mailto:admin@contoh.go.id"' in page


def test_the_dashboard_shows_the_missing_proposal_prerequisites(client, login, db, criteria):
    instansi, procurement, _ = demo()
    login("pimpinan@contoh.go.id")
    page = client.get("/").get_data(as_text=True)
    assert "Prasyarat pengusulan belum terpenuhi atau belum dicatat:" in page
    assert "Indeks RB minimal CC/B (WBK) atau B/BB (WBBM)" in page  # recorded as unknown in the demo
    assert "Opini BPK atas laporan keuangan minimal WTP" not in page  # recorded as met

    assessment = assessment_of(procurement, 2026)
    head = User.get(User.email == "pimpinan@contoh.go.id")
    Answer.delete().where(Answer.assessment == assessment).execute()
    Answer.insert_many([{"assessment": assessment, "layer": "unit", "item_code": i.code,
                         "value": best_answer(i), "updated_by": head} for i in criteria.items]).execute()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r"Nilai sudah memenuhi (WBK|WBBM), tetapi prasyarat pengusulan belum terpenuhi:", page)
    for key in ("wtp", "sakip", "spip", "indeks_rb", "core_service", "audit_followup", "lhkpn",
                "zi_duration", "sakip_unit"):
        admin.set_prerequisite(instansi, key, True, unit=procurement if key not in
                               ("wtp", "sakip", "spip", "indeks_rb") else None)
    page = client.get("/").get_data(as_text=True)
    assert "prasyarat pengusulan belum" not in page


def test_an_admin_without_any_period_is_sent_to_create_one(client, login, db):
    Period.delete().execute()
    login("admin@contoh.go.id")
    page = client.get("/").get_data(as_text=True)
    assert "Belum ada periode penilaian." in page and 'href="/admin/"' in page


def test_the_period_form_offers_the_newest_criteria_version_first(client, login, db):
    login("admin@contoh.go.id")
    page = client.get("/admin/").get_data(as_text=True)
    select = re.search(r'<select name="criteria_id">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]+)</option>", select)[:2] == ["lke-2025", "lke-2021"]
