"""The shipped criteria against the official Lampiran III text (kept in tests/criteria/data).

lke-2021 must print every item exactly as the 2021 workbook does; lke-2025 may differ only where the
later item bank rewords it (LHKASN → Non LHKPN). Every difference is reported by code at once.
"""

import csv
import re
from pathlib import Path

import pytest

from zi.config import SHIPPED_CRITERIA_DIR
from zi.criteria import load_file

OFFICIAL = Path(__file__).parent / "data" / "lke-2021-lampiran-iii.tsv"
TYPES = {"Ya/Tidak": "ya_tidak", "A/B/C": "abc", "A/B/C/D": "abcd", "A/B/C/D/E": "abcde",
         "%": "percent", "Nilai (0-4)": "index_0_4"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _official() -> list[dict]:
    with OFFICIAL.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _differences(criteria) -> list[str]:
    found = []
    rows = _official()
    for row in rows:
        item = criteria.items_by_code.get(row["code"])
        if item is None:
            found.append(f"{row['code']}: missing")
            continue
        if _norm(item.text) != _norm(row["text"]):
            found.append(f"{row['code']}: text {item.text!r} ≠ official {row['text']!r}")
        if item.type != TYPES[row["pilihan_jawaban"]]:
            found.append(f"{row['code']}: type {item.type} ≠ official {row['pilihan_jawaban']}")
        if item.letter != row["letter"].rstrip("."):
            found.append(f"{row['code']}: letter {item.letter!r} ≠ official {row['letter']!r}")
        official_options = _norm(row["penjelasan"]).lower().replace(" ", "")
        for option in item.options:
            printed = _norm(option.text).lower().replace(" ", "") in official_options
            if option.source == "lke" and not printed:
                found.append(f"{row['code']}: option {option.key} is not in the official Penjelasan;"
                             " mark it source: zi")
            if option.source == "zi" and printed:
                found.append(f"{row['code']}: option {option.key} is official but marked source: zi")
    extra = set(criteria.items_by_code) - {row["code"] for row in rows}
    found.extend(f"{code}: not an official item" for code in sorted(extra))
    return found


def test_official_table_holds_the_113_items():
    rows = _official()
    assert len(rows) == 113
    assert [r["letter"] for r in rows if r["code"].startswith("P-PP-v-")] == ["a.", "c.", "b."]


def test_lke_2021_is_the_lampiran_iii_text():
    criteria = load_file(SHIPPED_CRITERIA_DIR / "lke-2021.yaml")
    assert (criteria.id, criteria.year) == ("lke-2021", 2021)
    assert _differences(criteria) == []


def test_lke_2025_differs_only_by_the_non_lhkpn_wording():
    criteria = load_file(SHIPPED_CRITERIA_DIR / "lke-2025.yaml")
    assert (criteria.id, criteria.year) == ("lke-2025", 2025)
    assert _differences(criteria) == [
        "R-PW-iii-b: text 'Persentase penyampaian Non LHKPN' ≠ official 'Persentase penyampaian LHKASN'"
    ]


def test_versions_share_weights_formulas_and_codes():
    old = load_file(SHIPPED_CRITERIA_DIR / "lke-2021.yaml")
    new = load_file(SHIPPED_CRITERIA_DIR / "lke-2025.yaml")
    assert old.weights == new.weights
    assert [(i.code, i.type, i.formula, i.count_ids, i.option_keys, i.letter) for i in old.items] == [
        (i.code, i.type, i.formula, i.count_ids, i.option_keys, i.letter) for i in new.items
    ]
    assert old.predicates == new.predicates


@pytest.mark.parametrize("name", ["lke-2021.yaml", "lke-2025.yaml"])
def test_tidak_meanings_are_zis_own(name):
    criteria = load_file(SHIPPED_CRITERIA_DIR / name)
    marked = {(i.code, o.key) for i in criteria.items for o in i.options if o.source == "zi"}
    yes_no = {(i.code, "Tidak") for i in criteria.items if i.type == "ya_tidak"}
    assert marked == yes_no and len(marked) == 17


def test_lhkpn_halves_are_headings_of_their_own():
    old = load_file(SHIPPED_CRITERIA_DIR / "lke-2021.yaml")
    new = load_file(SHIPPED_CRITERIA_DIR / "lke-2025.yaml")
    assert old.item("R-PW-iii-a").heading == "Penyampaian Laporan Harta Kekayaan Pejabat Negara (LHKPN)"
    assert "LHKASN" in old.item("R-PW-iii-b").heading
    assert new.item("R-PW-iii-b").heading == (
        "Penyampaian Laporan Harta Kekayaan Non LHKPN (Tidak Wajib LHKPN)")
    assert [c.label for c in old.item("R-PW-iii-a").counts][-1] == "Jumlah yang sudah melaporkan"
    assert all("Non LHKPN" not in c.label for c in old.item("R-PW-iii-b").counts)
    assert [i.code for i in old.items if i.heading] == ["R-PW-iii-a", "R-PW-iii-b"]


def test_a_changed_text_or_letter_is_reported_by_code(tmp_path):
    text = (SHIPPED_CRITERIA_DIR / "lke-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("text: Persentase penyampaian LHKPN", "text: Penyampaian LHKPN")
    text = text.replace("menerus\n          type: abc\n          letter: 'b'",
                        "menerus\n          type: abc\n          letter: 'd'")  # unique: a, c, d
    path = tmp_path / "changed.yaml"
    path.write_text(text, encoding="utf-8")
    assert _differences(load_file(path)) == [
        "P-PP-v-c: letter 'd' ≠ official 'b.'",
        "R-PW-iii-a: text 'Penyampaian LHKPN' ≠ official 'Persentase penyampaian LHKPN'",
    ]
