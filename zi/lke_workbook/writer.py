"""Writes the LKE workbook: zi's answers, notes and data dukung on the official rows, with Nilai and
% as live formulas that follow zi's rules (reference §9), not the official template's: an
unanswered or invalid item counts 0 (SUM / number of items × Bobot, where the template's AVERAGE
skips blanks), PW Reform iii takes both halves, and each % item applies its criteria's zero rule.
Excel or LibreOffice recalculating the file therefore shows zi's own figures.

Two variants share one walk over the instrument: the official unit-layer sheet (one layer's
answers in K, Nilai L, % M, Catatan O, data dukung P) and the circulated TPI workbook
(`layout.TpiColumns`: the unit's and TPI's answers side by side, each with its own Nilai and %,
and the national team's columns headed but empty). Each variant names, per layer, the columns its
answers, formulas, notes and data dukung go to; the walk writes every layer of the variant."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..criteria.model import ANSWER_TYPES, INDEX_MAX, Criteria, Item
from . import layout as L
from .layout import TpiColumns as T

LETTER_TYPES = ("ya_tidak", "abc", "abcd", "abcde")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LEVEL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"


@dataclass(frozen=True)
class LayerColumns:
    """Where one layer of answers sits: its Jawaban (and count rows), Nilai, %, Catatan and data
    dukung columns (None: the variant has no such column for this layer)."""

    answer: str
    nilai: str
    persen: str
    note: str | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Variant:
    name: str
    headers: Mapping[str, str]
    widths: Mapping[str, int]
    layers: Mapping[str, LayerColumns]


@dataclass(frozen=True)
class LayerData:
    """One layer's answers (zi's values by item code), Catatan and data dukung lines."""

    answers: Mapping[str, object] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, Sequence[str]] = field(default_factory=dict)


_NUMBERING = (L.COMPONENT, L.SUB_COMPONENT, L.AREA, L.SUB_AREA, L.ITEM, L.TEXT, L.BOBOT,
              L.PENJELASAN, L.PILIHAN)

UNIT_VARIANT = Variant(
    "unit", L.HEADERS, L.WIDTHS,
    {"answers": LayerColumns(L.JAWABAN, L.NILAI, L.PERSEN, L.CATATAN, L.DATA_DUKUNG)},
)
TPI_VARIANT = Variant(
    "tpi",
    {**{c: h for c, h in L.HEADERS.items() if c in _NUMBERING}, **T.HEADERS},
    {**{c: w for c, w in L.WIDTHS.items() if c in _NUMBERING},
     T.UNIT_ANSWER: 14, T.UNIT_NOTE: 30, T.UNIT_EVIDENCE: 40, T.TPI_ANSWER: 14, T.TPI_NILAI: 11,
     T.TPI_PERSEN: 9, T.TPI_NOTE: 30, T.UNIT_NILAI: 11, T.UNIT_PERSEN: 9, T.TPN_ANSWER: 14,
     T.TPN_NILAI: 11, T.TPN_NOTE: 30},
    {"unit": LayerColumns(T.UNIT_ANSWER, T.UNIT_NILAI, T.UNIT_PERSEN, T.UNIT_NOTE, T.UNIT_EVIDENCE),
     "tpi": LayerColumns(T.TPI_ANSWER, T.TPI_NILAI, T.TPI_PERSEN, T.TPI_NOTE)},
)
VARIANTS = {UNIT_VARIANT.name: UNIT_VARIANT, TPI_VARIANT.name: TPI_VARIANT}


def _num(value: Fraction | int | float) -> str:
    """A constant as a formula literal: exact decimals (0.67, 0.75) stay as written."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _value_formula(item: Item, cell: str, counts: Sequence[str] = ()) -> str:
    """The 0..1 value of an item as an expression, "" when unanswered or not a valid answer."""
    if item.type in LETTER_TYPES:
        answer = f'UPPER(TRIM({cell}))'
        expr = '""'
        for key, value in reversed(ANSWER_TYPES[item.type].items()):
            expr = f'IF({answer}="{key.upper()}",{_num(value)},{expr})'
        return expr
    if item.type == "index_0_4":
        top = _num(INDEX_MAX)
        return f'IF(ISNUMBER({cell}),IF(AND({cell}>=0,{cell}<={top}),{cell}/{top},""),"")'
    return f'IF(ISNUMBER({cell}),{cell},"")'  # a % item: the value its count rows give


def _percent_formula(item: Item, count_cells: Mapping[str, str]) -> str:
    """The % of an item from its count rows, with the criteria's rule for a zero denominator;
    "" while a count is missing or negative (zi: unanswered)."""
    cells = list(count_cells.values())
    guard = ",".join(f"NOT(ISNUMBER({c}))" for c in cells) + "," + ",".join(f"{c}<0" for c in cells)
    f = item.formula
    if f.kind == "decrease":
        prev, cur = count_cells[f.previous], count_cells[f.current]
        value = (f"IF({prev}=0,IF({cur}=0,{f.when_both_zero},{f.when_previous_zero}),"
                 f"MAX(0,({prev}-{cur})/{prev}))")
    else:
        num = "+".join(count_cells[c] for c in f.numerator)
        den = "+".join(count_cells[c] for c in f.denominator)
        zero = '""' if f.when_zero == "error" else str(f.when_zero)
        value = f"IF(({den})=0,{zero},MIN(1,({num})/({den})))"
    return f'=IF(OR({guard}),"",{value})'


def _percent_of(row: int, nilai: str = L.NILAI) -> str:
    return f'=IF(N({L.BOBOT}{row})=0,"",N({nilai}{row})/{L.BOBOT}{row})'


def _penjelasan(item: Item) -> str:
    """The official meaning of each option; zi's own texts (the "Tidak" meanings) are not the LKE's."""
    return "\n".join(f"{o.key}: {o.text}" for o in item.options if o.source != "zi")


def _answer_cell(item: Item, answer: object):
    """What goes in Jawaban for a letter or index item: the answer as zi stores it."""
    if answer is None or isinstance(answer, Mapping):
        return None
    if isinstance(answer, Fraction):
        return float(answer)
    if item.type == "index_0_4" and isinstance(answer, str):
        try:  # an index zi keeps as exact decimal text: a number for the formulas
            return float(answer.strip().replace(",", "."))
        except ValueError:
            return answer
    return answer


def _sub_area_formula(sub_area, row: int, item_rows: list[int], nilai: str = L.NILAI) -> str:
    """zi's rule: every item counts, an unanswered one as 0 — SUM / number of items × Bobot."""
    if not any(item.weight for item in sub_area.items):
        cells = ",".join(f"{nilai}{r}" for r in item_rows)
        return f"=SUM({cells})/{len(item_rows)}*{L.BOBOT}{row}"
    share = f"{L.BOBOT}{row}/{len(item_rows)}"
    terms = [f"N({nilai}{r})*{_num(item.weight) if item.weight else share}"
             for item, r in zip(sub_area.items, item_rows, strict=True)]
    return "=" + "+".join(terms)


class _Sheet:
    """The sheet being written: the next row, and the formats of the variant's columns."""

    def __init__(self, ws, variant: Variant):
        self.ws = ws
        self.row = L.FIRST_ROW - 1
        self.nilai = {c.nilai for c in variant.layers.values()}
        self.persen = {c.persen for c in variant.layers.values()}
        self.filled = (L.COMPONENT, L.SUB_COMPONENT, L.AREA, L.SUB_AREA, L.ITEM, L.TEXT, L.BOBOT,
                       *sorted(self.nilai | self.persen))

    def set(self, cell: str, value) -> None:
        self.ws[cell] = value
        column = cell.rstrip("0123456789")
        if column in self.nilai:
            self.ws[cell].number_format = NUMBER_FORMAT
        elif column in self.persen:
            self.ws[cell].number_format = PERCENT_FORMAT

    def next(self, fill: PatternFill | None = None, bold: bool = False, **cells) -> int:
        self.row += 1
        for column, value in cells.items():
            if value is None or value == "":
                continue
            self.set(f"{column}{self.row}", value)
            cell = self.ws[f"{column}{self.row}"]
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: a note "=1+1" is no live formula
            cell.alignment = WRAP
            if bold:
                cell.font = BOLD
        if fill:
            for column in self.filled:
                self.ws[f"{column}{self.row}"].fill = fill
        return self.row


def _write(criteria: Criteria, variant: Variant, data: Mapping[str, LayerData], title: str) -> Workbook:
    """The one walk over the instrument: a row per line, every layer of the variant on each row."""
    layers = [(columns, data.get(name) or LayerData()) for name, columns in variant.layers.items()]
    wb = Workbook()
    wb.calculation.fullCalcOnLoad = True  # no cached values: Excel computes every formula on opening
    ws = wb.active
    ws.title = L.SHEET
    ws[f"{L.COMPONENT}{L.TITLE_ROW}"] = title or criteria.title
    ws[f"{L.COMPONENT}{L.TITLE_ROW}"].data_type = "s"  # a title "=…" is text, no formula
    ws[f"{L.COMPONENT}{L.TITLE_ROW}"].font = Font(bold=True, size=12)
    for column, header in variant.headers.items():
        cell = ws[f"{column}{L.HEADER_ROW}"]
        cell.value = header
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
    for column, width in variant.widths.items():
        ws.column_dimensions[column].width = width
    ws.freeze_panes = f"{L.TEXT}{L.FIRST_ROW}"
    sheet = _Sheet(ws, variant)

    def item_rows(item: Item, letter_column: str, direct: bool) -> int:
        """The item's row (and its count rows); Nilai is the 0..1 value, or the points of an
        item that carries its own Bobot (Hasil)."""
        cells = {letter_column: L.numbered(L.item_letter(item)), L.TEXT: item.text,
                 L.BOBOT: float(item.weight) if direct and item.weight else None,
                 L.PENJELASAN: _penjelasan(item), L.PILIHAN: L.PILIHAN_JAWABAN[item.type]}
        for columns, layer in layers:
            cells[columns.answer] = _answer_cell(item, layer.answers.get(item.code))
            if columns.note:
                cells[columns.note] = layer.notes.get(item.code) or None
            if columns.evidence:
                cells[columns.evidence] = "\n".join(layer.evidence.get(item.code, ())) or None
        row = sheet.next(**cells)
        if item.type == "percent":
            count_cells: list[dict[str, str]] = [{} for _ in layers]
            for count in item.counts:
                line = {L.ITEM: L.COUNT_MARK, L.TEXT: count.label, L.PILIHAN: L.COUNT_TYPE}
                for columns, layer in layers:
                    counts = layer.answers.get(item.code)
                    line[columns.answer] = counts.get(count.id) if isinstance(counts, Mapping) else None
                count_row = sheet.next(**line)
                for (columns, _), found in zip(layers, count_cells, strict=True):
                    found[count.id] = f"{columns.answer}{count_row}"
            for (columns, _), found in zip(layers, count_cells, strict=True):
                sheet.set(f"{columns.answer}{row}", _percent_formula(item, found))
                ws[f"{columns.answer}{row}"].number_format = PERCENT_FORMAT
        for columns, _ in layers:
            value = _value_formula(item, f"{columns.answer}{row}")
            sheet.set(f"{columns.nilai}{row}",
                      f'=IFERROR(({value})*{L.BOBOT}{row},"")' if direct else f"={value}")
            if direct:
                sheet.set(f"{columns.persen}{row}", _percent_of(row, columns.nilai))
        return row

    def level(row: int, formula) -> None:
        """A level row's Nilai (`formula(nilai column)`) and % in every layer."""
        for columns, _ in layers:
            sheet.set(f"{columns.nilai}{row}", formula(columns.nilai))
            sheet.set(f"{columns.persen}{row}", _percent_of(row, columns.nilai))

    def total(rows: list[int]):
        return lambda nilai: "=SUM(" + ",".join(f"{nilai}{r}" for r in rows) + ")" if rows else "=0"

    component_rows = []
    for comp in criteria.components:
        comp_row = sheet.next(LEVEL_FILL, True, **{L.COMPONENT: f"{comp.letter}.", L.TEXT: comp.name,
                                                   L.BOBOT: float(comp.weight)})
        sub_rows = []
        for sub in comp.sub_components:
            sub_row = sheet.next(LEVEL_FILL, True, **{L.SUB_COMPONENT: f"{sub.numeral}.",
                                                      L.TEXT: sub.name, L.BOBOT: float(sub.weight)})
            parts = []
            for block in sub.areas:
                area = criteria.area(block.area)
                block_row = sheet.next(LEVEL_FILL, True, **{L.AREA: f"{area.number}.", L.TEXT: area.name,
                                                            L.BOBOT: float(block.weight)})
                sub_area_rows = []
                for sub_area in block.sub_areas:
                    sa_row = sheet.next(LEVEL_FILL, **{L.SUB_AREA: f"{sub_area.numeral}.",
                                                       L.TEXT: sub_area.name,
                                                       L.BOBOT: float(sub_area.weight)})
                    rows = [item_rows(item, L.ITEM, False) for item in sub_area.items]
                    level(sa_row, lambda nilai, sa=sub_area, r=sa_row, rows=rows:
                          _sub_area_formula(sa, r, rows, nilai))
                    sub_area_rows.append(sa_row)
                level(block_row, total(sub_area_rows))
                parts.append(block_row)
            parts.extend(item_rows(item, L.AREA, True) for item in sub.items)
            level(sub_row, total(parts))
            sub_rows.append(sub_row)
        level(comp_row, total(sub_rows))
        component_rows.append((comp, comp_row))

    sheet.next()
    closing = []
    for comp, comp_row in component_rows:
        row = sheet.next(bold=True, **{L.TEXT: f"TOTAL {comp.name.upper()}", L.BOBOT: float(comp.weight)})
        level(row, lambda nilai, r=comp_row: f"={nilai}{r}")
        closing.append(row)
    row = sheet.next(bold=True, **{L.TEXT: L.NILAI_EVALUASI, L.BOBOT: float(criteria.total_weight)})
    level(row, total(closing))
    return wb


def write_workbook(
    criteria: Criteria,
    answers: Mapping[str, object],
    notes: Mapping[str, str] | None = None,
    evidence: Mapping[str, Sequence[str]] | None = None,
    title: str = "",
) -> Workbook:
    """The official sheet "LKE ZI" with one row per line of the instrument. `answers` maps item
    codes to zi's answer values (option letters, Ya/Tidak, a survey index, a mapping of counts),
    `notes` to the Catatan, `evidence` to the data dukung lines (titles and links)."""
    return _write(criteria, UNIT_VARIANT,
                  {"answers": LayerData(answers, notes or {}, evidence or {})}, title)


def write_tpi_workbook(criteria: Criteria, unit: LayerData, tpi: LayerData, title: str = "") -> Workbook:
    """The TPI variant (`layout.TpiColumns`): the unit's answers, notes and data dukung and TPI's
    answers and notes side by side, each layer with its own live Nilai and %; TPN's columns empty."""
    return _write(criteria, TPI_VARIANT, {"unit": unit, "tpi": tpi}, title)


def blank_workbook(criteria: Criteria, variant: str = "unit") -> Workbook:
    """A workbook of either variant without answers, its formulas ready for them."""
    return _write(criteria, VARIANTS[variant], {}, "")


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
