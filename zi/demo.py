"""Demo data for a first look: one regency, two units, one person per role, a half-filled LKE."""

from __future__ import annotations

from datetime import date

import yaml

from . import admin
from .answers import save_answer
from .config import PACKAGE_DIR
from .criteria import Criteria
from .models import User

DEMO_PASSWORD = "zona-integritas"
INSTANSI = "Pemerintah Kabupaten Contoh"
PROCUREMENT = "Bagian Pengadaan Barang dan Jasa"
SECOND_UNIT = "Dinas Penanaman Modal dan PTSP"
PEOPLE = [
    # email, name, role, unit (None: instansi-wide), areas
    ("admin@contoh.go.id", "Admin Inspektorat", "admin", None, ()),
    ("pimpinan@contoh.go.id", "Kepala Bagian Pengadaan", "head", PROCUREMENT, ()),
    ("anggota@contoh.go.id", "Anggota Pokja MP & PT", "member", PROCUREMENT, ("MP", "PT")),
    ("tpi@contoh.go.id", "Evaluator TPI", "tpi", PROCUREMENT, ()),
    ("reviewer@contoh.go.id", "Pimpinan TPI", "reviewer", None, ()),
]


def load(criteria: Criteria, year: int = 2026) -> list[tuple[str, str, str]]:
    """Create the demo; returns (email, password, role) for the printed logins."""
    instansi = admin.get_or_create_instansi(INSTANSI)
    procurement = admin.create_unit(instansi, PROCUREMENT, region="Sekretariat Daerah")
    second = admin.create_unit(instansi, SECOND_UNIT, region="Kecamatan Kota")
    units = {PROCUREMENT: procurement, SECOND_UNIT: second}
    users = {}
    for email, name, role, unit_name, areas in PEOPLE:
        user = admin.create_user(email, name, DEMO_PASSWORD, instansi=instansi)
        admin.assign_role(user, role, instansi, units.get(unit_name), areas)
        users[role] = user
    admin.assign_role(users["tpi"], "tpi", instansi, second)
    period = admin.create_period(instansi, year, criteria.id, date(year, 1, 1), date(year, 12, 31))
    for key in ("wtp", "sakip", "spip"):
        admin.set_prerequisite(instansi, key, True, actor=users["admin"])
    admin.set_prerequisite(instansi, "indeks_rb", None, "Menunggu hasil evaluasi RB", actor=users["admin"])

    example = yaml.safe_load((PACKAGE_DIR / "data" / "bagian-pengadaan-2026.yaml").read_text())
    answers = example["answers"]
    half = [item.code for item, where in criteria.walk_items() if where.area in ("MP", "PT", "SDM", "AK")]
    first = admin.ensure_assessment(procurement, period)
    for code in half:
        save_answer(criteria, first, users["head"], "unit", code, answers[code], "", 0)
    save_answer(criteria, first, users["member"], "unit", "P-MP-i-a", "Ya",
                "SK Tim Kerja ZI Nomor 100/2026, ditandatangani **Kepala Bagian**.", 1)
    other = admin.ensure_assessment(second, period)
    for code in half[:20]:
        save_answer(criteria, other, users["head"], "unit", code, answers[code], "", 0)
    return [(email, DEMO_PASSWORD, role) for email, _, role, _, _ in PEOPLE]


def is_empty() -> bool:
    return not User.select().exists()
