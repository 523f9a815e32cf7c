"""Address headers (From, To, Cc) as mail clients read them, before ``getaddresses`` does.

RFC 5322 wants a display name with a comma or an "@" in quotes; many programs do not write
them: ``Kowalski, Jan <jan@firma.pl>``, ``jan@firma.pl via Forum <forum@lists.example>``.
A strict reader sees two addresses there ("Kowalski" and jan@firma.pl); mail clients show one
person, "Kowalski, Jan". ``names_quoted`` quotes such names so that ``getaddresses`` reads
them as clients do: the pieces without an address before an entry that ends in
``<address>`` belong to its name, and a name holding an "@" is one name. Whether such a From
is suspicious is ``sender.from_read``'s judgement.
"""

from __future__ import annotations

import re

# An entry that ends in an angle-bracketed address, with the name before it.
_BRACKETED = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*@[^<>]*)>\s*$", re.DOTALL)
_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?')


def names_quoted(value: str) -> str:
    """``value`` with unquoted display names that hold a comma or an "@" quoted."""
    if "," not in value and "@" not in value.partition("<")[0]:
        return value
    entries = top_level_entries(value)
    out: list[str] = []
    pending: list[str] = []  # pieces of a name written before its entry's address
    changed = False
    for entry in entries:
        match = _BRACKETED.match(entry)
        if match is not None:
            name = ", ".join([*pending, match.group("name")] if match.group("name") else pending)
            if pending or "@" in unquoted(name):
                entry = f'"{_quoted(name)}" <{match.group("address").strip()}>'
                changed = True
            pending = []
            out.append(entry)
        elif _is_name_piece(entry):
            pending.append(entry)
        else:
            out.extend(pending)
            pending = []
            out.append(entry)
    if not changed:
        return value
    return ", ".join([*out, *pending])


def unquoted(text: str) -> str:
    """``text`` without its quoted strings and (comments)."""
    return _QUOTED_OR_COMMENT.sub(" ", text) if ('"' in text or "(" in text) else text


def _is_name_piece(entry: str) -> bool:
    return not any(character in entry for character in '@<>:;"')


def _quoted(name: str) -> str:
    """``name``'s text as the inside of a quoted string (its own quotes dropped)."""
    text = name.replace('\\"', "\x00").replace('"', "").replace("\x00", '"')
    return text.replace("\\", "\\\\").replace('"', '\\"').strip()


def top_level_entries(value: str) -> list[str]:
    """``value`` split on commas outside quotes, angle brackets and comments; empty entries
    (``a@b.pl,``) left out."""
    entries: list[str] = []
    current: list[str] = []
    quoted = angled = False
    depth = 0  # of (comments)
    escaped = False
    for character in value:
        if escaped:
            escaped = False
        elif character == "\\" and (quoted or depth):
            escaped = True
        elif character == '"' and not angled and not depth:
            quoted = not quoted
        elif character == "(" and not quoted:
            depth += 1
        elif character == ")" and not quoted and depth:
            depth -= 1
        elif character == "<" and not quoted and not depth:
            angled = True
        elif character == ">" and not quoted and not depth:
            angled = False
        elif character == "," and not (quoted or angled or depth):
            entries.append("".join(current))
            current = []
            continue
        current.append(character)
    entries.append("".join(current))
    return [entry for entry in (e.strip() for e in entries) if entry]
