"""Jinja filters: numbers the Indonesian way, statuses and dates."""

from __future__ import annotations

from ..formatting import number
from ..text import N_
from ..workflow import STATUS_LABELS
from .i18n import gettext

ROLE_LABELS = {
    "admin": N_("Admin instansi"),
    "member": N_("Anggota tim kerja"),
    "head": N_("Pimpinan unit"),
    "tpi": N_("Evaluator TPI"),
    "reviewer": N_("Reviewer"),
}


def register(app) -> None:
    app.jinja_env.filters["num"] = number
    app.jinja_env.filters["status"] = lambda s: gettext(STATUS_LABELS.get(s, s))
    app.jinja_env.filters["role"] = lambda r: gettext(ROLE_LABELS.get(r, r))
    app.jinja_env.filters["dt"] = lambda d: d.strftime("%d-%m-%Y %H:%M") if d else "–"
    app.jinja_env.filters["pct"] = lambda v: number(v, 0) + "%"
