"""HTML replies: what the composer's editor sends, made safe, and its plain-text twin.

The editor (``mail/composer.js``) writes a small set of tags: paragraphs, line breaks, bold,
italic, lists, links and quotes. The server never trusts it: ``reply_html_clean`` keeps only
those tags (nh3, with an allowlist) and links to web and mail addresses; ``html_to_text``
derives the ``text/plain`` part from the cleaned HTML, so both parts of a message say the
same. ``text_to_html`` turns a plain text (the quoted message a reply starts with, a reply
written without JavaScript) into the editor's HTML. Pure functions: no database.
"""

from __future__ import annotations

import re
from html import escape

import nh3

from kartoteka.mail.reading.html import to_text

# What the editor may produce; anything else is dropped, its text kept.
REPLY_TAGS = frozenset(
    {"p", "div", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a", "blockquote"}
)
REPLY_ATTRIBUTES = {"a": {"href"}}
REPLY_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with everything inside them (their text is not the reader's).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "title", "head", "iframe", "object", "embed", "noscript", "template",
     "form", "select", "textarea", "button", "svg", "math"}
)  # fmt: skip
# The editor's HTML is refused above this size (the form's limit).
REPLY_HTML_MAX_CHARS = 512 * 1024

_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_BLOCKQUOTE_TAG = re.compile(r"<(/?)blockquote\b[^>]*>")
_TRAILING_EMPTY = re.compile(r"(?:\s|<br>|<(p|div)>(?:\s|<br>)*</\1>)+$")
# The line that introduces a quote ("On 3 May 2026, Jan wrote:"), in its own paragraph.
_QUOTE_HEADER = re.compile(r"<(p|div)>((?:(?!</?(?:p|div)\b).)*?):\s*</\1>\s*$", re.DOTALL)


def reply_html_clean(html: str) -> str:
    """The editor's HTML with only the editor's tags and safe links left (never raises)."""
    if not html.strip():
        return ""
    cleaned = nh3.clean(
        html,
        tags=set(REPLY_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in REPLY_ATTRIBUTES.items()},
        url_schemes=set(REPLY_URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )
    return cleaned.strip()


def html_is_empty(html: str) -> bool:
    """Whether the (cleaned) HTML has no text a reader would see."""
    return not to_text(html).strip()


def html_to_text(html: str) -> str:
    """The plain text of cleaned editor HTML: paragraphs and line breaks as lines, list items
    as ``- `` lines, quotes as ``> `` lines, a link as its text with the address after it."""

    def link(match: re.Match[str]) -> str:
        href, label = match.group(1), match.group(2)
        shown = _TAG.sub("", label).strip()
        target = href.removeprefix("mailto:")
        # Both are HTML as nh3 wrote it (``&amp;``); ``to_text`` decodes them.
        if not shown or shown in (target, href):
            return label if shown else target
        return f"{label} &lt;{target}&gt;"

    return to_text(_LINK.sub(link, html))


def text_to_html(text: str) -> str:
    """Plain text as the editor's HTML: paragraphs split at blank lines, lines kept apart by
    ``<br>``, runs of ``>`` lines as (nested) quotes. A text that starts with a blank line
    (a reply above a quote) starts with an empty paragraph to write in."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    leading_blank = bool(lines) and not lines[0].strip() and any(line.strip() for line in lines)
    html = _blocks_html(lines)
    return ("<p><br></p>" + html) if leading_blank else html


def _blocks_html(lines: list[str]) -> str:
    parts: list[str] = []
    paragraph: list[str] = []
    quoted: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            parts.append(
                "<p>" + "<br>".join(escape(line, quote=False) for line in paragraph) + "</p>"
            )
            paragraph.clear()

    def end_quote() -> None:
        if quoted:
            parts.append("<blockquote>" + _blocks_html(quoted) + "</blockquote>")
            quoted.clear()

    for line in lines:
        stripped = line.lstrip(" \t")
        if stripped.startswith(">"):
            end_paragraph()
            inner = stripped[1:]
            quoted.append(inner[1:] if inner.startswith(" ") else inner)
        elif not line.strip():
            end_quote()
            end_paragraph()
        else:
            end_quote()
            paragraph.append(line.rstrip())
    end_quote()
    end_paragraph()
    return "".join(parts)


def html_quote_split(html: str) -> tuple[str, str]:
    """Cleaned HTML as (what was written, the quote it ends with): the last top-level
    ``<blockquote>`` with the paragraph introducing it ("… wrote:"). (html, "") when it ends
    with no quote. The signature goes between the two, as in the text part."""
    body = _TRAILING_EMPTY.sub("", html)
    if not body.endswith("</blockquote>"):
        return html, ""
    depth = 0
    start = -1
    for match in reversed(list(_BLOCKQUOTE_TAG.finditer(body))):
        depth += 1 if match.group(1) else -1
        if depth == 0:
            start = match.start()
            break
    if start < 0:
        return html, ""
    header = _QUOTE_HEADER.search(body[:start])
    if header is not None:
        start = header.start()
    return body[:start], body[start:]


def signature_html(text: str) -> str:
    """A plain-text signature as HTML (escaped, its lines kept)."""
    return "<br>\n".join(escape(line, quote=False) for line in text.strip().splitlines())


def html_document(written: str, *, signature: str, quote: str) -> str:
    """The ``text/html`` part: what was written, the signature (HTML, may be empty) under it
    and the quoted message under that."""
    signed = f'<div class="signature">-- <br>\n{signature}\n</div>\n' if signature.strip() else ""
    return (
        "<!DOCTYPE html>\n<html><body>\n"
        f"{written.strip()}\n{signed}{quote.strip()}{chr(10) if quote.strip() else ''}"
        "</body></html>\n"
    )
