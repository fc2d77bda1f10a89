"""Versions of the item bank: what changed between two criteria files that share their codes.

A period names its criteria version; copying last year's answers into a period of another version
maps them by code, so the people confirming them must be told which items now read differently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .loader import CriteriaError, load_directory
from .model import Criteria, Item


@dataclass(frozen=True)
class VersionChange:
    old: str
    new: str
    changed: tuple[str, ...]  # codes in both versions whose wording differs
    dropped: tuple[str, ...]  # codes the new version no longer has
    added: tuple[str, ...]


def _wording(item: Item) -> tuple:
    return (item.heading, item.text, item.type,
            tuple((o.key, o.text) for o in item.options), tuple((c.id, c.label) for c in item.counts))


def compare(old: Criteria, new: Criteria) -> VersionChange:
    old_items, new_items = old.items_by_code, new.items_by_code
    return VersionChange(
        old.id, new.id,
        changed=tuple(c for c in old_items
                      if c in new_items and _wording(old_items[c]) != _wording(new_items[c])),
        dropped=tuple(c for c in old_items if c not in new_items),
        added=tuple(c for c in new_items if c not in old_items),
    )


def compare_ids(old_id: str, new_id: str, directory: str | Path) -> VersionChange | None:
    """The change between two versions found in `directory`; None when either is not there."""
    found = _registry(str(directory), _stamp(directory))
    if old_id not in found or new_id not in found:
        return None
    return compare(found[old_id], found[new_id])


def _stamp(directory: str | Path) -> tuple:
    """File names and modification times, so an edited criteria folder is read again."""
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in Path(directory).glob("*.y*ml")))
    except OSError:
        return ()


@lru_cache(maxsize=4)
def _registry(directory: str, stamp: tuple) -> dict[str, Criteria]:
    if not os.path.isdir(directory):
        return {}
    try:
        return load_directory(directory)
    except CriteriaError:
        return {}
