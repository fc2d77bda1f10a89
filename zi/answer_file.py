"""Reading an answer file (YAML or JSON) with bounds, so no file can hang or exhaust `zi score`.

A plain `yaml.safe_load` follows aliases: ten nested anchors of ten aliases each ("billion
laughs") make a value that is small in memory but a billion elements long the moment anything
walks or prints it, and deep nesting exhausts the recursion limit. This loader composes the
document itself and refuses, before anything is built: files over MAX_FILE_BYTES, more than
MAX_NODES nodes counting every alias as the whole subtree it stands for, nesting deeper than
MAX_DEPTH and numbers written with more than MAX_SCALAR_DIGITS characters.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

from .scoring import AnswerError, shown, shown_code

MAX_FILE_BYTES = 1024 * 1024  # an LKE answer file is a few KB
MAX_NODES = 5000  # 113 items with their counts need about 300
MAX_DEPTH = 20  # answers: item: counts: value is depth 4
MAX_SCALAR_DIGITS = 40  # an int or float scalar longer than this is no LKE value
TOP_KEYS = ("answers", "prior_predicate", "criteria", "unit", "period")
MAX_MESSAGE = 300


class LimitError(yaml.YAMLError):
    """The file is beyond one of the loader's bounds."""


class _Bounded:
    """Composition with a node budget and a depth limit; aliases spend their subtree's size."""

    def _start_bounds(self) -> None:
        self.zi_nodes = 0
        self.zi_depth = 0
        self.zi_sizes: dict[int, int] = {}  # id(node) -> expanded size, for anchored nodes

    def _spend(self, count: int, mark) -> None:
        self.zi_nodes += count
        if self.zi_nodes > MAX_NODES:
            raise LimitError(f"more than {MAX_NODES} values (aliases counted as what they repeat), "
                             f"line {mark.line + 1}")

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = self.zi_sizes.get(id(node))
                if size is None:  # the alias points into its own anchor: a cycle
                    raise LimitError(f"an alias refers to itself, line {event.start_mark.line + 1}")
                self._spend(size, event.start_mark)
            return super().compose_node(parent, index)
        event = self.peek_event()
        self.zi_depth += 1
        if self.zi_depth > MAX_DEPTH:
            raise LimitError(f"nested deeper than {MAX_DEPTH} levels, line {event.start_mark.line + 1}")
        before = self.zi_nodes
        self._spend(1, event.start_mark)
        node = super().compose_node(parent, index)
        self.zi_depth -= 1
        if getattr(event, "anchor", None) is not None:
            self.zi_sizes[id(node)] = self.zi_nodes - before
        return node

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        tag = node.tag.rsplit(":", 1)[-1]
        if tag in ("int", "float") and len(value) > MAX_SCALAR_DIGITS:
            raise LimitError(f"a number of {len(value)} characters, line {node.start_mark.line + 1}")
        return value


try:  # libyaml scans and parses in C (fast on long text); composing stays in Python, bounded.
    from yaml._yaml import CParser

    class _Loader(_Bounded, CParser, Composer, SafeConstructor, Resolver):
        def __init__(self, stream):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start_bounds()

        get_single_node = Composer.get_single_node
        compose_document = Composer.compose_document

except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Loader(_Bounded, yaml.SafeLoader):
        def __init__(self, stream):
            super().__init__(stream)
            self._start_bounds()


def load_text(text: str) -> object:
    """The document in `text`, or LimitError / yaml.YAMLError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _cut(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def read_answer_file(path: Path) -> dict:
    """An answer file as a mapping with an `answers` mapping; AnswerError says what is wrong."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)  # a device or FIFO is read no further
    except OSError as err:
        raise AnswerError([f"{path}: cannot be read: {err.strerror or err}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise AnswerError([f"{path}: larger than {MAX_FILE_BYTES // 1024} KB; an answer file is a few KB"])
    try:
        data = load_text(raw.decode("utf-8"))
    except LimitError as err:
        raise AnswerError([f"{path}: refused: {_cut(str(err))}"]) from None
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError) as err:
        # ValueError: e.g. an integer beyond Python's digit limit in a tag the loader parses itself.
        raise AnswerError([f"{path}: not a YAML or JSON file: {_cut(str(err))}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
        raise AnswerError([f"{path}: expected a mapping with an `answers` mapping"])
    unknown = sorted((shown_code(k) for k in data if k not in TOP_KEYS), key=str)
    if unknown:
        more = f" … and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise AnswerError([f"{path}: unknown key(s): {', '.join(unknown[:5])}{more}"])
    criteria = data.get("criteria")
    if criteria is not None and not isinstance(criteria, str):
        raise AnswerError([f"{path}: criteria: {shown(criteria)} is not allowed; expected a criteria id"])
    return data
