"""Long lists come in pages with their total, never cut silently: peewee's `.paginate(page, per_page)` plus a
count of the whole query."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    rows: list
    number: int  # 1-based, within 1..pages
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_row(self) -> int:
        """The position of the page's first row in the whole list (1-based; 0 when it is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.rows) - 1 if self.rows else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query, number: int | None, per_page: int) -> Page:
    """Page `number` of `query` (an ordered peewee select); past the end is the last page."""
    total = query.count()
    pages = max(1, -(-total // per_page))
    number = min(max(1, number or 1), pages)
    return Page(list(query.paginate(number, per_page)), number, per_page, total)
