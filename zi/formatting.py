"""Numbers and dates the Indonesian way, for web pages and PDF dossiers alike (no Flask here, so the
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


def date(value) -> str:
    """A date as Indonesian readers write it (31-12-2026); none is a dash."""
    return value.strftime("%d-%m-%Y") if value else "–"


def datetime(value) -> str:
    """A date and time to the minute (31-12-2026 14:05); zi stores UTC."""
    return value.strftime("%d-%m-%Y %H:%M") if value else "–"


def percent(value) -> str:
    """A whole percentage with the Indonesian decimal comma rules (75%)."""
    return number(value, 0) + "%"
