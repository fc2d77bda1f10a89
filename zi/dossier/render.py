"""HTML from the dossier templates, then PDF from WeasyPrint in a child process.

The child process has a memory ceiling (RLIMIT_AS), so one huge dossier cannot take the
web server down, and WeasyPrint may fetch nothing but the inline data it is given.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..config import PROJECT_DIR
from ..text import render_markdown
from ..web.filters import number
from .gather import DossierData

MEMORY_LIMIT = int(os.environ.get("ZI_DOSSIER_MEMORY_MB", "2048")) * 1024 * 1024
TIMEOUT = int(os.environ.get("ZI_DOSSIER_TIMEOUT", "600"))
last_peak_kb = 0  # peak memory of the latest render's child process, for bench/dossier.py


class RenderError(RuntimeError):
    pass


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(PROJECT_DIR / "templates")),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    env.filters["markdown"] = lambda text: Markup(render_markdown(text))
    env.filters["dt"] = lambda d: d.strftime("%d-%m-%Y %H:%M") if d else "–"
    env.filters["date"] = lambda d: d.strftime("%d-%m-%Y") if d else "–"
    return env


_env = _environment()


def render_html(data: DossierData) -> str:
    template = _env.get_template(f"dossier/{data.variant}.html")
    return template.render(d=data, a=data.assessment, c=data.criteria, Markup=Markup)


def refuse_fetch(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: nothing outside the document is ever loaded."""
    raise ValueError(f"dossier rendering does not fetch {url!r}")


def _child(html: str, out: str, attachments: list[tuple[str, str]]) -> None:
    """Runs in the child only: the web process never imports WeasyPrint itself."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    class _RefuseAll(URLFetcher):
        """WeasyPrint skips a resource its fetcher refuses; the rest of the document renders."""

        def fetch(self, url, headers=None):
            return refuse_fetch(url)

    files = [Attachment(filename=path, description=name) for name, path in attachments]
    HTML(string=html, url_fetcher=_RefuseAll(), base_url=None).write_pdf(out, attachments=files or None)
    Path(out + ".rss").write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def html_to_pdf(html: str, attachments: list[tuple[str, str]] | None = None) -> bytes:
    """PDF bytes of `html`, typeset in a child process with a memory ceiling."""
    with tempfile.TemporaryDirectory(prefix="zi-dossier-") as tmp:
        out = str(Path(tmp) / "dossier.pdf")
        # A fork server with WeasyPrint already imported: each render starts in a fresh,
        # small process without paying for the import again.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint"])
        process = context.Process(target=_child, args=(html, out, attachments or []))
        process.start()
        process.join(TIMEOUT)
        if process.is_alive():
            process.kill()
            raise RenderError("rendering the dossier took too long")
        if process.exitcode != 0 or not os.path.exists(out):
            raise RenderError(f"rendering the dossier failed (exit code {process.exitcode})")
        global last_peak_kb
        last_peak_kb = int(Path(out + ".rss").read_text())
        return Path(out).read_bytes()
