"""Stored (already sanitised) HTML of a message, prepared for showing on a page.

``mail.reading.html.sanitize`` is the one place that decides what HTML is safe; it runs when a
message is stored. This module only rewrites the ``src`` of the ``<img>`` elements that the
sanitiser let through:

- ``cid:`` references to an inline part of the message point at that attachment's inline URL
  when it is an image type served inline (others lose their ``src`` and keep their ``alt``);
- remote (``http:``/``https:``) images are not loaded: the sanitiser stored their address in
  ``data-remote-src`` (a ``src`` that still names one moves there too), which the page's
  script puts back when the reader asks for it;
- anything else loses its ``src``.

The input is nh3's serialisation, in which every attribute value is double-quoted and a ``"``
inside it is escaped, so a regular expression finds the tags and attributes exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import unescape

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kartoteka.mail.models import Attachment, Message
from kartoteka.mail.reading.html import IMG_TAG

# The image types a browser shows without running anything (SVG can hold script: never inline).
INLINE_IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/pjpeg", "image/gif", "image/webp", "image/bmp", "image/avif"}
)

_SRC = re.compile(r'\ssrc="([^"]*)"', re.IGNORECASE)
_HELD = re.compile(r'\sdata-remote-src="', re.IGNORECASE)


@dataclass(frozen=True)
class DisplayHtml:
    html: SafeString
    remote_images: int  # how many remote images wait for the reader's consent


def served_inline(content_type: str) -> bool:
    """Whether an attachment of this type may be shown in the page (else only downloaded)."""
    return content_type.split(";")[0].strip().lower() in INLINE_IMAGE_TYPES


def inline_images(
    attachments: Iterable[Attachment], url_for: Callable[[Attachment], str]
) -> dict[str, str]:
    """``Content-ID`` (lower-cased) → URL of the attachments that may be shown in place."""
    return {
        attachment.content_id.lower(): url_for(attachment)
        for attachment in attachments
        if attachment.content_id and served_inline(attachment.content_type)
    }


def prepare(sanitised_html: str, *, inline: dict[str, str]) -> DisplayHtml:
    """The sanitised HTML with image sources rewritten (see the module's docstring).

    ``sanitised_html`` must come from ``mail.reading.html.sanitize`` (``Message.html`` does).
    """
    if not sanitised_html:
        return DisplayHtml(mark_safe(""), 0)
    remote = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal remote
        tag = match.group(0)
        found = _SRC.search(tag)
        if found is None:
            remote += bool(_HELD.search(tag))
            return tag
        source = unescape(found.group(1)).strip()
        lowered = source.lower()
        if lowered.startswith("cid:"):
            url = inline.get(source[4:].strip("<> ").lower())
            replacement = f' src="{escape(url)}" loading="lazy"' if url else ""
        elif lowered.startswith(("http://", "https://")):
            remote += 1
            replacement = f' data-remote-src="{escape(source)}"'
        else:
            replacement = ""
        return tag[: found.start()] + replacement + tag[found.end() :]

    html = IMG_TAG.sub(rewrite, sanitised_html)
    # Safe: the input was sanitised; only image sources changed, to escaped values.
    return DisplayHtml(mark_safe(html), remote)  # noqa: S308


def inline_url(attachment: Attachment) -> str:
    return reverse("mail:attachment-inline", args=[attachment.pk])


def message_display(message: Message, attachments: Iterable[Attachment]) -> DisplayHtml:
    """A stored message's HTML ready for a page: its inline images at their attachments'
    URLs, its remote images held (``attachments`` are the message's, already fetched).
    ``Message.html`` is sanitised by whoever writes it (parsing, sending, reprocessing), so it
    is not sanitised again here: for 300 messages that costs the case page about 35 ms."""
    return prepare(message.html, inline=inline_images(attachments, inline_url))
