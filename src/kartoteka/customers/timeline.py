"""The customer file's timeline: everything that happened with a customer, newest first.

Each app that holds something of a customer's story registers one *source* here (in its
``AppConfig.ready``): cases (opened, comments, internal notes), mail (emails in and out),
customers (changes of the account and its contacts); activities, documents and portal posts
join the same way, without touching the page. A source answers, for a ``Window`` (whose
file, what the reader may see, which kinds, filters, and the keyset cursor), at most
``window.limit + 1`` of its newest entries older than the cursor, each read through its model's
``visible_to(user)``; ``timeline_page`` merges them. One query or so per kind, however long the
customer's history: "older" pages by the cursor, nothing is counted.

The order is (time, kind, key) descending; the cursor is the last entry shown, so a source
returns what sorts after it (``older_than``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.db.models import Exists, ManyToManyField, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise

from kartoteka.core.search_index import FilePrefix, index_file_prefix

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from kartoteka.people.models import User

PAGE_SIZE = 50

StrOrPromise = str | Promise  # a label, translated now or when shown


@dataclass(frozen=True)
class Cursor:
    at: datetime
    kind: str
    key: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}~{self.kind}~{self.key}"

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """The cursor written by ``encode``; None for anything else (a first page)."""
        parts = text.split("~")
        if len(parts) != 3 or not parts[2].isdigit() or len(parts[1]) > 40:
            return None
        try:
            at = parse_datetime(parts[0])
        except ValueError:
            return None
        if at is None or at.tzinfo is None:
            return None
        return cls(at, parts[1], int(parts[2]))


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    key: int  # the row's primary key: unique within its kind
    title: str
    url: str = ""
    who: str = ""
    text: str = ""  # an excerpt
    context: str = ""  # e.g. the case it belongs to

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.kind, self.key)


@dataclass(frozen=True)
class Window:
    """What the reader asks of one customer's file."""

    user: User
    account_id: int
    contact_id: int | None = None  # narrowed to one contact (the contact page, or a filter)
    kinds: frozenset[str] = frozenset()  # empty: every kind
    case_number: int | None = None
    by_user_id: int | None = None
    since: date | None = None
    until: date | None = None
    query: str = ""
    # Whether the search reads its last word as a beginning, and the words it begins (set by
    # ``timeline_page``, once; see ``index_file_prefix``).
    query_prefix: FilePrefix | bool | None = None
    before: Cursor | None = None
    limit: int = PAGE_SIZE
    # The entry that sorts (limit + 1)-th among what the sources asked before gave: what sorts
    # after it cannot be on the page, so a later source reads only what sorts before it (set
    # by ``timeline_page``; ``older_than`` applies it).
    floor: Cursor | None = None

    def wants(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


@dataclass(frozen=True)
class Figure:
    """A key figure of the file's header: "Open cases: 3"."""

    label: str
    value: str


class Source(Protocol):
    """One app's part of the customer file."""

    @property
    def kinds(self) -> Sequence[tuple[str, StrOrPromise]]:
        """(kind, label) of the entries it writes, in the order the filters offer them."""
        ...

    def entries(self, window: Window) -> list[Entry]:
        """At most ``window.limit + 1`` entries older than ``window.before``, newest first,
        only what ``window.user`` may see, matching the window's filters."""
        ...

    def figures(self, user: User, account_id: int) -> list[Figure]:
        """The source's key figures for the header (a query or two)."""
        ...


_SOURCES: list[Source] = []


def source_register(source: Source) -> None:
    """Add ``source`` to every customer file (once; called from an ``AppConfig.ready``)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def kinds_offered() -> list[tuple[str, StrOrPromise]]:
    return [kind for source in _SOURCES for kind in source.kinds]


def file_figures(user: User, account_id: int) -> list[Figure]:
    return [figure for source in _SOURCES for figure in source.figures(user, account_id)]


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    older: Cursor | None  # where the next page starts; None on the last page
    kinds: list[tuple[str, StrOrPromise]] = field(default_factory=list)


def timeline_page(window: Window) -> TimelinePage:
    """The window's page of the timeline, merged from every source, each asked only for what
    sorts before the (limit + 1)-th entry of those before it."""
    if window.query and window.query_prefix is None:
        window = replace(window, query_prefix=index_file_prefix(window.query, window.account_id))
    found: list[Entry] = []
    for source in _SOURCES:
        found += source.entries(window)
        found.sort(key=lambda entry: (entry.at, entry.kind, entry.key), reverse=True)
        del found[window.limit + 1 :]
        if len(found) > window.limit:
            window = replace(window, floor=found[window.limit].cursor)
    shown = found[: window.limit]
    older = shown[-1].cursor if len(found) > window.limit and shown else None
    return TimelinePage(shown, older, kinds_offered())


def older_than(window: Window, kind: str, *, at: str = "created_at", key: str = "pk") -> Q:
    """The rows of ``kind`` that sort after the window's cursor (all rows on a first page)
    and before its floor (see ``Window.floor``)."""
    return _after(window.before, kind, at, key) & _before(window.floor, kind, at, key)


# Each bound is one range on the time (which an index on it walks), less what of the bound's
# moment falls on the wrong side; "earlier, or the same moment and ..." written as an OR
# would have the database read every older row of the customer and sort them.


def _after(cursor: Cursor | None, kind: str, at: str, key: str) -> Q:
    if cursor is None:
        return Q()
    if kind < cursor.kind:
        return Q(**{f"{at}__lte": cursor.at})
    if kind > cursor.kind:
        return Q(**{f"{at}__lt": cursor.at})
    return Q(**{f"{at}__lte": cursor.at}) & ~Q(**{at: cursor.at, f"{key}__gte": cursor.key})


def _before(cursor: Cursor | None, kind: str, at: str, key: str) -> Q:
    if cursor is None:
        return Q()
    if kind < cursor.kind:
        return Q(**{f"{at}__gt": cursor.at})
    if kind > cursor.kind:
        return Q(**{f"{at}__gte": cursor.at})
    return Q(**{f"{at}__gte": cursor.at}) & ~Q(**{at: cursor.at, f"{key}__lte": cursor.key})


def page_span(window: Window, *, at: str = "created_at") -> Q:
    """The moments between the window's cursor and floor, for a source whose kinds differ in
    their conditions (``older_than`` per kind, joined by OR, leaves the database no range)."""
    span = Q()
    if window.before is not None:
        span &= Q(**{f"{at}__lte": window.before.at})
    if window.floor is not None:
        span &= Q(**{f"{at}__gte": window.floor.at})
    return span


def narrowed[Rows: QuerySet[Any]](
    rows: Rows, window: Window, *, contacts: str, case_number: str, author: str
) -> Rows:
    """``rows`` narrowed by the window's contact, case and user filters; the keywords name the
    row's paths to its contacts, to its case's number and to the user who wrote it."""
    if window.contact_id is not None:
        rows = rows.filter(_naming_contact(rows, contacts, window.contact_id))
    if window.case_number is not None:
        rows = rows.filter(**{case_number: window.case_number})
    if window.by_user_id is not None:
        rows = rows.filter(**{author: window.by_user_id})
    return rows


def _naming_contact(rows: QuerySet[Any], path: str, contact_id: int) -> Exists:
    """The rows whose many-to-many ``path`` (e.g. "case__contacts") holds the contact, as an
    EXISTS on the link table per row: the database walks the customer's rows newest first and
    stops at a page, where a join would gather every row of the contact first."""
    *hops, last = path.split("__")
    model = rows.model
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    field = cast(ManyToManyField, model._meta.get_field(last))
    links = field.remote_field.through._default_manager.filter(  # type: ignore[union-attr]
        **{
            field.m2m_field_name(): OuterRef("__".join(hops) or "pk"),
            field.m2m_reverse_field_name(): contact_id,
        }
    )
    return _ExistsPerRow(links)


class _ExistsPerRow(Exists):
    """EXISTS checked row by row as the rows are walked. PostgreSQL pulls a plain EXISTS up
    into a join, which here gathers every row of the contact before sorting (its estimate of
    how few match is far off); an OFFSET keeps the subquery a probe per row."""

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.as_sql(
            compiler, connection, template="EXISTS(%(subquery)s OFFSET 0)", **extra_context
        )
        return sql, list(params)


def within_dates(window: Window, *, at: str = "created_at") -> Q:
    """The rows of the window's date range (whole days in the reader's time zone), as bounds
    on the timestamp itself, which an index on it serves (a date computed from each row
    would be computed for every row of the customer)."""
    condition = Q()  # the first and the last day of the calendar bound nothing
    if window.since is not None and window.since > date.min:
        condition &= Q(**{f"{at}__gte": _day_start(window.since)})
    if window.until is not None and window.until < date.max:
        condition &= Q(**{f"{at}__lt": _day_start(window.until + timedelta(days=1))})
    return condition


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def excerpt(text: str, length: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
