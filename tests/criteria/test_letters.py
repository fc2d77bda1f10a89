"""The official letter of an item: a single lowercase letter a–z (or "-" for a line the LKE prints
unlettered), unique within its sub-area; a wrong one is reported at its line and field."""

import pytest

from tests.criteria.test_loader import line_of, problems_of, replace_line
from zi.criteria import load_file


def _letter_line(text: str, code: str) -> int:
    return line_of(text, "letter:", line_of(text, f"code: {code}"))


@pytest.mark.parametrize("letter", ["'A'", "'ab'", "'1'", "'é'", "' a'"])
def test_a_letter_must_be_one_lowercase_letter(criteria_text, tmp_criteria, letter):
    n = _letter_line(criteria_text, "P-MP-i-b")
    path = tmp_criteria(replace_line(criteria_text, n, "letter: 'b'", f"letter: {letter}"))
    [problem] = problems_of(path)
    assert (problem.line, problem.where, problem.field) == (n, "P-MP-i-b", "letter")
    assert "single lowercase letter a–z" in problem.message


def test_a_letter_is_unique_within_its_sub_area(criteria_text, tmp_criteria):
    n = _letter_line(criteria_text, "P-MP-i-b")
    path = tmp_criteria(replace_line(criteria_text, n, "letter: 'b'", "letter: 'a'"))
    [problem] = problems_of(path)
    assert (problem.line, problem.where, problem.field) == (n, "P-MP-i-b", "letter")
    assert "'a' is already used by P-MP-i-a" in problem.message


def test_official_order_dash_and_the_same_letter_in_other_sub_areas_pass(criteria, tmp_criteria,
                                                                         criteria_text):
    assert [i.letter for i in criteria.items if i.code.startswith("P-PP-v-")] == ["a", "c", "b"]
    assert [i.letter for i in criteria.items if i.code.startswith("R-PW-iii-")] == ["-", "-"]
    assert sum(i.letter == "a" for i in criteria.items) > 1
    # "-" may stand beside a lettered item and repeat (the R-PW-iii halves)
    n = _letter_line(criteria_text, "P-MP-i-b")
    loaded = load_file(tmp_criteria(replace_line(criteria_text, n, "letter: 'b'", "letter: '-'")))
    assert loaded.item("P-MP-i-b").letter == "-"
