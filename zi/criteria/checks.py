"""The consistency rules of a criteria file, beyond what the models' types already check.

Codes are unique, weights add up at every level, options fit the answer type, formulas use the
item's own counts and thresholds name what exists. Each problem goes to `report(loc, message)`,
`loc` being the path in the document (as pydantic gives it), which the loader turns into a line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from .model import ANSWER_TYPES, OPTION_TYPES, Criteria, as_fraction

Report = Callable[[tuple, str], None]


def _sum(values) -> object:
    return sum((as_fraction(v) for v in values), start=as_fraction(0))


def _fmt(number) -> str:
    return f"{float(number):g}"


def check_semantics(c: Criteria, report: Report) -> None:
    """Every consistency rule of a criteria file; each broken one is passed to `report(loc, message)`."""
    codes = Counter()
    area_codes = {a.code for a in c.areas}
    for ai, area in enumerate(c.areas):
        if list(a.code for a in c.areas).count(area.code) > 1 and codes[("area", area.code)] == 0:
            report(("areas", ai, "code"), f"duplicate area code {area.code!r}")
        codes[("area", area.code)] += 1

    component_codes, sub_codes = set(), set()
    area_totals: dict[str, object] = {code: as_fraction(0) for code in area_codes}
    for ci, comp in enumerate(c.components):
        cloc = ("components", ci)
        if comp.code in component_codes:
            report(cloc + ("code",), f"duplicate component code {comp.code!r}")
        component_codes.add(comp.code)
        _check_total(report, cloc, "sub_components", comp.weight,
                     [s.weight for s in comp.sub_components], f"component {comp.code}")
        for si, sub in enumerate(comp.sub_components):
            sloc = cloc + ("sub_components", si)
            if sub.code in sub_codes or sub.code in component_codes:
                report(sloc + ("code",), f"duplicate sub-component code {sub.code!r}")
            sub_codes.add(sub.code)
            if bool(sub.areas) == bool(sub.items):
                report(sloc, "a sub-component holds either `areas` or `items`, not both or neither")
            if sub.areas:
                _check_total(report, sloc, "areas", sub.weight, [b.weight for b in sub.areas],
                             f"sub-component {sub.code}")
            else:
                for ii, item in enumerate(sub.items):
                    if item.weight is None:
                        report(sloc + ("items", ii, "weight"),
                               "an item directly under a sub-component needs its own weight")
                _check_total(report, sloc, "items", sub.weight,
                             [i.weight or 0 for i in sub.items], f"sub-component {sub.code}")
            for ii, item in enumerate(sub.items):
                _check_item(item, sloc + ("items", ii), report, codes)
            _check_letters(sub.items, sloc, report)
            for bi, block in enumerate(sub.areas):
                bloc = sloc + ("areas", bi)
                if block.area not in area_codes:
                    report(bloc + ("area",), f"unknown area {block.area!r}; "
                           f"declared areas: {', '.join(sorted(area_codes))}")
                elif [b.area for b in sub.areas].count(block.area) > 1:
                    report(bloc + ("area",), f"area {block.area} appears twice in {sub.code}")
                else:
                    area_totals[block.area] += as_fraction(block.weight)
                _check_total(report, bloc, "sub_areas", block.weight,
                             [s.weight for s in block.sub_areas], f"{sub.code} {block.area}")
                for sai, sub_area in enumerate(block.sub_areas):
                    saloc = bloc + ("sub_areas", sai)
                    own = [i.weight for i in sub_area.items if i.weight is not None]
                    if own and len(own) != len(sub_area.items):
                        report(saloc + ("items",), "give every item of the sub-area a weight, or none")
                    elif own:
                        _check_total(report, saloc, "items", sub_area.weight, own,
                                     f"sub-area {sub_area.numeral}. {sub_area.name}")
                    for ii, item in enumerate(sub_area.items):
                        _check_item(item, saloc + ("items", ii), report, codes)
                    _check_letters(sub_area.items, saloc, report)
    _check_total(report, (), "components", c.total_weight, [k.weight for k in c.components],
                 "the criteria")
    for ai, area in enumerate(c.areas):
        if area.code in area_totals and area_totals[area.code] != as_fraction(area.weight):
            report(("areas", ai, "weight"),
                   f"area {area.code} weighs {_fmt(area.weight)} but its blocks add up to "
                   f"{_fmt(area_totals[area.code])}")

    item_codes = {code for (kind, code) in codes if kind == "item"}
    predicate_codes = [p.code for p in c.predicates]
    for pi, pred in enumerate(c.predicates):
        ploc = ("predicates", pi)
        if predicate_codes.count(pred.code) > 1:
            report(ploc + ("code",), f"duplicate predicate code {pred.code!r}")
        for ri, prior in enumerate(pred.requires_prior):
            if prior not in predicate_codes:
                report(ploc + ("requires_prior", ri),
                       f"unknown predicate {prior!r}; known: {', '.join(predicate_codes)}")
        seen_ids = set()
        for ti, t in enumerate(pred.thresholds):
            tloc = ploc + ("thresholds", ti)
            if t.id in seen_ids:
                report(tloc + ("id",), f"duplicate threshold id {t.id!r}")
            seen_ids.add(t.id)
            known = {
                "component": component_codes,
                "sub_component": sub_codes,
                "area_percent": area_codes,
                "item": item_codes,
            }.get(t.measure)
            if known is None and t.ref is not None:
                report(tloc + ("ref",), f"measure {t.measure} takes no ref")
            elif known is not None and t.ref not in known:
                report(tloc + ("ref",), f"measure {t.measure} needs a ref, one of: "
                       f"{', '.join(sorted(known)[:12])}{' …' if len(known) > 12 else ''}")


def _check_total(report, loc, field, expected, parts, what) -> None:
    if not parts:
        return
    total = _sum(parts)
    if total != as_fraction(expected):
        report(loc + (field,), f"weights of {what} add up to {_fmt(total)}, "
               f"expected {_fmt(expected)}")


_LETTERS = re.compile(r"^[A-E]$")
# The official letter of an item: one lowercase letter, or "-" for a line the LKE prints unlettered
# (a sub-area's lone item, the R-PW-iii halves); empty when the file gives none.
_ITEM_LETTER = re.compile(r"^[a-z]$")
UNLETTERED = "-"


def _check_letters(items, loc, report) -> None:
    """Each item's official letter is a single lowercase letter a–z (or "-"), unique among the
    items of its sub-area (or of a sub-component's own items)."""
    seen: dict[str, str] = {}
    for ii, item in enumerate(items):
        letter = item.letter
        if not letter or letter == UNLETTERED:
            continue
        if not _ITEM_LETTER.match(letter):
            report(loc + ("items", ii, "letter"),
                   f"item {item.code}: letter must be a single lowercase letter a–z (or {UNLETTERED!r}), "
                   f"got {letter!r}")
        elif letter in seen:
            report(loc + ("items", ii, "letter"),
                   f"item {item.code}: letter {letter!r} is already used by {seen[letter]} in this sub-area")
        else:
            seen[letter] = item.code


def _check_item(item, loc, report, codes) -> None:
    if codes[("item", item.code)]:
        report(loc + ("code",), f"duplicate item code {item.code!r}")
    codes[("item", item.code)] += 1
    if item.type in OPTION_TYPES:
        expected = list(ANSWER_TYPES[item.type])
        given = item.option_keys
        if given != expected:
            shown = "Ya, Tidak" if item.type == "ya_tidak" else f"{expected[0]}–{expected[-1]}"
            report(loc + ("options",), f"expected {shown} for type {item.type} "
                   f"(in that order), got {', '.join(given) or 'none'}")
        if item.counts or item.formula:
            report(loc + ("counts" if item.counts else "formula",),
                   f"type {item.type} takes no counts or formula")
    elif item.type == "index_0_4":
        if item.options or item.counts or item.formula:
            report(loc + ("type",), "type index_0_4 takes no options, counts or formula")
    elif item.type == "percent":
        if item.options:
            report(loc + ("options",), "type percent takes counts and a formula, not options")
        if not item.counts:
            report(loc + ("counts",), "type percent needs its count inputs")
        if item.formula is None:
            report(loc + ("formula",), "type percent needs a formula")
        ids = item.count_ids
        for ci, count_id in enumerate(ids):
            if ids.index(count_id) != ci:
                report(loc + ("counts", ci, "id"), f"duplicate count id {count_id!r}")
        if item.formula is not None:
            f = item.formula
            used = (
                [("numerator", n) for n in f.numerator] + [("denominator", d) for d in f.denominator]
                if f.kind == "ratio" else [("previous", f.previous), ("current", f.current)]
            )
            for field, count_id in used:
                if count_id not in ids:
                    report(loc + ("formula", field),
                           f"unknown count {count_id!r}; counts of this item: {', '.join(ids)}")
    for oi, option in enumerate(item.options):
        if item.type != "ya_tidak" and not _LETTERS.match(option.key):
            report(loc + ("options", oi, "key"), f"option key must be a letter A–E, got {option.key!r}")
