"""Reads a filled LKE workbook (sheet "LKE ZI" of PermenPAN-RB 90/2021 Lampiran III, or the
circulated TPI variant) into one layer's answers, notes and data dukung, with every departure from
the instrument reported.

Rows are matched by the instrument's structure and text, not by row numbers: the numbering columns
(component A., sub-component I., area 1., sub-area i., item a., `-` count lines) say where a row
sits, and each item row is matched within its sub-area to the criteria's item whose text is most
alike, so items lettered out of order and templates of other years still import. The criteria
version (lke-2021 "LHKASN" or lke-2025 "Non LHKPN") is the one whose texts match best.

Pure: no database, no Flask. The file is checked (size, kind, zip bomb, password) before openpyxl
reads it (`safety.py`)."""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from .. import scoring
from ..criteria.model import ANSWER_TYPES, INDEX_MAX, Criteria, Item
from ..states import Layer
from ..text import N_
from . import layout as L
from . import safety
from .reading import Departure, DepartureKind, EvidenceLine, WorkbookReading, WorkbookRefused

LAYERS = tuple(layer.value for layer in Layer)  # the layers a workbook is read into (one list)
VARIANT_UNIT, VARIANT_TPI = "unit", "tpi"
MAX_ROWS = 1_500        # the instrument has ~210 rows; a sheet is read no further than this
GLOBAL_TRIES = 30       # rows outside any sub-area tried against every item (each try is costly)
MAX_CANDIDATES = 300    # item rows matched at all (the instrument has 113); further ones are unmatched
MAX_COUNT_LINES = 6     # count lines one % item takes (the instrument's have 2 to 4)
WORD_FLOOR = 0.4        # texts sharing fewer words than this are not alike
WORD_ORDER_FLOOR = 0.25  # ... or whose words, in order, agree less than this
MAX_COMPARISONS = 1_000  # letter-by-letter comparisons (ms each) for one file; further ones fail
MAX_COLUMNS = 40
MAX_SHEETS = 30         # sheets read for the instrument; any further ones are only named
HEADER_SEARCH_ROWS = 30
MATCH_MIN = 0.6         # text similarity for an item row inside its sub-area
GLOBAL_MATCH_MIN = 0.8  # ... for a row matched outside its sub-area (numbering missing or odd)
COUNT_MATCH_MIN = 0.6
SAME_TEXT = 0.999
TOLERANCE = 0.005 + 1e-9  # a typed subtotal this close to its breakdown agrees (typed to 2 places)
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
DASHES = " \t-–—:|•·,;"

MSG_NOT_LKE = N_("Berkas ini bukan LKE: tidak ada lembar berisi instrumen LKE Zona Integritas "
                 "(kolom Jawaban dan butir-butirnya).")
MSG_UNKNOWN_CRITERIA = N_("Kriteria %(criteria)s tidak dikenal.")
MSG_UNKNOWN_LAYER = N_("Lapisan %(layer)s tidak dikenal; pilih unit atau tpi.")
MSG_ANSWER = N_("Baris %(row)s: jawaban '%(answer)s' pada butir %(code)s tidak dikenal; yang diterima: "
                "%(allowed)s.")
MSG_INDEX_SCALE = N_("Baris %(row)s: nilai survei %(answer)s pada butir %(code)s di luar skala 0–4. "
                     "Bila nilainya berskala 0–100, bagi dengan 25: %(hint)s.")
MSG_COUNT = N_("Baris %(row)s: jumlah '%(answer)s' (%(label)s) pada butir %(code)s bukan bilangan "
               "bulat ≥ 0.")
MSG_COUNT_BLANK = N_("Butir %(code)s: jumlah '%(label)s' belum diisi; jawaban butir ini tidak diambil.")
MSG_NO_COUNTS = N_("Baris %(row)s: butir %(code)s tidak memiliki baris jumlah, jawabannya tidak dapat "
                   "dihitung.")
MSG_NOT_COMPUTABLE = N_("Baris %(row)s: nilai butir %(code)s tidak dapat dihitung dari jumlahnya "
                        "(penyebutnya 0).")
MSG_UNMATCHED = N_("Baris %(row)s: teks '%(text)s' tidak cocok dengan butir mana pun pada kriteria "
                   "%(criteria)s.")
MSG_MISSING = N_("Butir %(code)s (%(text)s) tidak ditemukan di buku kerja.")
MSG_TYPE_LABEL = N_("Baris %(row)s: pilihan jawaban tertulis '%(given)s', seharusnya '%(expected)s'.")
MSG_LETTER = N_("Baris %(row)s: butir %(code)s berhuruf '%(given)s'; huruf resminya '%(expected)s'.")
MSG_TEXT = N_("Baris %(row)s: teks butir %(code)s berbeda dari teks kriteria %(criteria)s.")
MSG_EXTRA_SHEET = N_("Lembar '%(sheet)s' bukan lembar LKE dan tidak dibaca.")
MSG_FORMULA_ONLY = N_("Baris %(row)s: jawaban butir %(code)s berupa rumus tanpa nilai tersimpan; buka dan "
                      "simpan ulang berkas di Excel agar nilainya terhitung.")
MSG_SUBTOTAL = N_("Baris %(row)s (%(label)s): nilai yang diketik %(typed)s berbeda dari hasil rinciannya "
                  "%(computed)s; yang dipakai hasil rinciannya.")


# --- the criteria versions ------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _registry(directory: str, stamp: tuple) -> dict[str, Criteria]:
    from ..criteria import load_directory

    return load_directory(directory)


def shipped_registry() -> dict[str, Criteria]:
    """The criteria of ZI_CRITERIA_DIR (read again when a file there changes)."""
    from ..config import Config
    from ..criteria.versions import _stamp

    return _registry(str(Config.CRITERIA_DIR), _stamp(Config.CRITERIA_DIR))


def max_bytes() -> int:
    """The upload limit: ZI_WORKBOOK_MAX_BYTES (zi.config.Config, the one place it is set)."""
    from ..config import Config

    return Config.WORKBOOK_MAX_BYTES


# --- text -------------------------------------------------------------------------------------------

def normalise(text: object) -> str:
    """Case, accents, punctuation and spacing do not tell two texts of the instrument apart."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = re.sub(r"[^\w%]+", " ", text)
    return " ".join(text.split())


class _OverBudget(Exception):
    """The file has had its share of letter-by-letter comparisons (never cached as a result)."""


def similarity(a: str, b: str, floor: float = 0.3) -> float:
    """See _similarity; 0.0 once the file being read has used up MAX_COMPARISONS."""
    try:
        return _similarity(a, b, floor)
    except _OverBudget:
        return 0.0


@lru_cache(maxsize=16384)
def _similarity(a: str, b: str, floor: float = 0.3) -> float:
    """0..1: how alike two normalised texts are: difflib's ratio of their characters, which forgives
    typing slips. Cached (both versions share most texts). Texts that share too few words to be
    alike (below WORD_FLOOR), or whose lengths or letters alone put them below `floor`, are not
    compared letter by letter (0.0): that comparison is the costly one. Callers that only ask
    whether two texts reach a threshold pass it as `floor`."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    words = difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False)
    if words.real_quick_ratio() < WORD_FLOOR or words.quick_ratio() < WORD_FLOOR:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0
    # The same words in another order (a crafted cell) pass the checks above; the order of the
    # words is cheap to compare (some 50 words, not 370 letters), so it goes first.
    if words.ratio() < WORD_ORDER_FLOOR:
        return 0.0
    budget = _BUDGET.get()
    if budget is not None:
        if budget[0] <= 0:
            raise _OverBudget
        budget[0] -= 1
    return matcher.ratio()


# The comparisons left for the file being read (a one-item list), None outside read_workbook.
_BUDGET: ContextVar[list[int] | None] = ContextVar("zi_lke_comparisons", default=None)


def _text_limit(texts) -> int:
    """How much of a cell's normalised text is compared: twice the longest text it is compared
    with. A longer cell cannot be alike anyway, and a crafted one of thousands of characters would
    cost seconds per comparison."""
    return 2 * max((len(t) for t in texts), default=100) or 200


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _mark(value: object) -> str:
    """A numbering cell without its dot: `A.` → `A`, `1.` and 1 → `1`, `-` stays."""
    text = _cell_text(value)
    if text in ("-", "–", "—"):
        return "-"
    return text.rstrip(".)").strip()


def _is_formula(value: object) -> bool:
    """A formula as openpyxl gives it: text starting with `=`, or an array/data-table formula."""
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in ("ArrayFormula", "DataTableFormula")


# --- the sheet --------------------------------------------------------------------------------------

@dataclass
class _Columns:
    variant: str
    header_row: int               # 1-based
    numbering: list[int]          # 0-based column indexes of B..F
    text: int
    pilihan: int
    answer: int
    nilai: int | None
    note: int | None
    evidence: int | None


@dataclass
class _Row:
    number: int                   # 1-based sheet row
    level: int | None             # 0 component .. 4 item; None without numbering
    mark: str
    text: str
    pilihan: str
    answer: object                # the value (cached for a formula)
    answer_formula: bool
    nilai: object                 # a typed Nilai (None when blank or a formula)
    note: str
    evidence: str


def _column_index(letter: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letter) - 1


def _header_map(cells: tuple) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(cells):
        header = normalise(value)
        if header and header not in found:
            found[header] = index
    return found


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """The header row (0-based) and its headers: the row naming Jawaban and Pilihan Jawaban/Bobot."""
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = _header_map(cells)
        answers = any(h == "jawaban" or h.startswith("jawaban ") for h in headers)
        others = any(h.startswith("pilihan jawaban") or h == "bobot" for h in headers)
        if answers and others:
            return index, headers
    return None


def _pick(headers: dict[str, int], *names: str, prefix: bool = False) -> int | None:
    for name in names:
        if name in headers:
            return headers[name]
    if prefix:
        for name in names:
            for header, index in headers.items():
                if header.startswith(name):
                    return index
    return None


def _columns(header_row: int, headers: dict[str, int], layer: str) -> _Columns:
    """Columns by their header text, falling back to the official letters."""
    def at(index: int | None, letter: str | None) -> int | None:
        if index is not None:
            return index
        return None if letter is None else _column_index(letter)

    tpi = any(h in headers for h in ("jawaban tpi", "jawaban unit"))
    text = at(_pick(headers, "komponen sub komponen indikator", "komponen", "indikator", "uraian",
                    prefix=True), L.TEXT)
    numbering = list(range(text - 5, text)) if text >= 5 else \
        [_column_index(c) for c in (L.COMPONENT, L.SUB_COMPONENT, L.AREA, L.SUB_AREA, L.ITEM)]
    pilihan = at(_pick(headers, "pilihan jawaban", prefix=True), L.PILIHAN)
    if not tpi:
        return _Columns(
            VARIANT_UNIT, header_row, numbering, text, pilihan,
            answer=at(_pick(headers, "jawaban", prefix=True), L.JAWABAN),
            nilai=at(_pick(headers, "nilai", prefix=True), L.NILAI),
            note=at(_pick(headers, "catatan", prefix=True), L.CATATAN),
            evidence=at(_pick(headers, "data dukung", "bukti dukung", "link data dukung", prefix=True),
                        L.DATA_DUKUNG),
        )
    T = L.TpiColumns
    if layer == "unit":
        return _Columns(
            VARIANT_TPI, header_row, numbering, text, pilihan,
            answer=at(_pick(headers, "jawaban unit"), T.UNIT_ANSWER),
            nilai=at(_pick(headers, "nilai unit"), T.UNIT_NILAI),
            note=at(_pick(headers, "catatan unit"), T.UNIT_NOTE),
            evidence=at(_pick(headers, "data dukung unit", "bukti dukung unit", "link data dukung unit",
                              prefix=True), T.UNIT_EVIDENCE),
        )
    return _Columns(
        VARIANT_TPI, header_row, numbering, text, pilihan,
        answer=at(_pick(headers, "jawaban tpi"), T.TPI_ANSWER),
        nilai=at(_pick(headers, "nilai tpi"), T.TPI_NILAI),
        note=at(_pick(headers, "catatan tpi"), T.TPI_NOTE),
        evidence=None,
    )


def _rows(formulas: list[tuple], values: list[tuple], cols: _Columns,
          links: Mapping[tuple[int, int], str] | None = None) -> list[_Row]:
    """The rows below the header; `links` are the cells' hyperlinks by (row, column), 1-based row."""
    links = links or {}

    def get(cells: tuple, index: int | None):
        return cells[index] if index is not None and index < len(cells) else None

    def text_of(f_cells: tuple, v_cells: tuple, index: int | None) -> str:
        raw = get(f_cells, index)
        return _cell_text(get(v_cells, index) if _is_formula(raw) else raw)

    def evidence_of(f_cells: tuple, v_cells: tuple, number: int) -> str:
        raw = get(f_cells, cols.evidence)
        text = _hyperlink_formula(raw) if _is_formula(raw) else None
        if text is None:
            text = text_of(f_cells, v_cells, cols.evidence)
        url = links.get((number, cols.evidence)) if cols.evidence is not None else None
        if url and url not in text:
            text = f"{text} — {url}" if text else url
        return text

    result = []
    for index in range(cols.header_row + 1, len(formulas)):
        f_cells = formulas[index]
        v_cells = values[index] if index < len(values) else ()
        marks = [_mark(get(f_cells, c)) for c in cols.numbering]
        level = next((i for i, m in enumerate(marks) if m), None)
        raw_answer = get(f_cells, cols.answer)
        formula = _is_formula(raw_answer)
        raw_nilai = get(f_cells, cols.nilai)
        result.append(_Row(
            number=index + 1, level=level, mark="" if level is None else marks[level],
            text=_cell_text(get(f_cells, cols.text)), pilihan=_cell_text(get(f_cells, cols.pilihan)),
            answer=get(v_cells, cols.answer) if formula else raw_answer, answer_formula=formula,
            nilai=None if _is_formula(raw_nilai) else raw_nilai,
            note=text_of(f_cells, v_cells, cols.note), evidence=evidence_of(f_cells, v_cells, index + 1),
        ))
    return result


HYPERLINK_FORMULA = re.compile(r'HYPERLINK\(\s*"([^"]+)"\s*(?:[,;]\s*"([^"]*)"\s*)?\)', re.IGNORECASE)


def _hyperlink_formula(formula: object) -> str | None:
    """`=HYPERLINK("https://…","SK Tim")` as a data dukung line "SK Tim — https://…"."""
    found = HYPERLINK_FORMULA.search(formula) if isinstance(formula, str) else None
    if found is None:
        return None
    url, title = found.group(1).strip(), (found.group(2) or "").strip()
    return f"{title} — {url}" if title else url


RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
SHEET_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet"
HYPERLINK_TAG = re.compile(rb"<(?:\w+:)?hyperlink\b([^>]*)>")
ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _hyperlinks(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """The external hyperlinks (http/https) of every sheet: sheet name → (row, 0-based column) → URL.
    A file whose parts do not read gives none (its cells are still read)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import ElementTree
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.utils.exceptions import CellCoordinatesException

    def rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
        folder, name = part.rsplit("/", 1) if "/" in part else ("", part)
        path = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        if path not in archive.namelist():
            return {}
        root = ElementTree.fromstring(archive.read(path))
        return {r.get("Id"): r.get("Target", "") for r in root.iter(RELS)}

    result: dict[str, dict[tuple[int, int], str]] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        targets = rels(archive, "xl/workbook.xml")
        for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter(SHEET_TAG):
            target = targets.get(sheet.get(R_ID), "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part not in archive.namelist():
                continue
            body = archive.read(part)
            if b"hyperlink" not in body:
                continue
            links = rels(archive, part)
            found = {}
            for tag in HYPERLINK_TAG.finditer(body):
                attributes = {key.decode().split(":")[-1]: value.decode()
                              for key, value in ATTRIBUTE.findall(tag.group(1))}
                url = links.get(attributes.get("id", ""), "")
                if not URL.match(url) or "ref" not in attributes:
                    continue
                try:  # a ref like "A0" or "ZZZZ1": that link is left out, the others still read
                    column, row = coordinate_from_string(attributes["ref"].split(":")[0])
                    found[(row, column_index_from_string(column) - 1)] = url
                except (CellCoordinatesException, ValueError):
                    continue
            result[sheet.get("name")] = found
    except (zipfile.BadZipFile, KeyError, ValueError, ParseError, UnicodeDecodeError):
        return {}  # defusedxml's refusals (entities, DTDs) are ValueErrors too
    return result


# --- matching rows to the criteria ------------------------------------------------------------------

@dataclass
class _Candidate:
    row: _Row
    scope: list[Item]             # the items its place in the numbering allows
    counts: list[_Row] = field(default_factory=list)
    item: Item | None = None
    score: float = 0.0


@dataclass
class _Structural:
    row: _Row
    kind: str                     # sub_area, area, sub_component, component, total
    key: object
    label: str


@dataclass
class _Match:
    criteria: Criteria
    candidates: list[_Candidate]
    structural: list[_Structural]
    quality: float


def _closing_kind(text: str) -> bool:
    norm = normalise(text)
    return norm.startswith("total ") or norm == normalise(L.NILAI_EVALUASI)


def _match(criteria: Criteria, rows: list[_Row]) -> _Match:
    comp = sub = block = sub_area = None
    candidates: list[_Candidate] = []
    structural: list[_Structural] = []
    headings = {normalise(i.heading) for i in criteria.items if i.heading}
    limit = _text_limit(normalise(i.text) for i in criteria.items)
    quality = 0.0

    def scope() -> list[Item]:
        if sub_area is not None:
            return list(sub_area.items)
        if sub is not None and not sub.areas:
            return list(sub.items)
        if block is not None:
            return [i for sa in block.sub_areas for i in sa.items]
        return []

    for row in rows:
        text = normalise(row.text)[:limit]
        pilihan = normalise(row.pilihan)
        if not text and row.level is None:
            continue
        heading = 0.0
        last = candidates[-1] if candidates and len(candidates[-1].counts) < MAX_COUNT_LINES else None
        if not pilihan and row.level in (4, None) and row.mark in ("-", ""):
            # a line without a type: a count line whose J is blank, or a sub-part title
            heading = max((similarity(text, h, MATCH_MIN) for h in headings), default=0.0)
            labels = {normalise(c.label) for i in (last.scope if last else ()) for c in i.counts}
            count = max((similarity(text, label, COUNT_MATCH_MIN) for label in labels), default=0.0)
            if last is not None and count >= COUNT_MATCH_MIN and count >= heading:
                last.counts.append(row)
                continue
        elif pilihan == "jumlah" and last is not None:
            last.counts.append(row)
            continue
        if row.level == 0:
            found = _level(criteria.components, row.mark, text, lambda c: c.letter, lambda c: c.name)
            if found is not None:
                comp, sub, block, sub_area = found, None, None, None
                structural.append(_Structural(row, "component", comp.code, comp.name))
                continue
        if row.level == 1:
            subs = comp.sub_components if comp else [s for c in criteria.components for s in c.sub_components]
            found = _level(subs, row.mark, text, lambda s: s.numeral, lambda s: s.name)
            if found is not None:
                sub, block, sub_area = found, None, None
                comp = next(c for c in criteria.components if sub in c.sub_components)
                structural.append(_Structural(row, "sub_component", sub.code, sub.name))
                continue
        if row.level == 2 and sub is not None and sub.areas and not pilihan:
            found = _level(sub.areas, row.mark, text, lambda b: str(criteria.area(b.area).number),
                           lambda b: criteria.area(b.area).name)
            if found is not None:
                block, sub_area = found, None
                structural.append(_Structural(row, "area", (sub.code, block.area),
                                              criteria.area(block.area).name))
                continue
        if row.level == 3 and block is not None and not pilihan:
            found = _level(block.sub_areas, row.mark, text, lambda sa: sa.numeral, lambda sa: sa.name)
            if found is not None:
                sub_area = found
                structural.append(_Structural(row, "sub_area", (sub.code, block.area, sub_area.numeral),
                                              sub_area.name))
                continue
        if row.level is None and _closing_kind(row.text):
            structural.append(_Structural(row, "total", text, row.text))
            continue
        if heading >= MATCH_MIN:  # a sub-part title (the LHKPN and LHKASN halves of PW iii)
            quality += heading
            continue
        if (row.level is None or row.level < 2) and not pilihan:
            continue  # a title, a blank line, a heading of another template
        if not re.search(r"[^\W\d_]{3}", text):
            continue  # no words: the header's column numbers, a stray mark
        candidates.append(_Candidate(row, scope() if len(candidates) < MAX_CANDIDATES else []))

    _assign(criteria, candidates, limit)
    for cand in candidates:
        if cand.item is not None:
            quality += cand.score
            labels = [normalise(ci.label) for ci in cand.item.counts]
            quality += sum(max((similarity(normalise(c.text)[:limit], label) for label in labels),
                               default=0.0)
                           for c in cand.counts)
    return _Match(criteria, candidates, structural, quality)


def _level(options, mark: str, text: str, numbering, name):
    """The component, sub-component, area or sub-area a numbered row names: by its name when that
    is clearly one of them (a template that numbers differently), else by its number, else by the
    name most alike; None when neither fits (not a row of the structure)."""
    if not options:
        return None
    scored = [(similarity(text, normalise(name(o)), MATCH_MIN), o) for o in options]
    best_score, best = max(scored, key=lambda s: s[0])
    if best_score >= GLOBAL_MATCH_MIN:
        return best
    by_mark = next((o for o in options if normalise(numbering(o)) == normalise(mark)), None)
    if by_mark is not None:
        return by_mark
    return best if best_score >= MATCH_MIN else None


def _assign(criteria: Criteria, candidates: list[_Candidate], limit: int = 10_000) -> None:
    """Each item row to one item: within its scope the most alike pairs first, then what is left
    against every item not yet taken (a row whose numbering is missing or odd)."""
    taken: set[str] = set()
    groups: dict[tuple, list[_Candidate]] = {}
    for cand in candidates:
        groups.setdefault(tuple(i.code for i in cand.scope), []).append(cand)
    for codes, group in groups.items():
        if not codes:
            continue
        items = [criteria.item(c) for c in codes]
        exact = {normalise(i.text): i for i in items}
        for cand in group:  # the usual case: the text as the criteria print it
            item = exact.get(normalise(cand.row.text))
            if item is not None and item.code not in taken:
                cand.item, cand.score = item, 1.0
                taken.add(item.code)
        items = [i for i in items if i.code not in taken]
        pairs = []
        for cand in group:
            if cand.item is not None:
                continue
            text = normalise(cand.row.text)[:limit]
            for item in items:
                score = similarity(text, normalise(item.text), MATCH_MIN)
                if score >= MATCH_MIN:
                    # the official letter breaks ties between near-equal texts
                    bonus = 0.001 if cand.row.mark.lower() == L.item_letter(item).lower() else 0.0
                    pairs.append((score + bonus, cand.row.number, cand, item, score))
        for _, _, cand, item, score in sorted(pairs, key=lambda p: (-p[0], p[1])):
            if cand.item is None and item.code not in taken:
                cand.item, cand.score = item, score
                taken.add(item.code)
    left = [i for i in criteria.items if i.code not in taken]
    tries = 0
    for cand in candidates:
        if cand.item is not None or not left or tries >= GLOBAL_TRIES:
            continue
        tries += 1
        text = normalise(cand.row.text)[:limit]
        scored = [(similarity(text, normalise(i.text), GLOBAL_MATCH_MIN), i) for i in left]
        score, item = max(scored, key=lambda s: s[0])
        if score >= GLOBAL_MATCH_MIN:
            cand.item, cand.score = item, score
            left.remove(item)


# --- answers ----------------------------------------------------------------------------------------

def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return scoring.shown(value).strip("'") if isinstance(value, str) else str(value)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text or len(text) > scoring.MAX_NUMBER_TEXT:
            return None
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            return None
        return number if number.is_finite() and abs(number.as_tuple().exponent) <= 30 else None
    return None


def _decimal_text(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class _Reader:
    def __init__(self, match: _Match, layer: str, variant: str, sheet: str):
        self.c = match.criteria
        self.reading = WorkbookReading(criteria_id=self.c.id, layer=layer, variant=variant, sheet=sheet)
        self.match = match

    def depart(self, kind: DepartureKind, message_id: str, at_row: int | None = None,
               at_code: str | None = None, /, **params) -> None:
        self.reading.departures.append(Departure(kind, message_id, params, at_row, at_code))

    def read(self) -> WorkbookReading:
        for cand in self.match.candidates:
            if cand.item is None:
                self.depart(DepartureKind.UNMATCHED_ROW, MSG_UNMATCHED, cand.row.number, None,
                            row=cand.row.number, text=scoring.shown(cand.row.text).strip("'"),
                            criteria=self.c.id)
                continue
            self.item(cand)
        matched = {cand.item.code for cand in self.match.candidates if cand.item is not None}
        for item in self.c.items:
            if item.code not in matched:
                self.depart(DepartureKind.MISSING_ITEM, MSG_MISSING, None, item.code, code=item.code,
                            text=scoring.shown(item.text, 60).strip("'"))
        self.subtotals()
        return self.reading

    def item(self, cand: _Candidate) -> None:
        item, row = cand.item, cand.row
        code = item.code
        self.reading.rows[code] = row.number
        given_letter = row.mark if row.level is not None else ""
        expected_letter = L.item_letter(item)
        if given_letter and not _same_letter(given_letter, expected_letter):
            self.depart(DepartureKind.LETTER, MSG_LETTER, row.number, code, row=row.number, code=code,
                        given=given_letter, expected=expected_letter)
        if cand.score < SAME_TEXT:
            self.depart(DepartureKind.TEXT, MSG_TEXT, row.number, code, row=row.number, code=code,
                        criteria=self.c.id)
        expected_type = L.PILIHAN_JAWABAN[item.type]
        if row.pilihan and normalise(row.pilihan) != normalise(expected_type):
            self.depart(DepartureKind.TYPE_LABEL, MSG_TYPE_LABEL, row.number, code, row=row.number,
                        given=row.pilihan, expected=expected_type)
        if row.note:
            self.reading.notes[code] = row.note
        if row.evidence:
            lines = evidence_lines(row.evidence)
            if lines:
                self.reading.evidence[code] = lines
        answer = self.percent(cand) if item.type == "percent" else self.single(cand)
        if answer is not None:
            self.reading.answers[code] = answer

    def single(self, cand: _Candidate) -> object:
        item, row = cand.item, cand.row
        value = row.answer
        if row.answer_formula and value is None:
            self.depart(DepartureKind.FORMULA_ONLY, MSG_FORMULA_ONLY, row.number, item.code,
                        row=row.number, code=item.code)
            return None
        if _blank(value):
            return None
        if item.type == "index_0_4":
            number = _decimal(value)
            if number is not None and number > INDEX_MAX and number <= 100:
                self.depart(DepartureKind.UNKNOWN_ANSWER, MSG_INDEX_SCALE, row.number, item.code,
                            row=row.number, code=item.code, answer=_shown(value),
                            hint=f"{_decimal_text(number)} / 25 = {_decimal_text(number / 25)}")
                return None
            if number is not None and 0 <= number <= INDEX_MAX:
                return _decimal_text(number)
            return self.unknown(item, row, value, "0–4")
        keys = ANSWER_TYPES[item.type]
        if isinstance(value, str):
            given = " ".join(value.split()).rstrip(".)")  # "A." and "a)" are A
            key = given.capitalize() if item.type == "ya_tidak" else given.upper()
            if key in keys:
                return key
        return self.unknown(item, row, value, ", ".join(keys))

    def unknown(self, item: Item, row: _Row, value: object, allowed: str) -> None:
        self.depart(DepartureKind.UNKNOWN_ANSWER, MSG_ANSWER, row.number, item.code, row=row.number,
                    answer=_shown(value), code=item.code, allowed=allowed)

    def percent(self, cand: _Candidate) -> dict | None:
        item, row = cand.item, cand.row
        if not cand.counts:
            if row.answer is not None and not row.answer_formula:
                self.depart(DepartureKind.UNKNOWN_ANSWER, MSG_NO_COUNTS, row.number, item.code,
                            row=row.number, code=item.code)
            return None
        rows = _count_rows(item, cand.counts)
        counts: dict[str, int] = {}
        blank: list[str] = []
        bad = False
        for count in item.counts:
            count_row = rows.get(count.id)
            value = None if count_row is None else count_row.answer
            if count_row is not None and count_row.answer_formula and value is None:
                self.depart(DepartureKind.FORMULA_ONLY, MSG_FORMULA_ONLY, count_row.number, item.code,
                            row=count_row.number, code=item.code)
                bad = True
                continue
            if _blank(value):
                blank.append(count.label)
                continue
            number = _decimal(value)
            if number is None or number < 0 or number != number.to_integral_value() \
                    or number > scoring.MAX_COUNT:
                self.depart(DepartureKind.UNKNOWN_ANSWER, MSG_COUNT, count_row.number, item.code,
                            row=count_row.number, answer=_shown(value), label=count.label, code=item.code)
                bad = True
                continue
            counts[count.id] = int(number)
        if bad:
            return None
        if blank:
            if counts:  # some counts given, some not: the answer cannot be computed
                for label in blank:
                    self.depart(DepartureKind.UNKNOWN_ANSWER, MSG_COUNT_BLANK, row.number, item.code,
                                code=item.code, label=label)
            return None
        try:
            scoring.item_value(item, counts)
        except scoring.AnswerError:
            self.depart(DepartureKind.UNKNOWN_ANSWER, MSG_NOT_COMPUTABLE, row.number, item.code,
                        row=row.number, code=item.code)
            return None
        return counts

    def subtotals(self) -> None:
        typed = [s for s in self.match.structural if _typed_number(s.row.nilai) is not None]
        if not typed:
            return
        report = scoring.score(self.c, self.reading.answers)
        comps_by_name = {normalise(f"total {c.name}"): c.code for c in self.c.components}
        for s in typed:
            computed: Fraction | None = None
            if s.kind == "sub_area":
                computed = report.sub_areas.get(s.key)
            elif s.kind == "area":
                sub_code, area = s.key
                computed = report.areas[area].parts.get(sub_code)
            elif s.kind == "sub_component":
                computed = report.sub_components.get(s.key)
            elif s.kind == "component":
                computed = report.components.get(s.key)
            elif s.kind == "total":
                if s.key == normalise(L.NILAI_EVALUASI):
                    computed = report.total
                elif s.key in comps_by_name:
                    computed = report.components[comps_by_name[s.key]]
            if computed is None:
                continue
            value = _typed_number(s.row.nilai)
            if abs(value - float(computed)) > TOLERANCE:
                self.depart(DepartureKind.SUBTOTAL_MISMATCH, MSG_SUBTOTAL, s.row.number, None,
                            row=s.row.number, label=s.label, typed=f"{value:.2f}",
                            computed=f"{scoring.rounded(computed):.2f}")


def _blank(value: object) -> bool:
    """Nothing typed: an empty cell, spaces, or a lone dash ("-" for "not yet")."""
    return value is None or (isinstance(value, str) and not value.strip(" \t\n-–—"))


def _same_letter(given: str, expected: str) -> bool:
    """`b` is `b`, and so is `2` (a copy that numbers the Hasil items 1., 2.)."""
    if given.isdigit() and len(expected) == 1 and expected.isalpha():
        return int(given) == ord(expected.lower()) - ord("a") + 1
    return given.lower() == expected.lower()


def _typed_number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    number = _decimal(value) if isinstance(value, str) else None
    return None if number is None else float(number)


def _count_rows(item: Item, rows: list[_Row]) -> dict[str, _Row]:
    """Count lines to the item's counts: by label when every label finds its line, else in order."""
    labels = [(c.id, normalise(c.label)) for c in item.counts]
    limit = _text_limit(label for _, label in labels)
    pairs = sorted(((similarity(normalise(r.text)[:limit], label, COUNT_MATCH_MIN), i, r, cid)
                    for i, r in enumerate(rows) for cid, label in labels), key=lambda p: (-p[0], p[1]))
    by_label: dict[str, _Row] = {}
    used: set[int] = set()
    for score, i, r, cid in pairs:
        if score >= COUNT_MATCH_MIN and cid not in by_label and i not in used:
            by_label[cid] = r
            used.add(i)
    if len(by_label) == len(labels):
        return by_label
    return {cid: r for (cid, _), r in zip(labels, rows, strict=False)}


def evidence_lines(text: str) -> list[EvidenceLine]:
    """Data dukung lines: each URL a link (with the text around it as its title), other lines notes."""
    lines = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            continue
        urls = URL.findall(line)
        if not urls:
            lines.append(EvidenceLine(line))
            continue
        title = URL.sub(" ", line)
        title = " ".join(title.split()).strip(DASHES)
        for url in urls:
            url = url.rstrip(".,;)")
            lines.append(EvidenceLine(title or url, url))
    return lines


# --- the entry point --------------------------------------------------------------------------------

def read_workbook(
    source: bytes | Path | BinaryIO,
    layer: str = "unit",
    criteria_id: str | None = None,
    *,
    registry: Mapping[str, Criteria] | None = None,
    limit: int | None = None,
) -> WorkbookReading:
    """One layer of a filled LKE workbook; WorkbookRefused when the file cannot be read as one.
    `registry` holds the criteria versions to choose from (default: ZI_CRITERIA_DIR's);
    `criteria_id` fixes the version instead of detecting it; `limit` the size limit in bytes
    (default ZI_WORKBOOK_MAX_BYTES)."""
    if layer not in LAYERS:
        raise WorkbookRefused(MSG_UNKNOWN_LAYER, layer=scoring.shown(layer))
    found = dict(registry if registry is not None else shipped_registry())
    if criteria_id is not None:
        if criteria_id not in found:
            raise WorkbookRefused(MSG_UNKNOWN_CRITERIA, criteria=scoring.shown(criteria_id))
        found = {criteria_id: found[criteria_id]}
    if not found:
        raise WorkbookRefused(MSG_UNKNOWN_CRITERIA, criteria="-")
    data = safety.read_source(source, limit if limit is not None else max_bytes())
    safety.open_zip(data).close()
    sheets = _load_sheets(data)
    token = _BUDGET.set([MAX_COMPARISONS])
    try:
        return _read_sheets(sheets, data, layer, found)
    finally:
        _BUDGET.reset(token)


def _read_sheets(sheets: dict, data: bytes, layer: str, found: Mapping[str, Criteria]) -> WorkbookReading:
    """The instrument's sheet among `sheets` (see _load_sheets), read against the best criteria."""

    results = []
    links = None
    for name, (formulas, values, header) in sheets.items():
        if header is None:
            continue
        cols = _columns(header[0], header[1], layer)
        if links is None:
            links = _hyperlinks(data)
        rows = _rows(formulas, values, cols, links.get(name))
        best = max((_match(c, rows) for c in found.values()),
                   key=lambda m: (m.quality, m.criteria.year, m.criteria.id))
        matched = sum(1 for cand in best.candidates if cand.item is not None)
        if matched:
            results.append((name, cols, best, matched))
    if not results:
        raise WorkbookRefused(MSG_NOT_LKE)
    chosen = next((r for r in results if r[0] == L.SHEET), None) or max(results, key=lambda r: r[3])
    name, cols, best, _ = chosen
    reader = _Reader(best, layer, cols.variant, name)
    for other in sheets:
        if other != name:
            reader.depart(DepartureKind.EXTRA_SHEET, MSG_EXTRA_SHEET, None, None, sheet=other)
    return reader.read()


def _load_sheets(data: bytes) -> dict[str, tuple[list[tuple], list[tuple], tuple | None]]:
    """Every worksheet's name with, for the sheets whose first rows hold the instrument's header,
    its cells twice: as typed (formulas as text) and as last computed, and the header found.
    A sheet without that header is parsed no further than HEADER_SEARCH_ROWS rows, and only the
    sheets with it are opened a second time for their computed values."""
    import openpyxl

    try:
        with_formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheets: dict[str, tuple[list[tuple], list[tuple], tuple | None]] = {}
        for index, ws in enumerate(with_formulas.worksheets):
            if index >= MAX_SHEETS or not hasattr(ws, "iter_rows"):
                sheets[ws.title] = ([], [], None)
                continue
            rows = ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS, values_only=True)
            first = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
            header = _find_header(first)
            formulas = first + list(rows) if header is not None else []
            sheets[ws.title] = (formulas, [], header)
        wanted = [name for name, (_, _, header) in sheets.items() if header is not None]
        if wanted:
            # A read-only sheet asks its workbook for `data_only` each time it is iterated: the
            # package opened once (shared strings, styles, every sheet's size) serves both passes.
            if hasattr(with_formulas, "_data_only"):
                with_values = with_formulas
                with_values._data_only = True
            else:  # an openpyxl that keeps it elsewhere: open the package a second time
                with_values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            for name in wanted:
                formulas, _, header = sheets[name]
                values = list(with_values[name].iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS,
                                                          values_only=True))
                sheets[name] = (formulas, values, header)
            with_values.close()
        with_formulas.close()
    except WorkbookRefused:
        raise
    except Exception as err:  # openpyxl raises many kinds on a damaged package
        raise safety.corrupt() from err
    return sheets
