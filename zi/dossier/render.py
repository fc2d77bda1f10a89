"""HTML from the dossier templates, then PDF from WeasyPrint in a child process.

The child process has a memory ceiling (RLIMIT_AS), so one huge dossier cannot take the
web server down, a time limit, dies with the worker that started it, and WeasyPrint may fetch
nothing but the inline data it is given.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import resource
import signal
import tempfile
import threading
from contextvars import ContextVar
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .. import formatting
from ..config import TEMPLATES_DIR
from ..report_format import answer_text
from ..text import render_markdown
from .gather import DossierData

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
last_peak_kb = 0  # peak memory of the latest render's child process, for bench/dossier.py
_live: set = set()  # renderer processes this process is waiting for
_stopping = False  # set by kill_all: this process renders nothing more
_live_lock = threading.Lock()


class RenderError(RuntimeError):
    pass


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v, places=2: formatting.number(v, places, _locale())
    env.filters["pct"] = lambda v, places=2: formatting.percent(v, places, _locale())
    env.filters["markdown"] = lambda text: Markup(render_markdown(text))
    # times in the unit's zone (WIB, WITA, WIT), named after the time
    env.filters["dt"] = lambda v: formatting.datetime(v, _locale(), _zone())
    env.filters["date"] = lambda v: formatting.date(v, _locale())
    env.filters["answer_text"] = lambda v, item: answer_text(item, v, _locale())
    return env


# The dossier being rendered (in this thread or task): its language and time zone reach the filters
# also inside imported macros, which do not see the template's variables.
_rendering: ContextVar[DossierData | None] = ContextVar("zi_dossier", default=None)


def _locale() -> str:
    """The dossier's language for numbers and dates (Indonesian unless gather was asked otherwise)."""
    return getattr(_rendering.get(), "locale", formatting.DEFAULT_LOCALE)


def _zone() -> str:
    data = _rendering.get()
    return data.zone if data is not None else formatting.DEFAULT_ZONE


_env = _environment()


def render_html(data: DossierData) -> str:
    template = _env.get_template(f"dossier/{data.variant}.html")
    token = _rendering.set(data)
    try:
        return template.render(d=data, a=data.assessment, c=data.criteria, Markup=Markup)
    finally:
        _rendering.reset(token)


def refuse_fetch(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher: nothing outside the document is ever loaded."""
    raise ValueError(f"dossier rendering does not fetch {url!r}")


def _die_with_parent(parent_alive) -> None:
    """The renderer must not outlive the worker that asked for it (a killed worker once left a
    renderer running at 1.2 GB). Its parent is the fork server, which does not help: every child
    of the fork server holds the pipe that keeps the fork server alive, so the two outlive the
    worker together. The worker holds the only write end of `parent_alive`: end-of-file there
    means the worker is gone, and the renderer kills itself (the fork server then exits on its
    own). PR_SET_PDEATHSIG covers a fork server killed by someone else."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            parent_alive.recv_bytes()
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _child(html: str, out: str, attachments: list[tuple[str, str]], parent_alive, limits) -> None:
    """Runs in the child only: the web process never imports WeasyPrint itself."""
    _die_with_parent(parent_alive)
    memory, timeout = limits
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # A backstop for the wall-clock timeout the worker enforces: CPU time beyond it ends the child.
    resource.setrlimit(resource.RLIMIT_CPU, (timeout + 10, timeout + 15))
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    class _RefuseAll(URLFetcher):
        """WeasyPrint skips a resource its fetcher refuses; the rest of the document renders."""

        def fetch(self, url, headers=None):
            return refuse_fetch(url)

    files = [Attachment(filename=path, description=name) for name, path in attachments]
    HTML(string=html, url_fetcher=_RefuseAll(), base_url=None).write_pdf(out, attachments=files or None)
    Path(out + ".rss").write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, "").strip() or default)


def kill_all() -> int:
    """The process is stopping: kill every renderer it is waiting for, and any it starts from now
    on; their jobs fail with a render error. Returns how many were killed."""
    global _stopping
    with _live_lock:
        _stopping = True
        running = [process for process in _live if process.pid is not None]
    for process in running:
        process.kill()
    return len(running)


def html_to_pdf(html: str, attachments: list[tuple[str, str]] | None = None) -> bytes:
    """PDF bytes of `html`, typeset in a child process with a memory ceiling and a time limit
    (ZI_DOSSIER_MEMORY_MB, ZI_DOSSIER_TIMEOUT, read at each render)."""
    memory = _setting("ZI_DOSSIER_MEMORY_MB", 2048) * 1024 * 1024
    timeout = _setting("ZI_DOSSIER_TIMEOUT", 600)
    with tempfile.TemporaryDirectory(prefix="zi-dossier-") as tmp:
        out = str(Path(tmp) / "dossier.pdf")
        # A fork server with WeasyPrint already imported: each render starts in a fresh,
        # small process without paying for the import again.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint"])
        parent_alive, keep_open = context.Pipe(duplex=False)
        # daemon: a process exiting kills its renderer instead of waiting for it.
        process = context.Process(target=_child, args=(html, out, attachments or [], parent_alive,
                                                       (memory, timeout)), daemon=True)
        with _live_lock:
            _live.add(process)
        try:
            process.start()
            parent_alive.close()  # the child has its own copy now
            with _live_lock:
                if _stopping:
                    process.kill()
            process.join(timeout)
            if process.is_alive():
                process.kill()
                process.join()
                raise RenderError(f"rendering the dossier took longer than {timeout} s")
        finally:
            keep_open.close()
            with _live_lock:
                _live.discard(process)
        if process.exitcode != 0 or not os.path.exists(out):
            raise RenderError(f"rendering the dossier failed (exit code {process.exitcode})")
        global last_peak_kb
        last_peak_kb = int(Path(out + ".rss").read_text())
        return Path(out).read_bytes()
