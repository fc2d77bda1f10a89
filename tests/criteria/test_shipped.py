"""The shipped LKE: structure and weights as §2 and §7 of the reference state them."""

import re
from collections import Counter
from fractions import Fraction

from zi.config import SHIPPED_CRITERIA_DIR
from zi.criteria import load_directory

CODE = re.compile(r"^(P|R)-(MP|PT|SDM|AK|PW|PP)-(i|ii|iii|iv|v|vi)-[a-h]$|^H-(I|II)-[ab]$")


def test_shipped_criteria_validate_and_hold_113_items(criteria):
    kinds = Counter(code[0] for code in criteria.items_by_code)
    assert kinds == {"P": 87, "R": 23, "H": 3}
    assert sum(criteria.weights.values()) == 100


def test_item_codes_follow_the_reference_pattern(criteria):
    bad = [code for code in criteria.items_by_code if not CODE.match(code)]
    assert bad == []


def test_area_weights_are_split_half_pemenuhan_half_reform(criteria):
    expected = {"MP": 8, "PT": 7, "SDM": 10, "AK": 10, "PW": 15, "PP": 10}
    assert {a.code: a.weight for a in criteria.areas} == expected
    for item, where in criteria.walk_items():
        assert item.code.startswith({"pemenuhan": "P-", "reform": "R-", "H-I": "H-I-",
                                     "H-II": "H-II-"}[where.sub_component])
    for comp in criteria.components:
        for sub in comp.sub_components:
            for block in sub.areas:
                assert block.weight * 2 == expected[block.area]


def test_effective_weights_of_reference_section_7(criteria):
    w = criteria.weights
    assert w["P-MP-i-a"] == Fraction(1, 4)
    assert w["P-MP-ii-a"] == Fraction(1, 3)
    assert w["P-SDM-i-a"] == Fraction(1, 12)
    assert w["R-PT-iii-a"] == Fraction(2, 3)
    assert w["R-PW-iii-a"] == w["R-PW-iii-b"] == 1
    assert w["R-PP-i-b"] == Fraction(5, 4)
    assert (w["H-I-a"], w["H-I-b"], w["H-II-a"]) == (Fraction(35, 2), 5, Fraction(35, 2))


def test_every_option_item_has_text_for_every_option(criteria):
    for item in criteria.items:
        assert item.text.strip()
        for option in item.options:
            assert len(option.text) > 3, (item.code, option.key)


def test_every_sub_area_lists_expected_evidence(criteria):
    for comp in criteria.components:
        for sub in comp.sub_components:
            for block in sub.areas:
                for sub_area in block.sub_areas:
                    assert sub_area.evidence, (sub.code, block.area, sub_area.name)
            for item in sub.items:
                assert item.evidence, item.code


def test_percent_items_use_the_count_ids_of_section_9(criteria):
    counts = {i.code: i.count_ids for i in criteria.items if i.type == "percent"}
    assert counts == {
        "R-MP-i-a": ["agents", "changes"],
        "R-MP-i-b": ["changes", "integrated"],
        "R-SDM-iii-a": ["last_year", "this_year", "sanctioned"],
        "R-AK-i-a": ["targets", "achieved"],
        "R-PW-ii-a": ["to_follow_up", "in_process", "completed"],
        "R-PW-iii-a": ["heads", "officials", "others", "reported"],
        "R-PW-iii-b": ["echelon3", "echelon4", "staff", "reported"],
        "R-PP-i-b": ["registered", "simplified"],
    }


def test_thresholds_are_data(criteria):
    wbk, wbbm = (next(p for p in criteria.predicates if p.code == c) for c in ("WBK", "WBBM"))
    assert {t.id: t.min for t in wbk.thresholds}["total"] == 75
    assert {t.id: t.min for t in wbbm.thresholds}["total"] == 85
    assert wbbm.requires_prior == ["WBK", "WBBM"]


def test_two_versions_load_side_by_side(tmp_path, criteria_text):
    (tmp_path / "lke-2021.yaml").write_text(criteria_text, encoding="utf-8")
    later = criteria_text.replace("id: lke-2021", "id: lke-2027", 1).replace("year: 2021", "year: 2027", 1)
    (tmp_path / "lke-2027.yaml").write_text(later, encoding="utf-8")
    found = load_directory(tmp_path)
    assert sorted(found) == ["lke-2021", "lke-2027"]
    assert found["lke-2027"].year == 2027


def test_project_criteria_folder_loads(criteria):
    found = load_directory(SHIPPED_CRITERIA_DIR)
    assert found["lke-2021"].items_by_code.keys() == criteria.items_by_code.keys()
