"""The demo as on first start (`run.py`, `zi demo load`): its evidence documents are real PDFs in
the configured store, linked to the procurement unit's items, and show on the evidence page, in the
KemenPAN-RB manifest and to TPI for review."""

from __future__ import annotations

import hashlib
import io

import pytest
from click.testing import CliRunner

from tests.conftest import build_demo
from zi import demo
from zi.cli import main
from zi.db import database
from zi.evidence import LocalStore, bundle, service
from zi.evidence.sniff import kind_of
from zi.models import Assessment, EvidenceDocument, EvidenceLink, Unit

TITLES = [title.format(year=2026) for _, title, *_ in demo.DOCUMENTS]


def test_a_demo_pdf_is_a_one_page_pdf_with_its_text():
    pypdf = pytest.importorskip("pypdf")
    data = demo.pdf("SK Tim Kerja ZI 2026", ["Nomor 100/2026", "tentang Tim Kerja"])
    assert kind_of(data[:4096]) == ("pdf", "application/pdf")
    reader = pypdf.PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 1
    assert reader.metadata.title == "SK Tim Kerja ZI 2026"
    text = reader.pages[0].extract_text()
    assert "SK Tim Kerja ZI 2026" in text and "Nomor 100/2026" in text


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A demo with its evidence (SQLite; the suite's shared demo has none), read by this module's tests."""
    folder = tmp_path_factory.mktemp("demo")
    evidence = folder / "evidence"
    url = f"sqlite:///{folder / 'zi.sqlite3'}"
    build_demo(url, evidence)
    database.obj.close()
    return url, evidence


def procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()


def test_the_demo_stores_its_documents_and_links_them_to_procurement_items(demo_db):
    _, evidence = demo_db
    store = LocalStore(evidence)
    with database.connection_context():
        own = procurement()
        documents = list(EvidenceDocument.select().order_by(EvidenceDocument.id))
        assert [d.title for d in documents] == TITLES
        assert {d.unit_id for d in documents} == {own.unit_id}
        expected = {code for *_, codes, _ in demo.DOCUMENTS for code in codes}
        linked = {link.item_code for link in EvidenceLink.select().where(EvidenceLink.assessment == own)}
        assert linked == expected
        assert EvidenceLink.select().where(EvidenceLink.assessment != own).count() == 0
        shown = service.linked_documents(own)
        assert [d.title for d in (x.document for x in shown["P-MP-i-a"])] == ["SK Tim Kerja ZI 2026"]
        assert service.item_status(shown["P-MP-i-a"]) == "awaiting"
        result = bundle.verify(store)
    assert result.ok and result.checked == len(demo.DOCUMENTS), result


def test_the_demo_documents_show_on_the_evidence_page_and_download(demo_db, criteria_registry):
    from zi.web import create_app

    url, evidence = demo_db
    app = create_app({"TESTING": True, "DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "EVIDENCE_DIR": str(evidence)}, criteria=criteria_registry)
    client = app.test_client()
    signed_in = client.post("/login", data={"email": "tpi@contoh.go.id", "password": demo.DEMO_PASSWORD})
    assert signed_in.status_code == 302
    with database.connection_context():
        own = procurement()
        revision = EvidenceDocument.get(EvidenceDocument.title == TITLES[0]).revisions.get()
    page = client.get(f"/assessments/{own.id}/evidence").get_data(as_text=True)
    for title in TITLES:
        assert title in page
    download = client.get(f"/evidence/revisions/{revision.id}/file")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert hashlib.sha256(download.data).hexdigest() == revision.file.sha256
    database.close()


def test_the_kemenpan_manifest_lists_the_demo_documents(demo_db, criteria):
    from zi.dossier.gather import gather
    from zi.dossier.render import render_html

    with database.connection_context():
        own = procurement()
        html = render_html(gather(own, criteria, "kemenpan"))
        shas = {d.revisions.get().file.sha256 for d in EvidenceDocument.select()}
    for title in TITLES:
        assert title in html
    for sha in shas:
        assert sha in html


def test_zi_demo_load_puts_the_documents_in_the_configured_store(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'zi.sqlite3'}", "ZI_EVIDENCE_DIR": str(tmp_path / "ev"),
           "ZI_S3_BUCKET": "", "ZI_INSTANCE_DIR": str(tmp_path / "instance")}

    def zi(*args):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    loaded = zi("demo", "load")
    assert loaded.exit_code == 0, loaded.output
    verified = zi("evidence", "verify")
    database.close()
    assert verified.exit_code == 0, verified.output
    assert f"{len(demo.DOCUMENTS)} file(s) checked, 0 missing, 0 altered." in verified.output
