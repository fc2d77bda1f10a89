"""Numbers, dates and times for people, in their language (Babel), for web pages, charts and PDF
dossiers alike. No Flask here: the PDF worker does not import the web layer, so every function takes
the `locale` ("id" unless asked) and, for times, the time zone to show them in.

zi stores naive datetimes in UTC (zi.models.now); they are shown in the time zone of the unit they
belong to (its own, else its instansi's, else WIB), with the zone's Indonesian abbreviation:
`29 November 2026 21.05 WIB` (Indonesian), `29 November 2026 21:05 WIB` (English)."""

from __future__ import annotations

from datetime import UTC
from datetime import date as Date
from datetime import datetime as DateTime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from peewee import DoesNotExist

from .text import N_

DEFAULT_LOCALE = "id"
DASH = "–"

# Indonesia's three time zones: IANA name → (abbreviation shown after a time, label for a form).
ZONES = {
    "Asia/Jakarta": ("WIB", N_("WIB — Waktu Indonesia Barat (Asia/Jakarta)")),
    "Asia/Makassar": ("WITA", N_("WITA — Waktu Indonesia Tengah (Asia/Makassar)")),
    "Asia/Jayapura": ("WIT", N_("WIT — Waktu Indonesia Timur (Asia/Jayapura)")),
}
DEFAULT_ZONE = "Asia/Jakarta"

# A percent sign after a no-break space in Indonesian (86,79 %), none in English (86.79%).
_PERCENT = {"id": "\u00a0%"}
# Dates as both languages write them in full: 29 November 2026 / 29 November 2026. Times on the
# 24-hour clock, with the Indonesian dot (21.05) or the English colon (21:05).
_DATE = "d MMMM y"
_TIME = {"id": "HH.mm"}


def language(locale=None) -> str:
    """"id" or "en" from a Babel locale, a string such as "en_US", or nothing (Indonesian)."""
    text = str(locale or DEFAULT_LOCALE).replace("-", "_")
    return text.split("_")[0].lower() or DEFAULT_LOCALE


def _exact(value, places: int) -> Decimal | None:
    """The value rounded half away from zero (like Excel's ROUND), exactly also for fractions."""
    try:
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        elif isinstance(value, float):
            value = Decimal(repr(value))
        else:
            value = Decimal(value)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return None


def number(value, places: int = 2, locale=DEFAULT_LOCALE) -> str:
    """A number with `places` decimals and the locale's separators: 1.234,50 (id), 1,234.50 (en)."""
    if value is None or isinstance(value, bool):
        return DASH
    exact = _exact(value, places)
    if exact is None:
        return str(value)
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(exact, format=pattern, locale=language(locale))


def percent(value, places: int = 2, locale=DEFAULT_LOCALE) -> str:
    """A percentage given on 0–100: 86,79 % (id, with a no-break space), 86.79% (en)."""
    if value is None or isinstance(value, bool):
        return DASH
    lang = language(locale)
    return number(value, places, lang) + _PERCENT.get(lang, "%")


def date(value, locale=DEFAULT_LOCALE) -> str:
    """A date written out: 29 November 2026 (id), 29 November 2026 (en); none is a dash."""
    if not value:
        return DASH
    if not isinstance(value, Date):
        return str(value)
    return format_date(value, _DATE, locale=language(locale))


def zone_label(zone: str | None) -> str:
    """WIB, WITA or WIT."""
    return ZONES.get(zone or DEFAULT_ZONE, ZONES[DEFAULT_ZONE])[0]


@cache
def _zoneinfo(zone: str) -> ZoneInfo:
    return ZoneInfo(zone if zone in ZONES else DEFAULT_ZONE)


def local(value: DateTime, zone: str | None = DEFAULT_ZONE) -> DateTime:
    """A stored datetime (naive UTC, or aware) in `zone`."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(_zoneinfo(zone or DEFAULT_ZONE))


def datetime(value, locale=DEFAULT_LOCALE, zone: str | None = DEFAULT_ZONE) -> str:
    """A stored UTC time in `zone`, to the minute, with the zone: 29 November 2026 21.05 WIB."""
    if not value:
        return DASH
    if not isinstance(value, DateTime):
        return date(value, locale)
    lang = language(locale)
    shown = local(value, zone)
    return (f"{format_date(shown, _DATE, locale=lang)} "
            f"{format_time(shown, _TIME.get(lang, 'HH:mm'), locale=lang)} {zone_label(zone)}")


def zone_of(obj) -> str:
    """The time zone an object's times are shown in: a unit's own zone, else its instansi's, else
    WIB. Takes an instansi, a unit, or anything with a `unit`, `assessment` or `instansi` (an
    assessment, a document, a dossier job, an audit event), or a zone name."""
    for _ in range(5):  # object → assessment → unit → instansi
        if obj is None:
            break
        if isinstance(obj, str):
            return obj if obj in ZONES else DEFAULT_ZONE
        zone = getattr(obj, "timezone", None)
        if zone in ZONES:
            return zone
        try:
            obj = (getattr(obj, "unit", None) or getattr(obj, "assessment", None)
                   or getattr(obj, "instansi", None))
        except DoesNotExist:  # a row that refers to one deleted since
            break
    return DEFAULT_ZONE


def zone_choices() -> list[tuple[str, str]]:
    """(zone, label message id) for a form; the labels are translated where they are shown."""
    return [(zone, label) for zone, (_abbreviation, label) in ZONES.items()]


@cache
def _catalogue(lang: str):
    from babel.support import NullTranslations, Translations

    from .catalogs import DIRECTORY

    if lang == DEFAULT_LOCALE:  # the message ids are Indonesian
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [lang], domain="messages")


def translator(locale=DEFAULT_LOCALE):
    """gettext for `locale` without Flask: for charts, dossiers and other domain text."""
    return _catalogue(language(locale)).gettext
