"""The one translation layer: Indonesian message ids, an English catalogue beside them."""

from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale, gettext, lazy_gettext, ngettext

from ..catalogs import DIRECTORY
from ..formatting import DEFAULT_LOCALE, language

lazy = lazy_gettext


__all__ = ["DIRECTORY", "gettext", "lazy", "locale", "ngettext", "translate_error"]


def locale() -> str:
    """The reader's language ("id" or "en"), for zi.formatting, zi.charts and zi.audit."""
    if not has_request_context():
        return DEFAULT_LOCALE
    return language(get_locale())


def translate_error(err: BaseException) -> str:
    """A domain error (message id and parameters, zi.messages) in the reader's language."""
    from ..messages import translate

    return translate(err, gettext)
