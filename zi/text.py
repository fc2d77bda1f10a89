"""User text (notes, guidance) as Markdown, sanitised before it reaches a page or a PDF; the limits
and the cleaning every typed text goes through before it is stored."""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from html import escape

import markdown as md
import nh3


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; it is translated where it is shown."""
    return message


# --- limits and cleaning of typed text ------------------------------------------------------------

NOTE_MAX_CHARS = 20_000  # notes, comments, reasons, descriptions: LKE justifications are long
SHORT_MAX_CHARS = 255  # titles, names: the width of a CharField column on PostgreSQL

# C0 controls but tab and newline, DEL, and lone surrogates: PostgreSQL refuses NUL in text, the
# others only garble a page or a PDF.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class TextTooLong(ValueError):
    """A typed text is longer than its field allows; nothing was stored."""

    def __init__(self, limit: int, length: int):
        self.limit, self.length = limit, length
        super().__init__(f"text of {length} characters, at most {limit} allowed")


def clean(text: str | None) -> str:
    """The text without control characters, with Unix line ends and no surrounding blanks."""
    if not text:
        return ""
    return CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def bounded(text: str | None, limit: int = NOTE_MAX_CHARS) -> str:
    """`clean(text)`, refused with TextTooLong when longer than `limit` characters."""
    cleaned = clean(text)
    if len(cleaned) > limit:
        raise TextTooLong(limit, len(cleaned))
    return cleaned


# --- Markdown ----------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "pre", "blockquote",
    "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "a", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

LINK_WINDOW = 2_000  # the longest link text or address recognised
SCAN_BUDGET = 200_000  # characters all link look-aheads of one text may read together
ELEMENT_BUDGET = 2_000  # inline elements (emphasis, links, code…) per text; the rest stays text
# Each level of a quote scans the rest of the text again: `>>>>…` is cut to 8 levels.
_DEEP_QUOTE = re.compile(r"^((?:[ ]{0,3}>[ ]?){8})(?:[ ]{0,3}>[ ]?)+", re.MULTILINE)
RENDER_MAX_CHARS = NOTE_MAX_CHARS  # beyond this a text (stored before the limit) is shown as plain text
_LINK_PROCESSORS = ("reference", "link", "image_link", "image_reference", "short_reference",
                    "short_image_ref")


class _Renderer(threading.local):
    """One Markdown instance per thread (an instance is not thread-safe; building one is slow).

    Python-Markdown looks for the closing `]` or `)` of every `[` up to the end of the paragraph, so
    a few thousand `[` cost seconds (quadratic). Here each look goes at most LINK_WINDOW characters
    ahead, and all of them together at most SCAN_BUDGET characters per text; past that, brackets
    stay plain text. Each inline element rebuilds the paragraph's string, so a text gets at most
    ELEMENT_BUDGET of them."""

    def __init__(self):
        self.md = md.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
        # Raw HTML blocks go through html.parser, quadratic on unclosed tags; as inline text they
        # reach the sanitiser all the same.
        self.md.preprocessors.deregister("html_block")
        self.budget, self.elements = SCAN_BUDGET, ELEMENT_BUDGET
        for processor in self.md.inlinePatterns:
            processor.handleMatch = self._counted(processor.handleMatch)
        for name in _LINK_PROCESSORS:
            processor = self.md.inlinePatterns[name]
            for method in ("getText", "getLink", "evalId"):
                if hasattr(processor, method):
                    setattr(processor, method, self._bounded(getattr(processor, method)))

    def _counted(self, method):
        def handle(match, data):
            if self.elements <= 0:
                return None, None, None
            self.elements -= 1
            return method(match, data)

        return handle

    def _bounded(self, method):
        def scan(data, index, *args):
            if self.budget <= 0:
                return (*method("", 0, *args)[:-2], index, False)
            *found, end, handled = method(data[index:index + LINK_WINDOW], 0, *args)
            self.budget -= max(end, 1)
            return (*found, index + end, handled)

        return scan

    def convert(self, text: str) -> str:
        self.budget, self.elements = SCAN_BUDGET, ELEMENT_BUDGET
        text = _DEEP_QUOTE.sub(r"\1", text)
        try:
            return self.md.reset().convert(text)
        except RecursionError:  # lists or quotes nested hundreds deep
            self.__init__()
            return _plain(text)


def _plain(text: str) -> str:
    """The text as escaped paragraphs, without Markdown."""
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p.strip())


_renderer = _Renderer()
_cache: OrderedDict[bytes, str] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_ENTRIES = 1024
CACHE_MAX_HTML = 200_000  # larger renders are not kept


def render_markdown(text: str | None) -> str:
    """Safe HTML: raw HTML is cut down by the sanitiser to the allowed tags (a link keeps only its
    http/https/mailto address and title), scripts and images never survive.

    The result is kept (by the text's hash, least recently used dropped first) so showing the same
    note on every page view renders it once."""
    if not text:
        return ""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    text = CONTROL_CHARS.sub("", text)
    html = _plain(text) if len(text) > RENDER_MAX_CHARS else _renderer.convert(text)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    if len(html) <= CACHE_MAX_HTML:
        with _cache_lock:
            _cache[key] = html
            if len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
    return html
