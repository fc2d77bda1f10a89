"""An admin creating a period of another criteria version with last year's answers copied is told
what the copy did: answers mapped by code, items whose text changed, items without a counterpart."""

from datetime import date

from zi import admin
from zi.answers import layer_answers, save_answer
from zi.models import Assessment, Period, Unit, User

PROCUREMENT = "Bagian Pengadaan Barang dan Jasa"


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.pop("_flashes", []))


def _previous(criteria):
    old = Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()
    assert old.period.criteria_id == "lke-2021"
    head = User.get(User.email == "pimpinan@contoh.go.id")
    save_answer(criteria, old, head, "unit", "R-PW-iii-b",
                {"echelon3": 1, "echelon4": 2, "staff": 10, "reported": 13}, "", 0)
    return old


def _post(client, criteria_id: str, copy: str = "1"):
    return client.post("/admin/periods", data={"year": "2027", "criteria_id": criteria_id,
                                               "opens_on": "2027-01-01", "closes_on": "2027-12-31",
                                               "copy_previous": copy})


def test_the_flash_summarises_a_copy_across_versions(client, login, db, criteria):
    old = _previous(criteria)
    login("admin@contoh.go.id")
    assert _post(client, "lke-2025").status_code == 302
    period = Period.get(Period.year == 2027)
    new = Assessment.select().where(Assessment.period == period)
    copied = sum(len(layer_answers(a, "unit")) for a in new)
    assert copied >= len(layer_answers(old, "unit")) > 0
    shown = flashes(client)
    assert shown[0] == ("success", "Periode dibuat beserta penilaian setiap unit.")
    category, text = shown[1]
    assert category == "info"
    assert "dari lke-2021 ke lke-2025" in text and f"{copied} jawaban" in text
    assert "Teks butir berubah, periksa kembali jawabannya: R-PW-iii-b." in text
    assert "Setiap butir punya padanan." in text
    assert "Admin" in client.get("/admin/").get_data(as_text=True)  # the page shows it without error


def test_no_summary_for_the_same_version_or_without_copying(client, login, db, criteria):
    _previous(criteria)
    login("admin@contoh.go.id")
    _post(client, "lke-2021")
    assert [c for c, _ in flashes(client)] == ["success"]
    Period.delete().where(Period.year == 2027).execute()
    _post(client, "lke-2025", copy="0")
    assert [c for c, _ in flashes(client)] == ["success"]


def test_the_summary_names_items_without_a_counterpart(db, criteria, tmp_path, monkeypatch):
    """A version without an item the previous period answered: the answer stays behind and is named."""
    from zi.config import SHIPPED_CRITERIA_DIR

    old = _previous(criteria)
    head = User.get(User.email == "pimpinan@contoh.go.id")
    current = layer_answers(old, "unit").get("P-MP-i-b")
    save_answer(criteria, old, head, "unit", "P-MP-i-b", "A", "", current.version if current else 0)
    # a criteria folder holding lke-2021 and a version where P-MP-i-b is gone (renamed P-MP-i-z)
    shipped = (SHIPPED_CRITERIA_DIR / "lke-2025.yaml").read_text(encoding="utf-8")
    assert shipped.count("code: P-MP-i-b") == 1 and shipped.count("id: lke-2025") == 1
    (tmp_path / "lke-2021.yaml").write_text(
        (SHIPPED_CRITERIA_DIR / "lke-2021.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "lke-2099.yaml").write_text(
        shipped.replace("code: P-MP-i-b", "code: P-MP-i-z").replace("id: lke-2025", "id: lke-2099"),
        encoding="utf-8")
    monkeypatch.setattr("zi.config.Config.CRITERIA_DIR", str(tmp_path))
    period = admin.create_period(old.unit.instansi, 2027, "lke-2099", date(2027, 1, 1), date(2027, 12, 31),
                                 copy_previous=True)
    carried = admin.carried_over(period)
    assert (carried.old_criteria, carried.new_criteria) == ("lke-2021", "lke-2099")
    assert carried.changed == ("R-PW-iii-b",) and carried.dropped == ("P-MP-i-b",)
    new = Assessment.get((Assessment.unit == old.unit) & (Assessment.period == period))
    assert "P-MP-i-b" not in layer_answers(new, "unit")
    assert carried.items == sum(len(layer_answers(a, "unit"))
                                for a in Assessment.select().where(Assessment.period == period))
