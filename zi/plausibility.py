"""Counts that cannot all be true, told as a warning beside the item. The answer is saved anyway:
the LKE's formulas (reference §9, zi/scoring.py) stay as the workbook has them, and a unit may have
typed one count before correcting another; the warning says what to look at again.

The rules follow the count ids of the criteria, not item codes, so any criteria version naming its
counts so gets them: complaints being processed plus those completed come out of those to follow
up (R-PW-ii-a), and whoever reported is among those obliged to report, the formula's denominator
(R-PW-iii-a, R-PW-iii-b). Messages are ids with parameters; the web layer translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .criteria import Item
from .text import N_

DENOMINATOR = "denominator"  # a rule's whole: the sum of the item's ratio formula denominator


@dataclass(frozen=True)
class Rule:
    """The counts `parts` together cannot exceed the counts `whole`."""

    parts: tuple[str, ...]
    whole: tuple[str, ...] | str
    message_id: str

    def whole_ids(self, item: Item) -> tuple[str, ...]:
        if self.whole != DENOMINATOR:
            return tuple(self.whole)
        formula = item.formula
        return tuple(formula.denominator) if formula is not None and formula.kind == "ratio" else ()

    def applies(self, item: Item) -> bool:
        ids = set(item.count_ids)
        whole = set(self.whole_ids(item))
        return bool(whole) and set(self.parts) <= ids and whole <= ids and not whole & set(self.parts)


RULES: tuple[Rule, ...] = (
    Rule(("in_process", "completed"), ("to_follow_up",),
         N_("Pengaduan yang sedang diproses dan yang selesai (%(parts)s) lebih banyak daripada "
            "pengaduan yang harus ditindaklanjuti (%(whole)s). Jawaban tetap disimpan; periksa "
            "kembali jumlahnya.")),
    Rule(("reported",), DENOMINATOR,
         N_("Yang sudah melaporkan (%(parts)s) lebih banyak daripada yang wajib melaporkan "
            "(%(whole)s). Jawaban tetap disimpan; periksa kembali jumlahnya.")),
)


@dataclass(frozen=True)
class Finding:
    """One implausible combination: a message id, its parameters and the counts involved."""

    message_id: str
    params: dict = field(default_factory=dict)
    counts: tuple[str, ...] = ()


def rules_for(item: Item) -> list[Rule]:
    return [rule for rule in RULES if item.type == "percent" and rule.applies(item)]


def check(item: Item, value: object) -> list[Finding]:
    """Findings for a stored answer (counts by id); none for other answers or missing counts."""
    if not isinstance(value, Mapping):
        return []
    findings = []
    for rule in rules_for(item):
        whole_ids = rule.whole_ids(item)
        numbers = [value.get(c) for c in (*rule.parts, *whole_ids)]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            continue
        parts = sum(value[c] for c in rule.parts)
        whole = sum(value[c] for c in whole_ids)
        if parts > whole:
            findings.append(Finding(rule.message_id, {"parts": parts, "whole": whole},
                                    (*rule.parts, *whole_ids)))
    return findings
