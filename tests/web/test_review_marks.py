"""The review marks in the browser's pages: carried-over answers and their confirmation, answers
changed since TPI's review and TPI's confirmation, the refusal that names the missing items, the
step before accepting, withdrawing a revision request, the differences table, superseded dossiers
and dossier file names."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

import pytest

from tests.conftest import SPTJM_LETTER, best_answer
from tests.web.support import count_queries
from zi import admin
from zi import answers as store
from zi.demo import PROCUREMENT
from zi.evidence import store_from_config
from zi.models import Answer, Assessment, AuditEvent, Dossier, Period, RevisionRequest, Unit, User, now

HEAD, MEMBER, TPI, ADMIN, REVIEWER = (f"{who}@contoh.go.id" for who in
                                      ("pimpinan", "anggota", "tpi", "admin", "reviewer"))


def procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def person(email: str) -> User:
    return User.get(User.email == email)


def answer(assessment, layer, code) -> Answer | None:
    return Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == layer)
                              & (Answer.item_code == code))


def fill(criteria, assessment, layer: str, email: str) -> None:
    with Answer._meta.database.atomic():
        for item in criteria.items:
            if answer(assessment, layer, item.code) is None:
                store.save_answer(criteria, assessment, person(email), layer, item.code, best_answer(item),
                                  "", 0)


def status(assessment) -> str:
    return Assessment.get_by_id(assessment.id).status


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def set_status(assessment, value: str) -> None:
    Assessment.update(status=value).where(Assessment.id == assessment.id).execute()


@pytest.fixture
def next_year(db, criteria):
    """2027, created with last year's answers copied (the 2026 assessment half answered, as the demo)."""
    a2026 = procurement()
    admin.create_period(a2026.unit.instansi, 2027, criteria.id, date(2027, 1, 1), date(2027, 12, 31),
                        actor=person(ADMIN), copy_previous=True)
    return (Assessment.select().join(Period)
            .where((Assessment.unit == a2026.unit) & (Period.year == 2027)).get())


def area_url(assessment, area="MP") -> str:
    return f"/assessments/{assessment.id}/area/{area}"


# --- carried over -------------------------------------------------------------------------------


def test_the_unit_team_sees_carried_answers_and_confirms_them(client, login, next_year):
    login(MEMBER)
    page = text(client.get(area_url(next_year)))
    item = page[page.index('id="item-P-MP-i-b"'):]
    item = item[:item.index("</section>")]
    assert "dari 2026, perlu dikonfirmasi" in item
    assert f'action="/assessments/{next_year.id}/items/P-MP-i-b/confirm"' in item
    assert 'name="csrf_token"' in item

    response = client.post(f"/assessments/{next_year.id}/items/P-MP-i-b/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith("/area/MP#item-P-MP-i-b")
    assert answer(next_year, "unit", "P-MP-i-b").carried_from is None
    assert AuditEvent.select().where((AuditEvent.action == "answer:confirm_carried")
                                     & (AuditEvent.item_code == "P-MP-i-b")).count() == 1
    page = text(client.get(area_url(next_year)))
    assert "Jawaban P-MP-i-b dikonfirmasi." in page
    item = page[page.index('id="item-P-MP-i-b"'):]
    assert "perlu dikonfirmasi" not in item[:item.index("</section>")]

    # Not the member's area: the mark is shown, no confirm form, and the route refuses.
    page = text(client.get(area_url(next_year, "SDM")))
    assert "dari 2026, perlu dikonfirmasi" in page and "/confirm" not in page
    assert client.post(f"/assessments/{next_year.id}/items/P-SDM-i-a/confirm").status_code == 403
    assert answer(next_year, "unit", "P-SDM-i-a").carried_from == 2026


def test_confirm_every_carried_answer_of_an_area_from_the_overview(client, login, next_year, criteria):
    login(MEMBER)
    page = text(client.get(f"/assessments/{next_year.id}"))
    assert "Jawaban dari 2026 yang perlu dikonfirmasi" in page
    assert f'action="/assessments/{next_year.id}/area/MP/confirm"' in page
    assert f'action="/assessments/{next_year.id}/area/SDM/confirm"' not in page  # not the member's
    response = client.post(f"/assessments/{next_year.id}/area/MP/confirm")
    assert response.status_code == 302
    mp = {item.code for item, where in criteria.walk_items() if where.area == "MP"}
    marks = store.item_marks(next_year)
    assert not mp & set(marks) and "P-SDM-i-a" in marks
    assert client.post(f"/assessments/{next_year.id}/area/SDM/confirm").status_code == 403
    assert client.post(f"/assessments/{next_year.id}/area/XX/confirm").status_code == 404


def test_tpi_does_not_see_carried_marks(client, login, next_year):
    login(TPI)
    assert "perlu dikonfirmasi" not in text(client.get(area_url(next_year)))


def test_submitting_lists_the_carried_and_the_missing_items_with_links(client, login, next_year, criteria):
    login(HEAD)
    response = client.post(f"/assessments/{next_year.id}/action/submit", data={"sptjm": "1", **SPTJM_LETTER})
    assert response.status_code == 422 and status(next_year) == "draft"
    page = text(response)
    refused = page[page.index('id="refused-items"'):]
    refused = refused[:refused.index("</div>")]
    assert "Semua butir harus dijawab sebelum diajukan." in refused
    missing = store.report(criteria, next_year, store.layer_answers(next_year, "unit")).unanswered
    links = re.findall(r'href="([^"]+)">([A-Z][\w-]+)</a>', refused)
    assert [code for _, code in links] == missing
    assert links[0][0] == f"/assessments/{next_year.id}/area/PW#item-{missing[0]}"

    fill(criteria, next_year, "unit", HEAD)
    response = client.post(f"/assessments/{next_year.id}/action/submit", data={"sptjm": "1", **SPTJM_LETTER})
    assert response.status_code == 422 and status(next_year) == "draft"
    page = text(response)
    assert "Jawaban yang disalin dari tahun 2026 belum dikonfirmasi atau diubah" in page
    assert f'href="/assessments/{next_year.id}/area/MP#item-P-MP-i-a">P-MP-i-a</a>' in page
    assert f'/area/PW#item-{missing[0]}"' not in page  # answered now, not carried

    for area in ("MP", "PT", "SDM", "AK"):
        assert client.post(f"/assessments/{next_year.id}/area/{area}/confirm").status_code == 302
    assert store.item_marks(next_year) == {}
    response = client.post(f"/assessments/{next_year.id}/action/submit", data={"sptjm": "1", **SPTJM_LETTER})
    assert response.status_code == 302 and status(next_year) == "submitted"


def test_the_refusal_is_in_english_too(client, login, next_year):
    login(HEAD)
    client.post("/lang/en")
    page = text(client.post(f"/assessments/{next_year.id}/action/submit",
                            data={"sptjm": "1", **SPTJM_LETTER}))
    assert "Every item must be answered before submitting." in page


# --- changed since TPI's review -------------------------------------------------------------------


@pytest.fixture
def changed(db, criteria):
    """In review again after the unit changed P-MP-i-b (flagged) since TPI's copy of the unit layer."""
    a = procurement()
    fill(criteria, a, "unit", HEAD)
    set_status(a, "in_review")
    store.copy_unit_to_tpi(a, person(TPI))
    RevisionRequest.create(assessment=a, item_code="P-MP-i-b", comment="Lampirkan SK", created_by=person(TPI))
    set_status(a, "revision")
    current = answer(a, "unit", "P-MP-i-b")
    store.save_answer(criteria, a, person(HEAD), "unit", "P-MP-i-b", "C", "SK terlampir", current.version)
    RevisionRequest.update(resolved_at=current.updated_at).execute()
    set_status(a, "in_review")
    return Assessment.get_by_id(a.id)


def test_tpi_sees_the_change_and_confirms_its_answer(client, login, changed):
    login(TPI)
    page = text(client.get(area_url(changed)))
    item = page[page.index('id="item-P-MP-i-b"'):]
    item = item[:item.index("</section>")]
    assert "berubah sejak reviu Anda" in item
    form = re.search(r'<form method="post" action="([^"]+/tpi-confirm)"[^>]*>(.*?)</form>', item, re.S)
    assert form and "Konfirmasi jawaban TPI" in form.group(2)
    version = re.search(r'name="unit_version" value="(\d+)"', form.group(2)).group(1)
    assert int(version) == answer(changed, "unit", "P-MP-i-b").version
    assert page.count("berubah sejak reviu Anda") == 1

    overview = text(client.get(f"/assessments/{changed.id}"))
    assert "Butir yang berubah sejak reviu Anda" in overview

    # Accepting is refused while the change is not looked at.
    response = client.post(f"/assessments/{changed.id}/action/accept")
    assert response.status_code == 302 and status(changed) == "in_review"
    assert "Unit mengubah 1 butir sejak TPI menjawabnya" in text(client.get(response.headers["Location"]))

    # A stale page's confirmation is refused; the page's own is recorded.
    response = client.post(form.group(1), data={"unit_version": str(int(version) - 1)})
    assert "berubah lagi" in text(client.get(response.headers["Location"]))
    assert store.marked(changed, store.CHANGED) == ["P-MP-i-b"]
    response = client.post(form.group(1), data={"unit_version": version})
    assert response.headers["Location"].endswith("#item-P-MP-i-b")
    assert store.item_marks(changed) == {}
    assert "berubah sejak reviu Anda" not in text(client.get(area_url(changed)))


def test_the_unit_does_not_see_the_changed_mark_and_may_not_confirm(client, login, changed):
    login(HEAD)
    assert "berubah sejak reviu" not in text(client.get(area_url(changed)))
    assert client.post(f"/assessments/{changed.id}/items/P-MP-i-b/tpi-confirm").status_code == 403
    login(REVIEWER)
    page = text(client.get(area_url(changed)))
    assert "berubah sejak reviu TPI" in page and "tpi-confirm" not in page


# --- accepting, one step at a time ------------------------------------------------------------------


def test_accepting_shows_what_is_still_open_first(client, login, changed, criteria):
    login(TPI)
    overview = text(client.get(f"/assessments/{changed.id}"))
    assert f'href="/assessments/{changed.id}/accept"' in overview
    assert f'action="/assessments/{changed.id}/action/accept"' not in overview

    RevisionRequest.create(assessment=changed, item_code="P-PT-i-a", comment="Data dukung kurang")
    page = text(client.get(f"/assessments/{changed.id}/accept"))
    assert "Butir yang berubah sejak reviu TPI (1)" in page
    assert f'href="/assessments/{changed.id}/area/MP#item-P-MP-i-b">P-MP-i-b</a>' in page
    assert "Permintaan revisi yang masih terbuka (1)" in page and "Data dukung kurang" in page
    assert f'action="/assessments/{changed.id}/action/accept"' not in page  # blocked

    store.confirm_review(changed, person(TPI), "P-MP-i-b")
    page = text(client.get(f"/assessments/{changed.id}/accept"))
    assert "Butir yang berubah sejak reviu TPI (0)" in page
    assert f'action="/assessments/{changed.id}/action/accept"' in page

    login(HEAD)
    assert client.get(f"/assessments/{changed.id}/accept").status_code == 403


def test_withdrawing_a_revision_request_from_the_area_page(client, login, db):
    a = procurement()
    set_status(a, "in_review")
    RevisionRequest.create(assessment=a, item_code="P-MP-i-b", comment="Kurang SK", created_by=person(TPI))
    login(TPI)
    page = text(client.get(area_url(a)))
    note = page[page.index('class="revision-note"'):]
    assert f'action="/assessments/{a.id}/items/P-MP-i-b/revision/withdraw"' in note[:note.index("</div>")]
    response = client.post(f"/assessments/{a.id}/items/P-MP-i-b/revision/withdraw")
    assert response.headers["Location"].endswith("/area/MP#item-P-MP-i-b")
    assert RevisionRequest.get(RevisionRequest.item_code == "P-MP-i-b").resolved_at is not None
    assert AuditEvent.select().where(AuditEvent.action == "revision_withdraw").count() == 1
    response = client.post(f"/assessments/{a.id}/items/P-MP-i-b/revision/withdraw")
    assert "tidak sedang diminta revisi" in text(client.get(response.headers["Location"]))
    login(HEAD)
    assert "revision/withdraw" not in text(client.get(area_url(a)))


# --- the differences table -------------------------------------------------------------------------


def test_differences_are_written_for_people(client, login, db, criteria):
    a = procurement()
    fill(criteria, a, "unit", HEAD)
    set_status(a, "in_review")
    store.copy_unit_to_tpi(a, person(TPI))
    counts = criteria.item("R-MP-i-a")
    tpi_counts = answer(a, "tpi", "R-MP-i-a")
    store.save_answer(criteria, a, person(TPI), "tpi", "R-MP-i-a", {"agents": 10, "changes": 2}, "",
                      tpi_counts.version)
    store.save_answer(criteria, a, person(TPI), "tpi", "P-MP-i-b", "C", "",
                      answer(a, "tpi", "P-MP-i-b").version)
    login(TPI)
    page = text(client.get(f"/assessments/{a.id}"))
    table = page[page.index("Perbedaan jawaban unit dan TPI"):]
    table = table[:table.index("</table>")]
    assert "{" not in table and "answer:" not in table and "none" not in table.lower().replace("none;", "")
    labels = [c.label for c in counts.counts]
    assert f"{labels[0]}: 10 · {labels[1]}: 2" in table
    unit_counts = answer(a, "unit", "R-MP-i-a").value
    assert f"{labels[0]}: {unit_counts['agents']} · {labels[1]}: {unit_counts['changes']}" in table
    assert f'href="/assessments/{a.id}/area/MP#item-P-MP-i-b">P-MP-i-b</a>' in table


# --- dossiers ------------------------------------------------------------------------------------------


def test_dossier_files_are_named_for_people_and_superseded_after_reopening(client, login, db, app):
    a = procurement()
    stored = store_from_config(app.config).put(io.BytesIO(b"%PDF-1.4 dosir"), 1024 * 1024)
    Assessment.update(status="accepted", accepted_at=now()).where(Assessment.id == a.id).execute()
    dossier = Dossier.create(assessment=a, variant="kemenpan", sha256=stored.sha256, size=stored.size)
    login(REVIEWER)
    response = client.get(f"/dossiers/{dossier.id}/file")
    assert response.status_code == 200 and response.get_data() == b"%PDF-1.4 dosir"
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=dosir-kemenpan-bagian-pengadaan-barang-dan-jasa-2026-final.pdf"
    assert "diganti" not in text(client.get(f"/assessments/{a.id}/dossiers"))

    login(ADMIN)
    response = client.post(f"/assessments/{a.id}/action/reopen", data={"reason": "Salah hitung"})
    assert response.status_code == 302
    assert status(a) == "in_review"
    page = text(client.get(f"/assessments/{a.id}/dossiers"))
    assert "diganti" in page and "bukan lagi keadaan final" in page
    response = client.get(f"/dossiers/{dossier.id}/file")
    day = dossier.created_at.strftime("%Y-%m-%d")
    assert response.headers["Content-Disposition"].endswith(f"2026-final-diganti-{day}.pdf")


# --- no N+1 ------------------------------------------------------------------------------------------


def test_the_area_page_reads_the_marks_once(client, login, next_year, db):
    """The same queries whether one item or every item carries a mark."""
    login(HEAD)
    url = area_url(next_year)
    store.confirm_carried(next_year, person(HEAD), [c for c in store.marked(next_year, store.CARRIED)
                                                    if c != "P-MP-i-a"])
    client.get(url)
    with count_queries() as one:
        assert text(client.get(url)).count("perlu dikonfirmasi") == 1
    Answer.update(carried_from=2026).where((Answer.assessment == next_year)
                                           & (Answer.layer == "unit")).execute()
    with count_queries() as many:
        page = text(client.get(url))
    assert page.count("perlu dikonfirmasi") > 10
    assert many.count == one.count and not many.repeated()


def test_a_refused_reason_is_shown_back_without_an_item_list(client, login, db):
    login(HEAD)
    response = client.post(f"/assessments/{procurement().id}/action/submit",
                           data={"sptjm": "1", "reason": "x" * 20_001})
    assert response.status_code == 422 and 'id="refused-items"' not in text(response)
