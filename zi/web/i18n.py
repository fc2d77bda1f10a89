"""The one translation layer: Indonesian message ids, an English catalogue beside them."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext, ngettext

from ..catalogs import DIRECTORY

lazy = lazy_gettext


__all__ = ["DIRECTORY", "gettext", "lazy", "ngettext", "translate_error"]


def translate_error(err: BaseException) -> str:
    """A domain error (message id and parameters, zi.messages) in the reader's language."""
    from ..messages import translate

    return translate(err, gettext)
