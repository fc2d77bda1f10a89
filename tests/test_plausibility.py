"""Counts that cannot all be true are found from the criteria's count ids, never change a score."""

import pytest

from tests.conftest import FULL_COUNTS
from zi import plausibility, scoring
from zi.criteria import Item
from zi.messages import render


def test_the_rules_reach_exactly_the_complaint_and_report_items(criteria):
    covered = {item.code for item in criteria.items if plausibility.rules_for(item)}
    assert covered == {"R-PW-ii-a", "R-PW-iii-a", "R-PW-iii-b"}


@pytest.mark.parametrize("code", sorted(FULL_COUNTS))
def test_the_full_counts_of_the_fixture_are_plausible(criteria, code):
    assert plausibility.check(criteria.item(code), FULL_COUNTS[code]) == []


def test_in_process_and_completed_beyond_those_to_follow_up(criteria):
    item = criteria.item("R-PW-ii-a")
    assert plausibility.check(item, {"to_follow_up": 3, "in_process": 1, "completed": 2}) == []
    [finding] = plausibility.check(item, {"to_follow_up": 3, "in_process": 2, "completed": 2})
    assert finding.params == {"parts": 4, "whole": 3}
    assert set(finding.counts) == {"to_follow_up", "in_process", "completed"}
    text = render(finding.message_id, finding.params, lambda t: t)
    assert "(4)" in text and "(3)" in text and "tetap disimpan" in text


@pytest.mark.parametrize(("code", "obliged"), [("R-PW-iii-a", {"heads": 1, "officials": 2, "others": 0}),
                                               ("R-PW-iii-b", {"echelon3": 1, "echelon4": 2, "staff": 10})])
def test_reported_beyond_the_sum_of_those_obliged(criteria, code, obliged):
    item = criteria.item(code)
    total = sum(obliged.values())
    assert plausibility.check(item, {**obliged, "reported": total}) == []
    [finding] = plausibility.check(item, {**obliged, "reported": total + 1})
    assert finding.params == {"parts": total + 1, "whole": total}


def test_the_score_of_an_implausible_answer_stays_the_workbook_s(criteria):
    """The warning is advice: §9's formula still caps the ratio at 1 and the answer is valid."""
    item = criteria.item("R-PW-iii-a")
    counts = {"heads": 1, "officials": 1, "others": 0, "reported": 5}
    assert plausibility.check(item, counts)
    assert scoring.item_value(item, counts) == 1
    assert scoring.canonical(item, counts) == counts


def test_other_answers_and_incomplete_counts_give_no_finding(criteria):
    item = criteria.item("R-PW-ii-a")
    assert plausibility.check(item, None) == []
    assert plausibility.check(item, "A") == []
    assert plausibility.check(item, {"to_follow_up": 1, "completed": 5}) == []
    assert plausibility.check(criteria.item("P-MP-i-b"), {"reported": 9}) == []


def test_a_rule_follows_count_ids_in_any_criteria_version():
    item = Item.model_validate({
        "code": "X-1", "text": "Laporan", "type": "percent",
        "counts": [{"id": "obliged", "label": "Wajib"}, {"id": "reported", "label": "Lapor"}],
        "formula": {"kind": "ratio", "numerator": ["reported"], "denominator": ["obliged"], "when_zero": 1},
    })
    [finding] = plausibility.check(item, {"obliged": 2, "reported": 3})
    assert finding.params == {"parts": 3, "whole": 2}
