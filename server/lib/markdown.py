"""Markdown in, safe HTML out: markdown-it-py renders, nh3 keeps only what is allowed."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


def _only_our_images(tag: str, attribute: str, value: str) -> str | None:
    # Outside pictures break under the page's CSP and would track feed readers: only ours.
    if tag == "img" and attribute == "src" and not value.startswith("/media/"):
        return None
    return value


def render(markdown: str) -> str:
    """Sanitised HTML for a Markdown body; links get rel="nofollow noopener"."""
    return nh3.clean(
        _md.render(markdown),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
        attribute_filter=_only_our_images,
    )
