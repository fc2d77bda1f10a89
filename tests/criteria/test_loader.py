"""Every kind of mistake in a criteria file is reported with its file, line and field."""

import pytest

from zi.criteria import CriteriaError, load_directory, load_file


def line_of(text: str, needle: str, after: int = 0) -> int:
    """1-based number of the first line containing `needle` at or after line `after`."""
    lines = text.splitlines()
    for number in range(max(after, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    raise AssertionError(f"{needle!r} not in text")


def replace_line(text: str, number: int, old: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    return "".join(lines)


def problems_of(path):
    with pytest.raises(CriteriaError) as info:
        load_file(path)
    return info.value.problems


def test_unknown_key_names_file_line_item_and_key(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: P-MP-ii-b")
    text = replace_line(criteria_text, n + 1, "text:", "txet:")
    path = tmp_criteria(text)
    messages = [str(p) for p in problems_of(path)]
    assert f"{path}:{n + 1}: P-MP-ii-b: txet: unknown key" in messages
    assert f"{path}:{n}: P-MP-ii-b: text: required field is missing" in messages


def test_option_set_that_does_not_fit_the_type(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: P-PT-i-c")
    text = replace_line(criteria_text, n + 2, "type: abcde", "type: abcd")
    path = tmp_criteria(text)
    options_line = line_of(text, "options:", n)
    [problem] = problems_of(path)
    assert str(problem).startswith(f"{path}:{options_line}: P-PT-i-c: options: expected A–D")
    assert "got A, B, C, D, E" in problem.message


def test_unknown_answer_type(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: P-MP-i-b")
    path = tmp_criteria(replace_line(criteria_text, n + 2, "type: abc", "type: abx"))
    [problem] = problems_of(path)
    assert (problem.line, problem.where, problem.field) == (n + 2, "P-MP-i-b", "type")
    assert "'abc'" in problem.message


def test_duplicate_item_code(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: P-MP-i-b")
    path = tmp_criteria(replace_line(criteria_text, n, "P-MP-i-b", "P-MP-i-a"))
    [problem] = problems_of(path)
    assert (problem.line, problem.field) == (n, "code")
    assert "duplicate item code 'P-MP-i-a'" in problem.message


def test_sub_area_weights_must_add_up_to_the_area(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "name: Penyusunan Tim Kerja")
    path = tmp_criteria(replace_line(criteria_text, n + 1, "weight: 0.5", "weight: 0.75"))
    [problem] = problems_of(path)
    assert (problem.where, problem.field) == ("pemenuhan MP", "sub_areas")
    assert problem.line == line_of(criteria_text, "sub_areas:", n - 10)
    assert "add up to 4.25, expected 4" in problem.message


def test_areas_must_add_up_to_the_component(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "weight: 30")
    path = tmp_criteria(replace_line(criteria_text, n, "weight: 30", "weight: 31"))
    texts = [str(p) for p in problems_of(path)]
    areas_line = line_of(criteria_text, "areas:", n)
    components_line = line_of(criteria_text, "sub_components:")
    assert texts == [
        f"{path}:{components_line}: pengungkit: sub_components: weights of component "
        "pengungkit add up to 61, expected 60",
        f"{path}:{areas_line}: pemenuhan: areas: weights of sub-component pemenuhan "
        "add up to 30, expected 31",
    ]


def test_area_total_must_match_its_blocks(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: MP")
    path = tmp_criteria(replace_line(criteria_text, n + 3, "weight: 8", "weight: 9"))
    [problem] = problems_of(path)
    assert (problem.line, problem.where, problem.field) == (n + 3, "MP", "weight")
    assert "blocks add up to 8" in problem.message


def test_percent_item_formula_refers_to_its_counts(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: R-AK-i-a")
    m = line_of(criteria_text, "- achieved", line_of(criteria_text, "numerator:", n))
    path = tmp_criteria(replace_line(criteria_text, m, "- achieved", "- reached"))
    [problem] = problems_of(path)
    assert (problem.where, problem.field) == ("R-AK-i-a", "formula.numerator")
    assert "unknown count 'reached'" in problem.message


def test_missing_field_and_bad_number(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: H-I-a")
    text = replace_line(criteria_text, line_of(criteria_text, "weight: 17.5", n), "17.5", "lots")
    [problem] = problems_of(tmp_criteria(text))
    assert (problem.where, problem.field) == ("H-I-a", "weight")
    assert "valid number" in problem.message


def test_yaml_syntax_error_names_the_line(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: P-MP-i-b")
    path = tmp_criteria(replace_line(criteria_text, n, "code: P-MP-i-b", "code: [P-MP-i-b"))
    [problem] = problems_of(path)
    assert problem.message.startswith("YAML syntax")
    assert n <= problem.line <= n + 2


def test_duplicate_key_in_a_mapping(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "code: P-MP-i-b")
    lines = criteria_text.splitlines(keepends=True)
    lines.insert(n + 1, lines[n])  # its `text:` line twice
    [problem] = problems_of(tmp_criteria("".join(lines)))
    assert (problem.line, problem.field) == (n + 2, "text")
    assert "twice" in problem.message


def test_all_structural_errors_are_reported_at_once(criteria_text, tmp_criteria):
    a = line_of(criteria_text, "code: P-MP-i-b")
    b = line_of(criteria_text, "code: P-PT-i-c")
    text = replace_line(criteria_text, a + 2, "type: abc", "type: multiple")
    text = replace_line(text, b + 1, "text:", "title:")
    problems = problems_of(tmp_criteria(text))
    assert [(p.where, p.field) for p in problems] == [
        ("P-MP-i-b", "type"), ("P-PT-i-c", "text"), ("P-PT-i-c", "title")]


def test_all_consistency_errors_are_reported_at_once(criteria_text, tmp_criteria):
    a = line_of(criteria_text, "code: P-MP-i-b")
    b = line_of(criteria_text, "code: P-PT-i-c")
    text = replace_line(criteria_text, a + 2, "type: abc", "type: abcd")
    text = replace_line(text, b, "P-PT-i-c", "P-PT-i-b")
    problems = problems_of(tmp_criteria(text))
    assert [(p.where, p.field) for p in problems] == [("P-MP-i-b", "options"), ("P-PT-i-b", "code")]


def test_threshold_must_name_an_existing_item(criteria_text, tmp_criteria):
    n = line_of(criteria_text, "ref: H-I-a")
    [problem] = problems_of(tmp_criteria(replace_line(criteria_text, n, "H-I-a", "H-I-z")))
    assert (problem.line, problem.where, problem.field) == (n, "ipak", "ref")


def test_directory_reports_duplicate_ids_and_every_file(tmp_path, criteria_text):
    (tmp_path / "a.yaml").write_text(criteria_text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(criteria_text, encoding="utf-8")
    (tmp_path / "c.yaml").write_text("id: [", encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        load_directory(tmp_path)
    files = {p.file.rsplit("/", 1)[-1] for p in info.value.problems}
    assert files == {"b.yaml", "c.yaml"}
    assert "duplicate criteria id 'lke-2021'" in str(info.value)
