"""Where things sit on the sheet "LKE ZI": the official columns, header row and closing rows."""

SHEET = "LKE ZI"
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3

# Numbering: one column per level of the instrument.
COMPONENT, SUB_COMPONENT, AREA, SUB_AREA, ITEM = "B", "C", "D", "E", "F"
TEXT = "G"
BOBOT = "H"
PENJELASAN = "I"
PILIHAN = "J"
JAWABAN = "K"
NILAI = "L"
PERSEN = "M"
CATATAN = "O"
DATA_DUKUNG = "P"

HEADERS = {
    COMPONENT: "No", TEXT: "Komponen/Sub Komponen/Indikator", BOBOT: "Bobot",
    PENJELASAN: "Penjelasan", PILIHAN: "Pilihan Jawaban", JAWABAN: "Jawaban", NILAI: "Nilai",
    PERSEN: "%", CATATAN: "Catatan", DATA_DUKUNG: "Data Dukung",
}

WIDTHS = {
    COMPONENT: 4, SUB_COMPONENT: 4, AREA: 4, SUB_AREA: 4, ITEM: 4, TEXT: 60, BOBOT: 8,
    PENJELASAN: 50, PILIHAN: 12, JAWABAN: 10, NILAI: 9, PERSEN: 9, CATATAN: 40, DATA_DUKUNG: 50,
}

# "Pilihan Jawaban" as the official workbook prints it, per zi answer type.
PILIHAN_JAWABAN = {
    "ya_tidak": "Ya/Tidak",
    "abc": "A/B/C",
    "abcd": "A/B/C/D",
    "abcde": "A/B/C/D/E",
    "percent": "%",
    "index_0_4": "Nilai (0-4)",
}
COUNT_TYPE = "Jumlah"
COUNT_MARK = "-"

TOTAL_PENGUNGKIT = "TOTAL PENGUNGKIT"
TOTAL_HASIL = "TOTAL HASIL"
NILAI_EVALUASI = "NILAI EVALUASI ZONA INTEGRITAS"

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def item_letter(item) -> str:
    """The official letter of an item (area 6.v prints a, c, b), else the last part of its code."""
    letter = getattr(item, "letter", None)
    return letter or item.code.rsplit("-", 1)[-1]


def numbered(mark: str) -> str:
    """`a` → `a.`; a lone item printed `-` in the official sheet stays `-`."""
    return mark if mark == COUNT_MARK else f"{mark}."


class TpiColumns:
    """The circulated TPI workbook (reference §3; J26's `excel_kolom_*`): the unit's answer K, note
    L and evidence link M, the TPI's answer N and note Q. zi adds each layer's Nilai and % (TPI: O,
    P; unit: R, S) and leaves the national team's (TPN) columns empty (T answer, U Nilai, V note).
    Columns B–J are those of the official layout."""

    UNIT_ANSWER, UNIT_NOTE, UNIT_EVIDENCE = "K", "L", "M"
    TPI_ANSWER, TPI_NILAI, TPI_PERSEN, TPI_NOTE = "N", "O", "P", "Q"
    UNIT_NILAI, UNIT_PERSEN = "R", "S"
    TPN_ANSWER, TPN_NILAI, TPN_NOTE = "T", "U", "V"

    HEADERS = {
        UNIT_ANSWER: "Jawaban Unit", UNIT_NOTE: "Catatan Unit", UNIT_EVIDENCE: "Data Dukung Unit",
        TPI_ANSWER: "Jawaban TPI", TPI_NILAI: "Nilai TPI", TPI_PERSEN: "% TPI",
        TPI_NOTE: "Catatan TPI", UNIT_NILAI: "Nilai Unit", UNIT_PERSEN: "% Unit",
        TPN_ANSWER: "Jawaban TPN", TPN_NILAI: "Nilai TPN", TPN_NOTE: "Catatan TPN",
    }
    # Where each layer's answer (and count rows) sit; the reader takes --layer from here.
    ANSWER = {"unit": UNIT_ANSWER, "tpi": TPI_ANSWER}
    NOTE = {"unit": UNIT_NOTE, "tpi": TPI_NOTE}
