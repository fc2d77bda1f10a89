"""Forms (zi/web/forms.py): every admin and evidence POST is parsed by one; a refusal keeps what was typed and
shows the error at its field. Lists (audit log, units, people and roles) come in pages, never cut."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from zi import audit
from zi.models import Assessment, AuditEvent, EvidenceDocument, Instansi, Period, RoleAssignment, Unit, User
from zi.paging import paginate
from zi.web import forms
from zi.web.inputs import MAX_ID


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def admin_page(client) -> str:
    return client.get("/admin/").get_data(as_text=True)


def form_html(page: str, action: str) -> str:
    """The HTML of the form posting to `action`."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert match, action
    return match.group(0)


def test_a_refused_period_keeps_the_typed_values_with_the_error_at_the_field(client, login, db):
    login("admin@contoh.go.id")
    before = Period.select().count()
    response = client.post("/admin/periods", data={"year": "99999", "criteria_id": "lke-2021",
                                                   "opens_on": "2027-02-30", "closes_on": "2027-12-31",
                                                   "copy_previous": "1"})
    assert response.status_code == 302
    assert flashes(client) == [("error", "Tahun dan tanggal periode wajib diisi dengan benar.")]
    form = form_html(admin_page(client), "/admin/periods")
    assert re.search(r'name="year"[^>]*value="99999"', form)
    assert re.search(r'name="year"[^>]*>\s*'
                     r'<span class="field-error">Tahun harus antara 1900 dan 9999.</span>', form)
    assert re.search(r'name="opens_on"[^>]*value="2027-02-30"[^>]*>\s*'
                     r'<span class="field-error">Tanggal tidak sah \(TTTT-BB-HH\).</span>', form)
    assert re.search(r'name="closes_on"[^>]*value="2027-12-31"', form)
    assert re.search(r'<input checked[^>]*name="copy_previous"', form)
    assert form.count("field-error") == 2
    assert Period.select().count() == before
    # shown once: the next visit has a blank form
    again = form_html(admin_page(client), "/admin/periods")
    assert "field-error" not in again and "99999" not in again


def test_an_unknown_criteria_version_is_shown_at_its_field(client, login, db):
    login("admin@contoh.go.id")
    client.post("/admin/periods", data={"year": "2031", "criteria_id": "lke-1999", "opens_on": "2031-01-01",
                                        "closes_on": "2031-12-31"})
    assert flashes(client) == [("error", "Versi kriteria tidak dikenal.")]
    form = form_html(admin_page(client), "/admin/periods")
    assert '<span class="field-error">Versi kriteria tidak dikenal.</span>' in form
    assert re.search(r'name="year"[^>]*value="2031"', form)


def test_a_period_that_parses_is_created_with_typed_values(client, login, db):
    login("admin@contoh.go.id")
    client.post("/admin/periods", data={"year": " 2031 ", "criteria_id": "lke-2021", "opens_on": "2031-01-01",
                                        "closes_on": "2031-12-31"})
    assert flashes(client) == [("success", "Periode dibuat beserta penilaian setiap unit.")]
    period = Period.get(Period.year == 2031)
    assert (str(period.opens_on), str(period.closes_on), period.criteria_id) == ("2031-01-01", "2031-12-31",
                                                                                 "lke-2021")


def test_an_overlong_unit_name_is_shown_at_the_field_cut_to_what_the_field_holds(client, login, db):
    login("admin@contoh.go.id")
    before = Unit.select().count()
    client.post("/admin/units", data={"name": "Bagian " + "U" * 300, "region": "Kota Contoh"})
    assert flashes(client) == [("error", "Nama unit terlalu panjang (307 karakter; paling banyak 255).")]
    form = form_html(admin_page(client), "/admin/units")
    too_long = "Nama unit terlalu panjang (307 karakter; paling banyak 255)."
    assert f'<span class="field-error">{too_long}</span>' in form
    assert 'value="Bagian ' + "U" * (forms.KEPT_CHARS - 7) + '"' in form
    assert re.search(r'name="region"[^>]*value="Kota Contoh"', form)
    assert Unit.select().count() == before


def test_a_domain_refusal_keeps_the_values_but_never_the_password(client, login, db):
    login("admin@contoh.go.id")
    procurement = Unit.get(Unit.name.contains("Pengadaan"))
    client.post("/admin/users", data={"name": "Budi Santoso", "email": "budi@contoh.go.id",
                                      "password": "pendek", "role": "member", "unit_id": str(procurement.id)})
    assert flashes(client) == [("error", "Kata sandi minimal 10 karakter.")]
    with client.session_transaction() as session:
        assert "pendek" not in repr(dict(session))
    form = form_html(admin_page(client), "/admin/users")
    assert '<p class="field-error" role="alert">Kata sandi minimal 10 karakter.</p>' in form
    assert re.search(r'name="name"[^>]*value="Budi Santoso"', form)
    assert re.search(r'name="email"[^>]*value="budi@contoh.go.id"', form)
    assert '<option value="member" selected>' in form
    assert f'<option value="{procurement.id}" selected>' in form
    assert "pendek" not in form
    assert not User.select().where(User.email == "budi@contoh.go.id").exists()


def test_the_role_form_keeps_the_checked_areas(client, login, db):
    login("admin@contoh.go.id")
    client.post("/admin/roles", data=MultiDict([("email", "tidak-ada@contoh.go.id"), ("role", "member"),
                                                ("areas", "MP"), ("areas", "SDM")]))
    assert flashes(client)[0][0] == "error"
    form = form_html(admin_page(client), "/admin/roles")
    assert re.search(r'value="MP" checked', form) and re.search(r'value="SDM" checked', form)
    assert not re.search(r'value="PT" checked', form)
    assert re.search(r'name="email"[^>]*value="tidak-ada@contoh.go.id"', form)


def test_field_errors_follow_the_reader_language(client, login, db):
    login("admin@contoh.go.id")
    client.post("/lang/en")
    client.post("/admin/periods", data={"year": "dua ribu", "criteria_id": "lke-2021",
                                        "opens_on": "2031-01-01", "closes_on": "2031-12-31"})
    form = form_html(admin_page(client), "/admin/periods")
    assert '<span class="field-error">The year must be a whole number.</span>' in form
    assert re.search(r'name="year"[^>]*value="dua ribu"', form)


def test_ids_are_parsed_once_for_every_form():
    def parsed(value):
        return forms.UnitForm(MultiDict({"name": "U", "parent_id": value})).parent_id.data

    assert parsed("") is None and parsed("  ") is None
    assert parsed("12") == 12 and parsed(" 12 ") == 12
    for bad in ("abc", "-1", "1.5", "١٢", str(MAX_ID + 1), str(2**70), "0x10"):
        assert parsed(bad) == 0, bad
    assert parsed(str(MAX_ID)) == MAX_ID


def test_a_prerequisite_with_a_unit_of_another_instansi_is_not_found(client, login, db):
    login("admin@contoh.go.id")
    other = Instansi.create(name="Pemerintah Kota Lain", kind="pemda")
    foreign = Unit.create(instansi=other, name="Bagian Lain")
    response = client.post("/admin/prerequisites",
                           data={"key": "wtp", "met": "yes", "unit_id": str(foreign.id)})
    assert response.status_code == 404


def test_evidence_forms_refuse_what_does_not_parse(client, login, db):
    login("pimpinan@contoh.go.id")
    assessment = Assessment.select().join(Unit).where(Unit.name.contains("Pengadaan")).get()
    url = f"/assessments/{assessment.id}/evidence/link-url"
    json = {"Accept": "application/json"}
    before = EvidenceDocument.select().count()
    response = client.post(url, headers=json, data={"url": "https://contoh.go.id/sk", "title": "SK",
                                                    "document_date": "2026-02-30", "items": "P-MP-i-a"})
    assert response.status_code == 422 and response.get_json()["message"] == "Tanggal dokumen tidak sah."
    response = client.post(url, headers=json, data={"url": "https://contoh.go.id/sk", "title": "T" * 256,
                                                    "items": "P-MP-i-a"})
    assert response.get_json()["message"] == "Judul: teks terlalu panjang (256 karakter; paling banyak 255)."
    assert EvidenceDocument.select().count() == before
    response = client.post(url, headers=json, data={"url": "https://contoh.go.id/sk", "title": " SK Tim ",
                                                    "document_date": "2026-01-05", "items": "P-MP-i-a"})
    assert response.status_code == 200, response.get_json()
    document = EvidenceDocument.select().order_by(EvidenceDocument.id.desc()).get()
    assert (document.title, str(document.document_date)) == ("SK Tim", "2026-01-05")
    # link an existing document: an id that is not a number finds nothing
    response = client.post(f"/assessments/{assessment.id}/evidence/link", headers=json,
                           data={"item": "P-MP-i-b", "document_id": "satu"})
    assert response.status_code == 404
    response = client.post(f"/assessments/{assessment.id}/evidence/link", headers=json,
                           data={"item": "P-MP-i-b", "document_id": str(document.id)})
    assert response.status_code == 200, response.get_json()


# --- pages ----------------------------------------------------------------------------------------------

def test_paginate_counts_everything_and_keeps_within_the_pages(db):
    query = AuditEvent.select().order_by(AuditEvent.id)
    total = query.count()
    page = paginate(query, 1, 3)
    assert (page.total, page.number, len(page.rows), page.first_row, page.last_row) == (total, 1, 3, 1, 3)
    last = paginate(query, 10_000, 3)
    assert last.number == last.pages == -(-total // 3) and not last.has_next and last.has_previous
    assert last.last_row == total
    assert [e.id for n in range(1, last.pages + 1) for e in paginate(query, n, 3).rows] == \
        [e.id for e in query]
    empty = paginate(AuditEvent.select().where(AuditEvent.id < 0), 2, 3)
    assert (empty.number, empty.pages, empty.rows, empty.first_row) == (1, 1, [], 0)


def test_the_audit_log_of_an_assessment_comes_in_pages_not_cut(client, login, db):
    login("pimpinan@contoh.go.id")
    assessment = Assessment.select().join(Unit).where(Unit.name.contains("Pengadaan")).get()
    for n in range(230):
        audit.record(f"uji:{n:03d}", None, assessment=assessment, item_code="P-PT-i-a")
    total = AuditEvent.select().where(AuditEvent.assessment == assessment).count()
    of_item = AuditEvent.select().where((AuditEvent.assessment == assessment)
                                        & (AuditEvent.item_code == "P-PT-i-a")).count()
    assert 230 <= of_item <= 300
    url = f"/assessments/{assessment.id}/audit"
    seen = []
    for number in (1, 2, 3):
        page = client.get(f"{url}?item=P-PT-i-a&page={number}").get_data(as_text=True)
        seen += re.findall(r"uji:(\d{3})", page)
        if number < 3:
            assert f'href="{url}?item=P-PT-i-a&amp;page={number + 1}"' in page
    assert sorted(seen) == [f"{n:03d}" for n in range(230)]  # every event once, none cut
    first = client.get(f"{url}?item=P-PT-i-a").get_data(as_text=True)
    assert f"1–100 dari {of_item}" in first and "halaman 1 dari 3" in first
    everything = client.get(url).get_data(as_text=True)
    assert f"dari {total}" in everything
    past = client.get(f"{url}?item=P-PT-i-a&page=99").get_data(as_text=True)
    assert f"201–{of_item} dari {of_item}" in past
    assert f"1–100 dari {of_item}" in client.get(f"{url}?item=P-PT-i-a&page=x").get_data(as_text=True)


def test_admin_lists_come_in_pages_keeping_the_other_parameters(client, login, db):
    login("admin@contoh.go.id")
    instansi = Instansi.get(Instansi.name.contains("Contoh"))
    for n in range(60):
        Unit.create(instansi=instansi, name=f"Unit Uji {n:02d}")
    units = Unit.select().where(Unit.instansi == instansi).count()
    page = admin_page(client)
    assert f"1–50 dari {units}" in page
    assert f'href="/admin/?instansi={instansi.id}&amp;units_page=2"' not in page  # no instansi in the URL yet
    assert 'href="/admin/?units_page=2"' in page
    second = client.get(f"/admin/?instansi={instansi.id}&units_page=2&audit_page=1").get_data(as_text=True)
    assert f"51–{units} dari {units}" in second
    assert f'href="/admin/?instansi={instansi.id}&amp;units_page=1&amp;audit_page=1"' in second
    # the unit choices of the forms still offer every unit
    assert all(f">Unit Uji {n:02d}</option>" in second for n in range(60))
    roles = RoleAssignment.select().where(RoleAssignment.instansi == instansi).count()
    assert f"1–{roles} dari {roles}" in page
    events = AuditEvent.select().where(AuditEvent.instansi == instansi).count()
    assert f"1–{min(events, 50)} dari {events}" in page


def test_what_is_kept_stays_small_enough_for_the_session_cookie(client, login, db):
    login("admin@contoh.go.id")
    data = MultiDict([("email", "x" * 5000), ("role", "r" * 5000)] + [("areas", "a" * 300)] * 40)
    response = client.post("/admin/roles", data=data)
    assert response.status_code == 302
    assert len(response.headers["Set-Cookie"]) < 4000
    page = admin_page(client)
    assert 'value="' + "x" * forms.KEPT_CHARS + '"' in page
