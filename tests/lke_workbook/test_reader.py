"""Reading filled LKE workbooks: the official layout as units fill it (built cell by cell in
builders.py), zi's own exports of both variants, and the files that must be refused."""

import io
import random
import zipfile
from fractions import Fraction

import openpyxl
import pytest

from tests.conftest import FULL_COUNTS, best_answer, worst_answer
from zi import scoring
from zi.lke_workbook import layout as L
from zi.lke_workbook import read_workbook, workbook_bytes, write_tpi_workbook, write_workbook
from zi.lke_workbook.reader import evidence_lines
from zi.lke_workbook.reading import DepartureKind as K
from zi.lke_workbook.reading import EvidenceLine, WorkbookRefused
from zi.lke_workbook.writer import LayerData

from .builders import Spec, build, encrypted_ooxml, old_xls, pdf_bytes, prefix, zip_bomb


@pytest.fixture(scope="module")
def v2021(criteria_registry):
    return criteria_registry["lke-2021"]


@pytest.fixture(scope="module")
def v2025(criteria_registry):
    return criteria_registry["lke-2025"]


def canonical(c, answers):
    return {code: scoring.canonical(c.item(code), value) for code, value in answers.items()}


def mixed_answers(c, seed=7):
    """Every item answered with a random option / index / counts (each valid)."""
    rng = random.Random(seed)
    result = {}
    for item in c.items:
        if item.type == "percent":
            result[item.code] = rng.choice([best_answer(item), worst_answer(item)])
        elif item.type == "index_0_4":
            result[item.code] = rng.choice([0, 2.5, 3.72, 4])
        else:
            result[item.code] = rng.choice(item.option_keys)
    return result


def kinds(reading, *wanted):
    return [d for d in reading.departures if d.kind in wanted]


def read(c, spec, **kwargs):
    return read_workbook(build(c, spec), **kwargs)


# --- the plain official layout ----------------------------------------------------------------------

@pytest.mark.parametrize("version", ["lke-2021", "lke-2025"])
def test_every_answer_type_read_back_and_version_detected(criteria_registry, version):
    c = criteria_registry[version]
    answers = mixed_answers(c)
    reading = read(c, Spec(answers=answers))
    assert reading.criteria_id == version
    assert (reading.layer, reading.variant, reading.sheet) == ("unit", "unit", L.SHEET)
    assert reading.departures == []
    assert canonical(c, reading.answers) == canonical(c, answers)
    assert set(reading.rows) == set(c.items_by_code)
    assert scoring.score(c, reading.answers).total == scoring.score(c, answers).total


def test_answer_forms_people_type(v2021):
    answers = {"P-MP-i-a": " ya ", "P-MP-ii-a": "TIDAK", "P-MP-i-b": " a ", "P-MP-ii-b": "b",
               "P-PT-i-b": "e", "H-I-a": "3,72", "H-II-a": 3, "H-I-b": "  c",
               "R-MP-i-a": {"agents": "5", "changes": 4.0}, "P-PT-i-a": " - ", "P-PT-i-c": "  ",
               "R-MP-i-b": {"changes": "-", "integrated": None}}
    reading = read(v2021, Spec(answers=answers))
    assert reading.answers == {"P-MP-i-a": "Ya", "P-MP-ii-a": "Tidak", "P-MP-i-b": "A", "P-MP-ii-b": "B",
                               "P-PT-i-b": "E", "H-I-a": "3.72", "H-II-a": "3", "H-I-b": "C",
                               "R-MP-i-a": {"agents": 5, "changes": 4}}
    # blanks are unanswered, not departures; nothing else departs from the instrument
    assert kinds(reading, K.UNKNOWN_ANSWER, K.MISSING_ITEM, K.UNMATCHED_ROW) == []


@pytest.mark.parametrize(("code", "given", "expected_text"), [
    ("P-MP-i-b", "F", "jawaban 'F' pada butir P-MP-i-b tidak dikenal; yang diterima: A, B, C"),
    ("P-MP-i-a", "Y", "yang diterima: Ya, Tidak"),
    ("P-MP-i-b", 1, "jawaban '1' pada butir P-MP-i-b"),
    ("H-I-a", "tinggi", "yang diterima: 0–4"),
    ("H-I-a", -1, "yang diterima: 0–4"),
])
def test_unknown_answers_are_departures_and_left_out(v2021, code, given, expected_text):
    reading = read(v2021, Spec(answers={code: given, "P-MP-ii-a": "Ya"}))
    [departure] = kinds(reading, K.UNKNOWN_ANSWER)
    assert departure.code == code and departure.row == reading.rows[code]
    assert expected_text in departure.text()
    assert departure.kind.blocking
    assert reading.answers == {"P-MP-ii-a": "Ya"}


def test_a_survey_index_on_a_0_100_scale_gets_the_hint(v2021):
    reading = read(v2021, Spec(answers={"H-I-a": 87.5}))
    [departure] = kinds(reading, K.UNKNOWN_ANSWER)
    assert "di luar skala 0–4" in departure.text() and "87.5 / 25 = 3.5" in departure.text()
    english = departure.text(lambda text: _english(text))
    assert "divide it by 25" in english
    assert "H-I-a" not in reading.answers


def _english(message_id):
    from zi.messages import _catalogue

    return _catalogue("en").gettext(message_id)


@pytest.mark.parametrize(("counts", "fragment"), [
    ({"agents": 5, "changes": -1}, "jumlah '-1' (Jumlah Perubahan yang dibuat)"),
    ({"agents": "lima", "changes": 5}, "jumlah 'lima' (Jumlah Agen Perubahan)"),
    ({"agents": 2.5, "changes": 5}, "jumlah '2.5'"),
    ({"agents": 5}, "jumlah 'Jumlah Perubahan yang dibuat' belum diisi"),
])
def test_bad_or_missing_counts(v2021, counts, fragment):
    reading = read(v2021, Spec(answers={"R-MP-i-a": counts}))
    found = kinds(reading, K.UNKNOWN_ANSWER)
    assert found and all(d.code == "R-MP-i-a" for d in found)
    assert any(fragment in d.text() for d in found), [d.text() for d in found]
    assert "R-MP-i-a" not in reading.answers


def test_counts_all_blank_is_unanswered_and_zero_denominator_rule(v2021):
    reading = read(v2021, Spec(answers={"R-MP-i-a": {}, "R-AK-i-a": {"targets": 0, "achieved": 0},
                                        "R-PW-ii-a": {"to_follow_up": 0, "in_process": 0,
                                                      "completed": 0}}))
    [departure] = kinds(reading, K.UNKNOWN_ANSWER)
    assert departure.code == "R-AK-i-a" and "penyebutnya 0" in departure.text()
    assert reading.answers == {"R-PW-ii-a": {"to_follow_up": 0, "in_process": 0, "completed": 0}}


def test_count_lines_found_by_label_without_the_jumlah_type(v2021):
    answers = {code: counts for code, counts in FULL_COUNTS.items()}
    reading = read(v2021, Spec(answers=answers, count_type=""))
    assert reading.answers == answers
    assert kinds(reading, K.UNMATCHED_ROW, K.UNKNOWN_ANSWER) == []


def test_count_lines_in_another_order_are_matched_by_label(v2021):
    answers = {"R-PW-iii-a": {"heads": 1, "officials": 2, "others": 3, "reported": 4}}
    wb = openpyxl.load_workbook(io.BytesIO(build(v2021, Spec(answers=answers))))
    ws = wb[L.SHEET]
    rows = [r for r in range(3, ws.max_row + 1) if ws[f"{L.TEXT}{r}"].value in
            [c.label for c in v2021.item("R-PW-iii-a").counts]]
    first, last = rows[0], rows[-1]  # swap the first and the last count line (text and value)
    for column in (L.TEXT, L.JAWABAN):
        a, b = ws[f"{column}{first}"], ws[f"{column}{last}"]
        a.value, b.value = b.value, a.value
    buffer = io.BytesIO()
    wb.save(buffer)
    assert read_workbook(buffer.getvalue()).answers == answers


# --- departures of real files --------------------------------------------------------------------

def test_typed_subtotals_that_agree_are_quiet(v2021):
    answers = mixed_answers(v2021, seed=3)
    reading = read(v2021, Spec(answers=answers, typed=True))
    assert reading.departures == []
    assert canonical(v2021, reading.answers) == canonical(v2021, answers)


def test_typed_subtotals_that_disagree_show_both_values_and_the_breakdown_wins(v2021):
    answers = {item.code: best_answer(item) for item in v2021.items}
    reading = read(v2021, Spec(answers=answers, typed=True, subtotals={
        "pemenuhan/MP/i": 0.25, "pemenuhan/MP": 3.5, "pemenuhan": 29.0, "pengungkit": 59.0,
        "TOTAL PENGUNGKIT": 58.0, "NILAI": 97.0}))
    found = kinds(reading, K.SUBTOTAL_MISMATCH)
    texts = [d.text() for d in found]
    assert len(found) == 6, texts
    assert any("(Penyusunan Tim Kerja): nilai yang diketik 0.25 berbeda dari hasil rinciannya 0.50" in t
               for t in texts)
    assert any("(Manajemen Perubahan): nilai yang diketik 3.50" in t and "4.00" in t for t in texts)
    assert any(f"({L.NILAI_EVALUASI}): nilai yang diketik 97.00" in t and "100.00" in t for t in texts)
    assert all(d.row and not d.kind.blocking for d in found)
    assert scoring.score(v2021, reading.answers).total == 100  # the breakdown wins


def test_subtotal_formulas_are_not_departures(v2021):
    """The template's own formulas (AVERAGE skipping blanks) are not typed numbers: not checked."""
    reading = read(v2021, Spec(answers={"P-MP-i-a": "Ya"}))
    assert kinds(reading, K.SUBTOTAL_MISMATCH, K.FORMULA_ONLY) == []


def test_area_6v_official_letters_a_c_b_read_without_departure(v2021):
    letters = [L.item_letter(i) for i in v2021.groups("PP")[4][2]]
    assert letters == ["a", "c", "b"]
    reading = read(v2021, Spec(answers={"P-PP-v-a": "A", "P-PP-v-b": "Tidak", "P-PP-v-c": "B"}))
    assert reading.answers == {"P-PP-v-a": "A", "P-PP-v-b": "Tidak", "P-PP-v-c": "B"}
    assert kinds(reading, K.LETTER) == []


def test_area_6v_lettered_a_b_c_in_file_order(v2021):
    """A copy that re-letters 6.v a, b, c (its rows in the official order a, c, b): texts decide."""
    answers = {"P-PP-v-a": "A", "P-PP-v-b": "Tidak", "P-PP-v-c": "B"}
    reading = read(v2021, Spec(answers=answers, letters={"P-PP-v-b": "b", "P-PP-v-c": "c"}))
    assert reading.answers == answers
    letter = kinds(reading, K.LETTER)
    assert {d.code for d in letter} == {"P-PP-v-b", "P-PP-v-c"}
    assert not any(d.kind.blocking for d in letter)


def test_6v_rows_in_alphabetical_order(v2021):
    answers = {"P-PP-v-a": "D", "P-PP-v-b": "Ya", "P-PP-v-c": "C"}
    reading = read(v2021, Spec(answers=answers, order={"P-PP-v": ["P-PP-v-a", "P-PP-v-c", "P-PP-v-b"]}))
    assert reading.answers == answers
    assert kinds(reading, K.LETTER, K.UNMATCHED_ROW, K.MISSING_ITEM) == []


def test_every_sub_area_shuffled_and_relettered(v2021):
    rng = random.Random(2024)
    order, letters = {}, {}
    for item, _ in v2021.walk_items():
        order.setdefault(prefix(item.code), []).append(item.code)
    for codes in order.values():
        rng.shuffle(codes)
        for index, code in enumerate(codes):
            if len(codes) > 1:
                letters[code] = "abcdefghij"[index]
    answers = mixed_answers(v2021, seed=11)
    reading = read(v2021, Spec(answers=answers, order=order, letters=letters))
    assert canonical(v2021, reading.answers) == canonical(v2021, answers)
    assert kinds(reading, K.UNMATCHED_ROW, K.MISSING_ITEM, K.UNKNOWN_ANSWER) == []
    assert kinds(reading, K.LETTER)  # reported, not blocking


def test_extra_sheets_are_reported(v2021):
    reading = read(v2021, Spec(answers={"P-MP-i-a": "Ya"}, extra_sheets=("Utama", "Ctt Eval")))
    assert [d.params["sheet"] for d in kinds(reading, K.EXTRA_SHEET)] == ["Utama", "Ctt Eval"]
    assert reading.answers == {"P-MP-i-a": "Ya"}


def test_the_instrument_found_on_a_sheet_with_another_name_behind_extra_sheets(v2021):
    reading = read(v2021, Spec(answers={"P-MP-i-a": "Ya"}, sheet="LKE", extra_sheets=("Utama",),
                               extra_first=True))
    assert reading.sheet == "LKE" and reading.answers == {"P-MP-i-a": "Ya"}
    assert [d.params["sheet"] for d in kinds(reading, K.EXTRA_SHEET)] == ["Utama"]


def test_a_2025_wording_file_is_lke_2025_and_a_2021_one_lke_2021(v2021, v2025):
    answers = {"R-PW-iii-b": FULL_COUNTS["R-PW-iii-b"], "P-MP-i-a": "Ya"}
    assert read(v2025, Spec(answers=answers)).criteria_id == "lke-2025"
    assert read(v2021, Spec(answers=answers)).criteria_id == "lke-2021"
    # without the headings and with typed subtotals, the item and count texts still decide
    assert read(v2025, Spec(answers=answers, headings=False, typed=True)).criteria_id == "lke-2025"
    # a fixed version reads the other wording, its text departures reported
    fixed = read(v2025, Spec(answers=answers), criteria_id="lke-2021")
    assert fixed.criteria_id == "lke-2021" and fixed.answers["R-PW-iii-b"] == FULL_COUNTS["R-PW-iii-b"]
    assert [d.code for d in kinds(fixed, K.TEXT)] == ["R-PW-iii-b"]


def test_type_label_ya(v2021):
    reading = read(v2021, Spec(answers={"P-MP-i-a": "ya"}, type_labels={"P-MP-i-a": "Ya"}))
    [departure] = kinds(reading, K.TYPE_LABEL)
    assert departure.code == "P-MP-i-a" and not departure.kind.blocking
    assert "'Ya', seharusnya 'Ya/Tidak'" in departure.text()
    assert reading.answers == {"P-MP-i-a": "Ya"}


def test_header_on_another_row(v2021):
    answers = mixed_answers(v2021, seed=5)
    reading = read(v2021, Spec(answers=answers, header_row=6))
    assert reading.departures == []
    assert canonical(v2021, reading.answers) == canonical(v2021, answers)


def test_a_row_of_column_numbers_under_the_header(v2021):
    answers = mixed_answers(v2021, seed=8)
    reading = read(v2021, Spec(answers=answers, numbers_row=True, header_row=3, typed=True))
    assert reading.departures == []
    assert canonical(v2021, reading.answers) == canonical(v2021, answers)


def test_columns_found_by_their_headers(v2021):
    """A copy with a column inserted before Jawaban: the headers, not the letters, place it."""
    wb = openpyxl.load_workbook(io.BytesIO(build(v2021, Spec(answers={"P-MP-i-a": "Ya"},
                                                            notes={"P-MP-i-a": "catatan"}))))
    ws = wb[L.SHEET]
    ws.insert_cols(openpyxl.utils.column_index_from_string(L.JAWABAN))
    ws[f"{L.JAWABAN}2"] = "Keterangan"
    buffer = io.BytesIO()
    wb.save(buffer)
    reading = read_workbook(buffer.getvalue())
    assert reading.answers == {"P-MP-i-a": "Ya"} and reading.notes == {"P-MP-i-a": "catatan"}


def test_unmatched_rows_and_missing_items(v2021):
    reading = read(v2021, Spec(answers={"P-MP-i-a": "Ya"}, drop=("P-MP-i-b",),
                               extra_rows=(("P-MP-i-a", "c", "Unit kerja memelihara kucing kantor"),)))
    [unmatched] = kinds(reading, K.UNMATCHED_ROW)
    assert "kucing kantor" in unmatched.text() and unmatched.row
    [missing] = kinds(reading, K.MISSING_ITEM)
    assert missing.code == "P-MP-i-b" and missing.kind.blocking
    assert "P-MP-i-b" not in reading.rows and reading.answers == {"P-MP-i-a": "Ya"}


def test_a_formula_answer_without_a_cached_value(v2021):
    wb = openpyxl.load_workbook(io.BytesIO(build(v2021, Spec(answers={"P-MP-i-b": "A"}))))
    ws = wb[L.SHEET]
    row = next(r for r in range(3, ws.max_row + 1) if ws[f"{L.JAWABAN}{r}"].value == "A")
    ws[f"{L.JAWABAN}{row}"] = '=UPPER("a")'
    buffer = io.BytesIO()
    wb.save(buffer)
    reading = read_workbook(buffer.getvalue())
    [departure] = kinds(reading, K.FORMULA_ONLY)
    assert departure.code == "P-MP-i-b" and departure.row == row
    assert reading.answers == {}


def test_notes_and_data_dukung_lines(v2021):
    evidence = ("SK Tim ZI — https://drive.example/sk.pdf\nNotulen rapat\n"
                "https://zi.example/evidence/documents/7")
    reading = read(v2021, Spec(answers={"P-MP-i-a": "Ya"}, notes={"P-MP-i-a": "SK 2026"},
                               evidence={"P-MP-i-a": evidence}))
    assert reading.notes == {"P-MP-i-a": "SK 2026"}
    assert reading.evidence == {"P-MP-i-a": [
        EvidenceLine("SK Tim ZI", "https://drive.example/sk.pdf"), EvidenceLine("Notulen rapat"),
        EvidenceLine("https://zi.example/evidence/documents/7", "https://zi.example/evidence/documents/7")]}


def test_evidence_lines_split_urls():
    assert evidence_lines("a: http://x.example/1, http://x.example/2.\n\n  ") == [
        EvidenceLine("a", "http://x.example/1"), EvidenceLine("a", "http://x.example/2")]


# --- the TPI variant and zi's own exports -------------------------------------------------------

def test_a_tpi_variant_file_read_for_both_layers(v2021):
    unit = mixed_answers(v2021, seed=1)
    tpi = mixed_answers(v2021, seed=2)
    data = build(v2021, Spec(variant="tpi", answers=unit, tpi_answers=tpi, notes={"P-MP-i-a": "unit"},
                             tpi_notes={"P-MP-i-a": "tpi"}, evidence={"P-MP-i-a": "SK https://x.example"}))
    by_unit = read_workbook(data, "unit")
    by_tpi = read_workbook(data, "tpi")
    assert (by_unit.variant, by_unit.layer, by_tpi.layer) == ("tpi", "unit", "tpi")
    assert canonical(v2021, by_unit.answers) == canonical(v2021, unit)
    assert canonical(v2021, by_tpi.answers) == canonical(v2021, tpi)
    assert by_unit.notes == {"P-MP-i-a": "unit"} and by_tpi.notes == {"P-MP-i-a": "tpi"}
    assert by_unit.evidence == {"P-MP-i-a": [EvidenceLine("SK", "https://x.example")]}
    assert by_tpi.evidence == {}
    assert by_unit.departures == [] and by_tpi.departures == []


@pytest.mark.parametrize("version", ["lke-2021", "lke-2025"])
def test_zi_writer_output_reads_back_equal(criteria_registry, version):
    c = criteria_registry[version]
    answers = mixed_answers(c, seed=9)
    notes = {"P-MP-i-a": "SK sudah ditandatangani", "H-I-a": "survei 2026"}
    evidence = {"P-MP-i-a": ["SK Tim ZI — https://zi.example/evidence/documents/1"]}
    data = workbook_bytes(write_workbook(c, answers, notes=notes, evidence=evidence))
    reading = read_workbook(data)
    assert reading.criteria_id == version and reading.departures == []
    assert canonical(c, reading.answers) == canonical(c, answers)
    assert reading.notes == notes
    assert reading.evidence == {"P-MP-i-a": [EvidenceLine("SK Tim ZI",
                                                          "https://zi.example/evidence/documents/1")]}


@pytest.mark.parametrize("version", ["lke-2021", "lke-2025"])
def test_zi_tpi_writer_output_reads_back_equal_for_both_layers(criteria_registry, version):
    c = criteria_registry[version]
    unit, tpi = mixed_answers(c, seed=4), mixed_answers(c, seed=5)
    data = workbook_bytes(write_tpi_workbook(c, LayerData(unit, {"P-MP-i-a": "u"}),
                                             LayerData(tpi, {"P-MP-i-a": "t"})))
    for layer, answers, note in (("unit", unit, "u"), ("tpi", tpi, "t")):
        reading = read_workbook(data, layer)
        assert reading.criteria_id == version and reading.variant == "tpi"
        assert canonical(c, reading.answers) == canonical(c, answers)
        assert reading.notes == {"P-MP-i-a": note} and reading.departures == []


def test_a_blank_workbook_reads_as_unanswered(v2021):
    reading = read_workbook(workbook_bytes(write_workbook(v2021, {})), criteria_id="lke-2021")
    assert reading.answers == {} and reading.departures == []


def test_source_as_path_and_stream(v2021, tmp_path):
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya"}))
    path = tmp_path / "lke.xlsx"
    path.write_bytes(data)
    assert read_workbook(path).answers == {"P-MP-i-a": "Ya"}
    assert read_workbook(io.BytesIO(data)).answers == {"P-MP-i-a": "Ya"}


# --- refused files --------------------------------------------------------------------------------

def _refusal(source, **kwargs) -> str:
    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(source, **kwargs)
    return str(caught.value)


def test_a_pdf_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "lke.xlsx"
    path.write_bytes(pdf_bytes())
    assert "bukan buku kerja Excel" in _refusal(path)


def test_text_and_empty_files_are_refused():
    assert "bukan buku kerja Excel" in _refusal(b"No;Jawaban\n1;Ya\n")
    assert "bukan buku kerja Excel" in _refusal(b"")


def test_a_truncated_workbook_is_refused(v2021):
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya"}))
    assert "Berkas rusak" in _refusal(data[: len(data) // 2])


def test_a_zip_with_damaged_contents_is_refused(v2021):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types>")
        archive.writestr("xl/workbook.xml", "not xml at all")
    assert "Berkas rusak" in _refusal(buffer.getvalue())


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "bukan buku kerja Excel" in _refusal(buffer.getvalue())


def test_a_zip_bomb_is_refused_before_anything_is_inflated():
    data = zip_bomb()
    assert len(data) < 2 * 1024 * 1024
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert member.file_size == 1024 ** 3
    assert "zip bomb" in _refusal(data)


def test_a_sheet_too_large_for_an_lke_is_refused_before_parsing():
    """9 MB of sheet XML (stored, not compressed: no bomb) is far beyond any LKE sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (9 * 1024 * 1024),
                         compress_type=zipfile.ZIP_STORED)
    assert "salah satu lembarnya terlalu besar untuk LKE (lebih dari 8 MB" in _refusal(buffer.getvalue())


def test_a_password_protected_workbook_is_refused():
    assert "dilindungi kata sandi" in _refusal(encrypted_ooxml())
    assert "Excel lama (.xls)" in _refusal(old_xls())


def test_a_file_over_the_size_limit_is_refused(v2021, tmp_path, monkeypatch):
    data = build(v2021, Spec())
    assert "terlalu besar: batasnya 0.01 MB" in _refusal(data, limit=10 * 1024)
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    from zi.config import Config

    monkeypatch.setattr(Config, "WORKBOOK_MAX_BYTES", 1024)
    assert "terlalu besar" in _refusal(path)
    assert "terlalu besar" in _refusal(io.BytesIO(data))


def test_a_workbook_without_the_instrument_is_refused():
    wb = openpyxl.Workbook()
    wb.active.title = "Utama"
    wb.active.append(["Nama Unit", "Bagian Umum"])
    wb.create_sheet("Data").append(["No", "Uraian", "Jawaban", "Bobot"])
    wb["Data"].append([1, "Jumlah pegawai", 12, 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert "bukan LKE" in _refusal(buffer.getvalue())


def test_unknown_layer_or_criteria_is_refused(v2021):
    data = build(v2021, Spec())
    assert "Lapisan 'tpn'" in _refusal(data, layer="tpn")
    assert "Kriteria 'lke-1999'" in _refusal(data, criteria_id="lke-1999")


def test_refusals_read_in_english(v2021):
    from zi.messages import in_locale

    with pytest.raises(WorkbookRefused) as caught:
        read_workbook(encrypted_ooxml())
    assert in_locale(caught.value, "en").startswith("The file is password protected")


# --- a file Excel (here LibreOffice) saved, its formulas with cached values ---------------------

@pytest.mark.slow
def test_a_recalculated_template_file_reads_the_same(v2021, tmp_path):
    """LibreOffice computes the template's formulas and stores their values, as Excel does: the %
    items' Jawaban then hold numbers, the subtotals cached values; answers still come from the
    counts and the typed cells."""
    from .support import recalculate

    answers = mixed_answers(v2021, seed=13)
    path = tmp_path / "in" / "filled.xlsx"
    path.parent.mkdir()
    path.write_bytes(build(v2021, Spec(answers=answers)))
    result = recalculate(path, tmp_path / "out")
    ws = openpyxl.load_workbook(result, data_only=True)[L.SHEET]
    row = next(r for r in range(3, ws.max_row + 1)
               if ws[f"{L.TEXT}{r}"].value == v2021.item("R-MP-i-a").text)
    assert isinstance(ws[f"{L.JAWABAN}{row}"].value, int | float)  # a cached value now
    reading = read_workbook(result)
    assert kinds(reading, K.UNKNOWN_ANSWER, K.FORMULA_ONLY, K.UNMATCHED_ROW, K.MISSING_ITEM) == []
    assert canonical(v2021, reading.answers) == canonical(v2021, answers)


def test_another_years_wording_still_matches_with_text_departures(v2021):
    texts = {
        # case and a full stop only: the same text
        "P-MP-i-a": "UNIT KERJA TELAH MEMBENTUK TIM UNTUK MELAKUKAN PEMBANGUNAN ZONA INTEGRITAS.",
        "P-MP-ii-b": "Dalam dokumen pembangunan terdapat target prioritas yang relevan dengan tujuan "
                     "pembangunan WBK/WBBM",
        "P-SDM-i-c": "Telah dilakukan monitoring dan evaluasi terhadap penempatan pegawai rekrutmen untuk "
                     "memenuhi kebutuhan jabatan dalam organisasi",
    }
    answers = {"P-MP-i-a": "Ya", "P-MP-ii-b": "A.", "P-SDM-i-c": "Tidak"}
    reading = read(v2021, Spec(answers=answers, texts=texts))
    assert reading.answers == {"P-MP-i-a": "Ya", "P-MP-ii-b": "A", "P-SDM-i-c": "Tidak"}
    assert {d.code for d in kinds(reading, K.TEXT)} == {"P-MP-ii-b", "P-SDM-i-c"}
    assert kinds(reading, K.UNMATCHED_ROW, K.UNKNOWN_ANSWER) == []


def test_hasil_items_numbered_1_2_are_their_letters(v2021):
    reading = read(v2021, Spec(answers={"H-I-a": 3.6, "H-I-b": "B", "H-II-a": "3,20"},
                               letters={"H-I-a": "1", "H-I-b": "2", "H-II-a": "1"}))
    assert reading.answers == {"H-I-a": "3.6", "H-I-b": "B", "H-II-a": "3.2"}
    assert kinds(reading, K.LETTER) == []
    report = scoring.score(v2021, reading.answers)
    assert report.items["H-I-a"].score == Fraction("15.75")


def test_sub_part_headings_of_the_other_version_are_not_rows_to_match(v2021, v2025):
    """A 2025 file read as lke-2021: its Non LHKPN heading is a heading, its item a text departure."""
    answers = {"R-PW-iii-a": FULL_COUNTS["R-PW-iii-a"], "R-PW-iii-b": FULL_COUNTS["R-PW-iii-b"]}
    reading = read(v2025, Spec(answers=answers, heading_mark="-"), criteria_id="lke-2021")
    assert reading.answers == answers
    assert kinds(reading, K.UNMATCHED_ROW) == []


def test_data_dukung_as_cell_hyperlinks_and_hyperlink_formulas(v2021):
    """Links typed as Excel hyperlinks (the cell shows a title) or as =HYPERLINK(url, title)."""
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya", "P-MP-i-b": "A", "P-MP-ii-a": "Ya"},
                             evidence={"P-MP-i-a": "SK Tim ZI", "P-MP-i-b": "x", "P-MP-ii-a": "y"}))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[L.SHEET]
    rows = {ws[f"{L.DATA_DUKUNG}{r}"].value: r for r in range(3, ws.max_row + 1)
            if ws[f"{L.DATA_DUKUNG}{r}"].value}
    ws[f"{L.DATA_DUKUNG}{rows['SK Tim ZI']}"].hyperlink = "https://drive.example/sk?id=1&v=2"
    ws[f"{L.DATA_DUKUNG}{rows['x']}"] = '=HYPERLINK("https://drive.example/kriteria","Kriteria seleksi")'
    ws[f"{L.DATA_DUKUNG}{rows['y']}"].hyperlink = "#'LKE ZI'!A1"  # inside the workbook: no link
    buffer = io.BytesIO()
    wb.save(buffer)
    reading = read_workbook(buffer.getvalue())
    assert reading.evidence == {
        "P-MP-i-a": [EvidenceLine("SK Tim ZI", "https://drive.example/sk?id=1&v=2")],
        "P-MP-i-b": [EvidenceLine("Kriteria seleksi", "https://drive.example/kriteria")],
        "P-MP-ii-a": [EvidenceLine("y")]}


def test_thousands_of_stray_rows_are_read_in_bounded_time(v2021):
    """Rows no item has, by the thousand: reported, the matching work capped, the sheet read no
    further than reader.MAX_ROWS."""
    import time

    from zi.lke_workbook import reader

    stray = tuple(("P-MP-i-a", "x", f"Catatan rapat koordinasi nomor {i} tentang jadwal piket kantor")
                  for i in range(2000))
    data = build(v2021, Spec(answers={"P-MP-i-a": "Ya"}, extra_rows=stray))
    started = time.monotonic()
    reading = read_workbook(data)
    assert time.monotonic() - started < 15
    assert reading.answers == {"P-MP-i-a": "Ya"}
    unmatched = kinds(reading, K.UNMATCHED_ROW)
    assert reader.MAX_CANDIDATES <= len(unmatched) <= reader.MAX_ROWS
