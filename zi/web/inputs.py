"""What a request carries, made safe once for every view: ids that fit the database, text without
control characters. A typed value can then only be refused with a message, never crash a query."""

from __future__ import annotations

from flask import Request, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter

from ..formatting import number
from ..paging import Page, paginate
from ..text import CONTROL_CHARS, TextTooLong
from .i18n import gettext, locale

MAX_ID = 2**31 - 1  # an INTEGER key on PostgreSQL; SQLite overflows past 2**63 - 1
FLASH_MAX_CHARS, FLASH_MAX_COUNT = 300, 8


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a number past MAX_ID is a page that does not exist (404), not a crash."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """`<…>` in a route: a segment with control characters (a NUL reaching PostgreSQL) or longer
    than 200 characters is a page that does not exist."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("maxlength", 200)
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]")


class CleanValues(ImmutableMultiDict):
    """Form and query values without control characters (PostgreSQL refuses NUL in text); tabs and
    line ends stay."""

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, dict):
            mapping = [(key, CONTROL_CHARS.sub("", value) if isinstance(value, str) else value)
                       for key, value in mapping]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = CleanValues


class BoundedFlashSessions(SecureCookieSessionInterface):
    """Messages that name what was typed (an unknown code, a file name) are cut to FLASH_MAX_CHARS
    and the last FLASH_MAX_COUNT kept: the session cookie stays under the 4 KB browsers accept."""

    def save_session(self, app, session, response):
        flashes = session.get("_flashes")
        if flashes and (len(flashes) > FLASH_MAX_COUNT
                        or any(len(message) > FLASH_MAX_CHARS for _, message in flashes)):
            session["_flashes"] = [
                (category, message if len(message) <= FLASH_MAX_CHARS else message[:FLASH_MAX_CHARS] + "…")
                for category, message in flashes[-FLASH_MAX_COUNT:]]
        return super().save_session(app, session, response)


def form_id(name: str, values=None) -> int | None:
    """An id from the form (or `values`): None when blank, 0 (which no row has) unless it is a
    whole number from 1 to MAX_ID."""
    return parse_id((request.form if values is None else values).get(name, ""))


def parse_id(raw: str) -> int | None:
    """A typed id (see form_id)."""
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return 0
    number = int(raw)
    return number if number <= MAX_ID else 0


def page_of(query, param: str = "page", per_page: int = 50) -> Page:
    """The page of `query` the query string asks for (`?page=3`); a page that is not a number is the first,
    one past the end the last."""
    return paginate(query, form_id(param, request.args), per_page)


def too_long(error: TextTooLong) -> str:
    """The refusal of a text over its limit, for the person who typed it."""
    return gettext("teks terlalu panjang (%(length)s karakter; paling banyak %(limit)s).",
                   length=number(error.length, 0, locale()), limit=number(error.limit, 0, locale()))


def install(app) -> None:
    app.request_class = CleanRequest
    app.session_interface = BoundedFlashSessions()
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
