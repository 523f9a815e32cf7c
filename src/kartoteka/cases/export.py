"""The case list as CSV: streamed row by row, safe to open in a spreadsheet.

UTF-8 with a byte order mark, so Excel reads Polish and Czech letters right; cells that a
spreadsheet would take for a formula are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000

# The values read per case, in this order; ``export_header`` names the columns they make.
VALUES = (
    "number",
    "subject",
    "status__name",
    "priority__name",
    "case_type__name",
    "category__name",
    "group__name",
    "account__name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__username",
    "created_at",
    "due_date",
    "annotation",
)


def export_header() -> list[str]:
    """The column names in the active language (read before streaming starts)."""
    return [
        _("Number"),
        _("Subject"),
        _("Status"),
        _("Priority"),
        _("Type"),
        _("Category"),
        _("Group"),
        _("Customer"),
        _("Assignee"),
        _("Created by"),
        _("Created at"),
        _("Expected resolution"),
        _("Annotation"),
    ]


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _person(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


def _cell(value: Any, zone: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def export_rows(cases: QuerySet[Case], *, zone: tzinfo) -> Iterator[list[str]]:
    """One list of cells per case, in the queryset's order, read in chunks.

    ``zone`` is the user's time zone, taken in the view: the rows are produced while the
    response streams, after the middleware has already restored the default zone.
    """
    for row in cases.values_list(*VALUES).iterator(chunk_size=CHUNK_SIZE):
        (number, subject, status, priority, case_type, category, group, account) = row[:8]
        assignee = _person(*row[8:11])
        creator = _person(*row[11:14])
        created_at, due_date, annotation = row[14:]
        cells = [
            str(number),
            *(
                _cell(value, zone)
                for value in (subject, status, priority, case_type, category, group, account)
            ),
            assignee,
            creator,
            _cell(created_at, zone),
            _cell(due_date, zone),
            _cell(annotation, zone),
        ]
        yield [neutralise(cell) for cell in cells]


class _Line:
    """A file-like object whose ``write`` returns the text, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def export_csv(cases: QuerySet[Case], *, header: list[str], zone: tzinfo) -> Iterator[str]:
    """The CSV text line by line: the BOM and the header first, then one line per case."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([neutralise(name) for name in header])
    for cells in export_rows(cases, zone=zone):
        yield writer.writerow(cells)
