"""Notes as Markdown: fast on any input, the usual Markdown intact, nothing active; typed text
cleaned and bounded."""

from __future__ import annotations

import time

import pytest

from zi import text
from zi.text import NOTE_MAX_CHARS, TextTooLong, bounded, clean, render_markdown

BUDGET = 0.5  # seconds per render of a note of the longest length allowed


def _fill(pattern: str, size: int = NOTE_MAX_CHARS) -> str:
    return (pattern * (size // len(pattern) + 1))[:size]


ADVERSARIAL = {
    "open brackets": "[",
    "image openers": "![",
    "links without a closing paren": "[x](",
    "nested brackets": "[[[[[[[[[[]]]]]]]]]]",
    "brackets then parens": "[](",
    "unclosed reference": "[a][",
    "footnote openers": "[^",
    "stars": "*",
    "star words": "*a",
    "mixed emphasis": "*_",
    "strong runs": "***a",
    "underscores": "_a ",
    "backticks": "`",
    "backtick words": "`a",
    "angle brackets": "<",
    "unclosed tags": "<a ",
    "comments": "<!--",
    "entities": "&",
    "backslashes": "\\",
    "quote markers": ">",
    "nested quotes": "> ",
    "bracket lines": "[\n",
    "table rows": "|a|b|\n",
    "one long line": "kata ",
    "abbreviations": "*[",
    "definition lists": "a\n: ",
    "autolinks": "<http://a",
}


def _timed(value: str) -> float:
    """The best of two renders of `value`, each with a fresh text so the cache does not answer."""
    best = float("inf")
    for attempt in range(2):
        start = time.perf_counter()
        render_markdown(value[:-2] + f"{attempt:2d}")
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_no_note_of_the_longest_length_takes_more_than_a_moment(name):
    took = _timed(_fill(ADVERSARIAL[name]))
    assert took < BUDGET, f"{name}: {took:.2f} s"


def test_deep_nesting_renders_as_text():
    lists = "".join("  " * depth + "- x\n" for depth in range(1500))
    quotes = "".join(">" * depth + " y\n" for depth in range(1, 400))
    mixed = "> - " * 2000 + "z"
    for value in (lists, quotes, mixed):
        start = time.perf_counter()
        html = render_markdown(value)
        assert time.perf_counter() - start < BUDGET
        assert "x" in html or "y" in html or "z" in html


def test_the_usual_markdown_still_renders():
    html = render_markdown(
        "Bukti **lengkap** dan _tepat_ di [arsip](https://contoh.go.id/a_(b) \"Arsip\") "
        "dan <https://ppid.contoh.go.id>.\n\n"
        "- satu\n- dua\n    - dua a\n\n1. pertama\n2. kedua\n\n"
        "| Dokumen | Nomor |\n|---|---|\n| SK | 100/2026 |\n\n"
        "```\nkode [tetap apa adanya\n```\n\n> kutipan\n\n`x[y`\n\n[ref]\n\n[ref]: https://ref.example/sk\n")
    assert "<strong>lengkap</strong>" in html and "<em>tepat</em>" in html
    assert ('<a href="https://contoh.go.id/a_(b)" title="Arsip" rel="noopener noreferrer nofollow">'
            "arsip</a>") in html
    assert 'href="https://ppid.contoh.go.id"' in html
    assert '<a href="https://ref.example/sk"' in html
    assert "<li>dua a</li>" in html and "<ol>" in html
    assert "<table>" in html and "<td>100/2026</td>" in html
    assert "<pre><code>kode [tetap apa adanya" in html and "<code>x[y</code>" in html
    assert "<blockquote>" in html


def test_a_link_after_thousands_of_brackets_is_plain_text_but_nothing_breaks():
    html = render_markdown("[" * 5000 + " lihat [SK](https://contoh.go.id/sk)")
    assert "lihat" in html


def test_markup_is_never_active_and_images_never_load():
    html = render_markdown(
        "<script>alert(1)</script><b onclick=\"x()\">tebal</b>\n\n"
        "<img src=http://evil.example/a.png onerror=alert(2)>\n\n![gambar](http://evil.example/b.png)\n\n"
        "[klik](javascript:alert(3)) <a href=\"https://contoh.go.id\" style=\"x\">SK</a>\n\n"
        "<div><iframe src=\"https://evil.example\"></iframe></div>")
    lowered = html.lower()
    for forbidden in ("<script", "alert(1)", "<img", "evil.example", "onclick", "onerror", "javascript:",
                      "<iframe", "style="):
        assert forbidden not in lowered, forbidden
    assert "tebal" in html and 'href="https://contoh.go.id"' in html


def test_rendering_is_kept_so_a_repeated_view_is_cheap():
    value = _fill("[") + "cache-7K"
    first_start = time.perf_counter()
    first = render_markdown(value)
    first_took = time.perf_counter() - first_start
    start = time.perf_counter()
    assert render_markdown(value) == first
    assert time.perf_counter() - start < max(first_took / 10, 0.002)


def test_the_cache_is_bounded():
    for n in range(text.CACHE_ENTRIES + 50):
        render_markdown(f"catatan {n}")
    assert len(text._cache) <= text.CACHE_ENTRIES


def test_text_over_the_render_limit_is_plain_escaped_text():
    value = "**tebal** <b>x</b>\n\n" + "a" * text.RENDER_MAX_CHARS
    html = render_markdown(value)
    assert html.startswith("<p>**tebal** &lt;b&gt;x&lt;/b&gt;</p>")


def test_clean_drops_control_characters_and_keeps_lines():
    assert clean("  a\x00b\x01c\x1b[0m\x7f\r\nd\te\rf\ud800  ") == "abc[0m\nd\te\nf"
    assert clean(None) == ""


def test_bounded_accepts_the_limit_and_refuses_one_more():
    assert bounded("x" * NOTE_MAX_CHARS) == "x" * NOTE_MAX_CHARS
    assert bounded(" x " + "\x00" * 50) == "x"  # counted after cleaning
    with pytest.raises(TextTooLong) as refused:
        bounded("x" * (NOTE_MAX_CHARS + 1))
    assert (refused.value.limit, refused.value.length) == (NOTE_MAX_CHARS, NOTE_MAX_CHARS + 1)
    with pytest.raises(TextTooLong):
        bounded("x" * 256, text.SHORT_MAX_CHARS)
    assert NOTE_MAX_CHARS >= 10_000  # LKE justifications are long
