"""Articles' text: a safe subset of Markdown turned into HTML.

markdown-it-py (CommonMark, with tables and strikethrough) reads the text with raw HTML off:
a ``<script>`` typed into an article shows as text. Its output then goes through nh3 with an
allowlist of tags and attributes, so whatever a future parser lets through, nothing runs:
links only to http(s) and mailto addresses, each with ``rel="noopener nofollow"``; images
only from http(s) (the pages' content security policy still shows only our own); no style,
class or event attribute survives.
"""

from __future__ import annotations

import html
from functools import cache

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
        "code", "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead",
        "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
TEXT_LIMIT = 200_000  # characters of an article that are rendered


@cache
def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        .enable("table")
        .enable("strikethrough")
    )


def render_markdown(text: str) -> str:
    """``text`` (Markdown) as safe HTML."""
    rendered = _parser().render(text[:TEXT_LIMIT])
    return nh3.clean(
        rendered,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener nofollow",
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """The words of ``text`` without Markdown's marks, for excerpts and insertion."""
    return html.unescape(nh3.clean(render_markdown(text), tags=set())).strip()
