"""How long a dossier takes: zi's whole pipeline against WeasyPrint alone on the same HTML.

Builds a throw-away SQLite demo database, completes the procurement unit's LKE (all 113 unit
answers, each with a short note, copied to the TPI layer), uploads 300 small PDF evidence
documents linked to the items, and (unless --draft) moves the assessment to accepted. Then:

  (a) zi's pipeline: zi.dossier.build.build(assessment, criteria, VARIANT)
      = gather → render_html → WeasyPrint in a forked child with RLIMIT_AS → bytes back
  (b) WeasyPrint alone, in this process, on the same HTML (render_html output):
      weasyprint.HTML(string=html).write_pdf()

Each is run --runs times (default 3); the medians, their ratio (target (a)/(b) ≤ 1.15), the page
count and peak memory (ru_maxrss of this process and of its children) are printed. (a) runs first,
before this process has imported WeasyPrint, as in the web app and the job worker (so every forked
child imports WeasyPrint itself); --preload imports it in the parent first, for comparison.

    .venv/bin/python bench/dossier.py [--documents 300] [--runs 3] [--variant internal] [--draft] [--preload]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-secret-key")

import yaml  # noqa: E402

from zi import answers as store  # noqa: E402
from zi import demo, migrations, workflow  # noqa: E402
from zi.access import Access  # noqa: E402
from zi.config import PROJECT_DIR  # noqa: E402
from zi.criteria import load_file  # noqa: E402
from zi.db import database, open_database  # noqa: E402
from zi.dossier.build import build  # noqa: E402
from zi.dossier.gather import VARIANTS, gather  # noqa: E402
from zi.dossier.render import render_html  # noqa: E402
from zi.evidence import LocalStore  # noqa: E402
from zi.evidence import service as evidence_service  # noqa: E402
from zi.models import Assessment, Unit, User  # noqa: E402

TARGET = 1.15
MB = 1024 * 1024


def small_pdf(number: int) -> bytes:
    """A valid one-page PDF (with a correct xref table) saying which document it is."""
    text = f"Data dukung nomor {number}".encode()
    stream = b"BT /F1 18 Tf 40 120 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 240] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{index} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def page_count(pdf: bytes) -> int:
    try:
        import pypdf
    except ImportError:  # the test extra is not installed: count page objects
        return len(re.findall(rb"/Type\s*/Page\b", pdf))
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def setup(folder: Path, documents: int, accept: bool):
    """The demo database with a complete, evidenced assessment; returns (assessment, criteria, store)."""
    criteria = load_file(PROJECT_DIR / "criteria" / "lke-2021.yaml")
    db = open_database(f"sqlite:///{folder / 'zi.sqlite3'}")
    with db.connection_context():
        migrations.upgrade(db)
        with db.atomic():
            demo.load(criteria)
    database.connect(reuse_if_open=True)
    assessment = Assessment.select().join(Unit).where(Unit.name == demo.PROCUREMENT).get()
    head = User.get(User.email == "pimpinan@contoh.go.id")
    tpi = User.get(User.email == "tpi@contoh.go.id")

    example = yaml.safe_load((PROJECT_DIR / "examples" / "bagian-pengadaan-2026.yaml").read_text())
    current = store.layer_answers(assessment, "unit")
    with database.atomic():
        for number, item in enumerate(criteria.items, start=1):
            old = current.get(item.code)
            note = (f"Bukti: SK Kepala Bagian Nomor {number}/ZI/2026, **ditetapkan** dan dipublikasikan; "
                    f"lihat data dukung butir {item.code}.")
            store.save_answer(criteria, assessment, head, "unit", item.code, example["answers"][item.code],
                              note, old.version if old else 0)

    evidence = LocalStore(folder / "evidence")
    codes = [item.code for item in criteria.items]
    for number in range(1, documents + 1):
        evidence_service.upload(evidence, assessment, head, io.BytesIO(small_pdf(number)),
                                f"Data dukung {number:03d}.pdf", criteria=criteria, max_bytes=10 * MB,
                                title=f"Data dukung {number:03d}",
                                item_codes=[codes[(number - 1) % len(codes)]])

    def act(action: str, user, **kw) -> None:
        workflow.transition(assessment, action, user, Access(user).roles(assessment.unit), **kw)

    act("submit", head, sptjm=True, sptjm_number="800/1/ZI/2026", sptjm_place="Kota Contoh")
    act("start_review", tpi)
    store.copy_unit_to_tpi(assessment, tpi)
    if accept:
        act("accept", tpi)
    return Assessment.get_by_id(assessment.id), criteria, evidence


def timed(function, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return times, result


def maxrss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variant", choices=list(VARIANTS), default="internal")
    parser.add_argument("--draft", action="store_true", help="leave the assessment in review (DRAFT dossier)")
    parser.add_argument("--preload", action="store_true",
                        help="import WeasyPrint in this process before (a), so each forked child inherits it "
                             "(what a preloading worker would do; the app does not)")
    args = parser.parse_args()
    if "weasyprint" in sys.modules:
        raise SystemExit("weasyprint must not be imported before (a): the app's parent never imports it")
    if args.preload:
        import weasyprint  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="zi-bench-dossier-") as tmp:
        start = time.perf_counter()
        assessment, criteria, evidence = setup(Path(tmp), args.documents, accept=not args.draft)
        prepared = time.perf_counter() - start
        layers = store.both_layers(assessment)
        linked = sum(len(docs) for docs in evidence_service.linked_documents(assessment).values())
        rss_setup = maxrss_mb(resource.RUSAGE_SELF)

        # (a) the whole pipeline
        pipeline_times, (pdf_a, _) = timed(lambda: build(assessment, criteria, args.variant, store=evidence),
                                           args.runs)
        from zi.dossier import render as render_module

        rss_children = render_module.last_peak_kb / 1024
        rss_after_a = maxrss_mb(resource.RUSAGE_SELF)

        # the parts of (a) before WeasyPrint, for the breakdown
        gather_times, data = timed(lambda: gather(assessment, criteria, args.variant), args.runs)
        html_times, html = timed(lambda: render_html(data), args.runs)

        # (b) WeasyPrint alone, in this process, on the same HTML
        from weasyprint import HTML

        weasy_times, pdf_b = timed(lambda: HTML(string=html).write_pdf(), args.runs)
        rss_after_b = maxrss_mb(resource.RUSAGE_SELF)
        database.close()

    a, b = statistics.median(pipeline_times), statistics.median(weasy_times)
    ratio = a / b
    runs = lambda times: ", ".join(f"{t:.2f}" for t in times)  # noqa: E731
    print(f"dossier variant:            {args.variant} ({'DRAFT' if args.draft else 'FINAL'}, "
          f"status {assessment.status}){'; WeasyPrint preloaded in the parent' if args.preload else ''}")
    print(f"data:                       {len(layers['unit'])} unit + {len(layers['tpi'])} TPI answers, "
          f"{args.documents} evidence PDFs ({linked} links), prepared in {prepared:.1f} s")
    print(f"HTML:                       {len(html) / 1024:.0f} KiB; pages: (a) {page_count(pdf_a)}, "
          f"(b) {page_count(pdf_b)}; PDF size (a) {len(pdf_a) / 1024:.0f} KiB")
    print(f"(a) zi pipeline build():    median {a:.2f} s   runs [{runs(pipeline_times)}]")
    print(f"      of which gather:      median {statistics.median(gather_times):.3f} s; "
          f"render_html: median {statistics.median(html_times):.3f} s")
    print(f"(b) WeasyPrint alone:       median {b:.2f} s   runs [{runs(weasy_times)}]")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"ratio (a)/(b):              {ratio:.3f}  (target ≤ {TARGET}: {verdict})")
    print(f"peak RSS, children (a):     {rss_children:.0f} MB (render child)")
    print(f"peak RSS, this process:     {rss_setup:.0f} MB after setup, {rss_after_a:.0f} MB after (a), "
          f"{rss_after_b:.0f} MB after (b)")


if __name__ == "__main__":
    main()
