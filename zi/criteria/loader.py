"""Load criteria YAML into the frozen models, with every problem located by file, line and field.

Loading parses the YAML, refuses duplicate keys and lets pydantic check shapes and types; the
consistency rules (weights that add up, unique codes, options that fit the type) are in `checks`.
Every problem is reported with the file, the line and the field, and all of them at once: an
editor fixing a 3,000-line file should not have to re-run the check once per mistake.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .checks import check_semantics
from .model import Criteria

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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise CriteriaError([Problem(str(path), line, "", "", f"not UTF-8 text: {err.reason}")]) from None
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
    check_semantics(criteria, doc.report)
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
