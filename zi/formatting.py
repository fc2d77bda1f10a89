"""Numbers the Indonesian way, for web pages and PDF dossiers alike (no Flask here, so the
PDF worker does not import the web layer)."""

from __future__ import annotations

from fractions import Fraction

from .scoring import rounded


def number(value, places: int = 2) -> str:
    """2 decimals with a decimal comma (75,00), as Indonesian readers expect."""
    if value is None:
        return "–"
    if isinstance(value, Fraction):
        value = rounded(value, places)
    return f"{value:,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
