"""Domain errors that carry a message id and its parameters, so that the web layer and the command
line can show them in the reader's language (domain code imports no Flask and picks no locale).

    raise WorkflowError(N_("Tindakan '%(action)s' tidak dapat dilakukan pada status %(status)s."),
                        action=Label(t.label), status=Label(status.label))

`str(err)` is the Indonesian text; `translate(err, gettext)` renders it with any gettext. A
parameter wrapped in `Label` is itself a message id (a status, a role) and is translated too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache


class Label(str):
    """A parameter that is a message id itself (a label), translated along with the message."""


class DomainError(ValueError):
    """A request the rules refuse; the message is for the user."""

    def __init__(self, message_id: str, /, **params):
        self.message_id = message_id
        self.params = params
        super().__init__(render(message_id, params, lambda text: text))

    def __str__(self) -> str:
        return render(self.message_id, self.params, lambda text: text)


def render(message_id: str, params: dict, gettext: Callable[[str], str]) -> str:
    """The message in the language of `gettext`; labels among the parameters translated too."""
    text = gettext(message_id)
    if not params:
        return text
    values = {k: gettext(v) if isinstance(v, Label) else v for k, v in params.items()}
    return text % values


def translate(err: BaseException, gettext: Callable[[str], str]) -> str:
    """A DomainError in the language of `gettext`; any other error as it reads."""
    if isinstance(err, DomainError):
        return render(err.message_id, err.params, gettext)
    return str(err)


@cache
def _catalogue(locale: str):
    from babel.support import NullTranslations, Translations

    from .catalogs import DIRECTORY

    if locale == "id":  # the message ids are Indonesian
        return NullTranslations()
    return Translations.load(str(DIRECTORY), [locale], domain="messages")


def in_locale(err: BaseException, locale: str | None = None) -> str:
    """For the command line: the message in ZI_LOCALE (Indonesian by default), without Flask."""
    locale = locale or os.environ.get("ZI_LOCALE", "").strip() or "id"
    return translate(err, _catalogue(locale).gettext)
