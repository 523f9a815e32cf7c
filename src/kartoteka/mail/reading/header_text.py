"""Text as it may stand in one email header: one line, no control characters.

Python's email package refuses a header value that ``str.splitlines`` breaks (``\\r``,
``\\n``, vertical tab, form feed, ``\\x1c``-``\\x1e``, U+0085, U+2028, U+2029), and SMTP
servers choke on NUL. A subject or a display name may carry any of them: decoded from an
encoded word, typed into a form or an API call, kept in a case from older mail.
"""

from __future__ import annotations

import unicodedata

_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def header_text(value: str) -> str:
    """``value`` as a header's text: NUL is dropped (it is damage, not a separator), every
    other control character and line or paragraph separator becomes a space, runs of
    whitespace one space, and the ends are stripped."""
    spaced = "".join(
        " " if unicodedata.category(character) in _BREAKING_CATEGORIES else character
        for character in value.replace("\x00", "")
    )
    return " ".join(spaced.split())


def has_line_break(value: str) -> bool:
    """Whether ``value`` holds anything a mail header would read as a line break."""
    return "".join(value.splitlines()) != value
