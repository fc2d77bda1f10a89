"""Hostile workbooks (review of issue 12): each is refused before openpyxl parses it, or read in
about a second; the reader raises nothing but WorkbookRefused. Built by hand like builders.py."""

import io
import time
import zipfile

import openpyxl
import pytest

from zi.lke_workbook import layout as L
from zi.lke_workbook import read_workbook, safety, workbook_bytes, write_tpi_workbook, write_workbook
from zi.lke_workbook.reading import EvidenceLine, WorkbookRefused
from zi.lke_workbook.writer import LayerData

from .builders import Spec, build, entity_bomb

SECONDS = 2.5  # "about a second" of CPU time (process_time: other work on the machine does not count)
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
              '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


@pytest.fixture(scope="module")
def v2021(criteria_registry):
    return criteria_registry["lke-2021"]


def _refusal(data: bytes, **kwargs) -> str:
    started = time.process_time()
    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(data, **kwargs)
    assert time.process_time() - started < SECONDS
    return str(caught.value)


def _replace_parts(workbook: bytes, parts: dict[str, bytes], stored: bool = False) -> bytes:
    """The workbook with these parts replaced or added (deflated unless `stored`)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    kind = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", kind) as archive:
        for info in source.infolist():
            if info.filename not in parts:
                archive.writestr(info.filename, source.read(info.filename),
                                 compress_type=zipfile.ZIP_DEFLATED)
        for name, body in parts.items():
            archive.writestr(name, body, compress_type=kind)
    return buffer.getvalue()


def _sheets_workbook(count: int) -> bytes:
    wb = openpyxl.Workbook()
    for index in range(1, count):
        wb.create_sheet(f"Lembar {index}")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _wide_rows(cells: int, width: int = 1000) -> bytes:
    """A sheet of `cells` numeric cells in rows `width` wide: it compresses only ~10 times (every
    cell names its own reference), so no ratio check sees it; openpyxl parses every cell of a row."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c) for c in range(1, width + 1)]
    rows = []
    for r in range(1, cells // width + 2):
        rows.append(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters) + "</row>")
    return (SHEET_HEAD + "".join(rows) + SHEET_TAIL).encode()


# --- review item 1: small uploads that inflate to parts openpyxl takes minutes over ------------------

def test_many_sheets_of_repeated_cells_are_a_bomb_even_below_the_old_4_mb_floor():
    """The reviewer's file: sheets of ~1-4 MB that deflate 1000 times. Every member past 64 KB is
    held to the ratio now."""
    body = (SHEET_HEAD + '<row r="1">' + '<c r="A1"><v>1</v></c>' * 50_000 + "</row>" + SHEET_TAIL).encode()
    assert 1024 * 1024 < len(body) < safety.MAX_PART
    parts = {f"xl/worksheets/sheet{i}.xml": body for i in range(1, 6)}
    data = _replace_parts(_sheets_workbook(5), parts)
    assert len(data) < 100 * 1024
    assert "zip bomb" in _refusal(data)


def test_parsed_parts_together_are_capped():
    """Three 6 MB parts, stored (no bomb, each under MAX_PART): 18 MB for openpyxl to parse."""
    body = b" " * (6 * 1024 * 1024)
    parts = {f"xl/worksheets/sheet{i}.xml": body for i in range(1, 4)}
    data = _replace_parts(_sheets_workbook(3), parts, stored=True)
    assert "zip bomb" in _refusal(data, limit=64 * 1024 * 1024)


def test_wide_rows_past_the_cell_limit_are_refused_before_parsing():
    data = _replace_parts(_sheets_workbook(2), {"xl/worksheets/sheet2.xml": _wide_rows(safety.MAX_CELLS + 1)})
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet2.xml")
    assert member.file_size < safety.MAX_RATIO * member.compress_size  # not a bomb by its ratio
    assert "terlalu banyak untuk LKE" in _refusal(data)


def test_shared_strings_past_the_limit_are_refused():
    strings = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + "".join(f"<si><t>{i}</t></si>" for i in range(safety.MAX_STRINGS + 1)) + "</sst>")
    data = _replace_parts(_sheets_workbook(1), {"xl/sharedStrings.xml": strings.encode()})
    assert "terlalu banyak untuk LKE" in _refusal(data)


def test_an_lke_beside_a_large_data_sheet_is_read_quickly(v2021):
    """A sheet of 50 000 cells without the instrument's header is parsed no further than the
    header search, and not a second time for values."""
    lke = build(v2021, Spec(answers={"P-MP-i-a": "Ya"}, extra_sheets=["Data Pegawai"]))
    data = _replace_parts(lke, {"xl/worksheets/sheet2.xml": _wide_rows(50_000, width=10)})
    started = time.process_time()
    reading = read_workbook(data)
    assert time.process_time() - started < SECONDS
    assert reading.answers == {"P-MP-i-a": "Ya"}


def test_the_worst_accepted_sheet_reads_in_about_a_second(v2021):
    """The instrument's header over nearly MAX_CELLS cells: parsed twice, still quick."""
    wb = openpyxl.load_workbook(io.BytesIO(build(v2021, Spec(answers={"P-MP-i-a": "Ya"}))))
    ws = wb[L.SHEET]
    start = ws.max_row + 1
    for r in range(start, start + 45):  # rows 1000 cells wide after the instrument
        for c in range(1, 1001):
            ws.cell(r, c, r)
    buffer = io.BytesIO()
    wb.save(buffer)
    started = time.process_time()
    reading = read_workbook(buffer.getvalue())
    assert time.process_time() - started < SECONDS
    assert reading.answers == {"P-MP-i-a": "Ya"}



def test_a_sheet_bordered_far_below_the_instrument_is_still_an_lke(v2021):
    """Real filled files carry styled blank cells: borders drawn down to row 3,000 over 26 columns
    (78,000 cells, compression ratio ~15) are read, not refused as a bomb."""
    from openpyxl.styles import Border, Side

    wb = openpyxl.load_workbook(io.BytesIO(build(v2021, Spec(answers={"P-MP-i-a": "Ya"}))))
    ws = wb[L.SHEET]
    border = Border(left=Side("thin"))
    for r in range(ws.max_row + 1, 3001):
        for c in range(1, 27):
            ws.cell(r, c).border = border
    buffer = io.BytesIO()
    wb.save(buffer)
    assert read_workbook(buffer.getvalue()).answers == {"P-MP-i-a": "Ya"}

# --- review item 2: the part cap applies to every member a parser may read, whatever its name -----

@pytest.mark.parametrize("name", ["xl/strings.bin", "xl/worksheets/sheet1.dat", "customXml/item1"])
def test_a_large_part_under_any_name_is_refused(name):
    data = _replace_parts(_sheets_workbook(1), {name: b"<a/>" * (9 * 1024 * 1024 // 4)}, stored=True)
    assert "terlalu besar untuk LKE (lebih dari 8 MB" in _refusal(data, limit=64 * 1024 * 1024)


def test_pictures_are_not_held_to_the_part_cap(v2021):
    picture = bytes(range(256)) * (9 * 1024 * 1024 // 256)  # 9 MB a parser never reads
    data = _replace_parts(build(v2021, Spec(answers={"P-MP-i-a": "Ya"})), {"xl/media/image1.png": picture},
                          stored=True)
    assert read_workbook(data, limit=64 * 1024 * 1024).answers == {"P-MP-i-a": "Ya"}


# --- review item 4: a bad hyperlink reference is skipped, the others read ---------------------------

@pytest.mark.parametrize("ref", ["A0", "ZZZZ1", "1A", "", "A1048577A"])
def test_a_hyperlink_with_a_bad_reference_is_left_out(v2021, ref):
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya", "P-MP-i-b": "A"},
                             evidence={"P-MP-i-a": "SK Tim ZI", "P-MP-i-b": "Kriteria"}))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[L.SHEET]
    rows = {ws[f"{L.DATA_DUKUNG}{r}"].value: r for r in range(3, ws.max_row + 1)
            if ws[f"{L.DATA_DUKUNG}{r}"].value}
    ws[f"{L.DATA_DUKUNG}{rows['SK Tim ZI']}"].hyperlink = "https://drive.example/sk"
    ws[f"{L.DATA_DUKUNG}{rows['Kriteria']}"].hyperlink = "https://drive.example/kriteria"
    buffer = io.BytesIO()
    wb.save(buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    bad = f'ref="{L.DATA_DUKUNG}{rows["SK Tim ZI"]}"'.encode()
    assert bad in sheet
    patched = _replace_parts(buffer.getvalue(),
                             {"xl/worksheets/sheet1.xml": sheet.replace(bad, f'ref="{ref}"'.encode(), 1)})
    reading = read_workbook(patched)
    assert reading.evidence["P-MP-i-a"] == [EvidenceLine("SK Tim ZI")]
    assert reading.evidence["P-MP-i-b"] == [EvidenceLine("Kriteria", "https://drive.example/kriteria")]


# --- review item 8: XML is parsed through defusedxml ----------------------------------------------

def test_openpyxl_parses_through_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_an_entity_bomb_in_a_sheet_is_refused_quickly(v2021):
    assert "Berkas rusak" in _refusal(entity_bomb(build(v2021, Spec())))


def test_external_entities_in_the_relationships_are_not_resolved(v2021, tmp_path):
    """An XXE in the sheet's relationships (read by the reader's own hyperlink pass): the secret
    file is never read into a link; the answers still import."""
    secret = tmp_path / "secret.txt"
    secret.write_text("https://secret.example/leaked")
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya"}, evidence={"P-MP-i-a": "SK"}))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[L.SHEET]
    row = next(r for r in range(3, ws.max_row + 1) if ws[f"{L.DATA_DUKUNG}{r}"].value == "SK")
    ws[f"{L.DATA_DUKUNG}{row}"].hyperlink = "https://drive.example/sk"
    buffer = io.BytesIO()
    wb.save(buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    rels = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    start = rels.index("?>") + 2 if rels.startswith("<?xml") else 0
    hostile = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
               + rels[start:].replace('Target="https://drive.example/sk"', 'Target="&x;"'))
    patched = _replace_parts(buffer.getvalue(), {"xl/worksheets/_rels/sheet1.xml.rels": hostile.encode()})
    try:
        reading = read_workbook(patched)
    except WorkbookRefused:
        return  # refused outright is as good
    assert "secret" not in repr(reading.evidence)


# --- review item 9: crafted long texts cost no more than the instrument's own ----------------------

def test_rows_of_very_long_texts_made_of_item_words_are_matched_in_bounded_time(v2021):
    """Texts of thousands of characters built from the items' own words pass the word filter; they
    are compared no further than twice the longest item text."""
    words = " ".join(i.text for i in v2021.items).split()
    stray = tuple(("P-MP-i-a", "x", " ".join(words[(k * 37) % len(words):] + words)[:6000])
                  for k in range(60))
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya"}, extra_rows=stray))
    started = time.process_time()
    reading = read_workbook(data)
    assert time.process_time() - started < 3 * SECONDS
    assert reading.answers == {"P-MP-i-a": "Ya"}


def test_the_same_words_in_another_order_are_not_compared_letter_by_letter(v2021):
    from zi.lke_workbook.reader import normalise, similarity

    text = normalise(max((i.text for i in v2021.items), key=len))
    assert len(text) > 300
    assert similarity(" ".join(reversed(text.split())), text) == 0.0
    assert similarity(text.replace("a", "e", 3), text) > 0.95


def test_letter_by_letter_comparisons_are_budgeted_per_file_and_never_cached(v2021, monkeypatch):
    """Past MAX_COMPARISONS a row is left unmatched (a departure, never minutes of work); the next
    file has its own budget, and a comparison refused for lack of it is not remembered."""
    from zi.lke_workbook import reader

    texts = {"P-MP-ii-b": "Dalam dokumen pembangunan terdapat target prioritas yang relevan dengan tujuan "
                          "pembangunan WBK/WBBM (budget)"}
    data = build(v2021, Spec(answers={"P-MP-ii-b": "A"}, texts=texts))
    reader._similarity.cache_clear()
    monkeypatch.setattr(reader, "MAX_COMPARISONS", 0)
    assert "P-MP-ii-b" not in read_workbook(data).answers
    monkeypatch.setattr(reader, "MAX_COMPARISONS", 1_000)
    assert read_workbook(data).answers == {"P-MP-ii-b": "A"}


# --- review item 6: exported text stays text --------------------------------------------------------

def test_a_note_or_title_starting_with_equals_is_exported_as_text_and_reads_back(v2021):
    notes = {"P-MP-i-a": "=1+1", "P-MP-i-b": "=HYPERLINK(\"https://evil.example\",\"klik\")"}
    wb = write_workbook(v2021, {"P-MP-i-a": "Ya"}, notes=notes, evidence={"P-MP-i-a": ["=cmd|' /C calc'!A0"]},
                        title="=SUM(1,2)")
    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))[L.SHEET]
    formulas = [c.coordinate for row in ws.iter_rows() for c in row
                if c.data_type == "f"
                and str(c.value).startswith(("=1+1", "=cmd", "=SUM(1,2)", "=HYPERLINK"))]
    assert formulas == []
    assert ws[f"{L.COMPONENT}{L.TITLE_ROW}"].value == "=SUM(1,2)"
    reading = read_workbook(workbook_bytes(wb))
    assert reading.notes["P-MP-i-a"] == "=1+1"

    tpi = write_tpi_workbook(v2021, LayerData({}, {"P-MP-i-a": "=2+2"}), LayerData({}, {"P-MP-i-a": "=3+3"}))
    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes(tpi)))[L.SHEET]
    assert not [c for row in ws.iter_rows() for c in row
                if c.data_type == "f" and str(c.value) in ("=2+2", "=3+3")]


# --- the repeated logic: one list of layers, one size limit ----------------------------------------

def test_one_list_of_layers_and_one_size_limit():
    from zi import workbook_import
    from zi.config import Config
    from zi.lke_workbook import reader
    from zi.states import Layer

    assert tuple(layer.value for layer in Layer) == reader.LAYERS
    assert workbook_import.LAYERS is reader.LAYERS
    assert reader.max_bytes() == Config.WORKBOOK_MAX_BYTES
