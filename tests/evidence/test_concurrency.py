"""Uploads and answer saves sent in parallel, as a browser's drag and drop does, through the
real server on the test's database (SQLite file, or PostgreSQL with ZI_TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.evidence.helpers import pdf, stored_files
from tests.web.support import serve
from zi.demo import DEMO_PASSWORD
from zi.evidence import LocalStore
from zi.models import Answer, Assessment, EvidenceDocument, EvidenceFile, EvidenceLink, EvidenceRevision

THREADS, PER_THREAD = 20, 5


def _session(base: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base}/login", data={"email": email, "password": DEMO_PASSWORD},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302
    return session


@pytest.fixture
def own(db):
    return Assessment.select().order_by(Assessment.id).first()


def test_parallel_uploads_never_fail_and_leave_files_and_rows_consistent(app, db, own):
    before_docs = EvidenceDocument.select().count()
    db.close()
    statuses, errors = [], []
    lock = threading.Lock()
    with serve(app) as base:
        sessions = [_session(base, "pimpinan@contoh.go.id") for _ in range(THREADS)]

        def worker(n: int) -> None:
            for k in range(PER_THREAD):
                try:
                    response = sessions[n].post(
                        f"{base}/assessments/{own.id}/evidence/upload",
                        files={"file": (f"bukti-{n}-{k}.pdf", pdf(f"{n}-{k}"), "application/pdf")},
                        data={"items": "P-MP-i-a", "title": f"Bukti {n}-{k}"},
                        headers={"Accept": "application/json"}, timeout=60)
                    with lock:
                        statuses.append((response.status_code, response.text[:200]))
                except requests.RequestException as err:  # pragma: no cover - reported below
                    with lock:
                        errors.append(repr(err))

        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(worker, range(THREADS)))
    assert not errors
    failed = [s for s in statuses if s[0] != 200]
    assert not failed, failed[:5]
    assert len(statuses) == THREADS * PER_THREAD
    db.connect(reuse_if_open=True)
    assert EvidenceDocument.select().count() == before_docs + THREADS * PER_THREAD
    assert EvidenceLink.select().where(EvidenceLink.assessment == own).count() >= THREADS * PER_THREAD
    store = LocalStore(app.config["EVIDENCE_DIR"])
    on_disk = {p.name for p in stored_files(store.root)}
    in_rows = {f.sha256 for f in EvidenceFile.select()}
    assert in_rows == on_disk  # every row has its file and no file lacks its row
    assert EvidenceRevision.select().count() >= THREADS * PER_THREAD


def test_parallel_answer_saves_never_fail(app, db, own, criteria):
    codes = [item.code for item in criteria.items if item.type == "abc"][:THREADS]
    db.close()
    statuses = []
    lock = threading.Lock()
    with serve(app) as base:
        sessions = [_session(base, "pimpinan@contoh.go.id") for _ in range(len(codes))]

        def worker(n: int) -> None:
            code = codes[n]
            for k in range(PER_THREAD):
                version = Answer.get_or_none((Answer.assessment == own.id) & (Answer.layer == "unit")
                                             & (Answer.item_code == code))
                response = sessions[n].post(
                    f"{base}/assessments/{own.id}/items/{code}",
                    data={"value": "ABC"[k % 3], "note": f"catatan {k}",
                          "version": version.version if version else 0},
                    allow_redirects=False, timeout=60)
                with lock:
                    statuses.append(response.status_code)

        with ThreadPoolExecutor(len(codes)) as pool:
            list(pool.map(worker, range(len(codes))))
    assert statuses and all(s in (200, 302, 303) for s in statuses), statuses
    db.connect(reuse_if_open=True)
    for code in codes:
        answer = Answer.get((Answer.assessment == own.id) & (Answer.layer == "unit")
                            & (Answer.item_code == code))
        assert answer.value == "ABC"[(PER_THREAD - 1) % 3]
