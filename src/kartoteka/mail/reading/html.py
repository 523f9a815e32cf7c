"""HTML of received mail: sanitised for display (``sanitize``) and turned into text (``to_text``).

``sanitize`` keeps formatting, links and tables; drops scripts, styles, event handlers, forms,
frames and everything remote that could track the reader: an ``<img>`` keeps its ``src`` only
when it is a ``cid:`` reference to an inline part (the UI maps those to attachment URLs); the
address of a remote (``http:``/``https:``) image moves to ``data-remote-src``, which loads
nothing until the reader asks for it on the case page; other images keep only their ``alt``.
"""

from __future__ import annotations

import contextlib
import re
from html.parser import HTMLParser

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "address", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center",
    "cite", "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"title", "dir", "lang", "align", "valign"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "data-remote-src"},
    "td": {"colspan", "rowspan", "width"},
    "th": {"colspan", "rowspan", "width", "scope"},
    "table": {"width", "border", "cellpadding", "cellspacing"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "size", "face"},
    "ol": {"start", "type"},
    "li": {"value"},
}
_DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "iframe", "object", "embed",
                         "noscript", "template", "form", "select", "textarea", "button",
                         "frameset", "frame", "svg", "math", "applet"}  # fmt: skip
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


_REMOTE = ("http://", "https://")
# nh3's serialisation double-quotes every attribute value and escapes a '"' inside it, so
# these find the image tags and their sources exactly.
IMG_TAG = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>', re.IGNORECASE)
_REMOTE_SRC = re.compile(r'\ssrc="(https?://[^"]*)"', re.IGNORECASE)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        lowered = value.strip().lower()
        return value if lowered.startswith(("cid:", *_REMOTE)) else None
    if tag == "img" and attribute == "data-remote-src":
        return value if value.strip().lower().startswith(_REMOTE) else None
    return value


def _remote_images_held(html: str) -> str:
    """Each remote image's address moved from ``src`` to ``data-remote-src``."""

    def hold(tag: re.Match[str]) -> str:
        return _REMOTE_SRC.sub(r' data-remote-src="\1"', tag.group(0))

    return IMG_TAG.sub(hold, html)


def sanitize(html: str) -> str:
    """The HTML safe to show inside our pages; never raises."""
    if not html.strip():
        return ""
    try:
        return _remote_images_held(
            nh3.clean(
                html,
                tags=_ALLOWED_TAGS,
                clean_content_tags=_DROPPED_WITH_CONTENT,
                attributes=_ALLOWED_ATTRIBUTES,
                attribute_filter=_filter_attribute,
                url_schemes=_URL_SCHEMES,
                link_rel="noopener noreferrer nofollow",
            )
        )
    except Exception:  # nh3 refuses only on invalid arguments; be safe for display anyway
        return ""


_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_QUOTE_START = "\x01"
_QUOTE_END = "\x02"
_SKIPPED_TAGS = {"script", "style", "head", "title", "template", "noscript"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "blockquote":
            self.parts.append(f"\n{_QUOTE_START}\n")
        elif tag == "pre":
            self._pre_depth += 1
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "pre":
            self._pre_depth = max(0, self._pre_depth - 1)
            self.parts.append("\n")
        elif tag == "blockquote":
            self.parts.append(f"\n{_QUOTE_END}\n")
        elif tag in _BLOCK_TAGS and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        data = data.replace(_QUOTE_START, "").replace(_QUOTE_END, "")
        if self._pre_depth:
            self.parts.append(data)
        else:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ").replace("\r", " ")))


def to_text(html: str) -> str:
    """Readable plain text of an HTML body: block elements end lines, no tags, entities decoded."""
    extractor = _TextExtractor()
    with contextlib.suppress(Exception):  # HTMLParser is lenient; keep what was read
        extractor.feed(html)
        extractor.close()
    lines: list[str] = []
    depth = 0
    for line in "".join(extractor.parts).split("\n"):
        if line == _QUOTE_START:
            depth += 1
        elif line == _QUOTE_END:
            depth = max(0, depth - 1)
        elif depth and line.strip(" "):
            lines.append(">" * depth + " " + line.strip(" "))
        else:
            lines.append(line.strip(" "))
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()
