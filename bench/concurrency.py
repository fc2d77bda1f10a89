"""Parallel uploads and answer saves, as a browser's drag and drop and several pokja members
produce them, against the real server on SQLite and on PostgreSQL.

For each database the demo is built in a fresh database, the app is served by werkzeug
(threaded) in a CHILD process, and the same requests are sent twice: one at a time (the
baseline) and from THREADS threads at once. Prints, per database and operation, the error
count (anything but 200/302), p50 and p95 latency, and p95 parallel / p95 serial.
Target: zero errors everywhere.

    .venv/bin/python bench/concurrency.py [--threads 20] [--requests 100] [--postgres URL]

PostgreSQL is measured when URL (default postgresql://postgres@127.0.0.1:5432/zi_bench,
created if missing) is reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Title (TITLE) >> endobj\n%%EOF\n"


def serve(url: str, evidence: str) -> None:
    """Child: build the demo in `url`, serve the app, print {"port", "assessment", "items"}."""
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    sys.path.insert(0, str(ROOT))
    import logging

    from werkzeug.serving import make_server

    from zi import demo, migrations
    from zi.config import PROJECT_DIR
    from zi.criteria import load_file
    from zi.db import database, open_database
    from zi.models import Answer, Assessment, Unit
    from zi.web import create_app

    criteria = load_file(PROJECT_DIR / "criteria" / "lke-2021.yaml")
    db = open_database(url)
    with db.connection_context():
        if not url.startswith("sqlite"):
            tables = db.get_tables()
            if tables:
                db.execute_sql("DROP TABLE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        migrations.upgrade(db)
        with db.atomic():
            demo.load(criteria)
        assessment = Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get().id
        versions = {a.item_code: a.version for a in Answer.select().where(
            (Answer.assessment == assessment) & (Answer.layer == "unit"))}
    database.close()
    app = create_app({"DATABASE_URL": url, "EVIDENCE_DIR": evidence, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    items = {i.code: versions.get(i.code, 0) for i in criteria.items if i.type == "abc"}
    print(json.dumps({"port": server.server_port, "assessment": assessment, "items": items}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


def _session(base: str):
    import requests

    session = requests.Session()
    session.post(f"{base}/login", data={"email": "pimpinan@contoh.go.id", "password": "zona-integritas"},
                 timeout=30)
    return session


def _run(base: str, info: dict, operation: str, threads: int, count: int) -> tuple[int, list[float]]:
    """`threads` workers, each with its own session (and its own item for answers, whose
    version it follows), sending count // threads requests one after another."""
    import requests

    a = info["assessment"]
    codes = list(info["items"])

    def worker(n: int) -> list[tuple[bool, float]]:
        session = _session(base)
        code = codes[n % len(codes)]
        results = []
        for k in range(count // threads):
            start = time.perf_counter()
            try:
                if operation == "upload":
                    body = PDF.replace(b"TITLE", f"{threads}-{n}-{k}-{time.time_ns()}".encode())
                    r = session.post(f"{base}/assessments/{a}/evidence/upload", timeout=120,
                                     files={"file": (f"bukti-{n}-{k}.pdf", body, "application/pdf")},
                                     data={"items": "P-MP-i-a"}, headers={"Accept": "application/json"})
                else:
                    r = session.post(f"{base}/assessments/{a}/items/{code}", timeout=120,
                                     allow_redirects=False,
                                     data={"value": "ABC"[k % 3], "note": f"{n}-{k}",
                                           "version": info["items"][code]})
                    info["items"][code] += 1
                ok = r.status_code in (200, 302)
            except requests.RequestException:
                ok = False
            results.append((ok, time.perf_counter() - start))
        return results

    with ThreadPoolExecutor(threads) as pool:
        results = [r for rs in pool.map(worker, range(threads)) for r in rs]
    return sum(not ok for ok, _ in results), [t for _, t in results]


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def measure(label: str, url: str, threads: int, count: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="zi-bench-") as tmp:
        child = subprocess.Popen([sys.executable, __file__, "--serve", url, str(Path(tmp) / "evidence")],
                                 stdout=subprocess.PIPE, text=True)
        try:
            info = json.loads(child.stdout.readline())
            base = f"http://127.0.0.1:{info['port']}"
            lines = []
            for operation in ("upload", "answer"):
                _, serial = _run(base, info, operation, 1, max(10, count // 5))
                errors, parallel = _run(base, info, operation, threads, count)
                p50, p95, base95 = _p(parallel, 50) * 1000, _p(parallel, 95) * 1000, _p(serial, 95) * 1000
                lines.append(f"{label:<10} {operation:<7} {threads:>3} threads {len(parallel):>5} requests  "
                             f"errors {errors:>3}   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
                             f"serial p95 {base95:6.1f} ms   ratio {p95 / base95:5.1f}")
            return lines
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)


def _postgres(url: str) -> str | None:
    try:
        import psycopg2
    except ImportError:
        return None
    try:
        psycopg2.connect(url).close()
        return url
    except psycopg2.OperationalError:
        base, _, name = url.rpartition("/")
        try:
            admin = psycopg2.connect(f"{base}/postgres")
            admin.autocommit = True
            admin.cursor().execute(f'CREATE DATABASE "{name}"')
            admin.close()
            return url
        except psycopg2.Error:
            return None


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/zi_bench")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory(prefix="zi-bench-db-") as tmp:
        lines += measure("SQLite", f"sqlite:///{Path(tmp) / 'zi.sqlite3'}", args.threads, args.requests)
    pg = _postgres(args.postgres)
    if pg:
        lines += measure("PostgreSQL", pg, args.threads, args.requests)
    else:
        lines.append(f"PostgreSQL not reachable at {args.postgres}: skipped")
    print("\n".join(lines))
    if any("errors   0" not in line for line in lines if "errors" in line):
        sys.exit(1)


if __name__ == "__main__":
    main()
