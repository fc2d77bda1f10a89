"""The audit log for people: actions by their labels, values as people read them (no Python dicts,
no `None`), every row reachable page by page, in both languages; every recorded action has a label."""

from __future__ import annotations

import re
from pathlib import Path

from zi import answers, audit
from zi.audit import AuditAction
from zi.demo import PROCUREMENT
from zi.models import Answer, Assessment, AuditEvent, Unit, User

PACKAGE = Path(audit.__file__).resolve().parent
ROW = re.compile(r"<tr><td class=\"small\">.*?</tr>", re.S)


def _assessment():
    return Assessment.get(Assessment.unit == Unit.get(Unit.name == PROCUREMENT))


def _version(assessment, code):
    found = Answer.get_or_none((Answer.assessment == assessment) & (Answer.layer == "unit")
                               & (Answer.item_code == code))
    return found.version if found else 0


def _cells(page: str) -> str:
    return " ".join(ROW.findall(page))


def test_actions_and_values_read_as_people_write_them(client, login, db, criteria):
    assessment = _assessment()
    head = User.get(User.email == "pimpinan@contoh.go.id")
    answers.save_answer(criteria, assessment, head, "unit", "R-MP-i-a", {"agents": 10, "changes": 7},
                        "Catatan " + "panjang " * 40, _version(assessment, "R-MP-i-a"))
    answers.save_answer(criteria, assessment, head, "unit", "R-MP-i-a", {"agents": 12, "changes": 7}, "",
                        _version(assessment, "R-MP-i-a"))
    audit.record("status", head, assessment=assessment, old="draft", new="submitted")
    audit.record("role:assign", head, assessment=assessment,
                 new={"user": "anggota@contoh.go.id", "role": "member", "areas": ""})
    login("pimpinan@contoh.go.id")
    page = client.get(f"/assessments/{assessment.id}/audit").get_data(as_text=True)
    cells = _cells(page)
    assert "Jawaban unit disimpan" in cells and "Status penilaian diubah" in cells
    assert "Jumlah Agen Perubahan: 12 · Jumlah Perubahan yang dibuat: 7" in cells
    assert "Jumlah Agen Perubahan: 10" in cells and "catatan: Catatan panjang" in cells
    assert "…" in cells  # the long note shortened
    assert "Draf" in cells and "Diajukan" in cells
    assert "peran: Anggota tim kerja" in cells and "area: semua area" in cells
    for machine in ("{'", "{&#39;", "None", ">none<", "answer:unit", "role:assign", "agents"):
        assert machine not in cells, machine
    assert re.search(r"\d{1,2} \w+ 20\d\d \d\d\.\d\d WIB", cells)

    client.post("/lang/en")
    english = _cells(client.get(f"/assessments/{assessment.id}/audit").get_data(as_text=True))
    assert "Unit answer saved" in english and "Assessment status changed" in english
    assert "role: Work team member" in english and "areas: all areas" in english
    assert "Draft" in english and "note: Catatan panjang" in english
    assert re.search(r"\d{1,2} \w+ 20\d\d \d\d:\d\d WIB", english)


def test_every_row_is_reachable_page_by_page(client, login, db):
    assessment = _assessment()
    head = User.get(User.email == "pimpinan@contoh.go.id")
    for n in range(230):
        audit.record("revision_request", head, assessment=assessment, item_code="P-MP-i-a",
                     new=f"komentar nomor {n:03d}")
    total = AuditEvent.select().where(AuditEvent.assessment == assessment).count()
    assert total > 230
    login("pimpinan@contoh.go.id")
    seen = []
    url = f"/assessments/{assessment.id}/audit"
    pages = 0
    while url:
        page = client.get(url).get_data(as_text=True)
        pages += 1
        seen += re.findall(r"komentar nomor (\d{3})", page)
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert pages == -(-total // 100)
    assert sorted(seen) == [f"{n:03d}" for n in range(230)]  # each once, none cut
    filtered = client.get(f"/assessments/{assessment.id}/audit?item=P-MP-i-a&page=3").get_data(as_text=True)
    assert "halaman 3 dari 3" in filtered and "Semua butir" in filtered


def test_the_instansi_audit_on_the_admin_page_is_labelled(client, login, db):
    login("admin@contoh.go.id")
    client.post("/admin/units", data={"name": "Unit Audit Baru"})
    page = client.get("/admin/").get_data(as_text=True)
    log = page[page.index("Log audit instansi"):]
    assert "Unit dibuat" in log and "nama: Unit Audit Baru" in log
    assert "unit:create" not in log and "{'" not in log and "{&#39;" not in log


def test_every_recorded_action_has_a_label():
    """A new audit.record("…") call needs its label in zi.audit.AuditAction."""
    recorded = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r"audit\.record\(\s*\"([^\"]+)\"", text))
        for template in re.findall(r"audit\.record\(\s*f\"([^\"]+)\"", text):
            assert template == "answer:{layer}", f"{path}: an action code built at run time: {template}"
    recorded |= {"answer:unit", "answer:tpi"}
    unlabelled = sorted(code for code in recorded if code not in AuditAction.labels())
    assert not unlabelled, f"no label in zi.audit.AuditAction for: {unlabelled}"
    assert all(member.label != member.value for member in AuditAction)
