"""What reading a filled LKE workbook gives: the answers of one layer keyed by item code, and every
place the file departs from the instrument. The reader (`reader.py`) produces it; the importer,
`zi score FILE.xlsx` and `zi lke import` consume it. Departures carry a message id and parameters
(translated where shown, like a DomainError), so nothing here picks a language."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ..messages import DomainError, render


class WorkbookRefused(DomainError):
    """The file cannot be read as an LKE workbook at all: not a workbook, corrupt, too large, a zip
    bomb, password protected, no sheet of the instrument. Nothing is imported."""


class DepartureKind(enum.Enum):
    """How a row departs from the instrument. `blocking` ones leave the item's answer out."""

    SUBTOTAL_MISMATCH = "subtotal_mismatch"   # a typed subtotal disagrees with its breakdown
    UNKNOWN_ANSWER = "unknown_answer"         # an answer the item's type does not know
    UNMATCHED_ROW = "unmatched_row"           # a row with text no item of the criteria matches
    MISSING_ITEM = "missing_item"             # an item of the criteria with no row in the file
    TYPE_LABEL = "type_label"                 # "Ya" where the template says "Ya/Tidak", etc.
    LETTER = "letter"                         # an item lettered unlike the official letter
    TEXT = "text"                             # matched, but its text differs from the criteria's
    EXTRA_SHEET = "extra_sheet"               # a sheet other than "LKE ZI" (Utama, Ctt Eval)
    FORMULA_ONLY = "formula_only"             # a formula cell without a cached value

    @property
    def blocking(self) -> bool:
        return self in (DepartureKind.UNKNOWN_ANSWER, DepartureKind.UNMATCHED_ROW,
                        DepartureKind.MISSING_ITEM)


@dataclass(frozen=True)
class Departure:
    kind: DepartureKind
    message_id: str               # an Indonesian message id, marked with N_ where it is written
    params: dict = field(default_factory=dict)
    row: int | None = None        # the sheet row (1-based), when the departure has one
    code: str | None = None       # the item code, when known

    def text(self, gettext=lambda text: text) -> str:
        return render(self.message_id, self.params, gettext)


@dataclass(frozen=True)
class EvidenceLine:
    """A data dukung line of an item: a URL becomes link evidence, other text stays a note."""

    text: str
    url: str | None = None


@dataclass
class WorkbookReading:
    """One layer of one filled workbook. `answers` is in zi's answer format (what
    `scoring.score` takes: option letters, "Ya"/"Tidak", a survey index as a decimal string, a
    mapping of counts for a % item); only items with a usable answer appear."""

    criteria_id: str                          # the criteria version detected from the texts
    layer: str                                # "unit" or "tpi"
    variant: str                              # "unit" (official layout) or "tpi" (TPI columns)
    answers: dict[str, object] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, list[EvidenceLine]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)        # item code → its row in the sheet
    departures: list[Departure] = field(default_factory=list)
    sheet: str = "LKE ZI"

    @property
    def blocking(self) -> list[Departure]:
        return [d for d in self.departures if d.kind.blocking]
