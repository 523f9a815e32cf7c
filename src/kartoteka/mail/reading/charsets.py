"""Charset names as mail declares them → Python codecs, and detection where none is declared.

Mail programs read a declared charset as its superset, as the WHATWG Encoding Standard (what
every browser and most mail clients follow) does: a message labelled ``gb2312`` written on
Windows holds GBK characters, ``ks_c_5601-1987`` is Windows code page 949, ``shift_jis`` is
code page 932 (with its NEC and IBM extensions), ``big5`` holds the Hong Kong additions. Reading
them with Python's strict codec of the same name fails on the first extra character; the
superset decodes everything the narrow charset does the same way.

``detect`` guesses the charset of undeclared 8-bit bytes (raw bytes in headers, bodies without
a charset) with ``chardetng``, Firefox's detector: built for short texts (a title, a name) and
taught by a top-level domain, which the mailbox's language gives here (pl, cs → .pl, .cz).
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

# Labels (lower-case) read as a superset, or that Python does not know by that name.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "ms936": "gb18030", "windows-936": "gb18030", "euc-cn": "gb18030", "csgb2312": "gb18030",
    "gb_2312-80": "gb18030", "gb_2312": "gb18030", "chinese": "gb18030", "iso-ir-58": "gb18030",
    "x-euc-cn": "gb18030", "csiso58gb231280": "gb18030",
    "big5": "big5hkscs", "x-x-big5": "big5hkscs", "cn-big5": "big5hkscs", "csbig5": "big5hkscs",
    "big5-hkscs": "big5hkscs", "cp950": "big5hkscs", "x-big5": "big5hkscs",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "ms_kanji": "cp932", "csshiftjis": "cp932", "windows-31j": "cp932", "x-ms-cp932": "cp932",
    "euc-jp": "euc_jis_2004", "x-euc-jp": "euc_jis_2004", "cseucpkdfmtjapanese": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext", "csiso2022jp": "iso2022_jp_ext",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "ksc5601": "cp949",
    "ksc_5601": "cp949", "iso-ir-149": "cp949", "korean": "cp949", "windows-949": "cp949",
    "cseuckr": "cp949", "csksc56011987": "cp949", "x-windows-949": "cp949",
    "tis-620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874", "x-windows-874": "cp874",
    "iso-8859-9": "cp1254", "latin5": "cp1254",
    "iso-8859-8-i": "iso8859_8", "x-mac-ce": "mac_latin2", "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman", "cp-850": "cp850", "x-cp1250": "cp1250", "x-cp1251": "cp1251",
    "unicode-1-1-utf-8": "utf_8", "x-unicode20utf8": "utf_8", "utf8mb4": "utf_8",
}  # fmt: skip
# Where a superset fails anyway (a broken byte), the codec of the narrow name may still read
# it: euc_jis_2004 lacks a few IBM extensions plain euc_jp has.
FALLBACKS = {"euc_jis_2004": "euc_jp", "iso2022_jp_ext": "iso2022_jp_2"}
_NOT_CHARSETS = {"x-unknown", "unknown-8bit", "unknown", "8bit", "default", "x-user-defined"}
# The top-level domain chardetng is told for a mailbox's language.
_LANGUAGE_TLD = {"pl": b"pl", "cs": b"cz", "sk": b"sk", "de": b"de", "ru": b"ru", "uk": b"ua",
                 "zh-hans": b"cn", "zh-hant": b"tw", "ja": b"jp", "ko": b"kr"}  # fmt: skip
# chardetng's answers (WHATWG names) that Python spells otherwise or reads narrower.
_DETECTED = {"big5": "big5hkscs", "shift_jis": "cp932", "euc-kr": "cp949", "gbk": "gb18030",
             "euc-jp": "euc_jis_2004", "iso-2022-jp": "iso2022_jp_ext",
             "windows-874": "cp874", "iso-8859-8-i": "iso8859_8"}  # fmt: skip


@lru_cache(maxsize=256)
def codec_name(label: str | None) -> str | None:
    """The Python codec that reads text declared as ``label`` (a superset where mail
    programs use one), with ``-`` as ``_``; None for no label, an unknown one or a
    non-charset such as ``unknown-8bit``."""
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    if not label or label in _NOT_CHARSETS:
        return None
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except (LookupError, ValueError):
        return None


def detect(data: bytes, language: str = "") -> str | None:
    """The codec that most likely wrote ``data`` (8-bit bytes without a declared charset),
    or None when no detector could say; ``language`` (a mailbox's, "pl") sharpens the
    guess between charsets that share bytes, such as ISO-8859-2 and Windows-1252."""
    language = language.lower()
    tld = _LANGUAGE_TLD.get(language) or _LANGUAGE_TLD.get(language.split("-")[0])
    try:
        import chardetng_py

        label = chardetng_py.detect(data, allow_utf8=True, tld=tld)
    except Exception:  # the detector is a compiled extension: do without it, never fail
        return _detect_normalizer(data)
    return codec_name(_DETECTED.get(label.lower(), label))


def _detect_normalizer(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:65536]).best()
    except Exception:
        return None
    return codec_name(best.encoding) if best is not None else None


# --- decoding ------------------------------------------------------------------------------

# Charsets whose every byte sequence decodes: a wrong declaration never fails with them, so
# their result is checked for signs of Central European text read with the wrong table.
_NEVER_FAILING = {"latin_1", "iso8859_1", "cp1252", "iso8859_15", "iso8859_2", "ascii"}
_SEVEN_BIT_CODECS = ("iso2022", "utf_7", "utf_16", "utf_32", "hz")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
# Bytes of cp1250 Polish/Czech letters read as Latin-1: ą ł ż Ą Ł Ż Ľ ľ ...
_LATIN1_MOJIBAKE = re.compile("[¹³¿¾¦¶¼±¥£¯¤]")
_CENTRAL_EUROPEAN = re.compile("[ąćęłńśźżĄĆĘŁŃŚŹŻčďěňřšťůžČĎĚŇŘŠŤŮŽőűŐŰľĺŕĽĹŔ]")
_UTF8 = frozenset({"utf_8", "utf_8_sig", "ascii"})
_WORD_CHARSET = re.compile(r"=\?([^?*\s]+)[^?\s]*\?[QqBb]\?")
_LATIN = frozenset({"cp1250", "cp1252", "cp1254", "cp1257", "iso8859_1", "latin_1",
                    "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_13",
                    "iso8859_15", "iso8859_16", "mac_latin2", "mac_roman", "cp850", "cp852",
                    "cp437"})  # fmt: skip


def decode_bytes(
    data: bytes, declared: str | None, defects: list[str] | None, language: str = ""
) -> str:
    """Text of ``data``: the declared charset when it fits, otherwise a detected one."""
    codec = codec_name(declared)
    if data.isascii() and not (codec and codec.startswith(_SEVEN_BIT_CODECS)):
        return data.decode("ascii")
    if codec and codec not in _NEVER_FAILING:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            fallback = FALLBACKS.get(codec)
            if fallback:
                try:
                    return data.decode(fallback)
                except UnicodeDecodeError:
                    pass
            _note(defects, f"charset-mismatch:{declared}")
            # A few broken bytes (a cut message) in text that is otherwise the declared
            # charset: read it so, as mail clients do, rather than guess another.
            text = data.decode(codec, "replace")
            if text.count("\ufffd") <= max(2, len(data) // 1000):
                return text
    elif codec:
        return _decode_single_byte(data, codec, defects)
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if codec is None and declared:
            _note(defects, f"unknown-charset:{declared}")
        return decoded
    return _detected_text(data, defects, language)


def _decode_single_byte(data: bytes, codec: str, defects: list[str] | None) -> str:
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        _note(defects, f"charset-mismatch:{codec}:utf-8")
        return as_utf8
    if codec == "ascii":
        return _detected_text(data, defects, "")
    text = data.decode(codec, "replace")
    if not (_C1_CONTROLS.search(text) or _LATIN1_MOJIBAKE.search(text)):
        return text
    best = max(
        (text, *(data.decode(other, "replace") for other in ("cp1250", "iso8859_2"))),
        key=_central_european_score,
    )
    if best is not text:
        _note(defects, f"charset-mismatch:{codec}")
    return best


def _central_european_score(text: str) -> int:
    return (
        2 * len(_CENTRAL_EUROPEAN.findall(text))
        - 3 * len(_C1_CONTROLS.findall(text))
        - 2 * len(_LATIN1_MOJIBAKE.findall(text))
        - 5 * text.count("\ufffd")
    )


def _detected_text(data: bytes, defects: list[str] | None, language: str) -> str:
    """``data`` (8-bit, not UTF-8, no usable declaration) in the charset detected for it."""
    _note(defects, "charset-detected")
    detected = detect(data[:65536], language)
    if detected:
        try:
            return data.decode(detected)
        except (UnicodeDecodeError, LookupError):
            pass
    return max(
        (data.decode(candidate, "replace") for candidate in ("cp1250", "iso8859_2", "cp1252")),
        key=_central_european_score,
    )


def _note(defects: list[str] | None, defect: str) -> None:
    if defects is not None:
        defects.append(defect)


class HeaderCharsets:
    """How raw 8-bit bytes in one message's headers are read (RFC 6532 allows UTF-8 there;
    older programs wrote their own charset, unlabelled).

    UTF-8 first; then the charsets the message declares for its text parts (a program that
    writes raw bytes in headers writes them in its body's charset, and Thunderbird reads them
    so); then the charset detected once over all the message's 8-bit header bytes together,
    which tells more than one short name alone, taught by the mailbox's ``language``.
    """

    def __init__(self, sample: bytes, language: str = "", labelled: str = "") -> None:
        self.sample = sample  # every 8-bit header value of the message, joined
        self.language = language
        self.declared: list[str] = []  # codecs of the text parts, as the parser meets them
        # the charsets of the encoded words in the message's headers (``labelled``): the
        # program that wrote them
        self.labelled = [
            codec
            for codec in dict.fromkeys(
                codec_name(label) for label in _WORD_CHARSET.findall(labelled)
            )
            if codec and codec not in _UTF8
        ]
        self._detected: dict[bytes, str | None] = {}

    def declare(self, charset: str | None) -> None:
        """Note a charset a text part of the message declares."""
        codec = codec_name(charset)
        if codec and codec not in _UTF8 and codec not in self.declared:
            self.declared.append(codec)

    def decode(self, data: bytes, defects: list[str] | None = None) -> str:
        """The text of the 8-bit header bytes ``data``; never raises."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        _note(defects, "8bit-header-charset")
        for codec in dict.fromkeys([*self.declared, *self.labelled]):
            if codec in _NEVER_FAILING:
                # Often a program's default rather than a choice: a detected charset of
                # another script (Cyrillic, CJK) wins over it.
                detected = self._detect(data)
                if detected and detected not in _LATIN:
                    try:
                        return data.decode(detected)
                    except (UnicodeDecodeError, LookupError):
                        pass
                return decode_bytes(data, codec, defects, self.language)
            if _is_single_byte(codec):
                return decode_bytes(data, codec, defects, self.language)
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
        detected = self._detect(data)
        if detected:
            try:
                return data.decode(detected)
            except (UnicodeDecodeError, LookupError):
                pass
        return _detected_text(data, defects, self.language)

    def _detect(self, data: bytes) -> str | None:
        sample = self.sample if data in self.sample else self.sample + b" " + data
        if sample not in self._detected:
            self._detected[sample] = detect(sample, self.language)
        return self._detected[sample]


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    """Whether every byte decodes on its own in ``codec`` (a one-byte table such as cp1251)."""
    try:
        return len(bytes(range(0x80, 0x100)).decode(codec, "replace")) == 0x80
    except LookupError:
        return False
