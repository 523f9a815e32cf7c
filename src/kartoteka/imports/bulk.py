"""Inserts of many rows at once for the run, without a model instance per row.

``bulk_create`` builds a model instance and prepares every value through its field, which
for 100,000 accounts with their history, contacts and addresses costs minutes. Here a row is a
dict of attribute → value already in the database's form (text, numbers, booleans; datetimes
and JSON prepared once by the caller through ``prepared``), and the rows go to the database
with one ``executemany`` per table (``COPY`` on PostgreSQL). Missing attributes take the
field's default.

Primary keys the caller needs (to link contacts to accounts) are allocated first: on
PostgreSQL from the table's sequence, on SQLite above the highest ever given (``MAX`` and
``sqlite_sequence``) — the run holds SQLite's write lock for its whole transaction
(``BEGIN IMMEDIATE``), so no other writer takes a key in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db import connection, models
from django.db.models import NOT_PROVIDED


def prepared(model: type[models.Model], attname: str, value: Any) -> Any:
    """``value`` in the database's form for the field ``attname`` of ``model``."""
    field = next(f for f in model._meta.concrete_fields if f.attname == attname)
    return field.get_db_prep_save(value, connection)


def _default(field: models.Field[Any, Any]) -> Any:
    if field.has_default():
        return field.get_db_prep_save(field.get_default(), connection)
    if field.null:
        return None
    if field.default is NOT_PROVIDED and field.empty_strings_allowed and not field.is_relation:
        return ""
    return None  # the caller gives it (a missing one fails on the column's NOT NULL)


class Table:
    """The columns of ``model`` given in ``attnames`` (plus ``pk`` when keys are given)."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str]) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.attnames = list(attnames)
        self.defaults = [
            _default(fields[name]) if name not in ("id", "history_id") else None
            for name in self.attnames
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(cast(str, fields[name].column)) for name in self.attnames)
        marks = ", ".join(["%s"] * len(self.attnames))
        table = quote(model._meta.db_table)
        # Names from the model's own metadata, values as parameters.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy = f"COPY {table} ({columns}) FROM STDIN"

    def insert(self, rows: Iterable[dict[str, Any]]) -> int:
        values = [
            tuple(
                row.get(name, default)
                for name, default in zip(self.attnames, self.defaults, strict=True)
            )
            for row in rows
        ]
        if values:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # COPY: several times faster than INSERTs (as ``core.search_index``).
                    with cursor.cursor.copy(self.copy) as copy:
                        for value in values:
                            copy.write_row(value)
                else:
                    cursor.executemany(self.sql, values)
        return len(values)


def keys_allocate(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``'s table, unused and never used before."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = cast(str, model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(highest, found[0] if found else 0) + 1
    return list(range(start, start + count))
