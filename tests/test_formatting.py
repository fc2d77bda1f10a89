"""Numbers, dates, times and charts for people in both languages (zi.formatting, zi.charts), and
values shown to people (zi.report_format.answer_text / value_text)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from zi import charts, formatting
from zi.report_format import answer_text, shorten, value_text

NBSP = "\u00a0"


@pytest.mark.parametrize("locale,expected", [("id", f"86,79{NBSP}%"), ("en", "86.79%")])
def test_percent_in_both_languages(locale, expected):
    assert formatting.percent(86.79, locale=locale) == expected
    assert formatting.percent(Fraction(8679, 100), locale=locale) == expected


@pytest.mark.parametrize("locale,expected", [("id", "1.234.567,50"), ("en", "1,234,567.50")])
def test_numbers_group_and_separate_decimals_per_locale(locale, expected):
    assert formatting.number(1234567.5, locale=locale) == expected


def test_numbers_round_half_away_from_zero_exactly():
    assert formatting.number(Fraction(1, 8), 2) == "0,13"  # 0.125, like Excel's ROUND
    assert formatting.number(0.125, 2, "en") == "0.13"
    assert formatting.number(Fraction(2, 3), 3, "en") == "0.667"
    assert formatting.number(Decimal("-2.5"), 0) == "-3"
    assert formatting.number(60, 0) == "60"
    assert formatting.number(None) == formatting.percent(None) == "–"
    assert formatting.number("bukan angka") == "bukan angka"


@pytest.mark.parametrize("locale", ["id", "en", "en_US", "id_ID"])
def test_dates_are_written_out(locale):
    assert formatting.date(date(2026, 11, 29), locale) == "29 November 2026"
    assert formatting.date(None, locale) == "–"


def test_month_names_follow_the_language():
    assert formatting.date(date(2026, 12, 1)) == "1 Desember 2026"
    assert formatting.date(date(2026, 12, 1), "en") == "1 December 2026"


def test_times_are_stored_utc_and_shown_in_the_zone_with_its_name():
    stored = datetime(2026, 11, 29, 14, 5)  # naive UTC, as zi.models.now() writes
    assert formatting.datetime(stored) == "29 November 2026 21.05 WIB"
    assert formatting.datetime(stored, "en", "Asia/Makassar") == "29 November 2026 22:05 WITA"
    assert formatting.datetime(stored, "id", "Asia/Jayapura") == "29 November 2026 23.05 WIT"
    # past midnight in the zone: the date moves too
    assert formatting.datetime(datetime(2026, 11, 29, 20, 30), "id", "Asia/Jayapura") == \
        "30 November 2026 05.30 WIT"
    assert formatting.datetime(None) == "–"
    assert formatting.datetime(stored, zone="Europe/Paris").endswith("WIB")  # only Indonesia's three


def test_zone_of_takes_the_units_zone_else_the_instansis():
    class Row:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    instansi = Row(timezone="Asia/Makassar")
    unit = Row(timezone=None, instansi=instansi)
    assessment = Row(unit=unit)
    assert formatting.zone_of(assessment) == "Asia/Makassar"
    unit.timezone = "Asia/Jayapura"
    assert formatting.zone_of(assessment) == "Asia/Jayapura"
    assert formatting.zone_of(None) == formatting.zone_of("nowhere") == "Asia/Jakarta"
    assert [formatting.zone_label(z) for z in formatting.ZONES] == ["WIB", "WITA", "WIT"]


def test_translator_needs_no_flask():
    assert formatting.translator("en")("Nilai total per unit") == "Total score per unit"
    assert formatting.translator("id")("Nilai total per unit") == "Nilai total per unit"


def test_charts_speak_the_readers_language():
    rows = [{"label": "Manajemen Perubahan", "percent": Fraction(8679, 100), "tpi": 50}]
    english = charts.area_bars(rows, {"WBK": 60, "WBBM": 75}, locale="en")
    assert "86.79%" in english and "Score per area (% of weight)" in english and "WBK ≥ 60%" in english
    assert ">TPI<" in english and ">Unit<" in english
    indonesian = charts.area_bars(rows, {"WBK": 60})
    assert f"86,79{NBSP}%" in indonesian and "Nilai per area (% dari bobot)" in indonesian
    assert f"WBK ≥ 60{NBSP}%" in indonesian and "86.79" not in indonesian
    columns = charts.unit_columns([{"label": "Unit A", "total": Fraction(7512, 100)}], {"WBK": 75},
                                  locale="en")
    assert "75.12" in columns and "Total score per unit" in columns
    assert "75,12" in charts.unit_columns([{"label": "Unit A", "total": 75.12}], {"WBK": 75})
    bars = charts.status_bars([{"label": "MP", "missing": 2, "accepted": 1}], ["missing", "accepted"],
                              ["Missing", "Accepted"], locale="en")
    assert "Evidence status per area" in bars and "<title>Missing: 2</title>" in bars


def test_answers_read_as_people_write_them(criteria):
    counts = answer_text(criteria.item("R-MP-i-a"), {"agents": 10, "changes": 7}, "en")
    assert counts == "Jumlah Agen Perubahan: 10 · Jumlah Perubahan yang dibuat: 7"
    assert answer_text(criteria.item("P-MP-i-a"), "Ya") == "Ya"
    assert answer_text(criteria.item("P-MP-i-a"), "Tidak", "en") == "No"
    assert answer_text(criteria.item("P-MP-i-b"), "B") == "B"
    assert answer_text(criteria.item("H-I-a"), 3.72) == "3,72"
    assert answer_text(criteria.item("H-I-a"), "3.25", "en") == "3.25"  # kept as text by an older zi
    assert answer_text(criteria.item("H-I-a"), 4) == "4"
    assert answer_text(criteria.item("P-MP-i-b"), None) == "–"
    big = answer_text(criteria.item("R-MP-i-a"), {"agents": 12000, "changes": 7})
    assert "12.000" in big


def test_any_value_reads_without_python_syntax():
    text = value_text({"met": True, "items": ["P-MP-i-a", "P-MP-i-b"], "note": None}, "en",
                      {"met": "terpenuhi", "items": "butir"})
    assert text == "met: Yes · items: P-MP-i-a, P-MP-i-b · note: –"
    assert "{" not in text and "None" not in text and "True" not in text
    assert shorten("a  b\n\nc") == "a b c"
    assert len(shorten("x" * 500)) == 120 and shorten("x" * 500).endswith("…")


def test_threshold_names_and_missed_conditions_are_translated(criteria):
    from zi.report_format import THRESHOLD_LABELS, threshold_label

    names = {t.label for p in criteria.predicates for t in p.thresholds}
    assert names <= set(THRESHOLD_LABELS), names - set(THRESHOLD_LABELS)  # a new label needs its msgid
    assert threshold_label("Nilai per area pengungkit (% bobot): Manajemen Perubahan", "en") == \
        "Enablers score per area (% of weight): Manajemen Perubahan"
    assert threshold_label("predikat sebelumnya: WBK atau WBBM", "en") == "previous predicate: WBK or WBBM"
    assert threshold_label("penilaian belum lengkap (3 butir belum dijawab)", "en") == \
        "assessment incomplete (3 items not answered)"
    assert threshold_label("Nilai total") == "Nilai total"


def test_pages_format_for_the_reader(client, login, db):
    from zi.models import Assessment

    login("pimpinan@contoh.go.id")
    assessment = Assessment.select().first()
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Nilai pengungkit" in page and f"{NBSP}%" in page  # the chart's figures
    client.post("/lang/en")
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Enablers score" in page and "Score per area (% of weight)" in page
    assert f"{NBSP}%" not in page and "Nilai per area (% dari bobot)" not in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Score per area (% of weight)" in dashboard and "Nilai per area (% dari bobot)" not in dashboard


def test_the_phone_chart_puts_each_area_name_above_its_bar():
    """At 390 px the labels beside the bars shrank to ~5 px; the stacked layout keeps them legible."""
    rows = [{"label": "Manajemen Perubahan", "percent": 86.79, "tpi": None},
            {"label": "Penguatan Pengawasan", "percent": 0, "tpi": None}]
    wide = charts.area_bars(rows, {"WBK": 60})
    narrow = charts.area_bars(rows, {"WBK": 60}, 360, stacked=True)
    assert 'text-anchor="end" fill="#223">Manajemen Perubahan' in wide
    assert 'text-anchor="end" fill="#223">Manajemen Perubahan' not in narrow
    assert 'viewBox="0 0 360 ' in narrow and ">Manajemen Perubahan</text>" in narrow
    both = charts.area_bars_for_screens(rows, {"WBK": 60})
    assert both.count("<svg") == 2 and 'class="chart-wide"' in both and 'class="chart-narrow"' in both
