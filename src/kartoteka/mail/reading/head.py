"""A message's header block as mail clients read it, before the ``email`` package splits it.

The ``email`` package ends the header block at the first line that is neither ``Name:`` nor
a continuation (a line starting with a space or tab). Real servers and programs send such
lines inside the header block: a long Subject or To folded without the leading whitespace,
``Name :`` with a space before the colon, an mbox ``>From`` line. Everything after them —
often Subject, From, Content-Type — would become body text. Mail clients (Thunderbird,
Outlook, Apple Mail) end the header block at the first empty line only, and read such a line
as a continuation of the header before it: so does ``head_repaired``, as long as headers
follow it within the block (else it is the body of a message that has no empty line after
its headers, unless it plainly continues the last header: a parameter, an address, after a
``;`` or ``,``).

A stray line before the headers — a pasted "---- Original message ----", an mbox
``>From`` line, empty lines — is left out when well-formed headers follow it.

The header blocks of MIME parts are repaired the same way (a part's block starts after a
delimiter line of a boundary the message declares). A message whose blocks are well-formed
(nearly all) is returned as it is, after a few scans in C (``bytes.find``, regular
expressions over the header blocks only).
"""

from __future__ import annotations

import re

# A line the ``email`` package accepts in a header block: ``Name:``, a continuation, the
# mbox ``From `` line (``email.feedparser.headerRE``).
_ACCEPTED = rb"(?:From |[\x21-\x39\x3b-\x7e]*:|[ \t])"
_NOT_ACCEPTED = re.compile(rb"^(?!" + _ACCEPTED + rb"|\r?$)", re.MULTILINE)
_BLANK_LINE = re.compile(rb"\n\r?\n")
_HEADER = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
_NAME_SPACE_COLON = re.compile(rb"([A-Za-z0-9-]+)[ \t]+:")
_MBOX_FROM = re.compile(rb">*From (?![ \t]*:)")
# A header name as programs write it, to recognise headers after stray lines.
_NAMED = re.compile(rb"([A-Za-z][A-Za-z0-9-]*)[ \t]*:")
_WELL_KNOWN = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"return-path",
    b"delivered-to", b"mime-version", b"content-type", b"reply-to", b"sender", b"in-reply-to",
    b"references", b"x-mailer", b"user-agent", b"dkim-signature", b"authentication-results",
})  # fmt: skip
# What stands before pasted or stored headers: an empty line, an mbox "From " line (quoted
# ">From " too), a rule with a title ("---- Original message ----", "________"), a title
# line ending in a colon ("Begin forwarded message:"), the SMTP commands of a batch file.
_STRAY = re.compile(
    rb"[ \t]*\r?\n|>*From (?![ \t]*:)[^\n]*\n|[ \t]*[-_=*#~]{3,}[^\n]{0,80}\n"
    rb"|[^:\n]{1,60}:[ \t]*\r?\n|(?:HELO|EHLO|MAIL FROM|RCPT TO|DATA)\b[^\n]*\n",
    re.IGNORECASE,
)
# The boundaries a message declares, in its first megabytes; at most this many part header
# blocks are repaired.
_BOUNDARY_VALUE = re.compile(rb'[ \t]*=[ \t]*"?([^"\s;]{1,200})')
_BOUNDARIES_SCANNED = 4_000_000
_PARTS_REPAIRED = 1000
# At most this many stray lines before the headers, and the headers that must follow them.
_STRAY_LINES = 5
_HEADERS_AFTER_STRAY = 2
# A line plainly continuing the header before it: a MIME parameter, an encoded word, an
# address or an angle-bracketed id.
_CONTINUES = re.compile(rb"[ \t]*(?:[\w*-]+=|=\?|<[^<>\s@]+@[^<>\s]+>|[\w.+-]+@)")
_TRAILING_CONTINUATIONS = 3


def head_repaired(raw: bytes) -> tuple[bytes, tuple[str, ...]]:
    """``raw`` with its header block, and those of its MIME parts, as mail clients read them,
    and what was repaired (``stray-first-line``, ``broken-folding``, ``broken-part-folding``);
    ``raw`` itself when nothing was."""
    stray = _stray_lines(raw)
    start = stray
    end_match = _BLANK_LINE.search(raw, start)
    end = end_match.start() + 1 if end_match else len(raw)
    defects: tuple[str, ...] = ("stray-first-line",) if stray else ()
    if start < end and _NOT_ACCEPTED.search(raw, start, end):
        head, repairs = _head_repaired(raw[start:end], has_end=end_match is not None)
        raw, defects = head + raw[end:], (*defects, *repairs)
    elif stray:
        raw = raw[start:]
    repaired = _parts_repaired(raw)
    if repaired is not None:
        raw, defects = repaired, (*defects, "broken-part-folding")
    return raw, defects


def _boundaries(raw: bytes) -> set[bytes]:
    """The MIME boundaries ``raw`` declares (a search for the word, then a match at each
    place: much faster than a case-insensitive search over every byte)."""
    lowered = raw[:_BOUNDARIES_SCANNED].lower()
    found: set[bytes] = set()
    position = lowered.find(b"boundary")
    while position >= 0:
        match = _BOUNDARY_VALUE.match(raw, position + len(b"boundary"))
        if match is not None:
            found.add(match.group(1))
        position = lowered.find(b"boundary", position + 1)
    return found


def _parts_repaired(raw: bytes) -> bytes | None:
    """``raw`` with the header blocks of its MIME parts repaired; None when none needed it.

    A part's header block starts after a delimiter line (``--boundary``) of a boundary the
    message declares and ends at the first empty line."""
    boundaries = _boundaries(raw)
    if not boundaries:
        return None
    blocks: list[tuple[int, int]] = []
    for boundary in boundaries:
        delimiter = b"\n--" + boundary
        found = raw.find(delimiter)
        while found >= 0 and len(blocks) < _PARTS_REPAIRED:
            line_end = raw.find(b"\n", found + 1)
            following = raw.find(delimiter, found + 1)
            if line_end < 0:
                break
            if raw[found + len(delimiter) : line_end].strip() == b"":  # not the closing "--"
                start = line_end + 1
                # Without an empty line before the next part, the ``email`` package decides.
                end_match = _BLANK_LINE.search(
                    raw, line_end, following + 1 if following >= 0 else len(raw)
                )
                if end_match:
                    end = end_match.start() + 1
                    if start < end and _NOT_ACCEPTED.search(raw, start, end):
                        blocks.append((start, end))
            found = following
    if not blocks:
        return None
    out: list[bytes] = []
    position = 0
    for start, end in sorted(set(blocks)):
        block, repairs = _head_repaired(raw[start:end], has_end=True)
        if start < position or not repairs:
            continue
        out.extend((raw[position:start], block))
        position = end
    if not out:
        return None
    out.append(raw[position:])
    return b"".join(out)


def _stray_lines(raw: bytes) -> int:
    """The length of the stray lines before the headers ("" when there are none)."""
    first = raw[:200]
    if _HEADER.match(first) or (first.startswith(b"From ") and b"\n" in first):
        return 0
    position = 0
    for _ in range(_STRAY_LINES):
        newline = raw.find(b"\n", position, position + 2000)
        if newline < 0 or not _STRAY.match(raw, position, newline + 1):
            return 0
        position = newline + 1
        if _headers_follow(raw, position):
            return position
    return 0


def _headers_follow(raw: bytes, position: int) -> bool:
    """Whether well-formed headers, at least one of them well known, start at ``position``."""
    names: list[bytes] = []
    for line in raw[position : position + 4000].split(b"\n", 12)[:12]:
        if line[:1] in (b" ", b"\t"):
            continue
        match = _NAMED.match(line)
        if match is None:
            break
        names.append(match.group(1).lower())
    return len(names) >= _HEADERS_AFTER_STRAY and any(name in _WELL_KNOWN for name in names)


def _head_repaired(head: bytes, *, has_end: bool) -> tuple[bytes, tuple[str, ...]]:
    lines = head.split(b"\n")
    # Without an empty line the block ends at the first stray line: no need to look further.
    last_header = (
        max(
            (
                index
                for index, line in enumerate(lines)
                if _HEADER.match(line) or _NAME_SPACE_COLON.match(line)
            ),
            default=-1,
        )
        if has_end
        else len(lines)
    )
    out: list[bytes] = []
    repaired = False
    for index, line in enumerate(lines):
        if not line.strip(b"\r") or line[:1] in (b" ", b"\t") or _HEADER.match(line):
            out.append(line)
            continue
        if _MBOX_FROM.match(line):
            if index:  # mbox damage inside the headers: dropped, as mutt does
                repaired = True
            else:  # the mbox envelope line, which the ``email`` package reads
                out.append(line)
            continue
        spaced = _NAME_SPACE_COLON.match(line)
        if spaced is not None:
            out.append(spaced.group(1) + b":" + line[spaced.end() :])
            repaired = True
            continue
        if index > last_header:
            # Past the last header: the rest either plainly continues it or is the body of
            # a message without an empty line after its headers.
            if has_end and index and _continue_last(lines, index):
                out.extend(b" " + rest if rest.strip(b"\r") else rest for rest in lines[index:])
                repaired = True
            else:
                out.extend(lines[index:])
            break
        if index == 0 or not has_end or line.startswith(b"--"):
            # A MIME delimiter right after the headers starts the body, as it does for the
            # ``email`` package.
            out.extend(lines[index:])
            break
        out.append(b" " + line)
        repaired = True
    defects = ("broken-folding",) if repaired else ()
    return b"\n".join(out), defects


def _continue_last(lines: list[bytes], index: int) -> bool:
    """Whether the lines from ``index`` on (none a header) continue the last header: a few
    of them, after a ``;`` or ``,`` or looking like a parameter, an address or an id."""
    rest = [line for line in lines[index:] if line.strip(b"\r")]
    if len(rest) > _TRAILING_CONTINUATIONS:
        return False
    previous = lines[index - 1].rstrip()
    return previous.endswith((b",", b";")) or _CONTINUES.match(lines[index]) is not None
