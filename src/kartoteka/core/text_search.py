"""Case-insensitive "contains" that treats Polish and Czech letters like ASCII ones everywhere.

PostgreSQL folds the case of every letter; SQLite's ``LIKE`` folds only ASCII, so "łódź" would
miss "Łódź". On SQLite the non-ASCII letters of the search text are spelled out in both cases
(two such letters: four spellings), each matched with ``LIKE`` (which folds the ASCII ones).
"""

from __future__ import annotations

import operator
from functools import reduce
from itertools import product

from django.db import connections
from django.db.models import Q

# Beyond this many spellings (a text with many accented letters) SQLite falls back to icontains.
MAX_SPELLINGS = 64


def letter_case_spellings(text: str) -> list[str]:
    """Every upper/lower spelling of the non-ASCII letters of ``text``."""
    letters = [
        sorted({ch, ch.lower(), ch.upper()}) if not ch.isascii() and len(ch.upper()) == 1 else [ch]
        for ch in text
    ]
    return ["".join(chars) for chars in product(*letters)]


def contains_ignoring_case(field: str, text: str, *, using: str = "default") -> Q:
    """``field`` contains ``text``, ignoring the case of every letter, on every database."""
    if connections[using].vendor != "sqlite":
        return Q(**{f"{field}__icontains": text})
    spellings = letter_case_spellings(text)
    if len(spellings) > MAX_SPELLINGS:
        return Q(**{f"{field}__icontains": text})
    # On SQLite Django's "contains" is LIKE, which folds ASCII letters itself.
    return reduce(operator.or_, (Q(**{f"{field}__contains": form}) for form in spellings))
