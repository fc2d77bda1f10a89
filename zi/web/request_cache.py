"""Reading something once per request: what a page's macros ask for item by item (an assessment's
survey records, TPI recommendations, open revision requests) is read in one query and kept on
flask.g until the request ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import g

T = TypeVar("T")


def per_request(name: str, key, load: Callable[[], T]) -> T:
    """`load()` the first time `name` is asked for `key` in this request, the same value after."""
    cache = g.setdefault(f"zi_once_{name}", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def forget(name: str) -> None:
    """Read `name` again when next asked (it changed during the request)."""
    g.pop(f"zi_once_{name}", None)
