"""The LKE score of one set of answers: plain functions over the criteria data.

Arithmetic is exact (fractions) from the answers to the total, so a threshold
compares the true value: a survey index of 3.60 gives exactly 15.75 and passes.
Rounding happens only when a figure is shown (`rounded`).
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from numbers import Real

from .criteria.model import ANSWER_TYPES, INDEX_MAX, Criteria, Item, as_fraction

ZERO, ONE, HUNDRED = Fraction(0), Fraction(1), Fraction(100)
NO_PREDICATE = "none"
LETTER_TYPES = ("abc", "abcd", "abcde", "ya_tidak")

# Bounds on numbers as people write them: far beyond any LKE value (an index 0-4, counts of
# people or documents), tight enough that no text makes the exact arithmetic slow. Without
# them `1e999999999` becomes a billion-digit integer and the process hangs.
MAX_NUMBER_TEXT = 40  # characters
MAX_EXPONENT = 30  # a decimal exponent beyond ±30 is refused before any conversion
MAX_MAGNITUDE = 10**12
MAX_COUNT = 10**9
SHOWN_CHARS = 80  # an input echoed in a message is cut to this length


class AnswerError(ValueError):
    """Answers that cannot be scored; `problems` holds one line per bad answer."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ItemScore:
    value: Fraction | None  # 0..1, None when unanswered
    weight: Fraction
    score: Fraction


@dataclass(frozen=True)
class AreaScore:
    code: str
    weight: Fraction
    parts: dict[str, Fraction]  # by sub-component code (pemenuhan, reform)
    score: Fraction

    @property
    def percent(self) -> Fraction:
        return self.score / self.weight * HUNDRED


@dataclass(frozen=True)
class ThresholdResult:
    predicate: str
    id: str
    label: str
    value: Fraction
    minimum: Fraction
    passed: bool

    @property
    def margin(self) -> Fraction:
        return self.value - self.minimum


@dataclass(frozen=True)
class ScoreReport:
    criteria_id: str
    items: dict[str, ItemScore]
    sub_areas: dict[tuple[str, str, str], Fraction]
    areas: dict[str, AreaScore]
    sub_components: dict[str, Fraction]
    components: dict[str, Fraction]
    total: Fraction
    unanswered: list[str]
    thresholds: list[ThresholdResult]
    prior_predicate: str
    predicate: str
    missed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.unanswered


def rounded(number: Fraction, places: int = 2) -> float:
    """Half away from zero, like Excel's ROUND, for display only."""
    exact = Decimal(number.numerator) / Decimal(number.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


class _ShortRepr(reprlib.Repr):
    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxdict, self.maxlist, self.maxtuple = 2, 4, 4, 4
        self.maxstring = self.maxother = self.maxlong = SHOWN_CHARS

    def repr_int(self, x, level):
        return _int_text(x)


def _int_text(number: int) -> str:
    if abs(number) < 10**SHOWN_CHARS:
        return repr(number)
    return f"<integer of {number.bit_length()} bits>"  # repr() itself refuses beyond 4300 digits


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """`repr(value)` for a message, never longer than `limit` characters whatever was given."""
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, int) and not isinstance(value, bool):
        text = _int_text(value)
    else:
        text = _ShortRepr().repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_code(code: object) -> str:
    """An item code or key as given, without quotes when it is text, cut like `shown`."""
    if isinstance(code, str):
        return code if len(code) <= SHOWN_CHARS else code[: SHOWN_CHARS - 1] + "…"
    return shown(code)


def normalise_prior(prior: object, criteria: Criteria) -> str:
    if prior is None or (isinstance(prior, str) and prior.strip().lower() in ("", NO_PREDICATE)):
        return NO_PREDICATE
    codes = {p.code.lower(): p.code for p in criteria.predicates}
    if isinstance(prior, str) and prior.strip().lower() in codes:
        return codes[prior.strip().lower()]
    raise AnswerError([
        f"prior_predicate: {shown(prior)} is not allowed; expected one of "
        f"{', '.join([NO_PREDICATE] + [p.code for p in criteria.predicates])}"
    ])


def item_value(item: Item, answer: object) -> Fraction:
    """The 0..1 value of one answer, or AnswerError naming the item, the value and what is allowed."""
    kind = item.type
    if kind in LETTER_TYPES:
        return ANSWER_TYPES[kind][_option_key(item, answer)]
    if kind == "index_0_4":
        return _index(item, answer) / INDEX_MAX
    return _percent(item, answer)


def canonical(item: Item, answer: object) -> object:
    """The one stored form of a valid answer, so equal answers compare equal in every layer:
    letters upper case (`a` → `A`), `Ya`/`Tidak` spelt so, a survey index as a number (an int
    when whole, decimal comma read as a point), counts as ints in the criteria's order.
    None stays None; an invalid answer raises AnswerError as `item_value` does."""
    if answer is None:
        return None
    kind = item.type
    if kind in LETTER_TYPES:
        return _option_key(item, answer)
    if kind == "index_0_4":
        number = _index(item, answer)
        if number.denominator == 1:
            return int(number)
        as_float = float(number)
        if as_fraction(as_float) == number:
            return as_float
        # More digits than a float keeps (rare): the exact decimal, as text.
        with localcontext(prec=2 * (MAX_NUMBER_TEXT + MAX_EXPONENT)):
            exact = Decimal(number.numerator) / Decimal(number.denominator)
        return format(exact, "f") if Fraction(exact) == number else as_float
    _percent(item, answer)  # validates, zero rules included
    return {count_id: int(_number(answer[count_id])) for count_id in item.count_ids}


def _option_key(item: Item, answer: object) -> str:
    values = ANSWER_TYPES[item.type]
    if isinstance(answer, str):
        given = answer.strip()
        key = given.capitalize() if item.type == "ya_tidak" else given.upper()
        if key in values:
            return key
    raise _bad(item, answer, ", ".join(values))


def _index(item: Item, answer: object) -> Fraction:
    number = _number(answer)
    if number is None or not ZERO <= number <= INDEX_MAX:
        raise _bad(item, answer, "a survey index from 0 to 4")
    return number


def _bad(item: Item, answer: object, allowed: str) -> AnswerError:
    return AnswerError([f"{item.code}: {shown(answer)} is not allowed; expected {allowed}"])


def _number(answer: object) -> Fraction | None:
    """The exact number an answer holds, or None when it is none or out of all bounds.
    Every check comes before a conversion that could grow with the input."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return Fraction(answer) if abs(answer) <= MAX_MAGNITUDE else None
    if isinstance(answer, Fraction):
        small = abs(answer.numerator).bit_length() <= 128 and answer.denominator.bit_length() <= 128
        return answer if small and abs(answer) <= MAX_MAGNITUDE else None
    if isinstance(answer, str):
        text = answer.strip().replace(",", ".")
        if len(text) > MAX_NUMBER_TEXT:
            return None
        try:
            answer = Decimal(text)
        except (ArithmeticError, ValueError):
            return None
    if isinstance(answer, Decimal):
        if not answer.is_finite() or not -MAX_EXPONENT <= answer.as_tuple().exponent <= MAX_EXPONENT:
            return None
        if len(answer.as_tuple().digits) > MAX_NUMBER_TEXT:
            return None
        number = Fraction(answer)
    elif isinstance(answer, Real):
        if answer != answer or abs(answer) == float("inf"):
            return None
        number = as_fraction(answer)
    else:
        return None
    return number if abs(number) <= MAX_MAGNITUDE else None


def _percent(item: Item, answer: object) -> Fraction:
    ids = item.count_ids
    allowed = "a mapping of the counts " + ", ".join(ids)
    if not isinstance(answer, Mapping):
        raise _bad(item, answer, allowed)
    problems = [
        f"{item.code}: unknown count {shown(key)}; expected the counts {', '.join(ids)}"
        for key in answer if key not in ids
    ]
    if len(problems) > 3:  # a mapping of thousands of keys is reported, not listed
        problems[3:] = [f"{item.code}: … and {len(problems) - 3} more unknown counts"]
    counts: dict[str, int] = {}
    for count_id in ids:
        raw = answer.get(count_id)
        number = _number(raw) if not isinstance(raw, str) else None
        if raw is None:
            problems.append(f"{item.code}: count {count_id} is missing")
        elif number is None or number < 0 or number.denominator != 1 or number > MAX_COUNT:
            problems.append(
                f"{item.code}: count {count_id} = {shown(raw)} is not allowed; "
                f"expected a whole number ≥ 0 (at most {MAX_COUNT:,})"
            )
        else:
            counts[count_id] = int(number)
    if problems:
        raise AnswerError(problems)
    f = item.formula
    if f.kind == "decrease":
        previous, current = counts[f.previous], counts[f.current]
        if previous == 0:
            return Fraction(f.when_both_zero if current == 0 else f.when_previous_zero)
        return max(ZERO, Fraction(previous - current, previous))
    numerator = sum(counts[c] for c in f.numerator)
    denominator = sum(counts[c] for c in f.denominator)
    if denominator == 0:
        if f.when_zero == "error":
            raise AnswerError([
                f"{item.code}: {' + '.join(f.denominator)} is 0; expected at least 1 "
                "(the value cannot be computed without it)"
            ])
        return Fraction(f.when_zero)
    return min(ONE, Fraction(numerator, denominator))


def item_values(criteria: Criteria, answers: Mapping[str, object]) -> dict[str, Fraction]:
    """Values of the answered items; every bad answer is reported in one AnswerError."""
    problems: list[str] = []
    values: dict[str, Fraction] = {}
    items = criteria.items_by_code
    for code, answer in answers.items():
        item = items.get(code)
        if item is None:
            problems.append(f"{shown_code(code)}: unknown item code (not in criteria {criteria.id})")
            continue
        if answer is None:
            continue
        try:
            values[code] = item_value(item, answer)
        except AnswerError as err:
            problems.extend(err.problems)
    if problems:
        raise AnswerError(problems)
    return values


def score(
    criteria: Criteria, answers: Mapping[str, object], prior_predicate: object = None
) -> ScoreReport:
    prior = normalise_prior(prior_predicate, criteria)
    return score_values(criteria, item_values(criteria, answers), prior)


def score_values(criteria: Criteria, values: Mapping[str, Fraction], prior: str) -> ScoreReport:
    """Scores from already validated item values (the web app stores those)."""
    weights = criteria.weights
    items: dict[str, ItemScore] = {}
    sub_areas: dict[tuple[str, str, str], Fraction] = {}
    blocks: dict[tuple[str, str], Fraction] = {}
    subs: dict[str, Fraction] = {}
    comps: dict[str, Fraction] = {}
    unanswered: list[str] = []
    direct: dict[tuple[str, str], Fraction] = {}  # items outside any area (Hasil)
    for item, where in criteria.walk_items():
        value = values.get(item.code)
        weight = weights[item.code]
        if value is None:
            unanswered.append(item.code)
            points = ZERO
        else:
            points = value * weight
        items[item.code] = ItemScore(value, weight, points)
        if where.area is None:
            key = (where.component, where.sub_component)
            direct[key] = direct.get(key, ZERO) + points
        else:
            key = (where.component, where.sub_component, where.area, where.sub_area)
            sub_areas[key] = sub_areas.get(key, ZERO) + points
    # Sum upwards once per level rather than once per item: fractions are not free.
    for (comp, sub, area, _), pts in sub_areas.items():
        blocks[(sub, area)] = blocks.get((sub, area), ZERO) + pts
        direct[(comp, sub)] = direct.get((comp, sub), ZERO) + pts
    for comp in criteria.components:
        for sub in comp.sub_components:
            subs[sub.code] = direct.get((comp.code, sub.code), ZERO)
        comps[comp.code] = sum((subs[sub.code] for sub in comp.sub_components), ZERO)
    sub_areas = {key[1:]: pts for key, pts in sub_areas.items()}
    areas = {}
    for area in criteria.areas:
        parts = {sub: pts for (sub, code), pts in blocks.items() if code == area.code}
        areas[area.code] = AreaScore(area.code, as_fraction(area.weight), parts, sum(parts.values(), ZERO))
    total = sum(comps.values(), ZERO)
    report = ScoreReport(
        criteria_id=criteria.id, items=items, sub_areas=sub_areas, areas=areas,
        sub_components=subs, components=comps, total=total, unanswered=unanswered,
        thresholds=[], prior_predicate=prior, predicate=NO_PREDICATE,
    )
    thresholds = list(_thresholds(criteria, report))
    predicate, missed = _predicate(criteria, report, thresholds)
    return ScoreReport(**{**report.__dict__, "thresholds": thresholds,
                          "predicate": predicate, "missed": missed})


def _thresholds(criteria: Criteria, report: ScoreReport):
    for pred in criteria.predicates:
        for t in pred.thresholds:
            minimum = as_fraction(t.min)
            if t.measure == "each_area_percent":
                for area in criteria.areas:
                    value = report.areas[area.code].percent
                    yield ThresholdResult(pred.code, f"{t.id}:{area.code}",
                                          f"{t.label}: {area.name}", value, minimum, value >= minimum)
                continue
            value = _measure(report, t.measure, t.ref)
            yield ThresholdResult(pred.code, t.id, t.label, value, minimum, value >= minimum)


def _measure(report: ScoreReport, measure: str, ref: str | None) -> Fraction:
    if measure == "total":
        return report.total
    if measure == "component":
        return report.components.get(ref, ZERO)
    if measure == "sub_component":
        return report.sub_components.get(ref, ZERO)
    if measure == "area_percent":
        return report.areas[ref].percent
    return report.items[ref].score


def _predicate(criteria: Criteria, report: ScoreReport, thresholds: list[ThresholdResult]):
    """The highest predicate whose every condition holds; what each one still misses."""
    missed: dict[str, list[str]] = {}
    for pred in criteria.predicates:
        failures = [t.label for t in thresholds if t.predicate == pred.code and not t.passed]
        if pred.requires_prior and report.prior_predicate not in pred.requires_prior:
            failures.append(f"predikat sebelumnya: {' atau '.join(pred.requires_prior)}")
        if report.unanswered:
            count = len(report.unanswered)
            failures.append(f"penilaian belum lengkap ({count} butir belum dijawab)")
        missed[pred.code] = failures
    by_rank = sorted(criteria.predicates, key=lambda p: p.rank, reverse=True)
    earned = next((p.code for p in by_rank if not missed[p.code]), NO_PREDICATE)
    return earned, missed
