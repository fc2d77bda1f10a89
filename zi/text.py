"""User text (notes, guidance) as Markdown, sanitised before it reaches a page or a PDF."""

from __future__ import annotations

import markdown as md
import nh3


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; it is translated where it is shown."""
    return message


ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "pre", "blockquote",
    "h3", "h4", "h5", "table", "thead", "tbody", "tr", "th", "td", "a", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str | None) -> str:
    """Safe HTML: raw HTML in the text is escaped by the sanitiser, images are never loaded."""
    if not text:
        return ""
    html = md.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
