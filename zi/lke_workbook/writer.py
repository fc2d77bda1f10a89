"""Writes the unit-layer LKE workbook: zi's answers, notes and data dukung on the official rows, with
Nilai and % as live formulas that follow zi's rules (reference §9), not the official template's:
an unanswered or invalid item counts 0 (SUM / number of items × Bobot, where the template's AVERAGE
skips blanks), PW Reform iii takes both halves, and each % item applies its criteria's zero rule.
Excel or LibreOffice recalculating the file therefore shows zi's own figures."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..criteria.model import ANSWER_TYPES, INDEX_MAX, Criteria, Item
from . import layout as L

LETTER_TYPES = ("ya_tidak", "abc", "abcd", "abcde")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LEVEL_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"


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


class _Sheet:
    def __init__(self, ws):
        self.ws = ws
        self.row = L.FIRST_ROW - 1

    def next(self, fill: PatternFill | None = None, bold: bool = False, **cells) -> int:
        self.row += 1
        for column, value in cells.items():
            if value is None or value == "":
                continue
            cell = self.ws[f"{column}{self.row}"]
            cell.value = value
            cell.alignment = WRAP
            if bold:
                cell.font = BOLD
            if column == L.NILAI:
                cell.number_format = NUMBER_FORMAT
            if column == L.PERSEN:
                cell.number_format = PERCENT_FORMAT
        if fill:
            for column in (L.COMPONENT, L.SUB_COMPONENT, L.AREA, L.SUB_AREA, L.ITEM, L.TEXT, L.BOBOT,
                           L.NILAI, L.PERSEN):
                self.ws[f"{column}{self.row}"].fill = fill
        return self.row


def _percent_of(row: int) -> str:
    return f'=IF(N({L.BOBOT}{row})=0,"",N({L.NILAI}{row})/{L.BOBOT}{row})'


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


def write_workbook(
    criteria: Criteria,
    answers: Mapping[str, object],
    notes: Mapping[str, str] | None = None,
    evidence: Mapping[str, Sequence[str]] | None = None,
    title: str = "",
) -> Workbook:
    """The sheet "LKE ZI" with one row per line of the instrument. `answers` maps item codes to
    zi's answer values (option letters, Ya/Tidak, a survey index, a mapping of counts), `notes`
    to the Catatan, `evidence` to the data dukung lines (titles and links)."""
    notes = notes or {}
    evidence = evidence or {}
    wb = Workbook()
    wb.calculation.fullCalcOnLoad = True  # no cached values: Excel computes every formula on opening
    ws = wb.active
    ws.title = L.SHEET
    ws[f"{L.COMPONENT}{L.TITLE_ROW}"] = title or criteria.title
    ws[f"{L.COMPONENT}{L.TITLE_ROW}"].font = Font(bold=True, size=12)
    for column, header in L.HEADERS.items():
        cell = ws[f"{column}{L.HEADER_ROW}"]
        cell.value = header
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
    for column, width in L.WIDTHS.items():
        ws.column_dimensions[column].width = width
    ws.freeze_panes = f"{L.TEXT}{L.FIRST_ROW}"
    sheet = _Sheet(ws)

    def item_rows(item: Item, letter_column: str, direct: bool) -> int:
        """The item's row (and its count rows); Nilai is the 0..1 value, or the points of an
        item that carries its own Bobot (Hasil)."""
        answer = answers.get(item.code)
        row = sheet.next(**{
            letter_column: L.numbered(L.item_letter(item)), L.TEXT: item.text,
            L.BOBOT: float(item.weight) if direct and item.weight else None,
            L.PENJELASAN: _penjelasan(item), L.PILIHAN: L.PILIHAN_JAWABAN[item.type],
            L.JAWABAN: _answer_cell(item, answer), L.CATATAN: notes.get(item.code) or None,
            L.DATA_DUKUNG: "\n".join(evidence.get(item.code, ())) or None,
        })
        k = f"{L.JAWABAN}{row}"
        if item.type == "percent":
            counts = answer if isinstance(answer, Mapping) else {}
            cells = {}
            for count in item.counts:
                count_row = sheet.next(**{L.ITEM: L.COUNT_MARK, L.TEXT: count.label,
                                          L.PILIHAN: L.COUNT_TYPE,
                                          L.JAWABAN: counts.get(count.id)})
                cells[count.id] = f"{L.JAWABAN}{count_row}"
            ws[k] = _percent_formula(item, cells)
            ws[k].number_format = PERCENT_FORMAT
        value = _value_formula(item, k)
        nilai = ws[f"{L.NILAI}{row}"]
        nilai.value = f'=IFERROR(({value})*{L.BOBOT}{row},"")' if direct else f"={value}"
        nilai.number_format = NUMBER_FORMAT
        if direct:
            ws[f"{L.PERSEN}{row}"] = _percent_of(row)
            ws[f"{L.PERSEN}{row}"].number_format = PERCENT_FORMAT
        return row

    def level(row: int, formula: str) -> None:
        ws[f"{L.NILAI}{row}"] = formula
        ws[f"{L.NILAI}{row}"].number_format = NUMBER_FORMAT
        ws[f"{L.PERSEN}{row}"] = _percent_of(row)
        ws[f"{L.PERSEN}{row}"].number_format = PERCENT_FORMAT

    def total(rows: list[int]) -> str:
        return "=SUM(" + ",".join(f"{L.NILAI}{r}" for r in rows) + ")" if rows else "=0"

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
                    level(sa_row, _sub_area_formula(sub_area, sa_row, rows))
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
        level(row, f"={L.NILAI}{comp_row}")
        closing.append(row)
    row = sheet.next(bold=True, **{L.TEXT: L.NILAI_EVALUASI, L.BOBOT: float(criteria.total_weight)})
    level(row, total(closing))
    return wb


def _sub_area_formula(sub_area, row: int, item_rows: list[int]) -> str:
    """zi's rule: every item counts, an unanswered one as 0 — SUM / number of items × Bobot."""
    if not any(item.weight for item in sub_area.items):
        cells = ",".join(f"{L.NILAI}{r}" for r in item_rows)
        return f"=SUM({cells})/{len(item_rows)}*{L.BOBOT}{row}"
    share = f"{L.BOBOT}{row}/{len(item_rows)}"
    terms = [f"N({L.NILAI}{r})*{_num(item.weight) if item.weight else share}"
             for item, r in zip(sub_area.items, item_rows, strict=True)]
    return "=" + "+".join(terms)


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
