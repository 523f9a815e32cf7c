"""What a message's headers say, read as mail clients read them.

Headers are read from the raw strings the ``email`` package kept, and decoded here, because
real mail breaks the rules its header registry relies on: unencoded 8-bit names (read as UTF-8,
else as the rest of the message suggests: ``charsets.HeaderCharsets``), encoded words glued to
text or splitting a character between them, addresses without brackets, names with unquoted
commas (``address_lists``), Message-IDs without angle brackets.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from kartoteka.mail.reading.address_lists import names_quoted
from kartoteka.mail.reading.charsets import FALLBACKS, HeaderCharsets, codec_name, decode_bytes
from kartoteka.mail.reading.header_text import header_text
from kartoteka.mail.reading.parsed import Address

_FOLDING = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_SPACE_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?[^?\s]+\?[QqBb]\?)")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*", re.UNICODE)
SURROGATES = re.compile("[\udc80-\udcff]")
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
NOT_BASE64 = bytes(set(range(256)) - set(_BASE64_ALPHABET))  # for bytes.translate(None, …)


def raw_headers(message: Message) -> dict[str, str]:
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


def all_values(message: Message, name: str, limit: int) -> tuple[str, ...]:
    """The values of every ``name`` header (lower-case), unfolded, the first ``limit``."""
    found: list[str] = []
    for key, value in message.raw_items():
        if key.lower() == name:
            text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            found.append(_FOLDING.sub("", text).strip())
            if len(found) == limit:
                break
    return tuple(found)


def header_charsets(headers: dict[str, str], language: str) -> HeaderCharsets:
    """The reader of the message's raw 8-bit header bytes, from all of them together."""
    raw_values = [value for value in headers.values() if not value.isascii()]
    if not raw_values:
        return HeaderCharsets(b"", language)
    sample = b" ".join(
        value.encode("ascii", "surrogateescape") for value in raw_values if SURROGATES.search(value)
    )
    labelled = " ".join(value for value in headers.values() if "=?" in value)
    return HeaderCharsets(sample, language, labelled)


def decode_header_text(
    value: str, defects: list[str] | None = None, charsets: HeaderCharsets | None = None
) -> str:
    """A header's text with RFC 2047 encoded words and unencoded 8-bit bytes decoded, on one
    line (``header_text``: what would break a header again when answered becomes a space).
    ``charsets`` reads the 8-bit bytes as the rest of the message suggests."""
    if SURROGATES.search(value):
        value = decode_8bit(value.encode("ascii", "surrogateescape"), defects, charsets)
    if "=?" in value:
        value = _decode_encoded_words(value)
    return header_text(value)


def decode_8bit(data: bytes, defects: list[str] | None, charsets: HeaderCharsets | None) -> str:
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
                out.append(decode_word_bytes(pending, pending_charset))
                pending = b""
            pending_charset = charset
            pending += payload
            continue
        if pending:
            out.append(decode_word_bytes(pending, pending_charset))
            pending = b""
        out.append(str(payload))
    if pending:
        out.append(decode_word_bytes(pending, pending_charset))
    return "".join(out)


def _decode_word_payload(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "surrogateescape")
    if encoding in "Bb":
        data = data.translate(None, NOT_BASE64)
        data += b"=" * (-len(data) % 4)
        try:
            return base64.b64decode(data)
        except (binascii.Error, ValueError):
            return base64.b64decode(data[: len(data) - len(data) % 4 - 4] or b"")
    return _QP_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))


def decode_word_bytes(data: bytes, charset: str | None) -> str:
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
    if SURROGATES.search(value):
        value = decode_8bit(value.encode("ascii", "surrogateescape"), defects, charsets)
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


def first_id(value: str) -> str:
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
