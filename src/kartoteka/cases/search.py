"""Substring search of case subjects and numbers that stays fast at a million cases.

The meaning is the same on both databases: case-insensitive "contains" for subjects (Polish
letters included: "łódź" finds "ŁÓDŹ"), plain "contains" for the digits of the number.

- PostgreSQL: ``pg_trgm`` GIN indexes on exactly the expressions Django's lookups produce,
  ``UPPER(subject::text)`` for ``icontains`` and ``number::varchar::text`` for the number.
- SQLite: an FTS5 table with the trigram tokenizer (case-insensitive, Unicode-aware) over
  ``subject`` and ``number`` of ``cases_case`` (external content: it keeps only the index),
  kept in step by three triggers. Rare words are looked up in it; frequent words (told by the
  ``fts5vocab`` table) and searches under three characters are scanned for with ``LIKE`` in
  list order. SQLite's ``LIKE`` ignores case for ASCII letters only: a frequent word with other
  letters is tested against the FTS5 table in list order instead, and a shorter text with
  them is compared in lower case (``UnicodeLower``, a function of Kartoteka's SQLite backend).

Django rebuilds a SQLite table to alter it (copy, drop, rename), and dropping a table drops its
triggers: ``search_index_repair`` runs after every ``migrate`` and puts them back.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, CharField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.lookups import Contains

from kartoteka.core.search_index import fts_triggers_repair, statements_run
from kartoteka.core.text_search import UnicodeLower

# Every statement here is built from the constant table name; user text is always a parameter.
# ruff: noqa: S608

FTS_TABLE = "cases_case_search"
FTS_VOCAB = "cases_case_search_vocab"
TRIGRAM = 3
# Above this many cases per trigram a word is frequent: walking the cases newest first finds a
# page of matches sooner than fetching every match from the index and sorting them.
FREQUENT = 2_000

SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_insert": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON cases_case BEGIN
            INSERT INTO {FTS_TABLE}(rowid, subject, number)
            VALUES (new.id, new.subject, new.number);
        END""",
    f"{FTS_TABLE}_delete": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON cases_case BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, subject, number)
            VALUES ('delete', old.id, old.subject, old.number);
        END""",
    f"{FTS_TABLE}_update": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update
        AFTER UPDATE OF id, subject, number ON cases_case BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, subject, number)
            VALUES ('delete', old.id, old.subject, old.number);
            INSERT INTO {FTS_TABLE}(rowid, subject, number)
            VALUES (new.id, new.subject, new.number);
        END""",
}
SQLITE_TABLE = f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        subject, number, content='cases_case', content_rowid='id', tokenize='trigram'
    )"""
SQLITE_VOCAB = f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_VOCAB} USING fts5vocab({FTS_TABLE}, 'col')"
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"

POSTGRESQL_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS case_subject_trgm "
    "ON cases_case USING gin ((UPPER(subject::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_number_trgm "
    "ON cases_case USING gin (((number)::varchar::text) gin_trgm_ops)",
    # Statistics of the indexed expressions, so the planner knows a frequent word from a rare one.
    "ANALYZE cases_case",
]
# The extension stays: other objects may use it, and dropping it needs more rights.
POSTGRESQL_UNINSTALL = [
    "DROP INDEX IF EXISTS case_subject_trgm",
    "DROP INDEX IF EXISTS case_number_trgm",
]


def search_index_install(connection: BaseDatabaseWrapper) -> None:
    """Create the search index on this database (nothing on other vendors)."""
    sqlite = [SQLITE_TABLE, SQLITE_VOCAB, *SQLITE_TRIGGERS.values(), SQLITE_REBUILD]
    statements_run(connection, postgresql=POSTGRESQL_INSTALL, sqlite=sqlite)


def search_index_uninstall(connection: BaseDatabaseWrapper) -> None:
    sqlite = [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
        f"DROP TABLE IF EXISTS {FTS_VOCAB}",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
    ]
    statements_run(connection, postgresql=POSTGRESQL_UNINSTALL, sqlite=sqlite)


def search_index_repair(*, using: str = "default", **kwargs: Any) -> None:
    """Put back SQLite triggers lost when a migration rebuilt ``cases_case``, and reindex.

    Connected to ``post_migrate``; a no-op on PostgreSQL, before the index exists, and when
    every trigger is in place.
    """
    fts_triggers_repair(connections[using], FTS_TABLE, "cases_case", SQLITE_TRIGGERS)


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts_match(column: str, text: str) -> Q:
    sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE}.{column} MATCH %s"
    return Q(pk__in=RawSQL(sql, [_fts_phrase(text)]))  # noqa: S611 (the text is a parameter)


def _fts_rarest(connection: BaseDatabaseWrapper, column: str, text: str) -> int:
    """How many cases hold the rarest trigram of ``text``: at least as many as match."""
    folded = text.lower()
    grams = sorted({folded[i : i + TRIGRAM] for i in range(len(folded) - TRIGRAM + 1)})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, doc FROM {FTS_VOCAB} WHERE col = %s "
            f"AND term IN ({', '.join(['%s'] * len(grams))})",
            [column, *grams],
        )
        docs = dict(cursor.fetchall())
    return min(docs.get(gram, 0) for gram in grams)


def _fts_match_frequent(queryset: QuerySet[Any], column: str, text: str) -> QuerySet[Any]:
    """The same match, written so that SQLite walks the cases in list order and tests each.

    The unary ``+`` keeps SQLite from driving the query from the (long) list of matches.
    """
    table = queryset.model._meta.db_table
    sql = f'+"{table}"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE}.{column} MATCH %s)'
    condition = RawSQL(sql, [_fts_phrase(text)], output_field=BooleanField())  # noqa: S611
    return queryset.filter(condition)


def subject_contains(queryset: QuerySet[Any], text: str) -> QuerySet[Any]:
    """Cases whose subject contains ``text``, ignoring case.

    On SQLite a rare word is looked up in the FTS5 index; a frequent or short one is
    scanned for with ``LIKE`` in list order, which finds a page of matches at once.
    """
    vendor = connections[queryset.db].vendor
    if vendor != "sqlite":
        return queryset.filter(subject__icontains=text)
    if len(text) >= TRIGRAM and _fts_rarest(connections[queryset.db], "subject", text) <= FREQUENT:
        return queryset.filter(_fts_match("subject", text))
    if text.isascii():
        # SQLite's LIKE ignores the case of ASCII letters itself.
        return queryset.filter(subject__contains=text)
    if len(text) >= TRIGRAM:
        # Other letters need a function call per row, which costs more than the FTS5 lookup.
        return _fts_match_frequent(queryset, "subject", text)
    return queryset.filter(Contains(UnicodeLower("subject"), text.lower()))


def number_contains(queryset: QuerySet[Any], digits: str) -> QuerySet[Any]:
    """Cases whose number, written out, contains ``digits`` ("39" finds 3932 and 1039)."""
    if connections[queryset.db].vendor == "sqlite" and len(digits) >= TRIGRAM:
        return queryset.filter(_fts_match("number", digits))
    return queryset.alias(number_text=Cast("number", CharField())).filter(
        number_text__contains=digits
    )
