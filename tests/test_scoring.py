"""The scoring engine against §2.3, §3, §4.1 and §9 of the reference."""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from zi.scoring import AnswerError, item_value, rounded, score, score_values

from .conftest import FULL_COUNTS, best_answer, worst_answer

# --- item values (§2.3) ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answer", "value"),
    [
        ("P-MP-i-a", "Ya", 1), ("P-MP-i-a", "Tidak", 0), ("P-MP-i-a", "ya", 1),
        ("P-MP-i-a", " TIDAK ", 0),
        ("P-MP-i-b", "A", 1), ("P-MP-i-b", "B", Fraction(1, 2)), ("P-MP-i-b", "C", 0),
        ("P-MP-iii-a", "A", 1), ("P-MP-iii-a", "B", Fraction("0.67")),
        ("P-MP-iii-a", "C", Fraction("0.33")), ("P-MP-iii-a", "D", 0),
        ("P-PT-i-b", "A", 1), ("P-PT-i-b", "B", Fraction(3, 4)), ("P-PT-i-b", "C", Fraction(1, 2)),
        ("P-PT-i-b", "D", Fraction(1, 4)), ("P-PT-i-b", "E", 0), ("P-PT-i-b", "e", 0),
        ("H-I-a", 4, 1), ("H-I-a", 0, 0), ("H-I-a", 3.6, Fraction(9, 10)),
        ("H-I-a", "3,72", Fraction("0.93")), ("H-II-a", "3.2", Fraction(4, 5)),
    ],
)
def test_answer_values(criteria, code, answer, value):
    assert item_value(criteria.item(code), answer) == value


@pytest.mark.parametrize(
    ("code", "counts", "value"),
    [
        ("R-MP-i-a", {"agents": 7, "changes": 7}, 1),
        ("R-MP-i-a", {"agents": 7, "changes": 9}, 1),
        ("R-MP-i-a", {"agents": 0, "changes": 3}, 0),
        ("R-MP-i-b", {"changes": 7, "integrated": 1}, Fraction(1, 7)),
        ("R-MP-i-b", {"changes": 0, "integrated": 0}, 0),
        ("R-SDM-iii-a", {"last_year": 0, "this_year": 0, "sanctioned": 0}, 1),
        ("R-SDM-iii-a", {"last_year": 0, "this_year": 2, "sanctioned": 2}, 0),
        ("R-SDM-iii-a", {"last_year": 4, "this_year": 1, "sanctioned": 1}, Fraction(3, 4)),
        ("R-SDM-iii-a", {"last_year": 2, "this_year": 5, "sanctioned": 0}, 0),
        ("R-AK-i-a", {"targets": 5, "achieved": 3}, Fraction(3, 5)),
        ("R-AK-i-a", {"targets": 5, "achieved": 6}, 1),
        ("R-PW-ii-a", {"to_follow_up": 6, "in_process": 5, "completed": 1}, Fraction(1, 6)),
        ("R-PW-ii-a", {"to_follow_up": 0, "in_process": 0, "completed": 0}, 1),
        ("R-PW-iii-a", {"heads": 1, "officials": 2, "others": 1, "reported": 3}, Fraction(3, 4)),
        ("R-PW-iii-a", {"heads": 0, "officials": 0, "others": 0, "reported": 0}, 1),
        ("R-PW-iii-b", {"echelon3": 1, "echelon4": 2, "staff": 7, "reported": 5}, Fraction(1, 2)),
        ("R-PW-iii-b", {"echelon3": 0, "echelon4": 0, "staff": 0, "reported": 0}, 1),
        ("R-PP-i-b", {"registered": 8, "simplified": 2}, Fraction(1, 4)),
        ("R-PP-i-b", {"registered": 0, "simplified": 0}, 0),
    ],
)
def test_percent_formulas_and_their_zero_cases(criteria, code, counts, value):
    assert item_value(criteria.item(code), counts) == value


def test_targets_zero_is_an_error(criteria):
    with pytest.raises(AnswerError, match=r"R-AK-i-a: targets is 0"):
        item_value(criteria.item("R-AK-i-a"), {"targets": 0, "achieved": 0})


# --- bad answers (§9) --------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answer", "message"),
    [
        ("P-MP-i-b", "D", r"P-MP-i-b: 'D' is not allowed; expected A, B, C"),
        ("P-MP-i-b", "Ya", r"P-MP-i-b: 'Ya' is not allowed; expected A, B, C"),
        ("P-MP-i-a", "A", r"P-MP-i-a: 'A' is not allowed; expected Ya, Tidak"),
        ("P-MP-i-a", True, r"P-MP-i-a: True is not allowed; expected Ya, Tidak"),
        ("H-I-a", 4.1, r"H-I-a: 4.1 is not allowed; expected a survey index from 0 to 4"),
        ("H-I-a", -0.5, r"H-I-a: -0.5 is not allowed"),
        ("H-I-a", True, r"H-I-a: True is not allowed"),
        ("H-I-a", "tinggi", r"H-I-a: 'tinggi' is not allowed"),
        ("R-AK-i-a", 0.6, r"R-AK-i-a: 0.6 is not allowed; expected a mapping of the counts "
                          r"targets, achieved"),
        ("R-AK-i-a", {"targets": 5}, r"R-AK-i-a: count achieved is missing"),
        ("R-AK-i-a", {"targets": -1, "achieved": 0}, r"R-AK-i-a: count targets = -1 is not allowed"),
        ("R-AK-i-a", {"targets": 2.5, "achieved": 1}, r"count targets = 2.5 is not allowed; "
                                                      r"expected a whole number ≥ 0"),
        ("R-AK-i-a", {"targets": "5", "achieved": 1}, r"count targets = '5' is not allowed"),
        ("R-PW-ii-a", {"to_follow_up": 2, "completed": 1},
         r"R-PW-ii-a: count in_process is missing"),
        ("R-MP-i-a", {"agents": 2, "changes": 1, "extra": 1}, r"R-MP-i-a: unknown count 'extra'"),
    ],
)
def test_bad_answers_name_item_value_and_what_is_allowed(criteria, code, answer, message):
    with pytest.raises(AnswerError, match=message):
        score(criteria, {code: answer})


def test_all_bad_answers_are_reported_together(criteria):
    with pytest.raises(AnswerError) as info:
        score(criteria, {"P-MP-i-b": "Z", "X-1": "A", "H-I-a": 9, "P-MP-i-a": "Ya"})
    assert [p.split(":")[0] for p in info.value.problems] == ["P-MP-i-b", "X-1", "H-I-a"]
    assert "unknown item code" in info.value.problems[1]


def test_bad_prior_predicate(criteria, full_answers):
    with pytest.raises(AnswerError, match=r"prior_predicate: 'WBX' is not allowed; expected "
                                          r"one of none, WBK, WBBM"):
        score(criteria, full_answers, "WBX")


# --- totals and worked examples (§3) -----------------------------------------


def test_full_answers_score_100_and_earn_wbbm_with_prior_wbk(criteria, full_answers):
    report = score(criteria, full_answers, "WBK")
    assert report.total == 100
    assert report.components == {"pengungkit": 60, "hasil": 40}
    assert report.sub_components == {"pemenuhan": 30, "reform": 30, "H-I": Fraction(45, 2),
                                     "H-II": Fraction(35, 2)}
    assert all(area.percent == 100 for area in report.areas.values())
    assert report.complete and report.predicate == "WBBM"


def test_wbbm_needs_a_prior_wbk(criteria, full_answers):
    report = score(criteria, full_answers)
    assert report.predicate == "WBK"
    assert report.missed["WBBM"] == ["predikat sebelumnya: WBK atau WBBM"]


def test_worst_answers_score_0(criteria):
    report = score(criteria, {i.code: worst_answer(i) for i in criteria.items})
    assert report.total == 0 and report.complete and report.predicate == "none"


def test_xls_worked_example(criteria, full_answers):
    full_answers["R-MP-i-a"] = {"agents": 7, "changes": 7}
    full_answers["R-MP-i-b"] = {"changes": 7, "integrated": 1}
    full_answers["R-AK-i-a"] = {"targets": 5, "achieved": 3}
    full_answers["R-PW-ii-a"] = {"to_follow_up": 6, "in_process": 5, "completed": 1}
    report = score(criteria, full_answers)
    assert rounded(report.items["R-MP-i-b"].value, 3) == 0.143
    assert report.sub_areas[("reform", "MP", "i")] == Fraction(8, 7)  # mean(1, 1/7) x 2
    assert rounded(report.sub_areas[("reform", "MP", "i")], 3) == 1.143
    assert report.sub_areas[("reform", "AK", "i")] == Fraction(6, 5)
    assert report.sub_areas[("reform", "PW", "ii")] == Fraction(1, 2)


def test_pns_2022_rencana_pembangunan_example(criteria, full_answers):
    full_answers.update({"P-MP-ii-a": "Ya", "P-MP-ii-b": "C", "P-MP-ii-c": "A"})
    report = score(criteria, full_answers)
    assert report.sub_areas[("pemenuhan", "MP", "ii")] == Fraction(2, 3)
    assert rounded(report.sub_areas[("pemenuhan", "MP", "ii")]) == 0.67
    assert rounded(report.areas["MP"].parts["pemenuhan"]) == 3.67


def test_pw_reform_iii_is_the_mean_of_both_parts(criteria, full_answers):
    full_answers["R-PW-iii-b"] = {"echelon3": 1, "echelon4": 1, "staff": 2, "reported": 0}
    report = score(criteria, full_answers)
    assert report.sub_areas[("reform", "PW", "iii")] == 1  # mean(1, 0) x 2


def test_hasil_parts(criteria, full_answers):
    full_answers.update({"H-I-a": 3.72, "H-I-b": "B", "H-II-a": 3.2})
    report = score(criteria, full_answers)
    assert report.items["H-I-a"].score == Fraction("3.72") / 4 * Fraction(35, 2)
    assert report.items["H-I-b"].score == Fraction(15, 4)
    assert report.items["H-II-a"].score == 14
    assert report.components["hasil"] == Fraction("16.275") + Fraction("3.75") + 14


def test_incomplete_answers_are_scored_listed_and_earn_nothing(criteria, full_answers):
    del full_answers["P-MP-i-a"]
    full_answers["H-II-a"] = None
    report = score(criteria, full_answers, "WBK")
    assert not report.complete
    assert report.unanswered == ["P-MP-i-a", "H-II-a"]
    assert report.total == 100 - Fraction(1, 4) - Fraction(35, 2)
    assert report.items["P-MP-i-a"].value is None
    assert report.predicate == "none"
    assert any("belum lengkap (2 butir" in m for m in report.missed["WBK"])


def test_empty_answers(criteria):
    report = score(criteria, {})
    assert report.total == 0 and len(report.unanswered) == 113


# --- thresholds (§4.1): just at the limit passes, just below fails ------------

EPSILON = Fraction(1, 10**9)


def result(report, predicate, threshold_id):
    return next(t for t in report.thresholds if t.predicate == predicate and t.id == threshold_id)


def values_at(criteria, fraction, codes=None):
    """Every item (or the given ones) at `fraction`, the rest at 1."""
    return {
        i.code: (fraction if codes is None or i.code in codes else Fraction(1)) for i in criteria.items
    }


@pytest.mark.parametrize(("predicate", "limit"), [("WBK", 75), ("WBBM", 85)])
def test_total_threshold(criteria, predicate, limit):
    at = score_values(criteria, values_at(criteria, Fraction(limit, 100)), "WBK")
    below = score_values(criteria, values_at(criteria, Fraction(limit, 100) - EPSILON), "WBK")
    assert at.total == limit and result(at, predicate, "total").passed
    assert not result(below, predicate, "total").passed
    assert result(below, predicate, "total").margin < 0


@pytest.mark.parametrize(("predicate", "limit"), [("WBK", 40), ("WBBM", 48)])
def test_pengungkit_threshold(criteria, predicate, limit):
    pengungkit = [i.code for i in criteria.items if not i.code.startswith("H-")]
    share = Fraction(limit, 60)
    at = score_values(criteria, values_at(criteria, share, pengungkit), "WBK")
    below = score_values(criteria, values_at(criteria, share - EPSILON, pengungkit), "WBK")
    assert at.components["pengungkit"] == limit and result(at, predicate, "pengungkit").passed
    assert not result(below, predicate, "pengungkit").passed


@pytest.mark.parametrize(("predicate", "limit"), [("WBK", 60), ("WBBM", 75)])
@pytest.mark.parametrize("area", ["MP", "PT", "SDM", "AK", "PW", "PP"])
def test_each_area_threshold(criteria, predicate, limit, area):
    codes = [i.code for i, where in criteria.walk_items() if where.area == area]
    share = Fraction(limit, 100)
    at = score_values(criteria, values_at(criteria, share, codes), "WBK")
    below = score_values(criteria, values_at(criteria, share - EPSILON, codes), "WBK")
    assert at.areas[area].percent == limit
    assert result(at, predicate, f"area:{area}").passed
    assert not result(below, predicate, f"area:{area}").passed
    assert at.predicate == ("WBBM" if predicate == "WBBM" else "WBBM" if limit >= 75 else "WBK")
    assert below.predicate == ("WBK" if predicate == "WBBM" else "none")


@pytest.mark.parametrize(
    ("predicate", "threshold", "answers_at", "answers_below"),
    [
        ("WBK", "ipak", {"H-I-a": 3.6}, {"H-I-a": 3.599}),
        ("WBBM", "ipak", {"H-I-a": 3.6}, {"H-I-a": 3.599}),
        ("WBK", "capaian", {"H-I-b": "C"}, {"H-I-b": "D"}),
        ("WBBM", "capaian", {"H-I-b": "B"}, {"H-I-b": "C"}),
        ("WBK", "bersih", {"H-I-a": 3.6, "H-I-b": "C"}, {"H-I-a": 3.599, "H-I-b": "C"}),
        ("WBBM", "bersih", {"H-I-a": 3.6, "H-I-b": "B"}, {"H-I-a": 3.6, "H-I-b": "C"}),
        ("WBK", "pelayanan", {"H-II-a": 3.2}, {"H-II-a": 3.1999}),
        ("WBBM", "pelayanan", {"H-II-a": 3.6}, {"H-II-a": 3.5999}),
    ],
)
def test_hasil_thresholds_from_real_answers(criteria, full_answers, predicate, threshold,
                                            answers_at, answers_below):
    at = score(criteria, {**full_answers, **answers_at}, "WBK")
    below = score(criteria, {**full_answers, **answers_below}, "WBK")
    assert result(at, predicate, threshold).passed
    assert result(at, predicate, threshold).margin == 0
    assert not result(below, predicate, threshold).passed
    assert below.predicate != predicate


def test_survey_index_3_60_is_exactly_15_75(criteria, full_answers):
    report = score(criteria, {**full_answers, "H-I-a": 3.6, "H-II-a": 3.6}, "WBK")
    assert report.items["H-I-a"].score == Fraction(63, 4)
    assert report.predicate == "WBBM"


def test_every_failed_threshold_is_named(criteria, full_answers):
    full_answers.update({"H-I-a": 3.0, "H-II-a": 3.0})
    report = score(criteria, full_answers, "WBK")
    assert report.predicate == "none"
    assert report.missed["WBK"] == ["Birokrasi yang bersih dan akuntabel",
                                    "Survei persepsi anti korupsi", "Pelayanan publik yang prima"]


# --- properties ---------------------------------------------------------------


def answer_strategy(item):
    if item.type == "index_0_4":
        return st.decimals(0, 4, places=2).map(str)
    if item.type == "percent":
        counts = {c: st.integers(0, 40) for c in item.count_ids}
        if item.code == "R-AK-i-a":
            counts["targets"] = st.integers(1, 40)
        return st.fixed_dictionaries(counts)
    return st.sampled_from(item.option_keys)


@st.composite
def answer_sets(draw, criteria):
    return {
        item.code: draw(st.none() | answer_strategy(item)) for item in criteria.items
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_improving_one_answer_never_lowers_the_total(criteria, data):
    answers = data.draw(answer_sets(criteria))
    code = data.draw(st.sampled_from(sorted(answers)))
    item = criteria.item(code)
    better = data.draw(answer_strategy(item))
    old = answers[code]
    assume(old is None or item_value(item, better) >= item_value(item, old))
    before = score(criteria, answers)
    after = score(criteria, {**answers, code: better})
    assert after.total >= before.total
    assert 0 <= before.total <= 100 and 0 <= after.total <= 100


def test_best_answers_are_best(criteria):
    for item in criteria.items:
        assert item_value(item, best_answer(item)) == 1
        assert item_value(item, worst_answer(item)) == 0
    assert set(FULL_COUNTS) == {i.code for i in criteria.items if i.type == "percent"}
