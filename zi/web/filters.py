"""Jinja filters: numbers the Indonesian way, statuses and dates."""

from __future__ import annotations

from fractions import Fraction

from ..scoring import rounded
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


def number(value, places: int = 2) -> str:
    """2 decimals with a decimal comma (75,00), as Indonesian readers expect."""
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = rounded(value, places)
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def register(app) -> None:
    app.jinja_env.filters["num"] = number
    app.jinja_env.filters["status"] = lambda s: gettext(STATUS_LABELS.get(s, s))
    app.jinja_env.filters["role"] = lambda r: gettext(ROLE_LABELS.get(r, r))
    app.jinja_env.filters["dt"] = lambda d: d.strftime("%d-%m-%Y %H:%M") if d else "–"
    app.jinja_env.filters["pct"] = lambda v: number(v, 0) + "%"
