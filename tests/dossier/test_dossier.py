"""PDF dossiers (zi.dossier): what the PDFs say, who may fetch them, and how they are produced.

Rendering costs 2–4 s a PDF, so the demo drafts and the accepted (final) dossiers are rendered
once per module on their own copies of the demo database (module-scoped fixtures `drafts` and
`accepted`); the other tests render at most one PDF each. PDFs are read back with pypdf.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import re
import shutil
import struct
import threading
import zipfile
import zlib
from types import SimpleNamespace

import pypdf
import pytest
from click.testing import CliRunner

from tests.conftest import SPTJM_LETTER as LETTER
from tests.conftest import best_answer, build_demo
from zi import admin as ops
from zi import answers as store
from zi import scoring, workflow
from zi.access import Access
from zi.cli import main as cli
from zi.db import database, open_database
from zi.demo import DEMO_PASSWORD, PROCUREMENT
from zi.dossier.build import build
from zi.dossier.gather import VARIANTS, gather
from zi.dossier.render import RenderError, html_to_pdf, refuse_fetch, render_html
from zi.evidence import LocalStore
from zi.evidence import service as evidence_service
from zi.formatting import percent
from zi.models import Assessment, Dossier, DossierJob, Unit, User
from zi.web.filters import number

HEAD = "pimpinan@contoh.go.id"
TPI = "tpi@contoh.go.id"
ADMIN = "admin@contoh.go.id"
YEAR = 2026

slow = pytest.mark.slow
# One pytest-xdist worker runs this module (--dist loadgroup), so its module-scoped rendered
# dossiers are made once, not once per worker.
pytestmark = pytest.mark.xdist_group("dossier")



# --- reading PDFs back -------------------------------------------------------------------


def squash(text: str) -> str:
    """Whitespace collapsed to single spaces, so wrapped table cells compare as one line."""
    return " ".join(text.split())


class Pdf:
    def __init__(self, data: bytes):
        self.data = data
        self.reader = pypdf.PdfReader(io.BytesIO(data))
        self.pages = [page.extract_text() or "" for page in self.reader.pages]
        self.flat = squash(" ".join(self.pages))

    def __len__(self) -> int:
        return len(self.pages)

    def page(self, number: int) -> str:
        """The squashed text of page `number` (1-based, as printed)."""
        return squash(self.pages[number - 1])

    def outline(self) -> list[tuple[str, int]]:
        """Every bookmark, depth first: (title, 1-based page number)."""
        found = []

        def walk(entries):
            for entry in entries:
                if isinstance(entry, list):
                    walk(entry)
                else:
                    found.append((entry.title, self.reader.get_destination_page_number(entry) + 1))

        walk(self.reader.outline)
        return found

    def toc(self) -> list[tuple[str, int]]:
        """The entries of the "Daftar isi" page: (label, page number printed after the leader)."""
        page = next(text for text in self.pages if "Daftar isi" in text)
        return [(m["label"].strip(), int(m["page"]))
                for m in re.finditer(r"^(?P<label>[^\n]*?)\s*\.{4,}\s*(?P<page>\d+)\s*$", page, re.M)]

    def image_xobjects(self) -> int:
        """Image XObjects reachable from any page (through Form XObjects too)."""
        seen: set = set()
        count = 0

        def visit(resources):
            nonlocal count
            if resources is None:
                return
            xobjects = resources.get_object().get("/XObject")
            if xobjects is None:
                return
            for ref in xobjects.get_object().values():
                key = getattr(ref, "idnum", None) or id(ref)
                if key in seen:
                    continue
                seen.add(key)
                obj = ref.get_object()
                if obj.get("/Subtype") == "/Image":
                    count += 1
                elif obj.get("/Subtype") == "/Form":
                    visit(obj.get("/Resources"))

        for page in self.reader.pages:
            visit(page.get("/Resources"))
        return count


def has_code(text: str, code: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text) is not None


def small_pdf(text: str) -> bytes:
    """A real one-page PDF, unique per `text`."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    """A real 2x2 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# --- the database ------------------------------------------------------------------------


@contextlib.contextmanager
def connected(url: str):
    """Bind the database proxy to `url` and hold a connection for the block."""
    open_database(url)
    database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if not database.is_closed():
            database.close()


@pytest.fixture(scope="module")
def module_db(tmp_path_factory, demo_template):
    """A fresh copy of the SQLite demo database for a module-scoped fixture (built here when the
    suite runs on PostgreSQL, whose one database the function-scoped fixtures reset per test)."""

    def make(name: str) -> str:
        path = tmp_path_factory.mktemp(name) / "zi.sqlite3"
        if demo_template is not None:
            shutil.copy(demo_template, path)
        else:
            build_demo(f"sqlite:///{path}")
            database.close()
        return f"sqlite:///{path}"

    return make


def procurement() -> Assessment:
    return Assessment.select().join(Unit).where(Unit.name == PROCUREMENT).get()


def person(email: str) -> User:
    return User.get(User.email == email)


def fill(criteria, assessment, layer: str, user) -> None:
    current = store.layer_answers(assessment, layer)
    with database.atomic():
        for item in criteria.items:
            old = current.get(item.code)
            store.save_answer(criteria, assessment, user, layer, item.code, best_answer(item), "",
                              old.version if old else 0)


def transition(assessment, action: str, user, **kw) -> None:
    workflow.transition(assessment, action, user, Access(user).roles(assessment.unit), **kw)


def sign_in(client, email: str, password: str = DEMO_PASSWORD) -> None:
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def section_headings(criteria) -> list[str]:
    return [f"{area.number}. {area.name}" for area in criteria.areas] + ["Hasil"]


def expected_toc(criteria, variant: str) -> list[str]:
    if variant == "internal":
        return ["Ringkasan nilai", *section_headings(criteria), "Surat Pernyataan Tanggung Jawab Mutlak"]
    return ["Ringkasan nilai", "Lembar Kerja Evaluasi", *section_headings(criteria), "Daftar data dukung",
            "SPTJM dan pengesahan TPI"]


# --- the demo drafts, rendered once --------------------------------------------------------


@pytest.fixture(scope="module")
def demo_draft(module_db, criteria):
    """The demo assessment (draft, unit layer half answered) on its own database copy, with its
    scores computed twice: by zi.answers.report from the stored answers and by the scoring engine
    from the raw values."""
    url = module_db("drafts")
    with connected(url):
        assessment = procurement()
        answers = store.layer_answers(assessment, "unit")
        report = store.report(criteria, assessment, answers)
        engine = scoring.score(criteria, {code: a.value for code, a in answers.items()},
                               assessment.prior_predicate)
        status = assessment.status
    return SimpleNamespace(url=url, report=report, engine=engine, status=status)


@pytest.fixture(scope="module")
def drafts(demo_draft, criteria):
    """demo_draft plus both variants of its dossier, rendered once."""
    with connected(demo_draft.url):
        assessment = procurement()
        pdfs = {variant: Pdf(html_to_pdf(render_html(gather(assessment, criteria, variant))))
                for variant in VARIANTS}
    return SimpleNamespace(**vars(demo_draft), pdfs=pdfs)


variants = pytest.mark.parametrize("variant", list(VARIANTS))


def test_demo_scores_agree_between_report_and_engine(demo_draft):
    """The reference figures themselves: answers.report and scoring.score give the same exact
    fractions, and the demo is a real half-answered draft (not 0, not 100)."""
    report, engine = demo_draft.report, demo_draft.engine
    assert demo_draft.status == "draft"
    assert report.total == engine.total and 0 < report.total < 100
    assert report.components == engine.components
    assert {c: a.score for c, a in report.areas.items()} == {c: a.score for c, a in engine.areas.items()}
    assert len(report.unanswered) == len(engine.unanswered) > 0


@slow
@variants
def test_draft_prints_total_pengungkit_and_area_scores(drafts, criteria, variant):
    r, pdf = drafts.report, drafts.pdfs[variant]
    text = pdf.flat
    assert f"Nilai akhir {number(r.total)}" in pdf.page(1)
    assert f"{number(r.total)} Nilai total / 100" in text
    assert f"{number(r.components['pengungkit'])} Pengungkit / 60" in text
    assert f"{number(r.components['hasil'])} Hasil / 40" in text
    for area in criteria.areas:
        s = r.areas[area.code]
        row = (f"{area.number}. {area.name} {number(s.parts.get('pemenuhan', 0))} "
               f"{number(s.parts.get('reform', 0))} {number(s.score)} {number(s.weight)} "
               f"{squash(percent(s.percent))}")  # 86,79 % (a no-break space, a space in the PDF's text)
        assert row in text, f"summary row of area {area.code}"
    if variant == "internal":
        for area in criteria.areas:
            s = r.areas[area.code]
            assert f"Unit: {number(s.score)} ({squash(percent(s.percent))})" in text, area.code
    else:
        assert f"Nilai evaluasi Zona Integritas: {number(r.total)}" in text


@slow
@variants
def test_draft_lists_every_item_code(drafts, criteria, variant):
    codes = [item.code for item in criteria.items]
    assert len(codes) == len(set(codes)) == 113
    # The summary names up to 12 unanswered codes; only the item sections count here.
    text = re.sub(r"Belum lengkap:.*?\)\.", "", drafts.pdfs[variant].flat)
    missing = [code for code in codes if not has_code(text, code)]
    assert missing == []


@slow
@variants
def test_draft_table_of_contents_points_at_the_right_pages(drafts, criteria, variant):
    pdf = drafts.pdfs[variant]
    assert "Daftar isi" in pdf.page(2)
    toc = pdf.toc()
    assert [label for label, _ in toc] == expected_toc(criteria, variant)
    numbers = [page for _, page in toc]
    assert numbers == sorted(numbers) and numbers[0] > 2 and numbers[-1] <= len(pdf)
    first_hasil = next(item.code for item, where in criteria.walk_items() if where.area is None)
    for label, page in toc:
        # kemenpan's Hasil entry points into the LKE table (the HASIL rows / the first Hasil item)
        markers = ("B. HASIL", first_hasil) if (variant, label) == ("kemenpan", "Hasil") else (label,)
        assert any(m in pdf.page(page) for m in markers), f"{label!r} is not on page {page}"


@slow
@variants
def test_draft_outline_has_the_main_sections(drafts, criteria, variant):
    pdf = drafts.pdfs[variant]
    outline = pdf.outline()
    titles = [title for title, _ in outline]
    assert titles[:3] == ["Sampul", "Daftar isi", "Ringkasan nilai"]
    if variant == "kemenpan":
        assert {"Lembar Kerja Evaluasi", "Daftar data dukung", "SPTJM dan pengesahan TPI"} <= set(titles)
    toc = dict(pdf.toc())
    for title, page in outline:  # bookmarks and the printed table of contents agree
        if title in toc:
            assert page == toc[title], title
    assert dict(outline)["Daftar isi"] == 2


@slow
@pytest.mark.parametrize("variant", [
    "internal",
    "kemenpan",
])
def test_draft_outline_has_every_area(drafts, criteria, variant):
    titles = [title for title, _ in drafts.pdfs[variant].outline()]
    assert [t for t in section_headings(criteria) if t not in titles] == []


@slow
@variants
def test_draft_footer_counts_pages(drafts, variant):
    pdf = drafts.pdfs[variant]
    total = len(pdf)
    assert total >= 5
    for number_, text in enumerate(pdf.pages, start=1):
        assert f"Halaman {number_} dari {total}" in text


@slow
@variants
def test_draft_is_marked_on_every_page(drafts, variant):
    pdf = drafts.pdfs[variant]
    assert "DRAFT — belum diterima TPI" in pdf.page(1)
    for number_, text in enumerate(pdf.pages, start=1):
        assert "DRAFT" in text, f"page {number_}"
        # the watermark itself (a line of its own), not only the footer's "DRAFT · dibuat …"
        assert "DRAFT" in [line.strip() for line in text.splitlines()], f"page {number_}"
    assert "FINAL" not in pdf.flat


# --- accepted: the final dossiers, generated by the accept route ---------------------------


@pytest.fixture(scope="module")
def accepted(module_db, criteria, tmp_path_factory):
    """Unit layer completed with the best answers, submitted with SPTJM, in review, copied to TPI,
    then accepted by TPI through POST /assessments/<id>/action/accept (jobs run inline), and each
    final dossier downloaded twice."""
    from zi.web import create_app

    url = module_db("accepted")
    evidence_dir = tmp_path_factory.mktemp("accepted-evidence")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "EVIDENCE_DIR": str(evidence_dir)})
    with connected(url):
        assessment = procurement()
        head, tpi = person(HEAD), person(TPI)
        fill(criteria, assessment, "unit", head)
        transition(assessment, "submit", head, sptjm=True, **LETTER)
        transition(assessment, "start_review", tpi)
        assert store.copy_unit_to_tpi(assessment, tpi) == len(criteria.items)
        assessment_id = assessment.id
    client = app.test_client()
    sign_in(client, TPI)
    response = client.post(f"/assessments/{assessment_id}/action/accept")
    with connected(url):
        status = Assessment.get_by_id(assessment_id).status
        finals = {d.variant: d for d in Dossier.select().where(Dossier.assessment == assessment_id)}
        jobs = list(DossierJob.select().where(DossierJob.assessment == assessment_id))
    downloads = {}
    for variant, dossier in finals.items():
        downloads[variant] = [client.get(f"/dossiers/{dossier.id}/file") for _ in range(2)]
        for r in downloads[variant]:
            r.data_ = r.get_data()
    page = client.get(f"/assessments/{assessment_id}/dossiers")
    yield SimpleNamespace(url=url, evidence_dir=str(evidence_dir), assessment_id=assessment_id,
                          accept=response, status=status, finals=finals, jobs=jobs, downloads=downloads,
                          page=page.get_data(as_text=True), page_status=page.status_code)
    if not database.is_closed():
        database.close()


@slow
def test_accept_freezes_both_variants(accepted):
    assert accepted.accept.status_code == 302
    assert accepted.status == "accepted"
    assert sorted(accepted.finals) == sorted(VARIANTS)
    assert sorted((j.variant, j.final, j.status, j.progress) for j in accepted.jobs) == [
        (variant, True, "done", 100) for variant in sorted(VARIANTS)]


@slow
@variants
def test_final_has_no_draft_mark(accepted, variant):
    pdf = Pdf(accepted.downloads[variant][0].data_)
    for number_, text in enumerate(pdf.pages, start=1):
        assert "DRAFT" not in text, f"page {number_}"
        assert f"Halaman {number_} dari {len(pdf)}" in text
    assert "FINAL — diterima TPI" in pdf.page(1)
    assert "Nilai akhir 100,00" in pdf.page(1)  # every item at its best answer, TPI layer final


@slow
@variants
def test_final_download_is_stable_and_hashed(accepted, variant):
    first, second = accepted.downloads[variant]
    dossier = accepted.finals[variant]
    assert first.status_code == second.status_code == 200
    assert first.mimetype == "application/pdf" and first.data_.startswith(b"%PDF-")
    assert first.data_ == second.data_
    digest = hashlib.sha256(first.data_).hexdigest()
    assert first.headers["X-Content-SHA256"] == second.headers["X-Content-SHA256"] == digest
    assert dossier.sha256 == digest
    assert int(first.headers["Content-Length"]) == dossier.size == len(first.data_)
    assert "final" in first.headers["Content-Disposition"]


@slow
def test_dossiers_page_shows_the_final_hashes(accepted):
    assert accepted.page_status == 200
    for dossier in accepted.finals.values():
        assert dossier.sha256 in accepted.page
        assert f"/dossiers/{dossier.id}/file" in accepted.page


@slow
@variants
def test_cli_writes_the_frozen_final_bytes(accepted, tmp_path, variant):
    out = tmp_path / f"{variant}.pdf"
    env = {"DATABASE_URL": accepted.url, "ZI_EVIDENCE_DIR": accepted.evidence_dir}
    try:
        result = CliRunner().invoke(cli, ["dossier", PROCUREMENT, str(YEAR), "--variant", variant,
                                          "-o", str(out)], env=env, catch_exceptions=False)
    finally:
        if not database.is_closed():
            database.close()
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == accepted.downloads[variant][0].data_
    assert accepted.finals[variant].sha256 in result.output


# --- notes are text: no markup, no remote content ------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.requests.append(self.path)
        body = png_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    """An HTTP server on 127.0.0.1 that serves a PNG for every GET and records the paths."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/evil.png", "https://example.org/x.png", "file:///etc/passwd",
    "data:image/png;base64,iVBORw0KGgo=",
])
def test_refuse_fetch_refuses_everything(url):
    with pytest.raises(ValueError, match="does not fetch"):
        refuse_fetch(url)


def remote_image(recorder, name: str) -> str:
    return f'<p>kontrol-7Q</p><img src="{recorder.url}/{name}" style="width:20px">'


@slow  # these three render through WeasyPrint (1-4 s each, mostly its start-up)
def test_probes_see_a_fetch_and_an_image(recorder):
    """Control for the tests below: the recorder and the image count do notice a remote image
    that WeasyPrint's default fetcher loads."""
    from weasyprint import HTML

    fetched = Pdf(HTML(string=remote_image(recorder, "control.png")).write_pdf())
    assert recorder.requests == ["/control.png"]
    assert fetched.image_xobjects() == 1


@slow
def test_html_to_pdf_never_fetches(recorder):
    """Whatever reaches the renderer, nothing is fetched (at worst the render fails: see below)."""
    with contextlib.suppress(RenderError):
        html_to_pdf(remote_image(recorder, "render.png"))
    assert recorder.requests == []


@slow
def test_html_to_pdf_renders_without_the_refused_resource(recorder):
    pdf = Pdf(html_to_pdf(remote_image(recorder, "render.png")))
    assert "kontrol-7Q" in pdf.flat
    assert pdf.image_xobjects() == 0
    assert recorder.requests == []


@slow
def test_note_markup_and_remote_images_are_neither_active_nor_fetched(db, criteria, recorder):
    assessment = procurement()
    head = person(HEAD)
    note = ("Catatan CATATAN-7Q <b>tebal-7Q</b><script>alert('xss-7Q')</script>"
            f'<img src="{recorder.url}/evil.png"> <img src="http://127.0.0.1:9/evil.png">\n\n'
            f"![gambar-7Q]({recorder.url}/x.png)\n\n"
            f'<p><img src="{recorder.url}/block.png"></p>')
    current = store.layer_answers(assessment, "unit")["P-MP-i-a"]
    store.save_answer(criteria, assessment, head, "unit", "P-MP-i-a", current.value, note, current.version)

    html = render_html(gather(assessment, criteria, "internal"))
    assert "CATATAN-7Q" in html  # the note is in the dossier…
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "src=" not in lowered  # …as text only

    content, extension = build(assessment, criteria, "internal")
    pdf = Pdf(content)
    assert extension == "pdf"
    assert "CATATAN-7Q" in pdf.flat and "tebal-7Q" in pdf.flat
    assert recorder.requests == []
    assert pdf.image_xobjects() == 0


# --- who may fetch a dossier ----------------------------------------------------------------


@pytest.fixture
def stored_dossier(app, db):
    """A final Dossier and a finished DossierJob of the demo assessment, with a stored file
    (no rendering: the bytes are a small PDF)."""
    assessment = procurement()
    data = small_pdf("dosir")
    stored = LocalStore(app.config["EVIDENCE_DIR"]).put(io.BytesIO(data), len(data) + 1)
    dossier = Dossier.create(assessment=assessment, variant="internal", sha256=stored.sha256,
                             size=stored.size)
    job = DossierJob.create(assessment=assessment, variant="internal", status="done", progress=100,
                            sha256=stored.sha256, size=stored.size, created_by=person(ADMIN))
    return SimpleNamespace(assessment_id=assessment.id, dossier_id=dossier.id, job_id=job.id, data=data)


def _reads(s) -> list[str]:
    return [f"/dossiers/{s.dossier_id}/file", f"/dossiers/jobs/{s.job_id}", f"/dossiers/jobs/{s.job_id}.json",
            f"/dossiers/jobs/{s.job_id}/file", f"/assessments/{s.assessment_id}/dossiers"]


def test_other_instansi_admin_gets_404(client, login, db, stored_dossier):
    s = stored_dossier
    # control: the instansi's own admin reaches every one of them
    login(ADMIN)
    for path in _reads(s):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/dossiers/{s.dossier_id}/file").get_data() == s.data
    # an unknown variant is refused only after access was granted
    assert client.post(f"/assessments/{s.assessment_id}/dossiers",
                       data={"variant": "nope", "bundle": ""}).status_code == 400

    other = ops.get_or_create_instansi("Pemerintah Kota Lain")
    stranger = ops.create_user("admin@lain.go.id", "Admin Kota Lain", DEMO_PASSWORD, instansi=other)
    ops.assign_role(stranger, "admin", other)
    jobs_before = DossierJob.select().count()
    login("admin@lain.go.id")
    for path in _reads(s):
        response = client.get(path)
        assert response.status_code == 404, path
        assert s.data not in response.get_data()
    for variant in ("internal", "nope"):
        response = client.post(f"/assessments/{s.assessment_id}/dossiers",
                               data={"variant": variant, "bundle": ""})
        assert response.status_code == 404, variant
    assert DossierJob.select().count() == jobs_before


def test_anonymous_is_sent_to_login(client, db, stored_dossier):
    s = stored_dossier
    jobs_before = DossierJob.select().count()
    for path in _reads(s):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    response = client.post(f"/assessments/{s.assessment_id}/dossiers",
                           data={"variant": "internal", "bundle": ""})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert DossierJob.select().count() == jobs_before


# --- the job flow through the web -----------------------------------------------------------


def request_dossier(client, assessment_id: int, variant: str, bundle: str = ""):
    response = client.post(f"/assessments/{assessment_id}/dossiers",
                           data={"variant": variant, "bundle": bundle})
    assert response.status_code == 302
    found = re.search(r"/dossiers/jobs/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    job_id = int(found.group(1))
    return SimpleNamespace(id=job_id, page=client.get(f"/dossiers/jobs/{job_id}"),
                           status=client.get(f"/dossiers/jobs/{job_id}.json").get_json(),
                           file=client.get(f"/dossiers/jobs/{job_id}/file"))


def upload_pdf(app, assessment, user, criteria, data: bytes, code: str = "P-MP-i-a"):
    return evidence_service.upload(LocalStore(app.config["EVIDENCE_DIR"]), assessment, user, io.BytesIO(data),
                                   "SK Tim Kerja ZI.pdf", criteria=criteria,
                                   max_bytes=app.config["EVIDENCE_MAX_BYTES"], item_codes=[code])


@slow
def test_job_renders_a_pdf(client, login, db):
    assessment_id = procurement().id
    login(HEAD)
    job = request_dossier(client, assessment_id, "internal")
    assert job.page.status_code == 200
    assert job.status == {"status": "done", "progress": 100, "message": "Selesai",
                          "file": f"/dossiers/jobs/{job.id}/file"}
    assert job.file.status_code == 200 and job.file.mimetype == "application/pdf"
    data = job.file.get_data()
    assert job.file.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    assert DossierJob.get_by_id(job.id).sha256 in job.page.get_data(as_text=True)
    pdf = Pdf(data)
    assert f"Halaman 1 dari {len(pdf)}" in pdf.pages[0] and "Dosir internal TPI" in pdf.flat
    assert not DossierJob.get_by_id(job.id).final and Dossier.select().count() == 0  # drafts are not frozen


@slow
def test_job_zip_bundle_holds_the_dossier_and_the_index(app, client, login, db, criteria):
    assessment = procurement()
    evidence = small_pdf("SK Tim Kerja ZI 100/2026")
    upload_pdf(app, assessment, person(HEAD), criteria, evidence)
    login(HEAD)
    job = request_dossier(client, assessment.id, "kemenpan", "zip")
    assert job.status["status"] == "done" and job.status["progress"] == 100
    assert job.file.status_code == 200 and job.file.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(job.file.get_data())) as archive:
        names = archive.namelist()
        inner = f"dosir-kemenpan-bagian-pengadaan-barang-dan-jasa-{YEAR}.pdf"
        assert inner in names and "index.html" in names
        pdf = Pdf(archive.read(inner))
        assert any(archive.read(name) == evidence for name in names)  # the evidence tree too
    assert "Lembar Kerja Evaluasi" in pdf.flat and f"Halaman 1 dari {len(pdf)}" in pdf.pages[0]


@slow
def test_job_attach_bundle_embeds_the_evidence_pdfs(app, client, login, db, criteria):
    assessment = procurement()
    evidence = small_pdf("SK Tim Kerja ZI 100/2026")
    upload_pdf(app, assessment, person(HEAD), criteria, evidence)
    login(HEAD)
    job = request_dossier(client, assessment.id, "kemenpan", "attach")
    assert job.status["status"] == "done" and job.status["progress"] == 100
    assert job.file.status_code == 200 and job.file.mimetype == "application/pdf"
    pdf = Pdf(job.file.get_data())
    attachments = pdf.reader.attachments
    assert len(attachments) == 1
    (name, contents), = attachments.items()
    assert name.startswith("P-MP-i-a") and name.endswith(".pdf")
    assert contents == [evidence]


# --- the command line -------------------------------------------------------------------------


@slow
def test_cli_writes_a_draft_pdf(app, database_url, tmp_path):
    out = tmp_path / "dosir.pdf"
    env = {"DATABASE_URL": database_url, "ZI_EVIDENCE_DIR": app.config["EVIDENCE_DIR"]}
    try:
        result = CliRunner().invoke(cli, ["dossier", PROCUREMENT, str(YEAR), "--variant", "kemenpan",
                                          "-o", str(out)], env=env, catch_exceptions=False)
    finally:
        if not database.is_closed():
            database.close()
    assert result.exit_code == 0, result.output
    assert "DRAFT" in result.output
    pdf = Pdf(out.read_bytes())
    assert out.read_bytes().startswith(b"%PDF-")
    assert "Lembar Kerja Evaluasi" in pdf.flat
    assert all("DRAFT" in text for text in pdf.pages)
    assert f"Halaman {len(pdf)} dari {len(pdf)}" in pdf.pages[-1]


@slow
def test_a_dossier_asked_for_after_acceptance_is_the_frozen_final(accepted):
    """Once accepted, asking again gives the stored final bytes, not a new rendering."""
    from zi.web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": accepted.url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "EVIDENCE_DIR": accepted.evidence_dir})
    client = app.test_client()
    sign_in(client, TPI)
    job = request_dossier(client, accepted.assessment_id, "kemenpan")
    assert job.status["status"] == "done"
    final = accepted.finals["kemenpan"]
    assert hashlib.sha256(job.file.get_data()).hexdigest() == final.sha256
    assert "final" in job.file.headers["Content-Disposition"]
