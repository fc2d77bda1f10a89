"""`zi criteria export --json`: each item of the flat list carries its official letter, its sub-part
heading and where each option's explanation comes from (the LKE or zi)."""

import json

from click.testing import CliRunner

from zi.cli import main


def _items(criteria_id: str) -> dict:
    result = CliRunner().invoke(main, ["criteria", "export", "--json", "--criteria", criteria_id],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {item["code"]: item for item in json.loads(result.stdout)["items"]}


def test_letters_headings_and_option_sources(criteria):
    items = _items("lke-2021")
    assert len(items) == len(criteria.items)
    first = items["P-MP-i-a"]
    assert (first["letter"], first["heading"]) == ("a", None)
    assert first["options"] == ["Ya", "Tidak"]  # the keys, as before
    assert first["option_sources"] == {"Ya": "lke", "Tidak": "zi"}
    assert [items[c]["letter"] for c in ("P-PP-v-a", "P-PP-v-b", "P-PP-v-c")] == ["a", "c", "b"]
    assert items["R-PW-iii-b"]["letter"] == "-"
    assert "LHKASN" in items["R-PW-iii-b"]["heading"]
    assert "LHKPN" in items["R-PW-iii-a"]["heading"]
    assert items["R-PW-iii-a"]["option_sources"] == {}  # a % item has counts, no options
    for code, item in items.items():
        model = criteria.item(code)
        assert item["letter"] == (model.letter or None)
        assert item["option_sources"] == {o.key: o.source for o in model.options}


def test_the_2025_wording_is_exported_with_its_heading():
    items = _items("lke-2025")
    assert "Non LHKPN" in items["R-PW-iii-b"]["heading"]
