"""The case list as CSV: streamed row by row, safe to open in a spreadsheet.

The file is written by ``core.csv_export`` (UTF-8 with a byte order mark, the separator of the
user's choice, formula-like text neutralised), like every CSV the product gives out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case
from kartoteka.core.csv_export import FORMULA_STARTS, CsvFormat, csv_lines, neutralise
from kartoteka.core.names import local_name

__all__ = ["FORMULA_STARTS", "export_csv", "export_header", "export_rows", "neutralise"]

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
    # The lists' names per language, to show each value as the reader's language names it.
    "status__names",
    "priority__names",
    "case_type__names",
    "category__names",
    "group__names",
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


def _person(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


def export_rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """One list of values per case, in the queryset's order, read in chunks."""
    for row in cases.values_list(*VALUES).iterator(chunk_size=CHUNK_SIZE):
        number, subject, account = row[0], row[1], row[7]
        created_at, due_date, annotation = row[14:17]
        yield [
            number,
            subject,
            *(
                local_name(name, names) if name else name
                for name, names in zip(row[2:7], row[17:22], strict=True)
            ),
            account,
            _person(*row[8:11]),
            _person(*row[11:14]),
            created_at,
            due_date,
            annotation,
        ]


def export_csv(
    cases: QuerySet[Case],
    *,
    header: list[str],
    zone: tzinfo,
    csv_format: CsvFormat | None = None,
) -> Iterator[str]:
    """The CSV text line by line: the BOM and the header first, then one line per case.

    ``zone`` is the user's time zone, taken in the view: the rows are produced while the
    response streams, after the middleware has already restored the default zone.
    """
    return csv_lines(header, export_rows(cases), csv_format or CsvFormat(), zone=zone)
