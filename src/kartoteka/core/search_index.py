"""The global search index: one row per searchable object, written by the services that change it.

Every app stands above core, so every app can write here: a service that creates, edits or
erases something searchable calls ``index_put`` / ``index_remove`` in its own transaction (no
signals), and ``index_rebuild`` (the ``search_rebuild`` command) writes everything again from
the registered sources. Each row (``SearchEntry``) holds three texts: ``keys`` (identifiers:
case number, NIP, REGON, phone numbers, email addresses — exact hits rank first), ``title``
and ``body`` (capped at ``BODY_LIMIT`` characters).

The texts are *normalised in Python* (``normalise``: ``text_search.fold`` — lower case, accents
and strokes dropped, "Przesyłka" → "przesylka" — then every run of other characters than
letters and digits becomes one space), and the query is normalised the same way. Both
databases then only split words at spaces, so a search means the same on SQLite and
PostgreSQL. SQL's ``unaccent`` cannot stand in for this: it is not immutable (its rules file may
change), so PostgreSQL refuses it in a stored generated column or an index expression, and
SQLite has no equivalent at all.

- SQLite: an FTS5 table over ``core_searchentry`` (external content: it keeps only the index;
  unicode61 tokenizer, prefix indexes of 2 and 3 characters for partial words), kept in step by
  triggers on the entry table (the services write entries; the triggers only mirror that one
  table). Django rebuilds a table to alter it on SQLite, which drops its triggers:
  ``index_repair`` runs after every ``migrate`` and puts them back.
- PostgreSQL: a stored generated ``tsvector`` column ('simple' configuration; keys weighted A,
  so that an identifier can be looked up in the keys alone) with one partial GIN index and
  one statistics object per kind (see ``kind_document``). No trigram index: a word typed in
  part is read as a prefix on both databases, which keeps one meaning.

Rows are numbered ``kind code * 2**40 + object id``, so one kind is a range of ids: a search
takes a kind's newest ``limit`` matches (by id) and ranks only those, in Python (``score``,
the same on both databases), never every match of a common word: neither FTS5's ``bm25()``
(which counts every entry holding each word) nor ``ts_rank`` over all matches.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.functional import Promise

from kartoteka.core.text_search import fold

# Every statement is built from constant names; user text is always a parameter.
# ruff: noqa: S608

TABLE = "core_searchentry"
FTS_TABLE = "core_searchentry_fts"
BODY_LIMIT = 20_000
KEYS_LIMIT = 2_000
TITLE_LIMIT = 1_000
KIND_SPAN = 1 << 40
# The kinds of entry and their codes: the codes are part of the stored ids, never renumber.
# On PostgreSQL each kind has its own GIN index and statistics object (``kind_statements``):
# a kind added here needs a core migration that runs ``kind_statements`` for it on existing
# databases (new ones get it from ``POSTGRESQL_INSTALL``); until then its searches are right
# but walk or scan its entries without an index.
KIND_CODES = {
    "case": 1, "note": 2, "message": 3, "account": 4, "contact": 5, "document": 6, "event": 7,
}  # fmt: skip

StrOrPromise = str | Promise

_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str, limit: int | None = None) -> str:
    """``text`` as the index and the query see it: folded words separated by single spaces.

    "Przesyłka nr 12/2024, ŁÓDŹ!" → "przesylka nr 12 2024 lodz".
    """
    if limit is not None:
        text = text[: limit + 100]
    words = _NOT_WORD.sub(" ", fold(text)).strip()
    if limit is not None and len(words) > limit:
        words = words[:limit].rsplit(" ", 1)[0]
    return words


def entry_id(kind: str, object_id: int) -> int:
    return KIND_CODES[kind] * KIND_SPAN + object_id


def kind_range(kind: str) -> tuple[int, int]:
    return code_range(KIND_CODES[kind])


def code_range(code: int) -> tuple[int, int]:
    start = code * KIND_SPAN
    return start, start + KIND_SPAN - 1


# Identifiers, written into ``keys`` in every spelling a search may use.


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def phone_keys(value: str, region: str | None = None) -> list[str]:
    """The spellings of a phone number a search finds it by: the international digits
    ("48601234567") and the national number ("601234567"); the bare digits if unparsable."""
    if not value.strip():
        return []
    import phonenumbers
    from django.conf import settings

    try:
        parsed = phonenumbers.parse(value, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return [digits(value)] if digits(value) else []
    national = str(parsed.national_number)
    return list(dict.fromkeys([f"{parsed.country_code}{national}", national]))


@dataclass(frozen=True)
class IndexEntry:
    """What an app writes for one object (raw text; ``index_put`` normalises it)."""

    kind: str
    object_id: int
    keys: Sequence[str] = ()
    title: str = ""
    body: str = ""
    account_id: int | None = None  # the customer whose file holds it (its search box)

    def row(self) -> EntryRow:
        return (
            entry_id(self.kind, self.object_id),
            self.kind,
            self.object_id,
            normalise(" ".join(self.keys), KEYS_LIMIT),
            normalise(self.title, TITLE_LIMIT),
            normalise(self.body, BODY_LIMIT),
            self.account_id,
        )


EntryRow = tuple[int, str, int, str, str, str, int | None]


def _connection(using: str | None) -> BaseDatabaseWrapper:
    from kartoteka.core.models import SearchEntry

    return connections[using or router.db_for_write(SearchEntry)]


COLUMNS = "id, kind, object_id, keys, title, body, account_id"
UPSERT = (
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (id) DO UPDATE SET keys = excluded.keys, title = excluded.title, "
    "body = excluded.body, account_id = excluded.account_id"
)


def index_put(entries: Iterable[IndexEntry], *, using: str | None = None) -> None:
    """Write (insert or replace) the entries; call inside the transaction of the change."""
    rows = [entry.row() for entry in entries]
    if not rows:
        return
    connection = _connection(using)
    with connection.cursor() as cursor:
        cursor.executemany(UPSERT, rows)


def index_remove(kind: str, object_ids: Iterable[int], *, using: str | None = None) -> None:
    """Remove the entries of these objects (deleted or erased); absent ones are ignored."""
    ids = [entry_id(kind, object_id) for object_id in object_ids]
    if not ids:
        return
    connection = _connection(using)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk
            )


def index_rescope(
    kind: str, object_ids: Iterable[int], account_id: int | None, *, using: str | None = None
) -> None:
    """Name ``account_id`` as the customer of these objects' entries (they moved to it)."""
    ids = [entry_id(kind, object_id) for object_id in object_ids]
    connection = _connection(using)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"UPDATE {TABLE} SET account_id = %s "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [account_id, *chunk],
            )


# The sources: how each app builds its entries and shows its hits.

BATCH = 5_000  # rows read and written at once by a rebuild


def batched[T](rows: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """``rows`` in lists of ``size`` (the last one shorter)."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Hit:
    """One visible object found, as the search page shows it."""

    kind: str
    object_id: int
    title: str
    url: str
    context: str = ""  # e.g. the case or customer it belongs to
    text: str = ""  # the object's own text, for an excerpt around the words found
    at: Any = None  # when it was created or sent, if it has a time


class Source(Protocol):
    """One app's kind of searchable object (registered in its ``AppConfig.ready``)."""

    kind: str

    @property
    def label(self) -> StrOrPromise:
        """The group's heading: "Cases", "Messages"."""
        ...

    def entries(self) -> Iterator[list[IndexEntry]]:
        """Every object's entry, in batches (for ``index_rebuild``)."""
        ...

    def count(self) -> int:
        """How many objects the kind has (an index with another number is stale)."""
        ...

    def visible(self, user: Any, object_ids: Sequence[int]) -> set[int]:
        """Which of ``object_ids`` ``user`` (a ``people.User``, which core cannot name) may
        see, through the model's ``visible_to``: one statement, reading only keys."""
        ...

    def hits(self, user: Any, object_ids: Sequence[int]) -> dict[int, Hit]:
        """The objects among ``object_ids`` that ``user`` may see, as the page shows them
        (again through ``visible_to``); a query or two whatever their number."""
        ...


class ModelSource:
    """What every source of one model's rows does alike: count them, and tell the visible
    ones through the model's ``visible_to`` (its manager's, which every searchable model has)."""

    model: Any

    def count(self) -> int:
        return int(self.model.objects.count())

    def visible(self, user: Any, object_ids: Sequence[int]) -> set[int]:
        rows = self.model.objects.visible_to(user).filter(pk__in=object_ids)
        return set(rows.values_list("pk", flat=True))


_SOURCES: dict[str, Source] = {}


def source_register(source: Source) -> None:
    """Make ``source``'s kind searchable (once; called from an ``AppConfig.ready``)."""
    if source.kind not in KIND_CODES:
        raise ValueError(f"unknown kind of search entry: {source.kind}")
    _SOURCES[source.kind] = source


def sources() -> list[Source]:
    """The registered sources in the order of ``KIND_CODES`` (the order of the groups)."""
    return [_SOURCES[kind] for kind in KIND_CODES if kind in _SOURCES]


def source_of(kind: str) -> Source | None:
    return _SOURCES.get(kind)


# Queries.

QUERY_LIMIT = 200  # characters of a query that are read
WORDS_LIMIT = 8
WORD_LIMIT = 60
PREFIX_MIN = 2  # a last word this long is also read as the beginning of a word


@dataclass(frozen=True)
class Query:
    """A search as the index reads it: words (all must match, the last one as a prefix) and
    identifiers (each a phrase of index words; a hit on one in ``keys`` ranks first)."""

    words: tuple[str, ...] = ()
    identifiers: tuple[tuple[str, ...], ...] = ()
    case_number: int | None = None
    shortened: bool = False

    @property
    def empty(self) -> bool:
        return not self.words and not self.identifiers


_TAG = re.compile(r"^\s*\[?\s*(?:[^\W\d_][\w.-]{0,15})?\s*#\s*(\d{1,18})\s*\]?\s*$")
_DIGITS_ONLY = re.compile(r"^[\s\d+()./-]+$")
_EMAIL = re.compile(r"^\S+@\S+\.\S+$")
_NIP_PREFIX = re.compile(r"^\s*PL\s*(?=\d)", re.IGNORECASE)
CASE_NUMBER_MAX_DIGITS = 9


def query_parse(text: str) -> Query:
    """Read a user's search text; never raises, whatever the text (NUL, quotes, FTS syntax).

    Identifiers are recognised first: ``3932``, ``#3932`` and ``[ACME#3932]`` name a case;
    a run of digits with spaces, dashes, dots or a leading + / 00 is a NIP, REGON or phone
    number in any spelling; ``name@example.com`` an email address.
    """
    text = text.replace("\x00", " ")
    shortened = len(text) > QUERY_LIMIT
    text = text[:QUERY_LIMIT]
    identifiers: list[tuple[str, ...]] = []
    case_number = None
    tag = _TAG.match(text)
    compact = digits(text)
    if tag is not None:
        case_number = int(tag.group(1))
    elif _DIGITS_ONLY.match(text) and compact:
        identifiers.extend((spelling,) for spelling in _digit_spellings(compact))
        if len(compact) <= CASE_NUMBER_MAX_DIGITS and compact == text.strip():
            case_number = int(compact)
    elif _NIP_PREFIX.match(text) and _DIGITS_ONLY.match(_NIP_PREFIX.sub("", text)):
        identifiers.append((compact,))
    elif _EMAIL.match(text.strip()):
        identifiers.append(tuple(normalise(text).split()))
    if case_number is not None:
        identifiers.insert(0, (str(case_number),))
    words = [word[:WORD_LIMIT] for word in normalise(text).split()]
    shortened = shortened or len(words) > WORDS_LIMIT
    return Query(
        words=tuple(words[:WORDS_LIMIT]),
        identifiers=tuple(dict.fromkeys(phrase for phrase in identifiers if phrase)),
        case_number=case_number,
        shortened=shortened,
    )


def _digit_spellings(compact: str) -> list[str]:
    """The digits as written, and as a phone number without an international prefix (00)
    or a trunk prefix (0)."""
    spellings = [compact]
    if compact.startswith("00"):
        spellings.append(compact[2:])
    elif compact.startswith("0"):
        spellings.append(compact[1:])
    return [spelling for spelling in spellings if spelling]


@dataclass
class Match:
    object_id: int
    score: float
    exact: bool = False


@dataclass
class Matches:
    """One kind's candidates, best first, and where the next page of candidates starts."""

    found: list[Match] = field(default_factory=list)
    older_than: int | None = None  # an entry id; None when no older candidates are left


def index_search(
    query: Query,
    kind: str,
    *,
    limit: int = 100,
    older_than: int | None = None,
    prefix: bool = False,
    using: str | None = None,
) -> Matches:
    """Up to ``limit`` of the newest entries of ``kind`` (older than ``older_than``) holding
    every word, ranked by ``score``; on the first page, exact identifier hits (in ``keys``)
    come first. Two statements at most.

    With ``prefix`` the last word also finds the words it begins ("faktur" finds "faktury").
    Both databases expand a prefix by merging the entries of every word it begins, over the
    whole index, before ``limit`` applies: for a common beginning that costs far more than the
    search, so callers ask for it only when the whole words found nothing.
    """
    connection = _connection(using)
    search = _SQLITE if connection.vendor == "sqlite" else _POSTGRESQL
    low, high = kind_range(kind)
    if older_than is not None:
        high = min(high, older_than - 1)
    exact: list[Match] = []
    if older_than is None and query.identifiers:
        expression = search.identifiers(query.identifiers)
        rows = search.run(connection, expression, kind, high, 20)
        exact = [Match(row[0] - low, score(query.words, row), exact=True) for row in rows]
    rows = []
    if query.words:
        walk = search.walks(connection, kind, query.words, prefix=prefix, limit=limit)
        beginnings = _beginnings(connection, query.words[-1]) if prefix else None
        expression = search.words(query.words, prefix=prefix, beginnings=beginnings)
        rows = search.run(connection, expression, kind, high, limit, walk=walk)
    seen = {match.object_id for match in exact}
    ranked = sorted(
        (Match(row[0] - low, score(query.words, row)) for row in rows if row[0] - low not in seen),
        key=lambda match: match.score,
        reverse=True,
    )
    older = rows[-1][0] if len(rows) == limit else None
    return Matches(exact + ranked, older)


# Ranking: the same on both databases, on a kind's few newest candidates only.
RANKED_BODY = 3_000  # characters of the body that ranking reads
FIELD_WEIGHTS = (10.0, 4.0, 1.0)  # keys, title, body
Row = tuple[int, str, str, str]  # id, keys, title, the body's beginning


def score(words: Sequence[str], row: Row) -> float:
    """How well an entry matches: each word counts more in the keys than in the title, and
    more in the title than in the body; repeats count less and less (``n / (n + 1.2)``, as in
    BM25), a word found whole more than as a beginning, all the words in a row more; a long
    field weighs each match a little less."""
    total = 0.0
    last = len(words) - 1
    phrase = " ".join(words)
    for weight, text in zip(FIELD_WEIGHTS, row[1:], strict=True):
        tokens = text.split()
        if not tokens:
            continue
        matched = 0.0
        for position, word in enumerate(words):
            count = float(tokens.count(word))
            if position == last:
                count += 0.5 * sum(
                    1 for token in tokens if token != word and token.startswith(word)
                )
            matched += count / (count + 1.2)
        if len(words) > 1 and phrase in text:
            matched += 1.0
        total += weight * matched / (1.0 + len(tokens) / 100)
    return total


def index_matches(text: str, kind: str, *, limit: int = 2_000) -> Q:
    """The objects of ``kind`` (a filter on their ``pk``) among the newest ``limit`` that the
    global search finds for ``text`` (an identifier in any spelling, or every word whole), as
    a subquery: a list's text filter adds no statement of its own (and keeps its own
    substring match for words typed in part)."""
    query = query_parse(text)
    if query.empty:
        return Q(pk__in=[])
    connection = _connection(None)
    dialect = _SQLITE if connection.vendor == "sqlite" else _POSTGRESQL
    expressions = []
    if query.identifiers:
        expressions.append(dialect.identifiers(query.identifiers))
    if query.words:
        expressions.append(dialect.words(query.words, prefix=False))
    walk = dialect.walks(connection, kind, query.words, prefix=False, limit=limit)
    sql, params = dialect.subquery(dialect.either(expressions), kind, limit, walk=walk)
    return Q(pk__in=RawSQL(sql, params))  # noqa: S611 (the text is a parameter)


FILE_MATCHES = 500  # a customer file's search reads this many of a kind's newest matches


def index_matches_in_file(
    text: str,
    kind: str,
    account_id: int,
    *,
    limit: int = FILE_MATCHES,
    field: str = "pk",
    prefix: FilePrefix | bool | None = None,
) -> Q:
    """The objects of ``kind`` in the file of customer ``account_id`` (a filter on their
    ``pk``, or on the ``field`` that names them) among the newest ``limit`` holding every word
    of ``text`` or one of its identifiers, as a subquery of the source's own statement. The
    rows' own filters and ``visible_to`` still apply: an entry that names a customer it no
    longer belongs to finds nothing there.

    The last word is also read as a beginning ("faktur" finds "faktury") when the whole words
    find nothing in the customer's file: one cheap statement asks first, unless the page
    passes its answer as ``prefix`` (see ``index_file_prefix``, asked once per page).
    """
    query = query_parse(text)
    if query.empty:
        return Q(**{f"{field}__in": []})
    connection = _connection(None)
    postgresql = connection.vendor == "postgresql"
    if prefix is None:
        prefix = index_file_prefix(text, account_id)
    elif prefix is True:
        prefix = FilePrefix(_beginnings(connection, query.words[-1]) if query.words else None)
    beginning = prefix if isinstance(prefix, FilePrefix) else None
    expression = _file_expression(query, account_id, postgresql=postgresql, beginning=beginning)
    if not postgresql:
        sql, params = _SQLITE.subquery(expression, kind, limit)
        return Q(**{f"{field}__in": RawSQL(sql, params)})  # noqa: S611 (text is a parameter)
    # The customer's entries of the kind are walked newest first when the words are common in
    # the kind, else found through its GIN index (see ``walks``; the walk reads at most the
    # customer's entries, the index path may still take them if the planner finds them few).
    walk = _POSTGRESQL.walks(
        connection, kind, query.words, prefix=beginning is not None, limit=limit
    )
    where, params = _in_file(kind, account_id, expression, walk=walk)
    order = "account_id DESC, id DESC" if walk else "id + 0 DESC"
    sql = f"SELECT id - {kind_range(kind)[0]} FROM {TABLE} WHERE {where} ORDER BY {order} LIMIT %s"
    params.append(limit)
    return Q(**{f"{field}__in": RawSQL(sql, params)})  # noqa: S611 (the text is a parameter)


@dataclass(frozen=True)
class FilePrefix:
    """A customer file's search reads its last word as a beginning. ``words``: the index's
    words it begins (SQLite); None to match it as a prefix (PostgreSQL, or too many words)."""

    words: tuple[str, ...] | None = None


def index_file_prefix(text: str, account_id: int) -> FilePrefix | bool:
    """Whether a customer file's search reads the last word of ``text`` as a beginning (only
    when the whole words find nothing in the file), with the words it begins: one statement,
    the same whichever the answer, asked once per page for every source.

    On PostgreSQL the statement asks each kind within its range (one ``EXISTS`` each), so that
    each can walk the customer's entries or use its own GIN index (see ``walks``)."""
    query = query_parse(text)
    if not query.words:
        return False
    connection = _connection(None)
    whole = _file_expression(query, account_id, postgresql=connection.vendor == "postgresql")
    if connection.vendor == "postgresql":
        found, params = [], []
        for kind in KIND_CODES:
            walk = _POSTGRESQL.walks(connection, kind, query.words, prefix=False, limit=1)
            where, kind_params = _in_file(kind, account_id, whole, walk=walk)
            found.append(f"EXISTS (SELECT 1 FROM {TABLE} WHERE {where})")
            params.extend(kind_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + " OR ".join(found), params)
            (any_found,) = cursor.fetchone()
        return False if any_found else FilePrefix()
    # NULL when the whole words find something; else the words the last one begins, one
    # space apart (CASE reads the vocabulary only then).
    sql = (
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) "
        "THEN NULL ELSE (SELECT coalesce(group_concat(term, ' '), '') FROM (SELECT term FROM "
        f"{FTS_VOCABULARY} WHERE term >= %s AND term < %s LIMIT %s)) END"
    )
    word = query.words[-1]
    with connection.cursor() as cursor:
        cursor.execute(sql, [whole, word, _following(word), BEGINNINGS_MAX + 1])
        (beginnings,) = cursor.fetchone()
    if beginnings is None:
        return False
    words = tuple(beginnings.split())
    return FilePrefix(words if len(words) <= BEGINNINGS_MAX else None)


def _in_file(kind: str, account_id: int, expression: str, *, walk: bool) -> tuple[str, list[Any]]:
    """The condition (and its parameters) of the entries of ``kind`` in the file of customer
    ``account_id`` that match the tsquery ``expression`` (PostgreSQL).

    A walk bounds the pair (customer, id), which only ``search_entry_account`` can serve: with
    ``account_id = …`` and ``id BETWEEN …`` the planner may rather walk the whole kind by the
    primary key (its rows lie in that order) and pass over every other customer's entries.
    Ordered by the pair, the customer's entries come newest first. The index path matches the
    kind's expression within its range (see ``_match``)."""
    low, high = kind_range(kind)
    if walk:
        where = (
            f"(account_id, id) >= (%s, {low}) AND (account_id, id) <= (%s, {high}) "
            f"AND {_match(kind, walk=True)}"
        )
        return where, [account_id, account_id, expression]
    where = f"account_id = %s AND {_match(kind, walk=False)} AND id BETWEEN {low} AND {high}"
    return where, [account_id, expression]


def _following(word: str) -> str:
    """The first text after every word that begins with ``word``."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _file_expression(
    query: Query, account_id: int, *, postgresql: bool, beginning: FilePrefix | None = None
) -> str:
    """The match of ``query`` in a customer's file (on SQLite the customer's word included);
    with ``beginning`` the last word is also read as one."""
    dialect = _POSTGRESQL if postgresql else _SQLITE
    expressions = []
    if query.identifiers:
        expressions.append(dialect.identifiers(query.identifiers))
    if query.words:
        expressions.append(
            dialect.words(
                query.words,
                prefix=beginning is not None,
                beginnings=beginning.words if beginning is not None else None,
            )
        )
    either = dialect.either(expressions)
    return either if postgresql else f'scope : "{SCOPE}{int(account_id)}" AND ({either})'


class _Dialect(Protocol):
    def words(
        self, words: Sequence[str], *, prefix: bool, beginnings: Sequence[str] | None = None
    ) -> str: ...

    def identifiers(self, phrases: Sequence[Sequence[str]]) -> str: ...

    def either(self, expressions: Sequence[str]) -> str: ...

    def subquery(
        self, expression: str, kind: str, limit: int, *, walk: bool = False
    ) -> tuple[str, list[Any]]: ...

    def run(
        self,
        connection: BaseDatabaseWrapper,
        expression: str,
        kind: str,
        high: int,
        limit: int,
        *,
        walk: bool = False,
    ) -> list[Row]: ...

    def walks(
        self,
        connection: BaseDatabaseWrapper,
        kind: str,
        words: Sequence[str],
        *,
        prefix: bool,
        limit: int,
    ) -> bool: ...


# Walking a kind's entries or asking its GIN index (PostgreSQL). A search takes a kind's newest
# ``limit`` entries holding every word. Walking the kind's entries newest first and testing each
# reads about ``limit / d`` of them, d the share of the kind's entries that match; the GIN index
# finds all ``d * rows`` matches, which are then read and sorted. So a common word walks and a
# rare one takes the index, judged within the kind: a word common in cases may be absent from
# events. The shares come from the kind's statistics object (``kind_statements``), which
# ANALYZE fills with the most common words of the kind's entries and their shares.

# An entry found through the index costs about three times one walked past (measured on the
# bench: 2.5-3.3 µs against 0.8-2.3 µs an entry).
WALK_FACTOR = 3.0
STATISTICS_TARGET = 1000  # of each kind's statistics object: up to 10,000 common words
ANALYZE_SAMPLE = 300  # PostgreSQL's ANALYZE samples 300 rows per unit of the target


@dataclass(frozen=True)
class KindStatistics:
    """What PostgreSQL's statistics tell of one kind's entries."""

    rows: float  # how many entries the kind has
    shares: dict[str, float]  # the kind's most common words: the share of entries holding each
    unseen: float = 0.0  # the share taken for a word not among them

    def share(self, word: str, *, beginning: bool = False) -> float:
        """The share of entries holding ``word`` (with ``beginning``: a word it begins, the
        common words' shares added up)."""
        if beginning:
            shares = [share for common, share in self.shares.items() if common.startswith(word)]
            if shares:
                return min(1.0, sum(shares))
        return self.shares.get(word, self.unseen)

    @classmethod
    def read(
        cls, table_rows: float, nulls: float, words: Sequence[str], shares: Sequence[float]
    ) -> KindStatistics:
        """From a statistics object's expression statistics: ``nulls`` the share of the other
        kinds' entries, ``words`` and ``shares`` the common words (shares of the kind's
        entries). A word not among them is rarer than the rarest; and ANALYZE keeps every
        word of its sample up to ``STATISTICS_TARGET * 10`` words, so that it was most likely
        in none of the sampled entries of the kind: half the rarest's share or one entry of
        those sampled, whichever is less (too little only sends a search to the index, which
        then finds fewer entries than the rarest word has)."""
        common = dict(zip(words, shares, strict=False))
        kind_share = 1.0 - nulls
        sampled = min(table_rows, ANALYZE_SAMPLE * STATISTICS_TARGET) * kind_share
        rarest = min(common.values(), default=1.0)
        unseen = min(rarest / 2, 1.0 / sampled) if sampled >= 1 else 0.0
        return cls(rows=table_rows * kind_share, shares=common, unseen=unseen)


def walks(
    statistics: KindStatistics | None, words: Sequence[str], *, prefix: bool, limit: int
) -> bool:
    """Whether a kind's newest ``limit`` entries holding all ``words`` (the last one also as a
    beginning with ``prefix``) are found sooner by walking its entries than through its GIN
    index: ``limit / d < WALK_FACTOR * d * rows``, d the words' shares multiplied (the words
    taken as independent). Without statistics (a kind never analysed) every word is rare."""
    if statistics is None or not words:
        return False
    share = 1.0
    for position, word in enumerate(words):
        beginning = prefix and position == len(words) - 1 and len(word) >= PREFIX_MIN
        share *= statistics.share(word, beginning=beginning)
    if share <= 0.0:
        return False
    return limit / share < WALK_FACTOR * share * statistics.rows


def index_walks(
    kind: str,
    words: Sequence[str],
    *,
    prefix: bool = False,
    limit: int = 100,
    using: str | None = None,
) -> bool:
    """Whether a search of ``kind`` for ``words`` walks the kind's entries (PostgreSQL; never
    on SQLite, whose FTS5 index always leads)."""
    connection = _connection(using)
    dialect = _SQLITE if connection.vendor == "sqlite" else _POSTGRESQL
    return dialect.walks(connection, kind, words, prefix=prefix, limit=limit)


_STATISTICS: dict[str, tuple[float, dict[str, KindStatistics]]] = {}
STATISTICS_KEPT_SECONDS = 300


def kind_statistics(connection: BaseDatabaseWrapper) -> dict[str, KindStatistics]:
    """Each analysed kind's statistics (from ``pg_stats_ext_exprs``: the most common words of
    its statistics object's expression, their shares of the non-NULL rows — the kind's — and
    the share of NULLs — the other kinds'), read at most once a few minutes per process."""
    kept = _STATISTICS.get(connection.alias)
    if kept is not None and time.monotonic() - kept[0] < STATISTICS_KEPT_SECONDS:
        return kept[1]
    names = {statistics_name(kind): kind for kind in KIND_CODES}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.statistics_name, e.most_common_elems::text::text[], "
            "e.most_common_elem_freqs, e.null_frac, c.reltuples "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_stats_ext_exprs e ON e.schemaname = n.nspname AND e.tablename = c.relname "
            "WHERE c.oid = %s::regclass AND e.statistics_name = ANY(%s)",
            [TABLE, list(names)],
        )
        rows = cursor.fetchall()
    found = {
        names[name]: KindStatistics.read(
            max(0.0, float(table_rows)), float(nulls or 0.0), words or (), shares or ()
        )
        for name, words, shares, nulls, table_rows in rows
    }
    _STATISTICS[connection.alias] = (time.monotonic(), found)
    return found


# A beginning of a word ("faktur") is matched as the index's words it begins ("faktura",
# "faktury"), read from FTS5's vocabulary: FTS5 answers a prefix query by merging the entries of
# all those words over the whole index before anything else narrows them, while a choice of
# whole words is walked in step with the customer's word and the newest-first limit. The words
# are kept with the open database connection while the database is unchanged (one page asks
# several times): the key holds this connection's count of changes and SQLite's count of other
# connections' commits. A beginning of very many words is left to the prefix query.
BEGINNINGS_MAX = 64
BEGINNINGS_KEPT = 1_000
Beginnings = dict[tuple[Any, ...], tuple[str, ...] | None]  # (changes, commits, word): words


def _beginnings(connection: BaseDatabaseWrapper, word: str) -> tuple[str, ...] | None:
    """The index's words that begin with ``word`` on SQLite (at most ``BEGINNINGS_MAX``; None
    for more, or on PostgreSQL, whose prefix match needs no help)."""
    if connection.vendor != "sqlite" or len(word) < PREFIX_MIN:
        return None
    with connection.cursor() as cursor:
        kept = _beginnings_kept(connection)
        cursor.execute("SELECT total_changes(), data_version FROM pragma_data_version()")
        key = (*cursor.fetchone(), word)
        if key in kept:
            return kept[key]
        cursor.execute(
            f"SELECT term FROM {FTS_VOCABULARY} WHERE term >= %s AND term < %s LIMIT %s",
            [word, _following(word), BEGINNINGS_MAX + 1],
        )
        found = tuple(row[0] for row in cursor.fetchall())
    words = found if len(found) <= BEGINNINGS_MAX else None
    if len(kept) >= BEGINNINGS_KEPT:
        kept.clear()
    kept[key] = words
    return words


def _beginnings_kept(connection: BaseDatabaseWrapper) -> Beginnings:
    """The words found for beginnings on this very database connection (a new one, after a
    reconnect, starts empty: its counters start again)."""
    raw = connection.connection
    holder: tuple[Any, Beginnings] | None = getattr(connection, "_kartoteka_beginnings", None)
    if holder is None or holder[0] is not raw:
        holder = (raw, {})
        connection._kartoteka_beginnings = holder  # type: ignore[attr-defined]
    return holder[1]


class _Sqlite:
    """FTS5 match expressions. The words are normalised (letters and digits only), and each
    is quoted anyway."""

    @staticmethod
    def words(
        words: Sequence[str], *, prefix: bool, beginnings: Sequence[str] | None = None
    ) -> str:
        """The words all matched; with ``prefix`` the last one also as a beginning: as the
        index's words it begins (``beginnings``, see ``_beginnings``) when known, else as an
        FTS5 prefix query."""
        quoted = [f'"{word}"' for word in words]
        if prefix and beginnings:
            quoted[-1] = "(" + " OR ".join(f'"{word}"' for word in beginnings) + ")"
        elif prefix and len(words[-1]) >= PREFIX_MIN:
            quoted[-1] += "*"
        # Not in ``scope``, which holds the customer's word only.
        return "{keys title body} : (" + " AND ".join(quoted) + ")"

    @staticmethod
    def identifiers(phrases: Sequence[Sequence[str]]) -> str:
        return " OR ".join(f'keys : "{" ".join(phrase)}"' for phrase in phrases)

    @staticmethod
    def either(expressions: Sequence[str]) -> str:
        return " OR ".join(f"({expression})" for expression in expressions)

    @staticmethod
    def subquery(
        expression: str, kind: str, limit: int, *, walk: bool = False
    ) -> tuple[str, list[Any]]:
        low, high = kind_range(kind)
        return (
            f"SELECT rowid - %s FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            "AND rowid BETWEEN %s AND %s ORDER BY rowid DESC LIMIT %s",
            [low, expression, low, high, limit],
        )

    @staticmethod
    def walks(
        connection: BaseDatabaseWrapper,
        kind: str,
        words: Sequence[str],
        *,
        prefix: bool,
        limit: int,
    ) -> bool:
        return False  # FTS5 always starts from the index

    @staticmethod
    def run(
        connection: BaseDatabaseWrapper,
        expression: str,
        kind: str,
        high: int,
        limit: int,
        *,
        walk: bool = False,
    ) -> list[Row]:
        # No rank function here: FTS5's bm25() counts every entry holding each word, which
        # for a common word is most of the index; the candidates are ranked in Python.
        low = kind_range(kind)[0]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, keys, title, substr(body, 1, {RANKED_BODY}) FROM {TABLE} "
                f"WHERE id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                "AND rowid BETWEEN %s AND %s ORDER BY rowid DESC LIMIT %s) ORDER BY id DESC",
                [expression, low, high, limit],
            )
            return cursor.fetchall()


class _Postgresql:
    """tsquery text for ``to_tsquery('simple', …)``; the words hold letters and digits only."""

    @staticmethod
    def words(
        words: Sequence[str], *, prefix: bool, beginnings: Sequence[str] | None = None
    ) -> str:
        terms = list(words)
        if prefix and len(terms[-1]) >= PREFIX_MIN:
            terms[-1] += ":*"
        return " & ".join(terms)

    @staticmethod
    def identifiers(phrases: Sequence[Sequence[str]]) -> str:
        return " | ".join(
            "(" + " <-> ".join(f"{word}:A" for word in phrase) + ")" for phrase in phrases
        )

    @staticmethod
    def either(expressions: Sequence[str]) -> str:
        return " | ".join(f"({expression})" for expression in expressions)

    @staticmethod
    def subquery(
        expression: str, kind: str, limit: int, *, walk: bool = False
    ) -> tuple[str, list[Any]]:
        low, high = kind_range(kind)
        return (
            f"SELECT id - {low} FROM {TABLE} WHERE {_match(kind, walk=walk)} "
            f"AND id BETWEEN {low} AND {high} ORDER BY {_order(walk)} DESC LIMIT %s",
            [expression, limit],
        )

    @staticmethod
    def run(
        connection: BaseDatabaseWrapper,
        expression: str,
        kind: str,
        high: int,
        limit: int,
        *,
        walk: bool = False,
    ) -> list[Row]:
        low = kind_range(kind)[0]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, keys, title, left(body, {RANKED_BODY}) FROM {TABLE} "
                f"WHERE {_match(kind, walk=walk)} AND id BETWEEN {low} AND {int(high)} "
                f"ORDER BY {_order(walk)} DESC LIMIT %s",
                [expression, limit],
            )
            return cursor.fetchall()

    @staticmethod
    def walks(
        connection: BaseDatabaseWrapper,
        kind: str,
        words: Sequence[str],
        *,
        prefix: bool,
        limit: int,
    ) -> bool:
        return walks(kind_statistics(connection).get(kind), words, prefix=prefix, limit=limit)


def _match(kind: str, *, walk: bool) -> str:
    """The condition that an entry of ``kind`` holds the tsquery (a parameter), for a walk or
    for the kind's GIN index; the statement must also bound ``id`` within the kind's range,
    with literal numbers (see ``kind_document``).

    A walk matches ``document``, which no index holds: the planner can only walk the entries
    (by the primary key, or a customer's by ``search_entry_account``). The index path matches
    the kind's expression, which only its partial GIN index holds and its statistics object
    describes (so the planner estimates the matches within the kind, not over the index)."""
    expression = "document" if walk else kind_document(kind)
    return f"{expression} @@ to_tsquery('simple', %s)"


def _order(walk: bool) -> str:
    """Newest first: by the key for a walk, through an expression on the index path (so that
    the planner cannot turn it into a walk)."""
    return "id" if walk else "id + 0"


_SQLITE: _Dialect = _Sqlite()
_POSTGRESQL: _Dialect = _Postgresql()


# Installing, repairing and rebuilding.

# The FTS5 table also indexes each entry's customer as one word ("account42") in a column of
# its own, ``scope``: a customer file's search box is then one more word to match, which FTS5
# intersects by seeking (a rare word costs its few entries, a common one stops at a page).
# Its content is a view that writes that word out, so ``rebuild`` reads the same as the triggers.
FTS_CONTENT = f"{TABLE}_content"
SCOPE = "account"


def _scope_sql(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN '' ELSE '{SCOPE}' || {column} END"


SQLITE_VIEW = f"""
    CREATE VIEW IF NOT EXISTS {FTS_CONTENT} AS
    SELECT id, keys, title, body, {_scope_sql("account_id")} AS scope FROM {TABLE}"""
SQLITE_TABLE = f"""
    CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        keys, title, body, scope, content='{FTS_CONTENT}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )"""
_FTS_NEW = f"new.id, new.keys, new.title, new.body, {_scope_sql('new.account_id')}"
_FTS_OLD = f"old.id, old.keys, old.title, old.body, {_scope_sql('old.account_id')}"
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_insert": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON {TABLE} BEGIN
            INSERT INTO {FTS_TABLE}(rowid, keys, title, body, scope) VALUES ({_FTS_NEW});
        END""",
    f"{FTS_TABLE}_delete": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON {TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, keys, title, body, scope)
            VALUES ('delete', {_FTS_OLD});
        END""",
    f"{FTS_TABLE}_update": f"""
        CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE ON {TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, keys, title, body, scope)
            VALUES ('delete', {_FTS_OLD});
            INSERT INTO {FTS_TABLE}(rowid, keys, title, body, scope) VALUES ({_FTS_NEW});
        END""",
}
SQLITE_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"
# The index's words, read straight from the FTS5 index (nothing to keep in step).
FTS_VOCABULARY = f"{FTS_TABLE}_words"
SQLITE_VOCABULARY = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_VOCABULARY} USING fts5vocab({FTS_TABLE}, 'row')"
)


def kind_document(kind: str) -> str:
    return code_document(KIND_CODES[kind])


def code_document(code: int) -> str:
    """The ``document`` of the entries of the kind with this code, NULL for other entries:
    the expression of the kind's partial GIN index and of its statistics object. A statement
    finds the index when it matches this very expression and bounds ``id`` within the kind's
    range with literal numbers (the planner then proves the index's predicate; Django's
    psycopg binds parameters on the client, but the bounds are written in anyway)."""
    low, high = code_range(code)
    return f"(CASE WHEN id BETWEEN {low} AND {high} THEN document END)"


def index_name(kind: str) -> str:
    return f"search_entry_document_{kind}"


def statistics_name(kind: str) -> str:
    return f"search_entry_kind_{kind}"


def kind_statements(kind: str, code: int) -> list[str]:
    """Create the GIN index and the statistics object of one kind (PostgreSQL; a kind added to
    ``KIND_CODES`` needs a migration running these)."""
    low, high = code_range(code)
    document = code_document(code)
    index, statistics = index_name(kind), statistics_name(kind)
    return [
        f"CREATE INDEX IF NOT EXISTS {index} ON {TABLE} USING gin ({document}) "
        f"WHERE id BETWEEN {low} AND {high}",
        # The planner reads no statistics of a partial index: ANALYZE need not gather them.
        f"ALTER INDEX {index} ALTER COLUMN 1 SET STATISTICS 0",
        # The kind's most common words and their shares, for the planner and for ``walks``.
        f"CREATE STATISTICS IF NOT EXISTS {statistics} ON ({document}) FROM {TABLE}",
        f"ALTER STATISTICS {statistics} SET STATISTICS {STATISTICS_TARGET}",
    ]


def kind_statements_drop(kind: str) -> list[str]:
    return [
        f"DROP INDEX IF EXISTS {index_name(kind)}",
        f"DROP STATISTICS IF EXISTS {statistics_name(kind)}",
    ]


POSTGRESQL_KINDS = [sql for kind, code in KIND_CODES.items() for sql in kind_statements(kind, code)]
POSTGRESQL_INSTALL = [
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, keys), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, title), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'D')) STORED",
    *POSTGRESQL_KINDS,
    # A customer's entries newest first: a common word in its file's search box is found by
    # walking them; a rare one through the kind's GIN index (see ``walks``).
    f"CREATE INDEX IF NOT EXISTS search_entry_account ON {TABLE} (account_id, id)",
    f"ALTER TABLE {TABLE} ALTER COLUMN document SET STATISTICS 1000",
]
POSTGRESQL_UNINSTALL = [
    "DROP INDEX IF EXISTS search_entry_document",  # the one index of every kind, before 0009
    *(sql for kind in KIND_CODES for sql in kind_statements_drop(kind)),
    "DROP INDEX IF EXISTS search_entry_account",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS document",
]


def statements_run(
    connection: BaseDatabaseWrapper, *, postgresql: Sequence[str], sqlite: Sequence[str]
) -> None:
    """Run the statements of this database's vendor (nothing on another vendor)."""
    chosen = {"postgresql": postgresql, "sqlite": sqlite}.get(connection.vendor, ())
    with connection.cursor() as cursor:
        for sql in chosen:
            cursor.execute(sql)


def index_install(connection: BaseDatabaseWrapper) -> None:
    """Create the full-text part of the index on this database (called by core's migration)."""
    sqlite = [
        SQLITE_VIEW,
        SQLITE_TABLE,
        SQLITE_VOCABULARY,
        *SQLITE_TRIGGERS.values(),
        SQLITE_REBUILD,
    ]
    statements_run(connection, postgresql=POSTGRESQL_INSTALL, sqlite=sqlite)


def index_uninstall(connection: BaseDatabaseWrapper) -> None:
    sqlite = [
        *_SQLITE_TRIGGERS_DROP,
        f"DROP TABLE IF EXISTS {FTS_VOCABULARY}",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
        f"DROP VIEW IF EXISTS {FTS_CONTENT}",
    ]
    statements_run(connection, postgresql=POSTGRESQL_UNINSTALL, sqlite=sqlite)


_SQLITE_TRIGGERS_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def _sqlite_triggers_drop(cursor: Any) -> None:
    for sql in _SQLITE_TRIGGERS_DROP:
        cursor.execute(sql)


def index_repair(*, using: str = "default", **kwargs: Any) -> None:
    """Put back SQLite triggers lost when a migration rebuilt the entry table, and reindex.

    Connected to ``post_migrate``; a no-op on PostgreSQL, before the index exists, and when
    every trigger is in place.
    """
    fts_triggers_repair(connections[using], FTS_TABLE, TABLE, SQLITE_TRIGGERS)


def index_fill_if_empty(*, using: str = "default", verbosity: int = 1, **kwargs: Any) -> None:
    """Write the whole index when it is empty but there is something to find: the first
    ``migrate`` of an installation that had data before the index existed.

    Connected to ``post_migrate`` (after every app's migrations); two cheap reads otherwise.
    """
    from kartoteka.core.models import SearchEntry

    plan = kwargs.get("plan") or []
    if any(backwards for _migration, backwards in plan):
        return  # migrating back: the tables may be gone
    tables = set(connections[using].introspection.table_names())
    models = [SearchEntry, *(getattr(source, "model", SearchEntry) for source in sources())]
    if any(model._meta.db_table not in tables for model in models):
        return  # migrated part of the way only
    if SearchEntry.objects.using(using).exists():
        return
    if not any(source.count() for source in sources()):
        return
    report = print if verbosity else (lambda _line: None)
    report("Writing the search index of the data stored before it existed…")
    index_rebuild(using=using, say=lambda line: report(f"  {line}"))


def fts_triggers_repair(
    connection: BaseDatabaseWrapper, fts_table: str, table: str, triggers: dict[str, str]
) -> None:
    """Create the missing ``triggers`` (name → statement) that keep the SQLite FTS5 table
    ``fts_table`` in step with ``table``, and rebuild it from ``table`` if any was missing
    (Django rebuilds a table to alter it on SQLite, which drops its triggers). Nothing on
    other vendors or before the FTS5 table exists."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name = %s OR tbl_name = %s", [fts_table, table]
        )
        found = {name for (name,) in cursor.fetchall()}
        if fts_table not in found:
            return
        missing = [sql for name, sql in triggers.items() if name not in found]
        if not missing:
            return
        for sql in missing:
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {fts_table}({fts_table}) VALUES ('rebuild')")


def index_count(kind: str | None = None, *, using: str | None = None) -> int:
    from kartoteka.core.models import SearchEntry

    rows = SearchEntry.objects.using(using or router.db_for_read(SearchEntry))
    return (rows.filter(pk__range=kind_range(kind)) if kind else rows).count()


def _insert(cursor: Any, rows: list[EntryRow], *, postgresql: bool) -> None:
    """Insert entry rows at once: ``COPY`` on PostgreSQL (several times faster than
    ``INSERT``s), ``executemany`` on SQLite."""
    if postgresql:
        with cursor.cursor.copy(f"COPY {TABLE} ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


def index_rebuild(
    *, kinds: Sequence[str] = (), using: str | None = None, say: Callable[[str], Any] = print
) -> int:
    """Write every entry again from the sources (of ``kinds``, or all), in one transaction;
    returns how many were written.

    SQLite: the triggers are dropped while the rows are written and the FTS5 table is rebuilt
    once from the entry table at the end, which is many times faster than a trigger per row.
    PostgreSQL, rebuilding everything: the table is truncated and its GIN index built once at
    the end instead of being kept in step row by row.
    """
    connection = _connection(using)
    chosen = [source for source in sources() if not kinds or source.kind in kinds]
    everything = {source.kind for source in chosen} == set(_SOURCES)
    postgresql = connection.vendor == "postgresql"
    written = 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_triggers_drop(cursor)
        if everything:
            cursor.execute(f"TRUNCATE {TABLE}" if postgresql else f"DELETE FROM {TABLE}")
            if postgresql:
                for kind in KIND_CODES:
                    cursor.execute(f"DROP INDEX IF EXISTS {index_name(kind)}")
                cursor.execute("DROP INDEX IF EXISTS search_entry_account")
        for source in chosen:
            if not everything:
                low, high = kind_range(source.kind)
                cursor.execute(f"DELETE FROM {TABLE} WHERE id BETWEEN %s AND %s", [low, high])
            count = 0
            for batch in source.entries():
                _insert(cursor, [entry.row() for entry in batch], postgresql=postgresql)
                count += len(batch)
            say(f"{source.kind}: {count:,} entries")
            written += count
        if connection.vendor == "sqlite":
            cursor.execute(SQLITE_REBUILD)
            for sql in SQLITE_TRIGGERS.values():
                cursor.execute(sql)
        elif everything:
            for sql in POSTGRESQL_INSTALL:
                cursor.execute(sql)
    if postgresql:
        with connection.cursor() as cursor:
            # More common words in the kinds' statistics tell more words apart as common (see
            # ``walks``): the install sets the targets (and makes a missing kind's index and
            # statistics object), kept here for older tables.
            for sql in POSTGRESQL_KINDS:
                cursor.execute(sql)
            cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN document SET STATISTICS 1000")
            cursor.execute(f"ANALYZE {TABLE}")
        _STATISTICS.pop(connection.alias, None)
    return written
