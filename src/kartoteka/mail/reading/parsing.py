"""Raw message bytes → ``ParsedMessage``: a pure function, no database, never raises.

The standard ``email`` package with ``policy.default`` splits the message, after its header
block is read as mail clients read it (``head``: broken folding, stray first lines). Its
headers are decoded by ``header_values``, its parts by ``parts``, the messages it forwards are
shown after its text by ``forwarded``, and ``classify`` tells what kind of mail it is.
"""

from __future__ import annotations

import hashlib

from kartoteka.mail.reading import html as mail_html
from kartoteka.mail.reading.classify import classify
from kartoteka.mail.reading.forwarded import with_forwarded
from kartoteka.mail.reading.head import head_repaired
from kartoteka.mail.reading.header_values import (
    all_values,
    decode_header_text,
    first_id,
    header_charsets,
    parse_addresses,
    parse_date,
    raw_headers,
    split_references,
)
from kartoteka.mail.reading.parse_policy import PARSER
from kartoteka.mail.reading.parsed import ParsedMessage
from kartoteka.mail.reading.parts import Collected, collect, newlines_normalised
from kartoteka.mail.reading.quotes import new_text
from kartoteka.mail.reading.sender import RESULTS_READ, from_read


def parse(raw: bytes, *, sha256: str | None = None, language: str = "") -> ParsedMessage:
    """The message in ``raw`` as plain data; never raises, whatever the bytes.

    ``sha256`` is the bytes' hash when the caller has it already (the raw store's key), so
    they are not hashed twice. ``language`` (the mailbox's, "pl") helps detect the charset of
    raw 8-bit headers and undeclared bodies. Input the ``email`` package cannot split at all
    gives a message whose text is the raw bytes decoded leniently, and whose ``defects`` say
    what happened.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", "surrogateescape")
    raw = bytes(raw)
    digest = sha256 if sha256 is not None else hashlib.sha256(raw).hexdigest()
    try:
        return _parse(raw, digest, language)
    except Exception as exc:  # the contract is "never raises"; keep the message readable
        return unparsable_message(raw, digest, exc)


def synthetic_message_id(digest: str) -> str:
    """The Message-ID given to a message without one, from the SHA-256 of its bytes."""
    return f"sha256-{digest[:32]}@kartoteka.invalid"


def _parse(raw: bytes, digest: str, language: str) -> ParsedMessage:
    repaired, repairs = head_repaired(raw)
    message = PARSER.parsebytes(repaired)
    headers = raw_headers(message)
    collected = Collected(charsets=header_charsets(headers, language))
    collected.defects.extend(repairs)
    collected.defects.extend(type(defect).__name__ for defect in message.defects)
    collect(message, collected, depth=0)
    charsets = collected.charsets

    subject = decode_header_text(headers.get("subject", ""), collected.defects, charsets)
    from_value = headers.get("from", "")
    from_header = from_read(from_value, parse_addresses(from_value, collected.defects, charsets))
    message_id = first_id(headers.get("message-id", ""))
    if not message_id:
        message_id = synthetic_message_id(digest)
        collected.defects.append("missing-message-id")

    text = "\n\n".join(part for part in collected.plain if part.strip())
    html_source = "\n<hr>\n".join(collected.html)
    if not text.strip() and html_source:
        text = mail_html.to_text(html_source)
    if not text.strip():
        # As mail clients show a text file sent inline (an MMS gateway's text_0.txt).
        text = "\n\n".join(part for part in collected.named_texts if part.strip())
    text = newlines_normalised(text)
    sender = from_header.sender
    kind = classify(message, headers, subject, sender, text, collected.parts)
    if collected.forwarded and not (kind.bounce or "multipart/report" in collected.content_types):
        text, html_source = with_forwarded(text, html_source, collected, language)
    return ParsedMessage(
        message_id=message_id,
        subject=subject,
        from_=sender,
        to=tuple(parse_addresses(headers.get("to", ""), collected.defects, charsets)),
        cc=tuple(parse_addresses(headers.get("cc", ""), collected.defects, charsets)),
        reply_to=tuple(parse_addresses(headers.get("reply-to", ""), collected.defects, charsets)),
        date=parse_date(headers.get("date", "")),
        in_reply_to=first_id(headers.get("in-reply-to", "")),
        references=split_references(headers.get("references", "")),
        text=text,
        text_new=new_text(text),
        html=mail_html.sanitize(html_source) if html_source else "",
        attachments=tuple(collected.attachments),
        auto_reply=kind.auto_reply,
        bounce=kind.bounce,
        bounced_message_id=kind.bounced_message_id,
        bounced_recipients=kind.bounced_recipients,
        bounce_permanent=kind.bounce_permanent,
        bulk=kind.bulk,
        defects=tuple(dict.fromkeys(collected.defects)),
        sha256=digest,
        size=len(raw),
        from_suspicion=from_header.suspicion,
        authentication_results=all_values(message, "authentication-results", RESULTS_READ),
    )


def unparsable_message(raw: bytes, digest: str, exc: Exception) -> ParsedMessage:
    """What is known of bytes that could not be read: their text as-is, with the error."""
    text = newlines_normalised(raw.decode("utf-8", "replace"))
    return ParsedMessage(
        message_id=synthetic_message_id(digest),
        subject="",
        from_=None,
        to=(),
        cc=(),
        reply_to=(),
        date=None,
        in_reply_to="",
        references=(),
        text=text,
        text_new=text,
        html="",
        attachments=(),
        auto_reply=False,
        bounce=False,
        defects=(f"unparsable: {type(exc).__name__}: {exc}"[:500],),
        sha256=digest,
        size=len(raw),
    )
