"""How much memory the server needs to take one big evidence upload.

Starts the real app (demo database in a temp folder, evidence in a temp folder, limits of
256 MB, CSRF and rate limiting off) served by werkzeug on 127.0.0.1 in a CHILD process, logs
in with `requests`, streams a 200 MB file (PDF header + random bytes, written to disk first)
as multipart/form-data, then downloads it back. Prints the server's resident memory before
the upload and its peak (VmHWM) after, against a target of 50 MB of growth, plus time and
throughput. The request body is streamed from disk on the client side too, so the client's
memory does not blur the picture.

    .venv/bin/python bench/upload.py [MEGABYTES]       (default 200)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 50
CHUNK = 1024 * 1024


# --- the server (child process) -----------------------------------------------------------------


def serve(workdir: Path) -> None:
    """Build the demo database, create the app, serve it; print {"port", "assessment"} on stdout."""
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    sys.path.insert(0, str(ROOT))
    from werkzeug.serving import make_server

    from zi import demo, migrations
    from zi.config import PROJECT_DIR
    from zi.criteria import load_file
    from zi.db import database, open_database
    from zi.models import Assessment, Unit
    from zi.web import create_app

    url = f"sqlite:///{workdir / 'zi.sqlite3'}"
    db = open_database(url)
    with db.connection_context():  # as tests/conftest.py's build_demo
        migrations.upgrade(db)
        with db.atomic():
            demo.load(load_file(PROJECT_DIR / "criteria" / "lke-2021.yaml"))
        assessment = Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get().id
    database.close()

    limit = 256 * 1024 * 1024
    app = create_app(
        {
            "DATABASE_URL": url,
            "EVIDENCE_DIR": str(workdir / "evidence"),
            "EVIDENCE_MAX_BYTES": limit,
            "MAX_CONTENT_LENGTH": limit + 1024 * 1024,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(json.dumps({"port": server.server_port, "assessment": assessment}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


# --- the client (this process) ---------------------------------------------------------------------


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs; same user or root)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class Sampler(threading.Thread):
    """The highest VmRSS seen, sampled every few milliseconds (a cross-check of VmHWM)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, memory(self.pid)["VmRSS"])
            time.sleep(0.005)

    def stop(self) -> float:
        self.running = False
        self.join()
        return self.peak


class MultipartFile:
    """multipart/form-data with one file part and some fields, read from disk piece by piece.

    A plain object with read() and __len__ (no tell(), no __iter__): requests then sends it with
    a Content-Length, and http.client reads it in blocks instead of holding it in memory."""

    def __init__(self, path: Path, filename: str, fields: dict[str, str]):
        self.boundary = uuid.uuid4().hex
        head = b"".join(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.parts = [io.BytesIO(head), path.open("rb"), io.BytesIO(tail)]
        self.length = len(head) + path.stat().st_size + len(tail)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        size = CHUNK if size is None or size < 0 else size
        while self.parts:
            data = self.parts[0].read(size)
            if data:
                return data
            self.parts.pop(0).close()
        return b""


def write_payload(path: Path, megabytes: int) -> str:
    """A PDF header and random bytes; returns the SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        out.write(head)
        digest.update(head)
        left = megabytes * CHUNK - len(head)
        while left > 0:
            block = os.urandom(min(CHUNK, left))
            out.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def main() -> int:
    import requests

    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    workdir = Path(tempfile.mkdtemp(prefix="zi-bench-upload-"))
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(workdir)], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    try:
        line = child.stdout.readline()
        if not line:
            print("the server did not start", file=sys.stderr)
            return 2
        info = json.loads(line)
        base = f"http://127.0.0.1:{info['port']}"

        payload = workdir / "payload.pdf"
        started = time.perf_counter()
        sha = write_payload(payload, megabytes)
        elapsed = time.perf_counter() - started
        print(f"payload: {megabytes} MB written to disk in {elapsed:.1f} s, sha256 {sha[:16]}…")

        http = requests.Session()
        login = http.post(
            f"{base}/login",
            data={"email": "anggota@contoh.go.id", "password": "zona-integritas"},
            allow_redirects=False,
        )
        assert login.status_code == 302, login.status_code
        # warm up: the evidence page once, so lazy imports and templates are not counted as upload cost
        assert http.get(f"{base}/assessments/{info['assessment']}/evidence").status_code == 200
        startup = memory(child.pid)  # its VmHWM includes building the demo (Argon2) and the login
        was_reset = reset_peak(child.pid)
        before = memory(child.pid)

        body = MultipartFile(payload, f"bench-{megabytes}mb.pdf", {"items": "P-MP-i-a", "title": "Bench"})
        sampler = Sampler(child.pid)
        sampler.start()
        started = time.perf_counter()
        response = http.post(
            f"{base}/assessments/{info['assessment']}/evidence/upload",
            data=body,
            headers={"Content-Type": body.content_type, "Accept": "application/json"},
        )
        upload_s = time.perf_counter() - started
        sampled_upload = sampler.stop()
        after_upload = memory(child.pid)
        print(f"upload: HTTP {response.status_code} {response.text.strip()}")
        if response.status_code != 200:
            return 1
        stored = next((workdir / "evidence").glob(f"{sha[:2]}/{sha[2:4]}/{sha}"), None)
        print(f"stored as {stored.relative_to(workdir) if stored else 'NOT FOUND'}")

        downloaded = hashlib.sha256()
        page = http.get(f"{base}/assessments/{info['assessment']}/evidence").text
        revision = page.split("/evidence/revisions/", 1)[1].split("/", 1)[0]
        reset_peak(child.pid)
        before_download = memory(child.pid)
        started = time.perf_counter()
        with http.get(f"{base}/evidence/revisions/{revision}/file", stream=True) as got:
            for chunk in got.iter_content(CHUNK):
                downloaded.update(chunk)
        download_s = time.perf_counter() - started
        after_download = memory(child.pid)

        growth = after_upload["VmHWM"] - before["VmRSS"]
        print()
        how = (
            "reset via clear_refs before each phase"
            if was_reset
            else "NOT reset (clear_refs refused): includes start-up"
        )
        print(f"server pid {child.pid}; peak (VmHWM) {how}")
        print(
            f"  at start (demo build, login) RSS {startup['VmRSS']:7.1f} MB, VmHWM {startup['VmHWM']:7.1f} MB"
        )
        print(f"  RSS before upload       {before['VmRSS']:8.1f} MB")
        print(
            f"  VmHWM after upload      {after_upload['VmHWM']:8.1f} MB   "
            f"(RSS now {after_upload['VmRSS']:.1f} MB, max RSS sampled every 5 ms {sampled_upload:.1f} MB)"
        )
        print(
            f"  peak growth by upload   {growth:8.1f} MB   target < {TARGET_MB} MB: "
            f"{'OK' if growth < TARGET_MB else 'OVER'}"
        )
        print(f"  peak growth by download {after_download['VmHWM'] - before_download['VmRSS']:8.1f} MB")
        print(f"upload   {megabytes} MB in {upload_s:6.2f} s = {megabytes / upload_s:7.1f} MB/s")
        print(
            f"download {megabytes} MB in {download_s:6.2f} s = {megabytes / download_s:7.1f} MB/s, "
            f"sha256 {'matches' if downloaded.hexdigest() == sha else 'DIFFERS'}"
        )
        return 0 if growth < TARGET_MB and downloaded.hexdigest() == sha else 1
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]))
    else:
        sys.exit(main())
