"""The package as shipped: optional packages are extras named when missing, and a wheel built from a clean
copy of the tree (no compiled catalogues) serves pages and renders a dossier from outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def stubbed_env(tmp_path: Path, modules, **settings: str) -> dict:
    """An environment where importing each of `modules` fails, as when its extra is not installed."""
    for module in modules:
        stub = tmp_path / "stubs" / module
        stub.mkdir(parents=True)
        (stub / "__init__.py").write_text(f"raise ImportError('No module named {module}')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZI_") and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(tmp_path / "stubs"), SECRET_KEY="x", DATABASE_URL=f"sqlite:///{tmp_path}/zi.db",
               ZI_INSTANCE_DIR=str(tmp_path / "instance"), ZI_EVIDENCE_DIR=str(tmp_path / "evidence"))
    env.update(settings)
    return env


def run(code: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(("module", "extra", "setting", "code"), [
    ("boto3", "s3", {"ZI_S3_BUCKET": "bukti"}, "from zi.web import create_app; create_app()"),
    ("redis", "redis", {"ZI_REDIS_URL": "redis://127.0.0.1:6379/0"}, "import zi.jobs"),
    ("redis", "redis", {"ZI_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0"},
     "from zi.web import create_app; create_app()"),
    ("psycopg2", "postgres", {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/zi"},
     "from zi.web import create_app; create_app()"),
    ("psycopg2", "postgres", {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/zi"},
     "from zi.cli import main; main(['db', 'upgrade'])"),
])
def test_a_setting_needing_a_missing_extra_stops_with_what_to_install(tmp_path, module, extra, setting, code):
    result = run(code, tmp_path, stubbed_env(tmp_path, [module], **setting))
    assert result.returncode == 2, result.stderr
    assert f"pip install 'zi[{extra}]'" in result.stderr
    assert next(iter(setting)).split("=")[0] in result.stderr
    assert "Traceback" not in result.stderr and "ImportError" not in result.stderr


def test_without_the_settings_the_extras_are_not_needed(tmp_path):
    """The quick start (SQLite, local evidence, huey on SQLite) runs with none of the three installed."""
    code = ("import sys\nfrom zi.web import create_app\nimport zi.jobs\napp = create_app()\n"
            "print(app.test_client().get('/login').status_code)\n"
            "print(sorted(m for m in ('boto3', 'redis', 'psycopg2') if m in sys.modules))")
    result = run(code, tmp_path, stubbed_env(tmp_path, ["boto3", "redis", "psycopg2"]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "[]"]


IN_THE_WHEEL = textwrap.dedent("""
    import sys
    from pathlib import Path

    import zi
    assert Path(zi.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), zi.__file__

    from zi import demo, migrations
    from zi.db import database
    from zi.dossier.build import build
    from zi.models import Assessment
    from zi.web import create_app

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    criteria = next(iter(app.extensions["zi_criteria"].values()))
    with database.connection_context():
        migrations.upgrade(database.obj)
        demo.load(criteria)
        assessment = Assessment.select().order_by(Assessment.id).first()
        unit_name = assessment.unit.name
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200 and "Kata sandi" in page.get_data(as_text=True)
    assert client.get("/static/zi.css").status_code == 200
    client.post("/lang/en")
    assert "Password" in client.get("/login").get_data(as_text=True)  # the compiled catalogue shipped
    client.post("/lang/id")
    assert client.post("/login", data={"email": "pimpinan@contoh.go.id",
                                        "password": demo.DEMO_PASSWORD}).status_code == 302
    page = client.get(f"/assessments/{assessment.id}")
    assert page.status_code == 200 and unit_name in page.get_data(as_text=True), page.status_code
    with database.connection_context():
        pdf, extension = build(Assessment.get_by_id(assessment.id), criteria, "internal")
    assert extension == "pdf" and pdf.startswith(b"%PDF"), extension
    print("ok", len(pdf))
""")


@pytest.mark.slow
def test_a_wheel_from_a_clean_tree_serves_pages_and_renders_a_dossier(tmp_path):
    source = tmp_path / "source"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    assert not list(source.rglob("*.mo")), "the copy should hold no compiled catalogue"

    dist, target = tmp_path / "dist", tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)],
                   check=True, timeout=600)
    wheel = next(dist.glob("zi-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, timeout=300)
    assert list(target.glob("zi/translations/*/LC_MESSAGES/messages.mo"))

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZI_") and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(target), SECRET_KEY="wheel-test", DATABASE_URL=f"sqlite:///{work}/zi.sqlite3",
               ZI_INSTANCE_DIR=str(work / "instance"), ZI_EVIDENCE_DIR=str(work / "evidence"))
    result = subprocess.run([sys.executable, "-c", IN_THE_WHEEL, str(target)], cwd=work, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok ")
