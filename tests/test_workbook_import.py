"""Importing a filled LKE workbook (its reading) into an assessment: preview, one transaction, rights.

The readings are real WorkbookReading values (what zi.lke_workbook.reader produces), built here so the
service is tested apart from parsing; the end-to-end tests through .xlsx files are in
tests/web/test_workbook_import.py, tests/cli/test_lke_import.py and tests/lke_workbook/test_round_trip.py."""

from __future__ import annotations

import pytest
from peewee import DatabaseError, SqliteDatabase

from tests.conftest import FULL_COUNTS
from zi import answers as store
from zi import workbook_import as wi
from zi.demo import PROCUREMENT
from zi.lke_workbook.reading import Departure, DepartureKind, EvidenceLine, WorkbookReading
from zi.models import Answer, Assessment, AuditEvent, EvidenceDocument, EvidenceLink, Unit, User
from zi.text import N_


def _procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def _user(name: str) -> User:
    return User.get(User.email == f"{name}@contoh.go.id")


def reading(layer: str = "unit", criteria_id: str = "lke-2021", **fields) -> WorkbookReading:
    """A reading of a unit workbook: P-MP-i-a changed to Tidak, P-PP-i-a answered (it was not),
    a % item's counts, a note, a data dukung line with a URL and one without, two departures."""
    values = {
        "answers": {"P-MP-i-a": "tidak", "P-PP-i-a": "b", "R-PW-iii-a": dict(FULL_COUNTS["R-PW-iii-a"]),
                    "H-I-a": "3,5"},
        "notes": {"P-PP-i-a": "Dari LKE tahun lalu"},
        "evidence": {"P-PP-i-a": [EvidenceLine("SK Pembangunan ZI — https://jdih.contoh.go.id/sk-12",
                                               "https://jdih.contoh.go.id/sk-12"),
                                  EvidenceLine("arsip di lemari B")]},
        "rows": {"P-MP-i-a": 9, "P-PP-i-a": 120, "R-PW-iii-a": 180, "H-I-a": 230},
        "departures": [
            Departure(DepartureKind.UNMATCHED_ROW, N_("Baris %(row)s tidak cocok dengan butir mana pun."),
                      {"row": 77}, row=77),
            Departure(DepartureKind.SUBTOTAL_MISMATCH,
                      N_("Nilai sub-area diketik %(typed)s, rinciannya memberi %(computed)s."),
                      {"typed": "1,50", "computed": "1,25"}, row=12),
        ],
    }
    values.update(fields)
    return WorkbookReading(criteria_id=criteria_id, layer=layer, variant="unit", **values)


def _row(preview, code):
    return next(r for r in preview.rows if r.code == code)


def test_preview_marks_what_changes(db, criteria):
    a = _procurement()
    p = wi.preview(a, criteria, reading(), _user("pimpinan"))
    assert [r.code for r in p.rows] == [i.code for i in criteria.items]  # criteria order
    mp = _row(p, "P-MP-i-a")
    assert (mp.current_text, mp.workbook_text, mp.row) == ("Ya", "Tidak", 9)
    assert mp.value_changes and mp.changes and not mp.note_changes
    pp = _row(p, "P-PP-i-a")
    assert (pp.current, pp.workbook, pp.current_text, pp.workbook_text) == (None, "B", "–", "B")
    assert pp.workbook_note == "Dari LKE tahun lalu" and pp.note_changes
    assert pp.urls == ("https://jdih.contoh.go.id/sk-12",)
    counts = _row(p, "R-PW-iii-a")
    assert "Jumlah" in counts.workbook_text and counts.changes
    assert _row(p, "H-I-a").workbook == 3.5 and _row(p, "H-I-a").workbook_text == "3,5"
    untouched = _row(p, "P-MP-i-b")
    assert not untouched.changes and not untouched.in_workbook
    assert [d.row for d in p.departures] == [12, 77]  # by row
    assert p.counts == {"items": 4, "answers": 4, "notes": 1, "links": 1, "skipped": 0, "departures": 2}
    assert p.after.total != p.before.total
    # nothing was written
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"
    assert not AuditEvent.select().where(AuditEvent.action == wi.IMPORT_ACTION).exists()
    assert p.to_json()["counts"]["items"] == 4


def test_apply_writes_answers_notes_links_and_one_import_event(db, criteria):
    a = _procurement()
    head = _user("pimpinan")
    Answer.update(carried_from=2025).where(
        (Answer.assessment == a) & (Answer.item_code == "P-MP-i-a")).execute()
    before = store.layer_answers(a, "unit")["P-MP-i-a"]
    saves = AuditEvent.select().where(
        (AuditEvent.action == "answer:unit") & (AuditEvent.item_code == "P-MP-i-a"))
    saved_before = saves.count()
    result = wi.apply(a, criteria, reading(), head, "lke-2025.xlsx")
    assert (result.answers, result.notes, result.links, result.skipped) == (4, 1, 1, 0)
    stored = store.layer_answers(a, "unit")
    assert stored["P-MP-i-a"].value == "Tidak"
    assert stored["P-MP-i-a"].version == before.version + 1
    assert stored["P-MP-i-a"].carried_from is None  # a changed value is no longer carried over
    assert stored["P-PP-i-a"].value == "B" and stored["P-PP-i-a"].note == "Dari LKE tahun lalu"
    assert stored["R-PW-iii-a"].value == FULL_COUNTS["R-PW-iii-a"]
    assert stored["H-I-a"].value == 3.5
    document = EvidenceDocument.get(EvidenceDocument.url == "https://jdih.contoh.go.id/sk-12")
    assert document.title == "SK Pembangunan ZI" and document.unit_id == a.unit_id
    assert EvidenceLink.get(EvidenceLink.document == document).item_code == "P-PP-i-a"
    event = AuditEvent.get(AuditEvent.action == wi.IMPORT_ACTION)
    assert event.id == result.event_id and event.user_id == head.id
    assert event.new["file"] == "lke-2025.xlsx" and event.new["layer"] == "unit"
    assert [event.new[k] for k in ("answers", "notes", "links", "departures")] == [4, 1, 1, 2]
    # each answer through the save path: its own audit row as a web save has
    assert saves.count() == saved_before + 1


def test_reimport_changes_nothing(db, criteria):
    a = _procurement()
    head = _user("pimpinan")
    wi.apply(a, criteria, reading(), head, "a.xlsx")
    answers = {c: (x.value, x.note, x.version) for c, x in store.layer_answers(a, "unit").items()}
    documents, links = EvidenceDocument.select().count(), EvidenceLink.select().count()
    events = AuditEvent.select().count()
    again = wi.apply(a, criteria, reading(), head, "a.xlsx")
    assert (again.answers, again.notes, again.links) == (0, 0, 0)
    assert not again.preview.changed
    assert {c: (x.value, x.note, x.version) for c, x in store.layer_answers(a, "unit").items()} == answers
    assert (EvidenceDocument.select().count(), EvidenceLink.select().count()) == (documents, links)
    assert AuditEvent.select().count() == events + 1  # only the import event itself


def test_an_existing_identical_link_is_reused(db, criteria):
    from zi.evidence.service import add_link

    a = _procurement()
    head = _user("pimpinan")
    url = "https://jdih.contoh.go.id/sk-12"
    known = add_link(a, head, url, "SK", criteria=criteria, item_codes=["P-MP-i-a"])
    result = wi.apply(a, criteria, reading(), head, "a.xlsx")
    assert result.links == 1
    assert EvidenceDocument.select().where(EvidenceDocument.url == url).count() == 1
    assert {lk.item_code for lk in known.links} == {"P-MP-i-a", "P-PP-i-a"}


def test_a_document_page_of_the_unit_links_that_document(db, criteria):
    """zi's export writes a file's data dukung as its document page; importing it back links that
    document rather than a new link document."""
    from zi.evidence.service import add_link

    a = _procurement()
    head = _user("pimpinan")
    document = add_link(a, head, "https://lapor.go.id/x", "Laporan", criteria=criteria, item_codes=[])
    url = f"http://zi.contoh.go.id/evidence/documents/{document.id}"
    result = wi.apply(a, criteria, reading(evidence={"P-PP-i-a": [EvidenceLine(f"Laporan — {url}", url)]}),
                      head, "a.xlsx")
    assert result.links == 1
    assert not EvidenceDocument.select().where(EvidenceDocument.url == url).exists()
    assert EvidenceLink.get((EvidenceLink.document == document) & (EvidenceLink.assessment == a)).item_code \
        == "P-PP-i-a"


def test_everything_or_nothing(db, criteria):
    """A failure after the first answers were written (here the database refuses the link document)
    leaves no answer, note, link or audit row behind."""
    a = _procurement()
    before = {c: (x.value, x.version) for c, x in store.layer_answers(a, "unit").items()}
    events = AuditEvent.select().count()
    sqlite = isinstance(db.obj, SqliteDatabase)
    db.execute_sql(
        "CREATE TRIGGER refuse_documents BEFORE INSERT ON evidence_document BEGIN "
        "SELECT RAISE(ABORT, 'no documents today'); END" if sqlite else
        "CREATE FUNCTION refuse_documents() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'no documents today'; END $$ LANGUAGE plpgsql; "
        "CREATE TRIGGER refuse_documents BEFORE INSERT ON evidence_document "
        "FOR EACH ROW EXECUTE FUNCTION refuse_documents()")
    try:
        with pytest.raises(DatabaseError, match="no documents today"):
            wi.apply(a, criteria, reading(), _user("pimpinan"), "a.xlsx")
    finally:
        db.execute_sql("DROP TRIGGER refuse_documents" if sqlite else
                       "DROP TRIGGER refuse_documents ON evidence_document; DROP FUNCTION refuse_documents()")
    assert {c: (x.value, x.version) for c, x in store.layer_answers(a, "unit").items()} == before
    assert AuditEvent.select().count() == events


def test_an_accepted_assessment_refuses(db, criteria):
    a = _procurement()
    a.status = "accepted"
    a.save()
    with pytest.raises(wi.ImportRefused, match="terkunci"):
        wi.preview(a, criteria, reading(), _user("pimpinan"))
    with pytest.raises(wi.ImportRefused, match="terkunci"):
        wi.apply(a, criteria, reading(), _user("pimpinan"), "a.xlsx", operator=True)
    assert not AuditEvent.select().where(AuditEvent.action == wi.IMPORT_ACTION).exists()


def test_another_criteria_version_refuses_and_says_which(db, criteria):
    with pytest.raises(wi.ImportRefused) as refused:
        wi.apply(_procurement(), criteria, reading(criteria_id="lke-2025"), _user("pimpinan"), "a.xlsx")
    assert "lke-2025" in str(refused.value) and "lke-2021" in str(refused.value)
    assert "2026" in str(refused.value)


def test_tpi_layer_only_for_tpi_while_reviewing(db, criteria):
    a = _procurement()
    tpi_reading = reading(layer="tpi", evidence={})
    with pytest.raises(wi.ImportRefused, match="TPI"):  # a draft: TPI cannot answer yet
        wi.apply(a, criteria, tpi_reading, _user("tpi"), "tpi.xlsx")
    a.status = "in_review"
    a.save()
    with pytest.raises(wi.ImportRefused):  # the unit's head never writes TPI's layer
        wi.apply(a, criteria, tpi_reading, _user("pimpinan"), "tpi.xlsx")
    with pytest.raises(wi.ImportRefused):  # nor does TPI write the unit's
        wi.apply(a, criteria, reading(), _user("tpi"), "unit.xlsx")
    result = wi.apply(a, criteria, tpi_reading, _user("tpi"), "tpi.xlsx")
    assert result.answers == 4 and result.links == 0
    tpi = store.layer_answers(a, "tpi")
    assert tpi["P-MP-i-a"].value == "Tidak"
    assert tpi["P-MP-i-a"].reviewed_unit_version == store.layer_answers(a, "unit")["P-MP-i-a"].version
    assert store.layer_answers(a, "unit")["P-MP-i-a"].value == "Ya"  # the unit's layer untouched


def test_a_pokja_member_imports_only_their_areas(db, criteria):
    """Anggota answers MP and PT: P-MP-i-a is imported, the PP, PW and Hasil items are shown as
    skipped and left alone."""
    a = _procurement()
    result = wi.apply(a, criteria, reading(), _user("anggota"), "a.xlsx")
    assert result.answers == 1 and result.skipped == 3
    assert {r.code for r in result.preview.skipped} == {"P-PP-i-a", "R-PW-iii-a", "H-I-a"}
    stored = store.layer_answers(a, "unit")
    assert stored["P-MP-i-a"].value == "Tidak" and "P-PP-i-a" not in stored
    assert result.links == 0  # P-PP-i-a's evidence is not theirs to add


def test_in_revision_only_flagged_items_change(db, criteria):
    a = _procurement()
    store.request_revision(a, _user("tpi"), "P-MP-i-a", "Periksa SK")
    a.status = "revision"
    a.save()
    result = wi.apply(a, criteria, reading(), _user("pimpinan"), "a.xlsx")
    assert result.answers == 1
    assert {r.code for r in result.preview.skipped} == {"P-PP-i-a", "R-PW-iii-a", "H-I-a"}


def test_the_command_line_follows_the_workflow(db, criteria):
    """No person's rights on the command line (the admin named in the log answers nothing), but the
    workflow's: the unit layer in a draft, TPI's while reviewing."""
    a = _procurement()
    admin = _user("admin")
    with pytest.raises(wi.ImportRefused):  # an admin has no answer rights of their own
        wi.preview(a, criteria, reading(), admin)
    assert wi.preview(a, criteria, reading()).counts["items"] == 4
    result = wi.apply(a, criteria, reading(), admin, "a.xlsx", operator=True)
    assert result.answers == 4
    assert AuditEvent.get(AuditEvent.action == wi.IMPORT_ACTION).user_id == admin.id
    with pytest.raises(wi.ImportRefused):
        wi.apply(a, criteria, reading(layer="tpi"), admin, "a.xlsx", operator=True)


def test_a_bad_answer_or_too_long_note_is_shown_not_taken(db, criteria):
    a = _procurement()
    p = wi.preview(a, criteria, reading(answers={"P-MP-i-a": "Mungkin"}, notes={"P-MP-i-b": "x" * 20_001}),
                   _user("pimpinan"))
    assert _row(p, "P-MP-i-a").problem and not _row(p, "P-MP-i-a").changes
    assert _row(p, "P-MP-i-b").problem and not _row(p, "P-MP-i-b").changes


def test_the_audit_row_reads_for_people(db, criteria):
    from zi import audit

    a = _procurement()
    wi.apply(a, criteria, reading(), _user("pimpinan"), "lke.xlsx")
    line = audit.describe(AuditEvent.get(AuditEvent.action == wi.IMPORT_ACTION), criteria)
    assert line.action == "Jawaban diimpor dari LKE Excel"
    assert "berkas: lke.xlsx" in line.new and "lapisan: unit" in line.new


# --- edits between the preview and the confirmation (review item 3) -------------------------------

def _answer(a, code: str) -> Answer | None:
    return store.layer_answers(a, "unit").get(code)


def test_an_edit_after_the_preview_refuses_the_import_naming_the_item(db, criteria):
    """Someone saves P-MP-i-a between the preview and the confirmation: the import would overwrite
    it unseen, so nothing is written and the refusal names the item."""
    a = _procurement()
    head, member = _user("pimpinan"), _user("anggota")
    previewed = wi.preview(a, criteria, reading(), head)
    mp = _answer(a, "P-MP-i-a")
    store.save_answer(criteria, a, member, "unit", "P-MP-i-a", "Ya", "diperiksa ulang", mp.version)
    events = AuditEvent.select().count()
    with pytest.raises(wi.ImportRefused) as refused:
        wi.apply(a, criteria, reading(), head, "a.xlsx", versions=previewed.versions)
    assert "P-MP-i-a" in str(refused.value) and "pratinjau" in str(refused.value)
    assert "P-PP-i-a" not in str(refused.value)  # not saved since: not named
    assert _answer(a, "P-MP-i-a").note == "diperiksa ulang" and _answer(a, "P-PP-i-a") is None
    assert AuditEvent.select().count() == events  # everything or nothing
    # previewed again, the same file imports (over the newer answer, now shown)
    again = wi.preview(a, criteria, reading(), head)
    result = wi.apply(a, criteria, reading(), head, "a.xlsx", versions=again.versions)
    assert result.answers == 4 and _answer(a, "P-MP-i-a").value == "Tidak"


def test_an_item_answered_after_the_preview_is_not_overwritten(db, criteria):
    """P-PP-i-a was unanswered when previewed (version 0); answered since, it is refused too."""
    a = _procurement()
    head = _user("pimpinan")
    versions = wi.preview(a, criteria, reading(), head).versions
    assert versions["P-PP-i-a"] == 0 and versions["P-MP-i-a"] == _answer(a, "P-MP-i-a").version
    store.save_answer(criteria, a, head, "unit", "P-PP-i-a", "A", "", 0)
    with pytest.raises(wi.ImportRefused, match="P-PP-i-a"):
        wi.apply(a, criteria, reading(), head, "a.xlsx", versions=versions)
    assert _answer(a, "P-PP-i-a").value == "A"


def test_an_unchanged_row_edited_since_would_be_reverted_so_it_refuses(db, criteria):
    """P-MP-i-b matched the workbook at the preview (nothing to change); edited since, importing
    would silently put the workbook's value back: refused."""
    a = _procurement()
    head = _user("pimpinan")
    mp_b = _answer(a, "P-MP-i-b")
    answers = {**reading().answers, "P-MP-i-b": mp_b.value}
    previewed = wi.preview(a, criteria, reading(answers=answers), head)
    assert not _row(previewed, "P-MP-i-b").changes
    other = "A" if mp_b.value != "A" else "B"
    store.save_answer(criteria, a, head, "unit", "P-MP-i-b", other, mp_b.note, mp_b.version)
    with pytest.raises(wi.ImportRefused, match="P-MP-i-b"):
        wi.apply(a, criteria, reading(answers=answers), head, "a.xlsx", versions=previewed.versions)
    assert _answer(a, "P-MP-i-b").value == other


def test_an_edit_the_workbook_agrees_with_does_not_refuse(db, criteria):
    """Saved since the preview, but to what the workbook says: nothing would be overwritten."""
    a = _procurement()
    head = _user("pimpinan")
    previewed = wi.preview(a, criteria, reading(), head)
    mp = _answer(a, "P-MP-i-a")
    store.save_answer(criteria, a, head, "unit", "P-MP-i-a", "Tidak", mp.note, mp.version)
    result = wi.apply(a, criteria, reading(), head, "a.xlsx", versions=previewed.versions)
    assert result.answers == 3 and _answer(a, "P-MP-i-a").value == "Tidak"


def test_many_stale_items_are_counted(db, criteria):
    a = _procurement()
    head = _user("pimpinan")
    stored = store.layer_answers(a, "unit")
    flipped = {"Ya": "Tidak", "Tidak": "Ya", "A": "B", "B": "C", "C": "A"}
    answers = {code: flipped[answer.value] for code, answer in stored.items()
               if isinstance(answer.value, str) and answer.value in flipped}
    assert len(answers) > wi.STALE_SHOWN
    with pytest.raises(wi.ImportRefused) as refused:
        wi.apply(a, criteria, reading(answers=answers, notes={}, evidence={}), head, "a.xlsx",
                 versions={})  # a staging record without versions: every answered item is "newer"
    assert "antara lain" in str(refused.value) and f"{len(answers)} butir" in str(refused.value)
    assert _answer(a, next(iter(answers))).value != answers[next(iter(answers))]


# --- who may import: one decision for the page and the service --------------------------------------

def test_importable_layers_is_the_one_decision(db, criteria):
    from zi.access import Access

    a = _procurement()
    assert wi.importable_layers(a, criteria, Access(_user("pimpinan"))) == ["unit"]
    assert wi.importable_layers(a, criteria, Access(_user("tpi"))) == []
    assert wi.importable_layers(a, criteria, None) == ["unit"]  # the command line: the workflow's rules
    a.status = "in_review"
    a.save()
    assert wi.importable_layers(a, criteria, Access(_user("tpi"))) == ["tpi"]
    assert not wi.may_import(a, criteria, "unit", Access(_user("pimpinan")))
    assert not wi.may_import(a, criteria, "tpn", Access(_user("tpi")))
    a.status = "accepted"
    a.save()
    assert wi.importable_layers(a, criteria, Access(_user("tpi"))) == []
    assert wi.importable_layers(a, criteria, None) == []


# --- staged uploads never confirmed ------------------------------------------------------------------

def test_expired_stagings_are_swept(tmp_path):
    import os
    import time

    folder = tmp_path / wi.STAGE_FOLDER
    assert wi.sweep_staging(folder) == 0  # no folder yet: nothing to do
    folder.mkdir()
    old, fresh = time.time() - wi.STAGE_SECONDS - 5, time.time() - 10
    for name, when in (("a.xlsx", old), ("a.json", old), ("b.xlsx", fresh), ("b.json", fresh)):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (when, when))
    assert wi.sweep_staging(folder) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["b.json", "b.xlsx"]
    assert wi.sweep_staging(folder, now=time.time() + wi.STAGE_SECONDS) == 2
    assert list(folder.iterdir()) == []


def test_the_hourly_job_sweeps_the_instance_folder(tmp_path, monkeypatch):
    import os
    import time

    from zi import jobs

    monkeypatch.setenv("ZI_INSTANCE_DIR", str(tmp_path))
    folder = tmp_path / wi.STAGE_FOLDER
    folder.mkdir()
    old = time.time() - wi.STAGE_SECONDS - 5
    (folder / "x.xlsx").write_bytes(b"x")
    os.utime(folder / "x.xlsx", (old, old))
    (folder / "y.xlsx").write_bytes(b"y")
    assert jobs.sweep_lke_import_staging.call_local() == 1
    assert [p.name for p in folder.iterdir()] == ["y.xlsx"]
