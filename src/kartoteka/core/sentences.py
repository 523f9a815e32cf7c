"""Sentences that end on a name: one full stop, not two.

A company's name often ends with a full stop of its own ("Łódź S.A.", "Nowak Sp. z o.o.",
"Novák s.r.o."); a sentence that ends on it ("… merged into {name}.") then shows "S.A..".
``single_stop`` drops the sentence's stop after a stop that ends a name, in any language's
word order (it reads the finished sentence, not the source string). An ellipsis ("...")
stays, and a stop after closing HTML tags ("S.A.</a>.") counts as doubled too.
"""

from __future__ import annotations

import re

_DOUBLED = re.compile(r"(?<=[^.\s])\.((?:</[a-zA-Z][a-zA-Z0-9]*>)*)\.(?!\.)")


def single_stop(text: str) -> str:
    """``text`` with every full stop that doubles the one before it removed (the template
    filter keeps safe text safe: only full stops go)."""
    return _DOUBLED.sub(r".\1", str(text))
