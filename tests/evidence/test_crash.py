"""kill -9 of the server in the middle of uploads, then a restart: every row still has its
file, no stored file is half-written, and the restarted server takes uploads again."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from zi.config import PROJECT_DIR
from zi.demo import DEMO_PASSWORD

from .helpers import MB, pdf, stored_files

pytestmark = pytest.mark.slow

SERVER = "from zi.web import create_app; create_app().run(host='127.0.0.1', port={port}, threaded=True)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def instance(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'zi.sqlite3'}",
           "ZI_INSTANCE_DIR": str(tmp_path / "instance"), "ZI_EVIDENCE_DIR": str(tmp_path / "evidence"),
           "SECRET_KEY": "crash-test", "ZI_JOBS_IMMEDIATE": "1", "ZI_LOGIN_RATE_LIMIT": "1000 per minute"}
    env.pop("ZI_TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", "from zi.cli import main; main()", "demo", "load"], env=env,
                   check=True, cwd=PROJECT_DIR, capture_output=True)
    return tmp_path, env


def _start(env) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVER.format(port=port)], env=env, cwd=PROJECT_DIR,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{base}/login", timeout=1)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def _token(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url, timeout=10).text).group(1)


def _signed_in(base: str) -> requests.Session:
    """A browser-like session through the real login form (CSRF tokens included)."""
    session = requests.Session()
    session.post(f"{base}/login", timeout=10, data={
        "email": "pimpinan@contoh.go.id", "password": DEMO_PASSWORD,
        "csrf_token": _token(session, f"{base}/login")})
    session.headers["X-CSRFToken"] = _token(session, f"{base}/assessments/1/evidence")
    return session


def _uploads(base: str, stop: threading.Event) -> None:
    try:
        session = _signed_in(base)
        n = 0
        while not stop.is_set():
            n += 1
            body = pdf(f"{threading.get_ident()}-{n}").ljust(random.randint(1, 4) * MB, b"\x01")
            session.post(f"{base}/assessments/1/evidence/upload", timeout=10,
                         files={"file": (f"bukti-{n}.pdf", body, "application/pdf")},
                         data={"items": "P-MP-i-a"}, headers={"Accept": "application/json"})
    except requests.RequestException:
        return  # the server died under us: that is the point


def test_kill_9_during_uploads_leaves_files_and_rows_consistent(instance):
    root, env = instance
    evidence = root / "evidence"
    for round_ in range(3):
        process, base = _start(env)
        stop = threading.Event()
        threads = [threading.Thread(target=_uploads, args=(base, stop)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.8 + round_ * 0.7)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        stop.set()
        for t in threads:
            t.join(timeout=20)

    with sqlite3.connect(root / "zi.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = {sha for (sha,) in db.execute("SELECT sha256 FROM evidence_file")}
        revisions = db.execute("SELECT COUNT(*) FROM evidence_revision").fetchone()[0]
    assert rows and revisions >= len(rows)
    on_disk = {p.name: p for p in stored_files(evidence)}
    assert rows <= set(on_disk)  # every row has its file
    for name, path in on_disk.items():  # and no stored file is half-written
        assert hashlib.sha256(path.read_bytes()).hexdigest() == name

    process, base = _start(env)  # the restarted server takes uploads again
    try:
        session = _signed_in(base)
        response = session.post(f"{base}/assessments/1/evidence/upload",
                                files={"file": ("setelah.pdf", pdf("setelah"), "application/pdf")},
                                data={"items": "P-MP-i-a"}, headers={"Accept": "application/json"})
        assert response.status_code == 200 and response.json()["ok"]
    finally:
        process.terminate()
        process.wait(timeout=10)
