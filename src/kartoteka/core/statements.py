"""Reads on a hot path: the ORM writes the SQL once, each run only executes it.

Django compiles a queryset to SQL on every evaluation: a quarter of a millisecond for a simple
lookup, ten times what the database then takes to answer it. Receiving mail asks the same half
dozen questions of every message (is this Message-ID stored, whose address is this, which case
do these references belong to), so for an archive of ten thousand messages that compiling is
most of the work. A ``Statement`` is described with the ORM like any query; its SQL is built the
first time it runs with values of a given shape (a list of three ids differs from one of four)
and kept for every later run on the same database. Lists are padded to a power of two (by
repeating their last value, which ``IN`` does not mind), so a few shapes serve every length.

Only for lookups that hand their value to the database as it is given: ``exact`` and ``in`` on
integer and text columns. A ``None`` value changes the SQL (``IS NULL``), so it is refused; the
caller asks an ordinary queryset instead.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

type Value = int | str
type Values = Value | Sequence[Value]

# Stand-ins are numbers and texts no real value is: the compiled SQL's parameters are matched to
# the arguments by them. The numbers fit a positive 32-bit column (Django answers a value out of
# a column's range with no SQL at all).
_STAND_IN_NUMBERS = itertools.count(2_147_480_000, -1)
_STAND_IN_TEXT = "\x1fkartoteka-statement-{}\x1f"


class _Compiled:
    def __init__(
        self,
        sql: str,
        sources: list[_Argument | Any],
        converters: list[tuple[int, list[Callable[..., Any]], Any]],
    ) -> None:
        self.sql = sql
        self.sources = sources  # per parameter: the argument it takes, or a constant
        self.converters = converters  # per converted column: its position, functions, expression

    def parameters(self, values: dict[str, Values]) -> list[Any]:
        out: list[Any] = []
        for source in self.sources:
            if isinstance(source, _Argument):
                value = values[source.name]
                out.append(value if source.index is None else value[source.index])  # type: ignore[index]
            else:
                out.append(source)
        return out


class _Argument:
    __slots__ = ("index", "name")

    def __init__(self, name: str, index: int | None) -> None:
        self.name = name
        self.index = index


# Measured worth (2026-12-06): importing the bench corpus (bench.mail_ingest, 2,000 generated
# messages on SQLite, one parse worker, five alternating runs each) took 4.97 ms of CPU per
# message in the database process with these statements and 8.15 ms with every read compiled
# by the ORM (median): 201 against 123 messages/s at most on the machine measured, where the
# target is 150. Without them an import falls below the target on that machine already, and
# a machine half as fast would reach about 60 messages/s.
class Statement:
    """A read described once by ``build`` (keyword arguments in, a ``values_list`` queryset
    out) and run by ``rows(**values)``, which returns its rows as tuples, each value converted
    as the queryset itself would have."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], *, using: str = DEFAULT_DB_ALIAS):
        self._build = build
        self._using = using
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}
        self._lock = threading.Lock()

    def rows(self, **values: Values) -> list[tuple[Any, ...]]:
        values = {name: _padded(name, value) for name, value in values.items()}
        connection = connections[self._using]
        compiled = self._compiled_for(connection.vendor, values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, compiled.parameters(values))
            rows = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in rows]
        return [self._converted(row, compiled, connection) for row in rows]

    def first(self, **values: Values) -> tuple[Any, ...] | None:
        """The first row, for a statement that finds one at most (sliced ``[:1]``)."""
        rows = self.rows(**values)
        return rows[0] if rows else None

    def queryset(self, **values: Values) -> QuerySet[Any, Any]:
        """The queryset this statement stands for, with ``values``: what its rows must equal."""
        return self._build(**values)

    @staticmethod
    def _converted(row: Sequence[Any], compiled: _Compiled, connection: Any) -> tuple[Any, ...]:
        converted = list(row)
        for position, functions, expression in compiled.converters:
            value = converted[position]
            for function in functions:
                value = function(value, expression, connection)
            converted[position] = value
        return tuple(converted)

    def _compiled_for(self, vendor: str, values: dict[str, Values]) -> _Compiled:
        shape = (vendor, *sorted((name, _length(value)) for name, value in values.items()))
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape) or self._compile(values)
                self._compiled[shape] = compiled
        return compiled

    def _compile(self, values: dict[str, Values]) -> _Compiled:
        stand_ins: dict[str, Values] = {}
        argument_of: dict[Value, _Argument] = {}
        for name, value in values.items():
            if isinstance(value, int | str):
                stand_ins[name] = _stand_in(value)
                argument_of[stand_ins[name]] = _Argument(name, None)  # type: ignore[index]
            else:
                items = [_stand_in(item) for item in value]
                stand_ins[name] = items
                for index, item in enumerate(items):
                    argument_of[item] = _Argument(name, index)
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(using=self._using)
        try:
            sql, parameters = compiler.as_sql()
        except EmptyResultSet as error:
            raise ValueError("a statement's stand-in number is out of a column's range") from error
        sources = [argument_of.get(p, p) if isinstance(p, int | str) else p for p in parameters]
        found = {id(source) for source in sources if isinstance(source, _Argument)}
        if len(found) != len(argument_of):
            raise ValueError("a statement's values must reach its SQL as they are (exact or in)")
        expressions = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(expressions).items()
        ]
        return _Compiled(sql, sources, converters)


def _padded(name: str, value: Values) -> Values:
    if value is None:
        raise ValueError(f"{name} is None: a statement cannot say IS NULL")
    if isinstance(value, int | str):
        return value
    if not value:
        raise ValueError(f"{name} is empty: ask nothing instead")
    items = list(value)
    return items + [items[-1]] * ((1 << (len(items) - 1).bit_length()) - len(items))


def _length(value: Values) -> int | None:
    return None if isinstance(value, int | str) else len(value)


def _stand_in(value: Value) -> Value:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a statement takes numbers and texts, not {type(value).__name__}")
    number = next(_STAND_IN_NUMBERS)
    return number if isinstance(value, int) else _STAND_IN_TEXT.format(-number)


class InstanceStatement[M: Model]:
    """A ``Statement`` whose rows become instances of ``model`` with all their columns; ``build``
    returns a queryset of the model (filters, ``select_for_update``; no ``select_related``)."""

    def __init__(
        self,
        model: type[M],
        build: Callable[..., QuerySet[M]],
        *,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self._model = model
        self._build = build
        self._using = using
        self._names = [field.attname for field in model._meta.concrete_fields]
        self._statement = Statement(
            lambda **values: build(**values).values_list(*self._names), using=using
        )

    def objects(self, **values: Values) -> list[M]:
        return [
            self._model.from_db(self._using, self._names, row)
            for row in self._statement.rows(**values)
        ]

    def first(self, **values: Values) -> M | None:
        """The first instance, for a statement that finds one at most."""
        found = self.objects(**values)
        return found[0] if found else None

    def queryset(self, **values: Values) -> QuerySet[M]:
        """The queryset this statement stands for, with ``values``: what its instances must
        equal."""
        return self._build(**values)
