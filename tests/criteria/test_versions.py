"""Criteria versions: lke-2021 (Lampiran III) and lke-2025 (Non LHKPN) and copying across them."""

from datetime import date

from zi import admin
from zi.answers import layer_answers, save_answer
from zi.config import SHIPPED_CRITERIA_DIR
from zi.criteria import load_file
from zi.criteria.versions import compare, compare_ids
from zi.models import Assessment, AuditEvent, Unit, User


def test_the_two_versions_differ_only_in_the_lhkasn_half():
    old = load_file(SHIPPED_CRITERIA_DIR / "lke-2021.yaml")
    new = load_file(SHIPPED_CRITERIA_DIR / "lke-2025.yaml")
    change = compare(old, new)
    assert (change.old, change.new, change.changed) == ("lke-2021", "lke-2025", ("R-PW-iii-b",))
    assert change.dropped == change.added == ()


def test_an_unknown_version_gives_no_comparison():
    assert compare_ids("lke-2021", "lke-1999", SHIPPED_CRITERIA_DIR) is None
    assert compare_ids("lke-2021", "lke-2025", SHIPPED_CRITERIA_DIR).changed == ("R-PW-iii-b",)


def test_a_period_of_the_newer_version_maps_answers_by_code_and_reports_changed_texts(db, criteria):
    old = Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()
    assert old.period.criteria_id == "lke-2021"
    head = User.get(User.email == "pimpinan@contoh.go.id")
    save_answer(criteria, old, head, "unit", "R-PW-iii-b",
                {"echelon3": 1, "echelon4": 2, "staff": 10, "reported": 13}, "", 0)
    period = admin.create_period(old.unit.instansi, 2027, "lke-2025", date(2027, 1, 1), date(2027, 12, 31),
                                 copy_previous=True)
    new = Assessment.get((Assessment.unit == old.unit) & (Assessment.period == period))
    before, after = layer_answers(old, "unit"), layer_answers(new, "unit")
    assert "R-PW-iii-b" in before
    assert {c: a.value for c, a in after.items()} == {c: a.value for c, a in before.items()}
    event = AuditEvent.get((AuditEvent.action == "copy_previous_period") & (AuditEvent.assessment == new))
    assert event.new["criteria"] == {"from": "lke-2021", "to": "lke-2025"}
    assert event.new["changed_texts"] == ["R-PW-iii-b"] and event.new["dropped"] == []
    assert event.new["items"] == len(after)


def test_a_period_of_the_same_version_reports_no_version_change(db, criteria):
    old = Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()
    period = admin.create_period(old.unit.instansi, 2027, "lke-2021", date(2027, 1, 1), date(2027, 12, 31),
                                 copy_previous=True)
    new = Assessment.get((Assessment.unit == old.unit) & (Assessment.period == period))
    event = AuditEvent.get((AuditEvent.action == "copy_previous_period") & (AuditEvent.assessment == new))
    assert "criteria" not in event.new and "changed_texts" not in event.new
