"""Load criteria YAML and check everything a person editing it can get wrong.

Every problem is reported with the file, the line and the field, and all of
them at once: an editor fixing a 3,000-line file should not have to re-run the
check once per mistake.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .model import ANSWER_TYPES, OPTION_TYPES, Criteria, as_fraction

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}"]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts + [self.message])


class CriteriaError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_file(path: str | Path) -> Criteria:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return load_text(text, str(path))


def load_directory(directory: str | Path) -> dict[str, Criteria]:
    """Every `*.yaml` of a folder, by criteria id; all files' problems are raised together."""
    found: dict[str, Criteria] = {}
    problems: list[Problem] = []
    for path in sorted(Path(directory).glob("*.y*ml")):
        try:
            criteria = load_file(path)
        except CriteriaError as err:
            problems.extend(err.problems)
            continue
        if criteria.id in found:
            problems.append(
                Problem(str(path), 1, "", "id",
                        f"duplicate criteria id {criteria.id!r} (also in {found[criteria.id].source})")
            )
            continue
        found[criteria.id] = criteria
    if problems:
        raise CriteriaError(problems)
    return found


def load_text(text: str, source: str = "<criteria>") -> Criteria:
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise CriteriaError([Problem(source, line, "", "", f"YAML syntax: {err.problem}")]) from None
    if root is None or not isinstance(root, yaml.MappingNode):
        raise CriteriaError([Problem(source, 1, "", "", "expected a mapping at the top of the file")])

    doc = _Document(source, root, yaml.load(text, Loader=Loader))
    doc.check_duplicate_keys(root)
    if doc.problems:
        raise CriteriaError(doc.problems)
    try:
        criteria = Criteria.model_validate(doc.data)
    except ValidationError as err:
        for e in err.errors():
            doc.report(e["loc"], _pydantic_message(e))
        raise CriteriaError(doc.problems) from None
    _check_semantics(criteria, doc)
    if doc.problems:
        raise CriteriaError(doc.problems)
    return criteria.model_copy(update={"source": source})


def _pydantic_message(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required field is missing"
    return error["msg"][0].lower() + error["msg"][1:]


class _Document:
    """The parsed data together with the YAML node tree that knows the line numbers."""

    def __init__(self, source: str, root: yaml.Node, data):
        self.source = source
        self.root = root
        self.data = data
        self.problems: list[Problem] = []

    def report(self, loc: tuple, message: str) -> None:
        line, loc = self._line(loc)
        where, field = self._where(loc)
        self.problems.append(Problem(self.source, line, where, field, message))

    def _line(self, loc: tuple) -> tuple[int, tuple]:
        """Line of the deepest node on `loc`, and `loc` without pydantic's union tags."""
        node, line, kept = self.root, self.root.start_mark.line + 1, []
        for step in loc:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == step), None)
                if match is None:
                    continue  # a union tag or a missing key: stay on the mapping
                node, line = match[1], match[0].start_mark.line + 1
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    break
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
            kept.append(step)
        missing = [s for s in loc[len(kept):] if isinstance(s, (str, int))]
        # A missing field is named too, though it has no node of its own.
        if missing and isinstance(node, yaml.MappingNode) and isinstance(missing[-1], str):
            kept.append(missing[-1])
        return line, tuple(kept)

    def _where(self, loc: tuple) -> tuple[str, str]:
        """The code of the nearest enclosing object, and the field path inside it."""
        value, where, start = self.data, "", 0
        for i, step in enumerate(loc):
            if isinstance(value, dict):
                label = value.get("code") or value.get("id")
                if label and isinstance(label, (str, int)):
                    where, start = str(label), i
                elif isinstance(value.get("area"), str):
                    where, start = f"{where} {value['area']}".strip(), i
                elif "numeral" in value and "name" in value:
                    where, start = f"{value['numeral']}. {value['name']}", i
                value = value.get(step)
            elif isinstance(value, list) and isinstance(step, int) and step < len(value):
                value = value[step]
            else:
                break
        if isinstance(value, dict) and (value.get("code") or value.get("id")):
            where, start = str(value.get("code") or value.get("id")), len(loc)
        field = ""
        for step in loc[start:]:
            field += f"[{step}]" if isinstance(step, int) else (f".{step}" if field else step)
        return where, field

    def check_duplicate_keys(self, node: yaml.Node, path: tuple = ()) -> None:
        if isinstance(node, yaml.MappingNode):
            seen = Counter()
            for key, value in node.value:
                seen[key.value] += 1
                if seen[key.value] == 2:
                    self.problems.append(
                        Problem(self.source, key.start_mark.line + 1, "", key.value,
                                "key appears twice in the same mapping")
                    )
                self.check_duplicate_keys(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                self.check_duplicate_keys(child, path + (i,))


def _sum(values) -> object:
    return sum((as_fraction(v) for v in values), start=as_fraction(0))


def _fmt(number) -> str:
    return f"{float(number):g}"


def _check_semantics(c: Criteria, doc: _Document) -> None:
    report = doc.report
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
