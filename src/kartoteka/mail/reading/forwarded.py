"""Forwarded messages shown after the body, as mail clients show them: a line naming it, its
headers (labelled in the mailbox's language), then its text. Its own parts stay in its
``.eml`` attachment (``parts``)."""

from __future__ import annotations

import html
from email.message import Message

from kartoteka.mail.reading import html as mail_html
from kartoteka.mail.reading.header_values import (
    decode_header_text,
    header_charsets,
    parse_addresses,
    raw_headers,
)
from kartoteka.mail.reading.parts import Collected, collect, newlines_normalised

_FORWARDED_SHOWN = 10  # forwarded messages shown in the text; all are kept as attachments
_FORWARD_LABELS = {
    "pl": ("Wiadomość przekazana", "Od", "Data", "Temat", "Do", "DW"),
    "cs": ("Přeposlaná zpráva", "Od", "Datum", "Předmět", "Komu", "Kopie"),
}
_FORWARD_LABELS_EN = ("Forwarded message", "From", "Date", "Subject", "To", "Cc")


def with_forwarded(
    text: str, html_source: str, collected: Collected, language: str
) -> tuple[str, str]:
    """``text`` and ``html_source`` with each forwarded message (``message/rfc822``) after
    them, as mail clients show one: its headers, then its text (its own parts stay in the
    ``.eml`` attachment)."""
    labels = _FORWARD_LABELS.get(language.lower()[:2], _FORWARD_LABELS_EN)
    texts: list[str] = [text] if text.strip() else []
    htmls: list[str] = [html_source] if html_source else []
    for inner in collected.forwarded[:_FORWARDED_SHOWN]:
        head, inner_text, inner_html = _forwarded_content(inner, labels, language)
        texts.append(f"{head}\n\n{inner_text}".rstrip())
        if html_source:
            escaped = html.escape(head).replace("\n", "<br>")
            body = inner_html or "<p>{}</p>".format(html.escape(inner_text).replace("\n", "<br>"))
            htmls.append(f"<p>{escaped}</p>\n{body}")
    return "\n\n".join(texts), "\n<hr>\n".join(htmls)


def _forwarded_content(
    inner: Message, labels: tuple[str, ...], language: str
) -> tuple[str, str, str]:
    """The header lines, text and HTML of a forwarded message."""
    headers = raw_headers(inner)
    nested = Collected(charsets=header_charsets(headers, language))
    collect(inner, nested, depth=40)  # its own forwards and files are not taken out again
    charsets = nested.charsets
    title, *names = labels
    lines = [f"---------- {title} ----------"]
    for name, key in zip(names, ("from", "date", "subject", "to", "cc"), strict=True):
        value = headers.get(key, "")
        if not value:
            continue
        if key in ("from", "to", "cc"):
            shown = ", ".join(
                f"{item.name} <{item.address}>" if item.name and item.address else
                item.name or item.address
                for item in parse_addresses(value, None, charsets)
            )  # fmt: skip
        else:
            shown = decode_header_text(value, None, charsets)
        lines.append(f"{name}: {shown}")
    inner_text = "\n\n".join(part for part in nested.plain if part.strip())
    inner_html = "\n<hr>\n".join(nested.html)
    if not inner_text.strip() and inner_html:
        inner_text = mail_html.to_text(inner_html)
    return "\n".join(lines), newlines_normalised(inner_text).strip(), inner_html
