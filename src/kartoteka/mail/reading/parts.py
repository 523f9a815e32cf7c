"""A message's MIME parts → its texts, HTML and attachments (``collect``).

Bodies are decoded with their declared charset (read as its superset: gb2312 as GB18030);
detection runs only when the declaration is missing, fails, or is a single-byte Western charset
whose result looks like Central European text read with the wrong table. A text part with a
file name, or marked ``attachment``, is an attachment, not the body. A forwarded message
(``message/rfc822``) is an attachment named after its subject (``Subject.eml``), and is kept
in ``Collected.forwarded`` to be shown after the body (``forwarded``).
"""

from __future__ import annotations

import binascii
import mimetypes
import quopri
import re
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message

from kartoteka.core.files import file_name_clean
from kartoteka.mail.reading.charsets import HeaderCharsets, decode_bytes
from kartoteka.mail.reading.head import head_repaired
from kartoteka.mail.reading.header_values import (
    NOT_BASE64,
    decode_header_text,
    decode_word_bytes,
    first_id,
    raw_headers,
)
from kartoteka.mail.reading.parse_policy import PARSER
from kartoteka.mail.reading.parsed import ParsedAttachment

_PARAMETER_SPLIT = re.compile(r'(?:[^;"]|"(?:[^"\\]|\\.)*"?)+')
# What Windows refuses in a file name, in a subject that names a forwarded message's file.
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')


@dataclass
class Collected:
    """What the parts of one message hold, gathered as ``collect`` walks them."""

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


def collect(part: Message, collected: Collected, depth: int) -> None:
    """Walk ``part`` and its children, putting each in ``collected``."""
    headers = raw_headers(part)
    content_type, type_params = _content_type(headers, part)
    collected.content_types.add(content_type)
    collected.parts.append((content_type, type_params, part))
    if depth > 50:
        collected.defects.append("nesting-too-deep")
        return
    if content_type == "message/rfc822":
        inner = _forwarded_inner(part, headers)
        collected.attachments.append(_forwarded_attachment(inner, part, headers, collected))
        if inner is not None:
            collected.forwarded.append(inner)
        return
    if part.is_multipart():
        if content_type.startswith("multipart/"):
            for child in part.get_payload():
                if isinstance(child, Message):
                    collect(child, collected, depth + 1)
            return
        collected.attachments.append(_structured_attachment(part, content_type, headers, collected))
        return

    disposition_value, disposition_params = split_parameters(headers.get("content-disposition", ""))
    disposition = disposition_value.lower() or None
    filename = file_name(disposition_params, type_params, collected)
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        # A text part with a name is a file sent along (a saved page, a log), not the body.
        payload = payload_bytes(part, headers)
        charset = type_params.get("charset")
        collected.charsets.declare(charset)
        text = decode_bytes(payload, charset, collected.defects, collected.charsets.language)
        (collected.plain if content_type == "text/plain" else collected.html).append(text)
        return
    payload = payload_bytes(part, headers)
    if content_type == "text/plain" and disposition != "attachment":
        charset = type_params.get("charset")
        language = collected.charsets.language
        collected.named_texts.append(decode_bytes(payload, charset, collected.defects, language))
    content_id = first_id(headers.get("content-id", ""))
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
    value, params = split_parameters(headers.get("content-type", ""))
    content_type = value.lower()
    if content_type.count("/") != 1 or not all(content_type.split("/")):
        # The same fallback as the ``email`` package, which has already split the part.
        content_type = part.get_default_type()
    return content_type, params


def split_parameters(value: str) -> tuple[str, dict[str, str]]:
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
    return decode_word_bytes(data, charset or "utf-8")


def payload_bytes(part: Message, headers: dict[str, str]) -> bytes:
    # ``get_payload()`` already decodes 8-bit bytes with the declared charset, replacing what
    # does not fit; the raw payload keeps them (as surrogate escapes) for ``decode_bytes``.
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str):
        payload = part.get_payload()
    if not isinstance(payload, str):
        return b""
    encoding = headers.get("content-transfer-encoding", "").strip().lower()
    if encoding == "base64":
        data = payload.encode("ascii", "replace").translate(None, NOT_BASE64)
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


def file_name(
    disposition_params: dict[str, str], type_params: dict[str, str], collected: Collected
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
    decoded = payload_bytes(holder, {"content-transfer-encoding": encoding})
    return PARSER.parsebytes(head_repaired(decoded)[0])


def _forwarded_attachment(
    inner: Message | None, part: Message, headers: dict[str, str], collected: Collected
) -> ParsedAttachment:
    """A forwarded message as an attachment named after its subject (``Subject.eml``)."""
    content = b""
    subject = ""
    if isinstance(inner, Message):
        content = b"".join(_serialised(inner, depth=0))
        subject = decode_header_text(raw_headers(inner).get("subject", ""))
    else:
        content = payload_bytes(part, headers)
    disposition_params = split_parameters(headers.get("content-disposition", ""))[1]
    type_params = split_parameters(headers.get("content-type", ""))[1]
    named = _UNSAFE_IN_FILE_NAMES.sub("_", subject)
    filename = file_name_clean(named)[:200].strip(" .") or file_name(
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
        boundary = split_parameters(raw_headers(message).get("content-type", ""))[1].get(
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
    part: Message, content_type: str, headers: dict[str, str], collected: Collected
) -> ParsedAttachment:
    """message/delivery-status and other parts the ``email`` package splits into blocks."""
    blocks: list[str] = []
    for block in part.get_payload():
        if isinstance(block, Message):
            blocks.append("".join(f"{name}: {value}\n" for name, value in block.raw_items()))
    disposition_params = split_parameters(headers.get("content-disposition", ""))[1]
    type_params = split_parameters(headers.get("content-type", ""))[1]
    filename = file_name(disposition_params, type_params, collected)
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


def newlines_normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
