"""The quoted earlier conversation and the signature in a reply's text, recognised line by line.

``new_text`` keeps what the sender wrote now: it drops ``>`` quoted lines and the header line
that introduces them ("On … wrote:", "W dniu … pisze:", "Dne … napsal(a):", "Am … schrieb …:",
"Le … a écrit :", also split over up to three lines), everything from an Outlook-style quote
("-----Original Message-----", a "From: / Sent: / To: / Subject:" block in any of the usual
languages, a rule of underscores), the signature after a "-- " line and a trailing mobile
signature ("Sent from my iPhone", "Wysłane z iPhone'a", "Odesláno z iPhonu" …). Replies
written between quoted blocks are kept. Forwarded messages are not quotes and stay.

Each line is looked at a bounded number of times and patterns run only on lines of bounded
length, so the time is linear in the size of the text even for pathological quotes.
"""

from __future__ import annotations

import re

_MAX_HEADER_LINE = 400

_QUOTE_HEADER_VERB = re.compile(
    r"(?:\bwrote|\bwrites|\bpisze|\bnapisał\(a\)|\bnapisała?|\bnapsal\(a\)|\bnapsala?"
    r"|\bschrieb|\ba écrit|\bescribió|\bha scritto|\bschreef|\bskrev|\bescreveu"
    r"|\bнаписал\(а\)|\bнаписала?|\bkirjoitti|\bírta)\b[^:]{0,200}:\s*$",
    re.IGNORECASE,
)
_QUOTE_HEADER_START = re.compile(
    r"^[-\s]*(?:(?:on|am|le|w dniu|dnia|dne|el|il|op|den|em|pada|in)\b|\d|"
    r"(?:po|út|st|čt|pá|so|ne|pon|wt|śr|czw|pt|sob|niedz|mo|di|mi|do|fr|sa|mon|tue|wed"
    r"|thu|fri|sat|sun)\.?,?\s)",
    re.IGNORECASE,
)
# A date or time and an address before the colon: "26.06.2014, 14:41, "Alex" <a@b.c>:".
_WEAK_HEADER = re.compile(r"(?=.*\d)(?=.*(?:@|<[^>]*>)).*:$")
_WEAK_HEADER_START = re.compile(r"\d|@")
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*[-_=*\s]*(?:original message|ursprüngliche nachricht|oryginalna wiadomość"
    r"|wiadomość oryginalna|původní zpráva|původní e-mail|message d'origine"
    r"|mensaje original|messaggio originale|oorspronkelijk bericht|opprinnelig melding"
    r"|originalmeddelande|исходное сообщение)[-_=*\s]*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(
    r"forwarded message|weitergeleitete nachricht|przekazana wiadomość|wiadomość przekazana"
    r"|přeposlaná zpráva|přeposlaný e-mail|message transféré|mensaje reenviado"
    r"|messaggio inoltrato|doorgestuurd bericht|begin forwarded message",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*(?:_{20,}|-{20,})\s*$")
_FROM_KEY = r"from|od|von|de|van|da|fra|från|от|feladó"
_OTHER_KEYS = (
    r"sent|date|to|cc|subject|reply-to|wysłano|wysłane|data|temat|do|kopia|odesláno|datum"
    r"|komu|předmět|kopie|gesendet|an|betreff|envoyé|à|objet|enviado|para|asunto|inviato"
    r"|oggetto|a|verzonden|aan|onderwerp|skickat|till|ämne|sendt|emne|отправлено|кому|тема"
)
_FROM_LINE = re.compile(rf"^\s*\*?(?:{_FROM_KEY})\s?:\*?\s*\S", re.IGNORECASE)
_HEADER_LINE = re.compile(rf"^\s*\*?(?:{_FROM_KEY}|{_OTHER_KEYS})\s?:\*?(?:\s|$)", re.IGNORECASE)
# Any line the three patterns above can start an Outlook-style quote at (none matches a
# quoted or blank line): one pass of the engine over the many lines that start none.
_OUTLOOK_CANDIDATE = re.compile(
    "|".join(f"(?:{pattern.pattern})" for pattern in (_ORIGINAL_MESSAGE, _RULE, _FROM_LINE)),
    re.IGNORECASE,
)
_HEADER_BLOCK_WINDOW = 7
_SIGNATURE_SEARCH_LINES = 25
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my [\w'’ -]{1,40}|sent from (?:mail|outlook|yahoo mail) for [\w ]{1,30}"
    r"|sent with [\w ]{1,30}(?:\(.{0,80}\))?|get outlook for [\w ]{1,20}"
    r"|sent from (?:my )?(?:mobile|iphone|ipad|android|blackberry|samsung)[\w ]{0,30}"
    r"|wysłane z (?:mojego |mojej )?[\w'’ -]{1,40}|wysłano z (?:mojego |mojej )?[\w'’ -]{1,40}"
    r"|odesláno z(?:e)? (?:mého |mého telefonu )?[\w'’ -]{1,40}"
    r"|von meinem [\w'’ -]{1,40} gesendet|gesendet von (?:meinem )?[\w'’ -]{1,40}"
    r"|envoyé de mon [\w'’ -]{1,40}|enviado desde mi [\w'’ -]{1,40}"
    r"|inviato da(?:l mio)? [\w'’ -]{1,40})[.!]?\s*$",
    re.IGNORECASE,
)


def new_text(text: str) -> str:
    """The text without the quoted earlier conversation and the signature (stripped)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = lines[: _outlook_quote_start(lines)]
    kept = _without_quotes(lines)
    kept = _without_signature(kept)
    return _tidy(kept)


def trailing_quote_split(text: str) -> tuple[str, str]:
    """``text`` as (what was written, the quote under it): the quote is the last part made
    only of ``>`` lines and blank ones, with the header introducing it ("On …, … wrote:").
    ("text", "") when the text does not end with a quote. Used to sign a reply above the
    quoted message, where people look for the signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = len(lines)
    while start > 0 and (not lines[start - 1].strip() or _is_quoted(lines[start - 1])):
        start -= 1
    if not any(_is_quoted(line) for line in lines[start:]):
        return text, ""
    for header_start in range(max(0, start - 3), start):
        length, _names_writing = _quote_header_length(lines, header_start)
        if length and header_start + length >= start:
            start = header_start
            break
    while start < len(lines) and not lines[start].strip():
        start += 1
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:]).rstrip()


def _is_quoted(line: str) -> bool:
    return line.lstrip(" \t").startswith(">")


def _outlook_quote_start(lines: list[str]) -> int:
    """Index of the first line of an unquoted Outlook-style quote, or ``len(lines)``."""
    for index, line in enumerate(lines):
        if len(line) > _MAX_HEADER_LINE or not _OUTLOOK_CANDIDATE.match(line):
            continue
        if _ORIGINAL_MESSAGE.match(line):
            return index
        if _RULE.match(line) and _header_block_follows(lines, index + 1, within=3):
            return index
        if _FROM_LINE.match(line) and _is_header_block(lines, index):
            start = index
            while start > 0 and index - start < 3 and _HEADER_LINE.match(lines[start - 1]):
                start -= 1
            if not _after_forward_marker(lines, start):
                return start
    return len(lines)


def _header_block_follows(lines: list[str], start: int, within: int) -> bool:
    for index in range(start, min(start + within, len(lines))):
        if _FROM_LINE.match(lines[index][:_MAX_HEADER_LINE]):
            return _is_header_block(lines, index)
    return False


def _is_header_block(lines: list[str], start: int) -> bool:
    """A "From:" line with at least two more header-like lines right around it."""
    count = 0
    for line in lines[max(0, start - 3) : start + _HEADER_BLOCK_WINDOW]:
        if _HEADER_LINE.match(line[:_MAX_HEADER_LINE]):
            count += 1
    return count >= 3


def _after_forward_marker(lines: list[str], index: int) -> bool:
    for line in lines[max(0, index - 3) : index]:
        if len(line) <= _MAX_HEADER_LINE and _FORWARD_MARKER.search(line):
            return True
    return False


def _quote_header_length(lines: list[str], index: int) -> tuple[int, bool]:
    """How many lines, starting at ``index``, form a quote header (0 when none), and whether
    the header names the writing ("… wrote:"), so that it starts a quote even without ``>``.

    A header without such a verb (``26.06.2014, 14:41, "Alex" <a@example.com>:``) counts
    only before a ``>`` quoted block, which the caller checks.
    """
    first = lines[index]
    if len(first) > _MAX_HEADER_LINE or not first.strip():
        return 0, False
    if not any(line.rstrip().endswith(":") for line in lines[index : index + 3]):
        return 0, False
    starts_like_header = bool(_QUOTE_HEADER_START.match(first))
    joined = ""
    for length in range(1, 4):
        if index + length > len(lines):
            return 0, False
        line = lines[index + length - 1]
        if len(line) > _MAX_HEADER_LINE or (length > 1 and (not line.strip() or _is_quoted(line))):
            return 0, False
        joined = f"{joined} {line.strip()}" if joined else line.strip()
        if not joined.endswith(":"):
            continue
        if starts_like_header and _QUOTE_HEADER_VERB.search(joined):
            return length, True
        # ``match``, not ``search``: the lines hold no newline, so a header found anywhere is
        # found at the start too, and ``search`` would try every position of a long line.
        if length <= 2 and _WEAK_HEADER.match(joined) and _WEAK_HEADER_START.search(first):
            return length, False
    return 0, False


def _without_quotes(lines: list[str]) -> list[str]:
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_quoted(line):
            index += 1
            continue
        header_length, names_writing = _quote_header_length(lines, index)
        if header_length:
            following = index + header_length
            while following < len(lines) and not lines[following].strip():
                following += 1
            if following < len(lines) and _is_quoted(lines[following]):
                index = following
                continue
            if names_writing:
                # A header introducing an unquoted copy: the rest is the earlier message.
                break
        kept.append(line)
        index += 1
    return kept


def _without_signature(lines: list[str]) -> list[str]:
    start = max(0, len(lines) - _SIGNATURE_SEARCH_LINES)
    for index in range(start, len(lines)):
        if lines[index].rstrip() == "--":
            lines = lines[:index]
            break
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if lines and len(lines[-1]) <= 120 and _MOBILE_SIGNATURE.match(lines[-1]):
        lines = lines[:-1]
    return lines


def _tidy(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
