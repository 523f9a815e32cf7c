"""Case- and accent-insensitive "contains", alike on SQLite and PostgreSQL.

"łódź", "ŁÓDŹ" and "lodz" all find "Łódź"; "przesylka" finds "Przesyłka". Both sides are
folded (lower case, accents and strokes dropped): the search text in Python by ``fold``, the
column in SQL by ``Fold``, and the two are compared with ``LIKE`` (wildcards in the text are
taken literally). Time and the statement's size grow linearly with the text.

- SQLite: ``kartoteka_fold(text)``, ``fold`` itself registered as a deterministic SQL function on
  every connection by Kartoteka's SQLite backend (``kartoteka.core.sqlite``).
- PostgreSQL: ``lower(unaccent(text))``; core's migration 0005 creates the ``unaccent``
  extension, whose rules drop the same accents and strokes (ł to l, ß to ss).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, Q, TextField
from django.db.models.lookups import Contains
from django.db.models.sql.compiler import SQLCompiler

# Letters with a stroke, which Unicode does not decompose into a letter and an accent.
STROKED = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h"})


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_FOLDED: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(STROKED)


def _fold_match(match: re.Match[str]) -> str:
    ch = match.group()
    folded = _FOLDED.get(ch)
    if folded is None:
        folded = _FOLDED[ch] = _fold_char(ch)
    return folded


def fold(text: str) -> str:
    """``text`` in lower case without accents: "Przesyłka ŁÓDŹ" → "przesylka lodz".

    Character by character (NFKD of the case-folded character without its combining marks),
    computed once per distinct character: ASCII text costs one ``lower()``, other text one
    regular-expression pass, several times faster than normalising the whole text (the search
    index folds millions of messages).
    """
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return _NOT_ASCII.sub(_fold_match, lowered)


def sql_fold(text: str | None) -> str | None:
    """``fold`` as SQLite calls it: NULL stays NULL."""
    return None if text is None else fold(text)


def sql_lower(text: str | None) -> str | None:
    """Lower case of every letter, which SQLite's own ``lower()`` does for ASCII only."""
    return None if text is None else text.lower()


class Fold(Func):
    """An expression's text folded as ``fold`` folds it."""

    function = "kartoteka_fold"
    arity = 1
    output_field = TextField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.as_sql(
            compiler, connection, template="lower(unaccent(%(expressions)s))", **extra_context
        )
        return sql, list(params)


class UnicodeLower(Func):
    """An expression's text in lower case, every letter (SQLite's ``lower()`` folds ASCII only)."""

    function = "kartoteka_lower"
    arity = 1
    output_field = TextField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.as_sql(compiler, connection, function="LOWER", **extra_context)
        return sql, list(params)


def contains_ignoring_case(field: str, text: str) -> Q:
    """``field`` contains ``text``, ignoring letter case and accents, on every database."""
    return Q(Contains(Fold(field), fold(text)))
