"""The LKE as frozen data: what the YAML files describe once they are validated.

The answer types are the LKE's own (column "Pilihan Jawaban" of the workbook);
their option values are the workbook's constants (§2.3 of the reference), so a
criteria file names a type and cannot redefine what A or B is worth.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cached_property
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

ANSWER_TYPES: dict[str, dict[str, Fraction]] = {
    "ya_tidak": {"Ya": Fraction(1), "Tidak": Fraction(0)},
    "abc": {"A": Fraction(1), "B": Fraction(1, 2), "C": Fraction(0)},
    "abcd": {"A": Fraction(1), "B": Fraction("0.67"), "C": Fraction("0.33"), "D": Fraction(0)},
    "abcde": {
        "A": Fraction(1),
        "B": Fraction(3, 4),
        "C": Fraction(1, 2),
        "D": Fraction(1, 4),
        "E": Fraction(0),
    },
    "percent": {},
    "index_0_4": {},
}
OPTION_TYPES = ("ya_tidak", "abc", "abcd", "abcde")
INDEX_MAX = Fraction(4)

Code = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Weight = Annotated[float, Field(gt=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Option(Strict):
    key: str
    text: str
    # "zi" marks an explanation zi adds (e.g. what "Tidak" means): shown as zi's, never exported as official.
    source: Literal["lke", "zi"] = "lke"


class CountInput(Strict):
    id: Code
    label: str


class RatioFormula(Strict):
    """min(1, sum(numerator) / sum(denominator)); `when_zero` decides a zero denominator."""

    kind: Literal["ratio"]
    numerator: list[Code] = Field(min_length=1)
    denominator: list[Code] = Field(min_length=1)
    when_zero: Literal[0, 1, "error"]


class DecreaseFormula(Strict):
    """max(0, (previous - current) / previous): the fall of a count against last year."""

    kind: Literal["decrease"]
    previous: Code
    current: Code
    when_both_zero: Literal[0, 1] = 1
    when_previous_zero: Literal[0, 1] = 0


Formula = Annotated[RatioFormula | DecreaseFormula, Field(discriminator="kind")]


class Item(Strict):
    code: Code
    # The letter the official workbook prints ("a", or "-"), kept apart from the code: area 6.v reads a, c, b.
    letter: str = ""
    # A sub-part title printed above the item inside its sub-area (the LHKPN and LHKASN halves of R-PW-iii).
    heading: str = ""
    text: str = Field(min_length=1)
    type: Literal["ya_tidak", "abc", "abcd", "abcde", "percent", "index_0_4"]
    options: list[Option] = []
    counts: list[CountInput] = []
    formula: Formula | None = None
    weight: Weight | None = None
    guidance: str = ""
    evidence: list[str] = []

    @property
    def option_keys(self) -> list[str]:
        return [o.key for o in self.options]

    @property
    def count_ids(self) -> list[str]:
        return [c.id for c in self.counts]


class SubArea(Strict):
    numeral: str
    name: str
    weight: Weight
    evidence: list[str] = []
    items: list[Item] = Field(min_length=1)


class AreaBlock(Strict):
    """One change area inside one sub-component (e.g. Manajemen Perubahan under Pemenuhan)."""

    area: Code
    weight: Weight
    sub_areas: list[SubArea] = Field(min_length=1)


class SubComponent(Strict):
    code: Code
    numeral: str
    name: str
    weight: Weight
    areas: list[AreaBlock] = []
    items: list[Item] = []


class Component(Strict):
    code: Code
    letter: str
    name: str
    weight: Weight
    sub_components: list[SubComponent] = Field(min_length=1)


class Area(Strict):
    code: Code
    number: int
    name: str
    weight: Weight


class Threshold(Strict):
    """A minimum one measure of the score report must reach (≥ passes)."""

    id: Code
    label: str
    measure: Literal[
        "total", "component", "sub_component", "area_percent", "each_area_percent", "item"
    ]
    ref: str | None = None
    min: float


class Predicate(Strict):
    code: Code
    name: str
    rank: int
    requires_prior: list[str] = []
    thresholds: list[Threshold] = Field(min_length=1)


class Criteria(Strict):
    id: Code
    title: str
    year: int
    legal_basis: list[str] = Field(min_length=1)
    total_weight: Weight = 100
    areas: list[Area] = Field(min_length=1)
    components: list[Component] = Field(min_length=1)
    predicates: list[Predicate] = Field(min_length=1)

    # Set by the loader: the file the criteria came from.
    source: str = ""

    @cached_property
    def items_by_code(self) -> dict[str, Item]:
        return {item.code: item for item, _ in self.walk_items()}

    @cached_property
    def weights(self) -> dict[str, Fraction]:
        """Each item's share of the total: its own weight, or an equal part of its sub-area's."""
        return dict(self._effective_weights())

    @property
    def items(self) -> list[Item]:
        return list(self.items_by_code.values())

    def item(self, code: str) -> Item:
        return self.items_by_code[code]

    def area(self, code: str) -> Area:
        return next(a for a in self.areas if a.code == code)

    @cached_property
    def _area_by_item(self) -> dict[str, str | None]:
        return {item.code: where.area for item, where in self.walk_items()}

    def area_of(self, item_code: str) -> str | None:
        """The change area of an item; None for items outside the areas (Hasil)."""
        return self._area_by_item[item_code]

    def groups(self, area: str | None):
        """[(sub-component, sub-area or None, items)] of one area in LKE order (Pemenuhan, then
        Reform); area None gives the items that stand outside the areas (Hasil)."""
        result = []
        for comp in self.components:
            for sub in comp.sub_components:
                if area is None and sub.items:
                    result.append((sub, None, sub.items))
                for block in sub.areas:
                    if block.area == area:
                        result.extend((sub, sub_area, sub_area.items) for sub_area in block.sub_areas)
        return result

    def walk_items(self):
        """Yield (item, where) in LKE order; `where` holds the codes of its ancestors."""
        for comp in self.components:
            for sub in comp.sub_components:
                for block in sub.areas:
                    for sub_area in block.sub_areas:
                        where = Where(comp.code, sub.code, block.area, sub_area.numeral)
                        for item in sub_area.items:
                            yield item, where
                for item in sub.items:
                    yield item, Where(comp.code, sub.code, None, None)

    def _effective_weights(self):
        for comp in self.components:
            for sub in comp.sub_components:
                for block in sub.areas:
                    for sub_area in block.sub_areas:
                        share = as_fraction(sub_area.weight) / len(sub_area.items)
                        for item in sub_area.items:
                            yield item.code, as_fraction(item.weight) if item.weight else share
                for item in sub.items:
                    yield item.code, as_fraction(item.weight or 0)


class Where(NamedTuple):
    component: str
    sub_component: str
    area: str | None
    sub_area: str | None


def as_fraction(number) -> Fraction:
    """The exact decimal a person wrote (0.1 is 1/10, not the nearest binary float)."""
    if isinstance(number, Fraction):
        return number
    return Fraction(str(number))
