"""Raw message bytes → ``ParsedMessage``: a pure function, no database, never raises.

The standard ``email`` package with ``policy.default`` splits the message, after its header
block is read as mail clients read it (``head``: broken folding, stray first lines); headers
are read from their raw form and decoded here, because real mail breaks the rules the header
registry relies on (unencoded 8-bit names, encoded words glued to text, addresses without
brackets, names with unquoted commas). Raw 8-bit header bytes are read as UTF-8, else in the
charset the message's text parts declare, else a detected one (``charsets.HeaderCharsets``).
Bodies are decoded with their declared charset (read as its superset: gb2312 as GB18030);
charset detection runs only when the declaration is missing, fails, or is a single-byte
Western charset whose result looks like Central European text read with the wrong table.

A forwarded message (``message/rfc822``) is an attachment named after its subject and is
shown after the body, with its headers; a text part with a file name is an attachment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import mimetypes
import quopri
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from kartoteka.core.files import file_name_clean
from kartoteka.mail.reading import html as mail_html
from kartoteka.mail.reading.address_lists import names_quoted
from kartoteka.mail.reading.charsets import FALLBACKS, HeaderCharsets, codec_name, decode_bytes
from kartoteka.mail.reading.classify import classify
from kartoteka.mail.reading.head import head_repaired
from kartoteka.mail.reading.header_text import header_text
from kartoteka.mail.reading.parse_policy import POLICY
from kartoteka.mail.reading.parsed import Address, ParsedAttachment, ParsedMessage
from kartoteka.mail.reading.quotes import new_text
from kartoteka.mail.reading.sender import RESULTS_READ, from_read

_PARSER = BytesParser(policy=POLICY)
_FOLDING = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_SPACE_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?[^?\s]+\?[QqBb]\?)")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
_SURROGATES = re.compile("[\udc80-\udcff]")
_PARAMETER_SPLIT = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*"?)+')
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(set(range(256)) - set(_BASE64_ALPHABET))  # for bytes.translate(None, …)
# What Windows refuses in a file name, in a subject that names a forwarded message's file.
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')
_FORWARDED_SHOWN = 10  # forwarded messages shown in the text; all are kept as attachments


@dataclass
class _Collected:
    charsets: HeaderCharsets
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    content_types: set[str] = field(default_factory=set)
    parts: list[tuple[str, dict[str, str], Message]] = field(default_factory=list)
    forwarded: list[Message] = field(default_factory=list)  # message/rfc822 parts, to show
    # text of named text/plain parts not marked "attachment": shown when there is no body
    named_texts: list[str] = field(default_factory=list)


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
    message = _PARSER.parsebytes(repaired)
    headers = _raw_headers(message)
    collected = _Collected(charsets=_header_charsets(headers, language))
    collected.defects.extend(repairs)
    collected.defects.extend(type(defect).__name__ for defect in message.defects)
    _collect(message, collected, depth=0)
    charsets = collected.charsets

    subject = decode_header_text(headers.get("subject", ""), collected.defects, charsets)
    from_value = headers.get("from", "")
    from_header = from_read(from_value, parse_addresses(from_value, collected.defects, charsets))
    message_id = _first_id(headers.get("message-id", ""))
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
    text = _normalise_newlines(text)
    sender = from_header.sender
    kind = classify(message, headers, subject, sender, text, collected.parts)
    if collected.forwarded and not (kind.bounce or "multipart/report" in collected.content_types):
        text, html_source = _with_forwarded(text, html_source, collected, language)
    return ParsedMessage(
        message_id=message_id,
        subject=subject,
        from_=sender,
        to=tuple(parse_addresses(headers.get("to", ""), collected.defects, charsets)),
        cc=tuple(parse_addresses(headers.get("cc", ""), collected.defects, charsets)),
        reply_to=tuple(parse_addresses(headers.get("reply-to", ""), collected.defects, charsets)),
        date=parse_date(headers.get("date", "")),
        in_reply_to=_first_id(headers.get("in-reply-to", "")),
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
        authentication_results=_all_values(message, "authentication-results", RESULTS_READ),
    )


def _header_charsets(headers: dict[str, str], language: str) -> HeaderCharsets:
    """The reader of the message's raw 8-bit header bytes, from all of them together."""
    raw_values = [value for value in headers.values() if not value.isascii()]
    if not raw_values:
        return HeaderCharsets(b"", language)
    sample = b" ".join(
        value.encode("ascii", "surrogateescape")
        for value in raw_values
        if _SURROGATES.search(value)
    )
    labelled = " ".join(value for value in headers.values() if "=?" in value)
    return HeaderCharsets(sample, language, labelled)


def unparsable_message(raw: bytes, digest: str, exc: Exception) -> ParsedMessage:
    """What is known of bytes that could not be read: their text as-is, with the error."""
    text = _normalise_newlines(raw.decode("utf-8", "replace"))
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


# --- headers -------------------------------------------------------------------------------


def _raw_headers(message: Message) -> dict[str, str]:
    """The first occurrence of each header, unfolded, as the raw string the parser kept."""
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in headers:
            value = str(value)
            if "\n" in value or "\r" in value:
                value = _FOLDING.sub("", value)
            headers[key] = value.strip()
    return headers


def _all_values(message: Message, name: str, limit: int) -> tuple[str, ...]:
    """The values of every ``name`` header (lower-case), unfolded, the first ``limit``."""
    found: list[str] = []
    for key, value in message.raw_items():
        if key.lower() == name:
            text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            found.append(_FOLDING.sub("", text).strip())
            if len(found) == limit:
                break
    return tuple(found)


def decode_header_text(
    value: str, defects: list[str] | None = None, charsets: HeaderCharsets | None = None
) -> str:
    """A header's text with RFC 2047 encoded words and unencoded 8-bit bytes decoded, on one
    line (``header_text``: what would break a header again when answered becomes a space).
    ``charsets`` reads the 8-bit bytes as the rest of the message suggests."""
    if _SURROGATES.search(value):
        value = _decode_8bit(value.encode("ascii", "surrogateescape"), defects, charsets)
    if "=?" in value:
        value = _decode_encoded_words(value)
    return header_text(value)


def _decode_8bit(data: bytes, defects: list[str] | None, charsets: HeaderCharsets | None) -> str:
    if defects is not None:
        defects.append("8bit-header")
    return (charsets or HeaderCharsets(data)).decode(data, defects)


def _decode_encoded_words(value: str) -> str:
    value = _SPACE_BETWEEN_WORDS.sub(r"\1", value)
    pieces: list[tuple[str | None, bytes | str]] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        if match.start() > position:
            pieces.append((None, value[position : match.start()]))
        charset = match.group(1).split("*", 1)[0].lower()
        pieces.append((charset, _decode_word_payload(match.group(2), match.group(3))))
        position = match.end()
    if position < len(value):
        pieces.append((None, value[position:]))
    # Adjacent words in one charset are joined before decoding: clients split multibyte
    # characters across words.
    out: list[str] = []
    pending_charset: str | None = None
    pending = b""
    for charset, payload in pieces:
        if charset is not None and isinstance(payload, bytes):
            if pending and charset != pending_charset:
                out.append(_decode_word_bytes(pending, pending_charset))
                pending = b""
            pending_charset = charset
            pending += payload
            continue
        if pending:
            out.append(_decode_word_bytes(pending, pending_charset))
            pending = b""
        out.append(str(payload))
    if pending:
        out.append(_decode_word_bytes(pending, pending_charset))
    return "".join(out)


def _decode_word_payload(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "surrogateescape")
    if encoding in "Bb":
        data = data.translate(None, _NOT_BASE64)
        data += b"=" * (-len(data) % 4)
        try:
            return base64.b64decode(data)
        except (binascii.Error, ValueError):
            return base64.b64decode(data[: len(data) - len(data) % 4 - 4] or b"")
    return _QP_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))


def _decode_word_bytes(data: bytes, charset: str | None) -> str:
    codec = codec_name(charset)
    for candidate in (codec, FALLBACKS.get(codec or "")):
        if candidate:
            try:
                return data.decode(candidate)
            except UnicodeDecodeError:
                pass
    return decode_bytes(data, None, None)


def parse_addresses(
    value: str, defects: list[str] | None = None, charsets: HeaderCharsets | None = None
) -> list[Address]:
    """The addresses of an address header; names decoded, addresses lower-cased."""
    if not value.strip():
        return []
    if _SURROGATES.search(value):
        value = _decode_8bit(value.encode("ascii", "surrogateescape"), defects, charsets)
    value = names_quoted(value.replace("\r", "").replace("\n", " "))
    pairs = getaddresses([value])
    if not pairs or pairs == [("", "")]:
        pairs = getaddresses([value], strict=False)
    result: list[Address] = []
    for name, address in pairs:
        name = decode_header_text(name) if "=?" in name else header_text(name)
        address = address.strip().strip("<>").lower()
        if any(character in address for character in " <>\t,;"):
            found = _ADDRESS_IN_TEXT.search(address)
            if found:
                name = name or address.replace(found.group(0), " ").strip(" <>()")
                address = found.group(0)
        if address and "@" not in address and not name and "=?" in address:
            address = ""
        if name or address:
            result.append(Address(name=name, address=address))
    if not any(item.address for item in result) and "@" in value:
        if defects is not None:
            defects.append("malformed-address")
        result = [
            Address(name="", address=address.lower()) for address in _ADDRESS_IN_TEXT.findall(value)
        ]
    return result


def parse_date(value: str) -> datetime | None:
    """An aware datetime (UTC when the header gives no zone), or None when unparsable."""
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _first_id(value: str) -> str:
    if not value:
        return ""
    match = _ANGLE_ID.search(value)
    if match:
        return match.group(1)
    tokens = value.strip().strip("<>").split()
    return tokens[0].strip("<>,") if tokens else ""


def split_references(value: str) -> tuple[str, ...]:
    """Message-IDs of a References header, oldest first, without angle brackets."""
    if not value.strip():
        return ()
    found = _ANGLE_ID.findall(value)
    if not found:
        found = [token.strip("<>,") for token in re.split(r"[\s,]+", value) if "@" in token]
    return tuple(dict.fromkeys(item for item in found if item))


# --- bodies --------------------------------------------------------------------------------


def _collect(part: Message, collected: _Collected, depth: int) -> None:
    headers = _raw_headers(part)
    content_type, type_params = _content_type(headers, part)
    collected.content_types.add(content_type)
    collected.parts.append((content_type, type_params, part))
    if depth > 50:
        collected.defects.append("nesting-too-deep")
        return
    if content_type == "message/rfc822":
        inner = _forwarded_inner(part, headers)
        collected.attachments.append(_forwarded_message(inner, part, headers, collected))
        if inner is not None:
            collected.forwarded.append(inner)
        return
    if part.is_multipart():
        if content_type.startswith("multipart/"):
            for child in part.get_payload():
                if isinstance(child, Message):
                    _collect(child, collected, depth + 1)
            return
        collected.attachments.append(_structured_attachment(part, content_type, headers, collected))
        return

    disposition_value, disposition_params = _split_parameters(
        headers.get("content-disposition", "")
    )
    disposition = disposition_value.lower() or None
    filename = _filename(disposition_params, type_params, collected)
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        # A text part with a name is a file sent along (a saved page, a log), not the body.
        payload = _payload(part, headers)
        charset = type_params.get("charset")
        collected.charsets.declare(charset)
        text = decode_bytes(payload, charset, collected.defects, collected.charsets.language)
        (collected.plain if content_type == "text/plain" else collected.html).append(text)
        return
    payload = _payload(part, headers)
    if content_type == "text/plain" and disposition != "attachment":
        charset = type_params.get("charset")
        language = collected.charsets.language
        collected.named_texts.append(decode_bytes(payload, charset, collected.defects, language))
    content_id = _first_id(headers.get("content-id", ""))
    inline = disposition == "inline" or (bool(content_id) and disposition != "attachment")
    if not filename:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        filename = f"part-{len(collected.attachments) + 1}{extension}"
    collected.attachments.append(
        ParsedAttachment(
            filename=filename,
            content_type=content_type,
            content=payload,
            inline=inline,
            content_id=content_id,
        )
    )


def _content_type(headers: dict[str, str], part: Message) -> tuple[str, dict[str, str]]:
    value, params = _split_parameters(headers.get("content-type", ""))
    content_type = value.lower()
    if content_type.count("/") != 1 or not all(content_type.split("/")):
        # The same fallback as the ``email`` package, which has already split the part.
        content_type = part.get_default_type()
    return content_type, params


def _split_parameters(value: str) -> tuple[str, dict[str, str]]:
    """A MIME header's value and parameters; RFC 2231 continuations and charsets decoded."""
    if not value:
        return "", {}
    pieces = _PARAMETER_SPLIT.findall(value)
    if not pieces:
        return value.strip(), {}
    main = pieces[0].strip()
    raw_params: list[tuple[str, str]] = []
    for piece in pieces[1:]:
        name, sep, param_value = piece.partition("=")
        if not sep:
            continue
        param_value = param_value.strip()
        if len(param_value) >= 2 and param_value[0] == param_value[-1] == '"':
            param_value = param_value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        raw_params.append((name.strip().lower(), param_value))
    params: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for name, param_value in raw_params:
        if "*" not in name:
            params.setdefault(name, param_value)
            continue
        base, _, rest = name.partition("*")
        encoded = rest.endswith("*") or rest == ""
        index_text = rest.rstrip("*")
        index = int(index_text) if index_text.isdigit() else 0
        extended.setdefault(base, []).append((index, encoded, param_value))
    for base, sections in extended.items():
        params[base] = _join_rfc2231(sorted(sections, key=lambda section: section[0]))
    return main, params


def _join_rfc2231(sections: list[tuple[int, bool, str]]) -> str:
    charset = ""
    data = b""
    for position, (_, encoded, section) in enumerate(sections):
        if encoded:
            if position == 0 and section.count("'") >= 2:
                charset, _, section = section.split("'", 2)
            data += urllib.parse.unquote_to_bytes(section)
        else:
            data += section.encode("utf-8", "surrogateescape")
    return _decode_word_bytes(data, charset or "utf-8")


def _payload(part: Message, headers: dict[str, str]) -> bytes:
    # ``get_payload()`` already decodes 8-bit bytes with the declared charset, replacing what
    # does not fit; the raw payload keeps them (as surrogate escapes) for ``decode_bytes``.
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str):
        payload = part.get_payload()
    if not isinstance(payload, str):
        return b""
    encoding = headers.get("content-transfer-encoding", "").strip().lower()
    if encoding == "base64":
        data = payload.encode("ascii", "replace").translate(None, _NOT_BASE64)
        data = data[: len(data) - len(data) % 4] if len(data) % 4 == 1 else data
        try:
            return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return payload.encode("utf-8", "surrogateescape")
    if encoding == "quoted-printable":
        return quopri.decodestring(payload.encode("utf-8", "surrogateescape"))
    if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
        try:
            decoded = part.get_payload(decode=True)
        except Exception:
            decoded = None
        if isinstance(decoded, bytes):
            return decoded
    return payload.encode("utf-8", "surrogateescape")


def _filename(
    disposition_params: dict[str, str], type_params: dict[str, str], collected: _Collected
) -> str:
    name = disposition_params.get("filename") or type_params.get("name") or ""
    if not name:
        return ""
    return file_name_clean(decode_header_text(name, collected.defects, collected.charsets))


def _forwarded_inner(part: Message, headers: dict[str, str]) -> Message | None:
    """The message a ``message/rfc822`` part holds. Some programs encode it in base64 or
    quoted-printable (RFC 2046 forbids it): the ``email`` package then reads the encoded
    text as a message, which is decoded and read again here."""
    inner = part.get_payload(0) if part.is_multipart() else None
    if not isinstance(inner, Message):
        return None
    encoding = headers.get("content-transfer-encoding", "").strip().lower()
    if encoding not in ("base64", "quoted-printable"):
        return inner
    encoded = b"".join(_serialised(inner, depth=0)).decode("ascii", "replace")
    holder = Message()
    holder.set_payload(encoded)
    decoded = _payload(holder, {"content-transfer-encoding": encoding})
    return _PARSER.parsebytes(head_repaired(decoded)[0])


def _forwarded_message(
    inner: Message | None, part: Message, headers: dict[str, str], collected: _Collected
) -> ParsedAttachment:
    """A forwarded message as an attachment named after its subject (``Subject.eml``)."""
    content = b""
    subject = ""
    if isinstance(inner, Message):
        content = b"".join(_serialised(inner, depth=0))
        subject = decode_header_text(_raw_headers(inner).get("subject", ""))
    else:
        content = _payload(part, headers)
    disposition_params = _split_parameters(headers.get("content-disposition", ""))[1]
    type_params = _split_parameters(headers.get("content-type", ""))[1]
    named = _UNSAFE_IN_FILE_NAMES.sub("_", subject)
    filename = file_name_clean(named)[:200].strip(" .") or _filename(
        disposition_params, type_params, collected
    )
    if not filename.lower().endswith(".eml"):
        filename = f"{filename or 'message'}.eml"
    return ParsedAttachment(
        filename=filename,
        content_type="message/rfc822",
        content=content,
        inline=False,
        content_id="",
    )


_FORWARD_LABELS = {
    "pl": ("Wiadomość przekazana", "Od", "Data", "Temat", "Do", "DW"),
    "cs": ("Přeposlaná zpráva", "Od", "Datum", "Předmět", "Komu", "Kopie"),
}
_FORWARD_LABELS_EN = ("Forwarded message", "From", "Date", "Subject", "To", "Cc")


def _with_forwarded(
    text: str, html_source: str, collected: _Collected, language: str
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
    headers = _raw_headers(inner)
    nested = _Collected(charsets=_header_charsets(headers, language))
    _collect(inner, nested, depth=40)  # its own forwards and files are not taken out again
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
    return "\n".join(lines), _normalise_newlines(inner_text).strip(), inner_html


def _serialised(message: Message, depth: int) -> list[bytes]:
    """The message's bytes again, from the raw headers and payloads the parser kept.

    Cheaper than ``Message.as_bytes``, which re-parses every header through the registry.
    """
    out = [
        f"{name}: {value}\r\n".encode("utf-8", "surrogateescape")
        for name, value in message.raw_items()
    ]
    out.append(b"\r\n")
    payload = getattr(message, "_payload", None)
    if isinstance(payload, str):
        out.append(payload.encode("utf-8", "surrogateescape"))
    elif isinstance(payload, list) and depth < 50:
        boundary = _split_parameters(_raw_headers(message).get("content-type", ""))[1].get(
            "boundary", ""
        )
        if boundary:
            if message.preamble:
                out.append(message.preamble.encode("utf-8", "surrogateescape") + b"\r\n")
            for child in payload:
                if isinstance(child, Message):
                    out.append(f"--{boundary}\r\n".encode("utf-8", "surrogateescape"))
                    out.extend(_serialised(child, depth + 1))
                    out.append(b"\r\n")
            out.append(f"--{boundary}--\r\n".encode("utf-8", "surrogateescape"))
            if message.epilogue:
                out.append(message.epilogue.encode("utf-8", "surrogateescape"))
        else:
            for child in payload:
                if isinstance(child, Message):
                    out.extend(_serialised(child, depth + 1))
                    out.append(b"\r\n")
    return out


def _structured_attachment(
    part: Message, content_type: str, headers: dict[str, str], collected: _Collected
) -> ParsedAttachment:
    """message/delivery-status and other parts the ``email`` package splits into blocks."""
    blocks: list[str] = []
    for block in part.get_payload():
        if isinstance(block, Message):
            blocks.append("".join(f"{name}: {value}\n" for name, value in block.raw_items()))
    disposition_params = _split_parameters(headers.get("content-disposition", ""))[1]
    type_params = _split_parameters(headers.get("content-type", ""))[1]
    filename = _filename(disposition_params, type_params, collected)
    if not filename:
        extension = ".txt" if content_type == "message/delivery-status" else ".bin"
        filename = f"part-{len(collected.attachments) + 1}{extension}"
    return ParsedAttachment(
        filename=filename,
        content_type=content_type,
        content="\n".join(blocks).encode("utf-8", "surrogateescape"),
        inline=False,
        content_id="",
    )


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
