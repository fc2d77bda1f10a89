"""Workbooks in the official LKE layout built cell by cell with openpyxl, the way filled files
from units look (not through zi's writer): the template's title rows and header, numbering in
B–F, the template's own formulas (AVERAGE of the items × Bobot, "Blm Diisi" for blanks), answers
as people type them, and the departures real files show — typed subtotals, letters out of order,
"Ya" for "Ya/Tidak", extra sheets, another year's wording, the header further down."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook

from zi import scoring
from zi.criteria.model import Criteria, Item
from zi.lke_workbook import layout as L

T = L.TpiColumns


def prefix(code: str) -> str:
    """The sub-area part of an item code: P-PP-v-b → P-PP-v (H-I-a → H-I)."""
    return code.rsplit("-", 1)[0]


@dataclass
class Spec:
    """What a built workbook holds. Answers are raw cell values (a % item: a mapping of count id to
    raw value); `typed` types every subtotal (its correct value) instead of a formula; `subtotals`
    types given values by key: "pemenuhan/MP/i" (sub-area), "pemenuhan/MP" (area), "pemenuhan"
    (sub-component), "pengungkit" (component), "TOTAL PENGUNGKIT", "TOTAL HASIL", "NILAI"."""

    answers: Mapping[str, object] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, str] = field(default_factory=dict)
    tpi_answers: Mapping[str, object] = field(default_factory=dict)   # TPI variant only
    tpi_notes: Mapping[str, str] = field(default_factory=dict)
    variant: str = "unit"
    header_row: int = 2
    sheet: str = L.SHEET
    extra_sheets: Sequence[str] = ()
    extra_first: bool = False
    order: Mapping[str, Sequence[str]] = field(default_factory=dict)   # prefix → codes in file order
    letters: Mapping[str, str] = field(default_factory=dict)           # code → letter printed
    type_labels: Mapping[str, str] = field(default_factory=dict)       # code → Pilihan Jawaban
    texts: Mapping[str, str] = field(default_factory=dict)             # code → text printed
    typed: bool = False
    subtotals: Mapping[str, float] = field(default_factory=dict)
    headings: bool = True            # the R-PW-iii sub-part titles as rows of their own
    heading_mark: str = ""           # ... numbered so in column F ("-" in some copies)
    count_type: str = L.COUNT_TYPE   # what J says on a count line ("" in some copies)
    extra_rows: Sequence[tuple[str, str, str]] = ()   # (after code, letter, text): rows no item has
    drop: Sequence[str] = ()         # items left out of the file
    numbers_row: bool = False        # a row under the header numbering the columns (1), (2), …


def _type_label(item: Item) -> str:
    return L.PILIHAN_JAWABAN[item.type]


def _item_formula(item: Item, k: str) -> str:
    """The template's Nilai of an item (a blank shows "Blm Diisi")."""
    if item.type == "ya_tidak":
        return f'=IF({k}="Ya",1,IF({k}="Tidak",0,"Blm Diisi"))'
    if item.type == "abc":
        return f'=IF({k}="A",1,IF({k}="B",0.5,IF({k}="C",0,"Blm Diisi")))'
    if item.type == "abcd":
        return f'=IF({k}="A",1,IF({k}="B",0.67,IF({k}="C",0.33,IF({k}="D",0,"Blm Diisi"))))'
    if item.type == "abcde":
        return (f'=IF({k}="A",1,IF({k}="B",0.75,IF({k}="C",0.5,IF({k}="D",0.25,'
                f'IF({k}="E",0,"Blm Diisi")))))')
    if item.type == "index_0_4":
        return f'=IF({k}="","Blm Diisi",{k}/4)'
    return f"={k}"


def build(criteria: Criteria, spec: Spec | None = None) -> bytes:
    """The workbook's bytes."""
    spec = spec or Spec()
    wb = Workbook()
    ws = wb.active
    ws.title = spec.sheet
    for name in spec.extra_sheets:
        extra = wb.create_sheet(name, 0) if spec.extra_first else wb.create_sheet(name)
        extra["A1"] = "Catatan evaluasi" if "Ctt" in name else "Data Unit Kerja"
    tpi = spec.variant == "tpi"
    answer_col = T.UNIT_ANSWER if tpi else L.JAWABAN
    nilai_col = T.UNIT_NILAI if tpi else L.NILAI
    ws["B1"] = "LEMBAR KERJA EVALUASI ZONA INTEGRITAS MENUJU WBK/WBBM"
    for extra in range(2, spec.header_row):
        ws[f"B{extra}"] = "UNIT KERJA: Bagian Contoh" if extra == 2 else ""
    headers = {c: h for c, h in L.HEADERS.items()
               if c in (L.COMPONENT, L.TEXT, L.BOBOT, L.PENJELASAN, L.PILIHAN)}
    headers.update(T.HEADERS if tpi else L.HEADERS)
    for column, header in headers.items():
        ws[f"{column}{spec.header_row}"] = header
    report = scoring.score(criteria, _scorable(criteria, spec.answers))
    row = spec.header_row
    if spec.numbers_row:
        row += 1
        for number, column in enumerate(sorted(headers, key=len), start=1):
            ws[f"{column}{row}"] = number

    def put(**cells) -> int:
        nonlocal row
        row += 1
        for column, value in cells.items():
            if value is not None and value != "":
                ws[f"{column}{row}"] = value
        return row

    def subtotal(key: str, computed, formula: str, at: int) -> None:
        if key in spec.subtotals:
            ws[f"{nilai_col}{at}"] = spec.subtotals[key]
        elif spec.typed:
            ws[f"{nilai_col}{at}"] = round(float(computed), 2)
        else:
            ws[f"{nilai_col}{at}"] = formula

    def item_rows(item: Item, letter_column: str) -> int:
        code = item.code
        answer = spec.answers.get(code)
        text = spec.texts.get(code, item.text)
        if spec.headings and item.heading:
            put(**{L.ITEM: spec.heading_mark or None, L.TEXT: item.heading})
        r = put(**{letter_column: L.numbered(spec.letters.get(code, L.item_letter(item))),
                   L.TEXT: text, L.BOBOT: float(item.weight) if item.weight else None,
                   L.PENJELASAN: "\n".join(f"{o.key.lower()}. {o.text}" for o in item.options
                                           if o.source != "zi"),
                   L.PILIHAN: spec.type_labels.get(code, _type_label(item))})
        if tpi:
            note_cells = {T.UNIT_NOTE: spec.notes.get(code), T.UNIT_EVIDENCE: spec.evidence.get(code),
                          T.TPI_NOTE: spec.tpi_notes.get(code)}
        else:
            note_cells = {L.CATATAN: spec.notes.get(code), L.DATA_DUKUNG: spec.evidence.get(code)}
        for column, value in note_cells.items():
            if value:
                ws[f"{column}{r}"] = value
        k = f"{answer_col}{r}"
        if item.type == "percent":
            counts = answer if isinstance(answer, Mapping) else {}
            tpi_counts = spec.tpi_answers.get(code) if tpi else None
            rows = []
            for count in item.counts:
                c = put(**{L.ITEM: L.COUNT_MARK, L.TEXT: spec.texts.get(f"{code}:{count.id}", count.label),
                           L.PILIHAN: spec.count_type or None, answer_col: counts.get(count.id)})
                if isinstance(tpi_counts, Mapping):
                    ws[f"{T.TPI_ANSWER}{c}"] = tpi_counts.get(count.id)
                rows.append(c)
            first, last = rows[0], rows[-1]
            ws[k] = f'=IF(COUNT({answer_col}{first}:{answer_col}{last})<{len(rows)},"Blm Diisi",' \
                    f'MIN(1,{answer_col}{last}/SUM({answer_col}{first}:{answer_col}{last - 1})))'
        else:
            if answer is not None:
                ws[k] = answer
            if tpi and spec.tpi_answers.get(code) is not None:
                ws[f"{T.TPI_ANSWER}{r}"] = spec.tpi_answers[code]
        formula = _item_formula(item, k)
        ws[f"{nilai_col}{r}"] = f"=({formula[1:]})*{L.BOBOT}{r}" if item.weight else formula
        for after, letter, extra_text in spec.extra_rows:
            if after == code:
                put(**{L.ITEM: L.numbered(letter), L.TEXT: extra_text, L.PILIHAN: "Ya/Tidak",
                       answer_col: "Ya"})
        return r

    closing = []
    for comp in criteria.components:
        comp_row = put(**{L.COMPONENT: f"{comp.letter}.", L.TEXT: comp.name.upper(),
                          L.BOBOT: float(comp.weight)})
        sub_rows = []
        for sub in comp.sub_components:
            sub_row = put(**{L.SUB_COMPONENT: f"{sub.numeral}.", L.TEXT: sub.name.upper(),
                             L.BOBOT: float(sub.weight)})
            parts = []
            for block in sub.areas:
                area = criteria.area(block.area)
                block_row = put(**{L.AREA: f"{area.number}.", L.TEXT: area.name,
                                   L.BOBOT: float(block.weight)})
                sa_rows = []
                for sa in block.sub_areas:
                    sa_row = put(**{L.SUB_AREA: f"{sa.numeral}.", L.TEXT: sa.name,
                                    L.BOBOT: float(sa.weight)})
                    items = _ordered(sa.items, spec)
                    rows = [item_rows(item, L.ITEM) for item in items if item.code not in spec.drop]
                    cells = ",".join(f"{nilai_col}{r}" for r in rows) or "0"
                    subtotal(f"{sub.code}/{block.area}/{sa.numeral}",
                             report.sub_areas[(sub.code, block.area, sa.numeral)],
                             f"=AVERAGE({cells})*{L.BOBOT}{sa_row}", sa_row)
                    sa_rows.append(sa_row)
                subtotal(f"{sub.code}/{block.area}", report.areas[block.area].parts[sub.code],
                         "=SUM(" + ",".join(f"{nilai_col}{r}" for r in sa_rows) + ")", block_row)
                parts.append(block_row)
            parts.extend(item_rows(item, L.AREA) for item in _ordered(sub.items, spec)
                         if item.code not in spec.drop)
            subtotal(sub.code, report.sub_components[sub.code],
                     "=SUM(" + ",".join(f"{nilai_col}{r}" for r in parts) + ")", sub_row)
            sub_rows.append(sub_row)
        subtotal(comp.code, report.components[comp.code],
                 "=SUM(" + ",".join(f"{nilai_col}{r}" for r in sub_rows) + ")", comp_row)
        closing.append((comp, comp_row))
    put()
    total_rows = []
    for comp, comp_row in closing:
        label = f"TOTAL {comp.name.upper()}"
        r = put(**{L.TEXT: label, L.BOBOT: float(comp.weight)})
        subtotal(label, report.components[comp.code], f"={nilai_col}{comp_row}", r)
        total_rows.append(r)
    r = put(**{L.TEXT: L.NILAI_EVALUASI, L.BOBOT: float(criteria.total_weight)})
    subtotal("NILAI", report.total, "=SUM(" + ",".join(f"{nilai_col}{x}" for x in total_rows) + ")", r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _ordered(items: Sequence[Item], spec: Spec) -> list[Item]:
    if not items:
        return []
    order = spec.order.get(prefix(items[0].code))
    if not order:
        return list(items)
    by_code = {i.code: i for i in items}
    return [by_code[c] for c in order]


def _scorable(criteria: Criteria, answers: Mapping[str, object]) -> dict:
    """The answers zi can score (for the typed subtotals' correct values); others left out."""
    result = {}
    for code, raw in answers.items():
        item = criteria.items_by_code.get(code)
        if item is None or raw is None:
            continue
        try:
            value = raw
            if isinstance(raw, str) and item.type not in ("percent", "index_0_4"):
                value = " ".join(raw.split())
            result[code] = scoring.canonical(item, value)
        except scoring.AnswerError:
            continue
    return result


# --- files that are not workbooks -----------------------------------------------------------------

def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


GIB = 1024 ** 3
CRC_OF_A_GIB_OF_ZEROS = 0x5B64C2B0  # zlib.crc32 over 2**30 zero bytes, computed once


def zip_bomb(chunks: int = 1024) -> bytes:
    """A zip whose one member is `chunks` MB of zeros (~1 GB) in ~1 MB, a valid deflate stream
    (its CRC right too). Each MB is compressed once and repeated: a full flush after it resets the
    compressor, so every MB compresses to the same bytes and no gigabyte is ever held or hashed."""
    import zlib

    chunk = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = block * chunks + compressor.flush()
    size = chunks * len(chunk)
    if size == GIB:
        crc = CRC_OF_A_GIB_OF_ZEROS
    else:
        crc = 0
        for _ in range(chunks):
            crc = zlib.crc32(chunk, crc)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    # The bomb member is appended by hand: zipfile.writestr would want the gigabyte in memory.
    return _append_member(buffer.getvalue(), "xl/worksheets/sheet1.xml", data, size, crc)


def _append_member(archive: bytes, name: str, compressed: bytes, size: int, crc: int) -> bytes:
    import struct

    end = archive.rindex(b"PK\x05\x06")
    (_sig, _disk, _cd_disk, _n_disk, n_total, cd_size, cd_offset, _comment) = \
        struct.unpack("<IHHHHIIH", archive[end:end + 22])
    body, central = archive[:cd_offset], archive[cd_offset:cd_offset + cd_size]
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(compressed), size,
                        len(encoded), 0) + encoded
    offset = len(body)
    entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(compressed),
                        size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    body += local + compressed
    central += entry
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n_total + 1, n_total + 1, len(central),
                       len(body), 0)
    return body + central + eocd


def encrypted_ooxml() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE2 compound file (magic D0 CF 11 E0)
    whose directory holds the streams EncryptionInfo and EncryptedPackage. A minimal hand-built
    one: header sector, one FAT sector, one directory sector with the root and the two streams."""
    import struct

    sector = 512
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)      # minor, major, byte order, shift
    struct.pack_into("<H", header, 32, 6)                          # mini sector shift
    struct.pack_into("<I", header, 44, 1)                          # FAT sectors
    struct.pack_into("<I", header, 48, 1)                          # first directory sector
    struct.pack_into("<I", header, 56, 4096)                       # mini stream cutoff
    struct.pack_into("<IIII", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * 126
    fat_sector = struct.pack("<128I", *fat)

    def entry(name: str, kind: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        raw = bytearray(128)
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<I", raw, 116, 0xFFFFFFFE)
        return bytes(raw)

    directory = entry("Root Entry", 5) + entry("EncryptionInfo", 2) + entry("EncryptedPackage", 2) + \
        bytes(128)
    return bytes(header) + fat_sector + directory


def old_xls() -> bytes:
    """An OLE2 compound file without the encryption streams, as an old .xls is."""
    data = encrypted_ooxml()
    return data.replace("EncryptionInfo".encode("utf-16-le"), "Workbook\0\0\0\0\0\0".encode("utf-16-le")) \
        .replace("EncryptedPackage".encode("utf-16-le"), "SummaryInfo\0\0\0\0\0".encode("utf-16-le"))


def entity_bomb(workbook: bytes) -> bytes:
    """The workbook with the "billion laughs" in its sheet: nine levels of entities, each repeating
    the previous one ten times (a billion "lol" once expanded)."""
    laughs = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol0 "lol">\n' + "".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10)) + "]>\n"
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                start = text.index("?>") + 2 if text.startswith("<?xml") else 0
                body = (laughs + text[start:].replace("<v>", "<v>&lol9;", 1)).encode()
            archive.writestr(info.filename, body)
    return buffer.getvalue()
