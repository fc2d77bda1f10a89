"""Administration: periods copied from last year, prerequisites, and the CLI commands."""

from datetime import date

import pytest
from click.testing import CliRunner

from zi import admin
from zi.answers import layer_answers
from zi.cli import main
from zi.models import Assessment, Instansi, Period, Prerequisite, RoleAssignment, Unit, User
from zi.passwords import check_password


def procurement():
    return Assessment.select().join(Unit).where(Unit.name == "Bagian Pengadaan Barang dan Jasa").get()


def test_new_period_starts_from_last_years_answers_and_notes(db, criteria):
    old = procurement()
    instansi = old.unit.instansi
    period = admin.create_period(instansi, 2027, criteria.id, date(2027, 1, 1), date(2027, 12, 31),
                                 copy_previous=True)
    new = Assessment.get((Assessment.unit == old.unit) & (Assessment.period == period))
    before, after = layer_answers(old, "unit"), layer_answers(new, "unit")
    assert len(after) == len(before) > 50
    assert after["P-MP-i-a"].note == before["P-MP-i-a"].note != ""
    assert {c: a.value for c, a in after.items()} == {c: a.value for c, a in before.items()}
    assert new.status == "draft" and layer_answers(new, "tpi") == {}


def test_new_period_without_copy_is_empty_and_years_are_unique(db, criteria):
    instansi = Instansi.get()
    period = admin.create_period(instansi, 2028, criteria.id, date(2028, 1, 1), date(2028, 12, 31))
    assessments = list(Assessment.select().where(Assessment.period == period))
    assert len(assessments) == Unit.select().count()
    assert all(layer_answers(a, "unit") == {} for a in assessments)
    with pytest.raises(admin.AdminError, match="sudah ada"):
        admin.create_period(instansi, 2028, criteria.id, date(2028, 1, 1), date(2028, 12, 31))


def test_roles_must_fit_their_scope(db):
    instansi = Instansi.get()
    user = admin.create_user("baru@contoh.go.id", "Baru", "sandi-yang-panjang")
    with pytest.raises(admin.AdminError):
        admin.assign_role(user, "head", instansi, None)
    with pytest.raises(admin.AdminError):
        admin.assign_role(user, "admin", instansi, Unit.get())
    with pytest.raises(admin.AdminError):
        admin.create_user("pendek@contoh.go.id", "x", "pendek")


def test_prerequisites_are_recorded_per_scope(db):
    instansi = Instansi.get()
    unit = Unit.get(Unit.name == "Bagian Pengadaan Barang dan Jasa")
    admin.set_prerequisite(instansi, "audit_followup", False, "2 temuan BPK terbuka", unit=unit)
    record = Prerequisite.get((Prerequisite.unit == unit) & (Prerequisite.key == "audit_followup"))
    assert record.met is False and record.note == "2 temuan BPK terbuka"
    with pytest.raises(admin.AdminError, match="unit"):
        admin.set_prerequisite(instansi, "audit_followup", True)


def test_unit_with_wbk_score_is_told_about_missing_prerequisites(app, login, db):
    instansi = Instansi.get()
    admin.set_prerequisite(instansi, "wtp", False, "Opini WDP")
    page = login("admin@contoh.go.id").get(f"/assessments/{procurement().id}").get_data(as_text=True)
    assert "Opini BPK atas laporan keuangan minimal WTP" in page
    assert "Opini WDP" in page and "Belum terpenuhi" in page


@pytest.fixture
def cli(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args, **kwargs):
        return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)

    return run


def test_cli_creates_units_and_users_with_roles(cli, db):
    result = cli("units", "create", "--instansi", "Kota Baru", "--name", "Dinas Kesehatan",
                 "--region", "Kota Baru")
    assert result.exit_code == 0, result.output
    unit = Unit.get(Unit.name == "Dinas Kesehatan")
    assert unit.instansi.name == "Kota Baru" and unit.region == "Kota Baru"
    result = cli("users", "create", "--email", "Kepala@KotaBaru.go.id", "--name", "Kepala Dinas",
                 "--role", "head", "--instansi", "Kota Baru", "--unit", "Dinas Kesehatan",
                 input="sandi-rahasia-123\nsandi-rahasia-123\n")
    assert result.exit_code == 0, result.output
    user = User.get(User.email == "kepala@kotabaru.go.id")
    assert check_password(user.password_hash, "sandi-rahasia-123")
    assert user.password_hash.startswith("$argon2id$")
    role = RoleAssignment.get(RoleAssignment.user == user)
    assert (role.role, role.unit_id) == ("head", unit.id)


def test_cli_refuses_duplicates_and_unknown_parents(cli, db):
    assert cli("users", "create", "--email", "admin@contoh.go.id", "--name", "x",
               "--password", "sandi-rahasia-123").exit_code == 2
    result = cli("units", "create", "--instansi", "Pemerintah Kabupaten Contoh", "--name", "Sub",
                 "--parent", "Tidak Ada")
    assert result.exit_code == 2 and "no unit named" in result.stderr


def test_cli_db_upgrade_is_idempotent(cli, db):
    result = cli("db", "upgrade")
    assert result.exit_code == 0 and "up to date" in result.stdout
    assert Period.select().count() == 1
