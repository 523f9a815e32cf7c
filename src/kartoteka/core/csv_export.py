"""CSV files as the user's spreadsheet reads them: the one writer of every CSV export.

Polish and Czech Excel (and LibreOffice in those locales) split columns on ``;`` and read
``1,5`` as a number; English ones split on ``,`` and read ``1.5``. The separator is the user's
choice in the export dialog (``CsvExportForm``), by default the one of their language; numbers
take a decimal comma where the language writes one, unless the separator is the comma itself.

Every file is UTF-8 with a byte order mark (Excel reads Polish and Czech letters right only
with it), and a text cell a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is neutralised with a leading apostrophe. Numbers,
dates and times are written as values, never neutralised: ``-5`` is a number, not a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The languages whose spreadsheets split on ";" and write a decimal comma.
SEMICOLON_LANGUAGES = frozenset({"pl", "cs"})


class Separator(models.TextChoices):
    SEMICOLON = "semicolon", _("Semicolon (;), as Polish and Czech Excel expects")
    COMMA = "comma", _("Comma (,), as English Excel expects")
    TAB = "tab", _("Tab")


DELIMITERS = {Separator.SEMICOLON: ";", Separator.COMMA: ",", Separator.TAB: "\t"}


def default_separator(language: str | None) -> Separator:
    """The separator a spreadsheet in ``language`` expects ("pl-PL" counts as "pl")."""
    base = (language or "").lower().split("-")[0]
    return Separator.SEMICOLON if base in SEMICOLON_LANGUAGES else Separator.COMMA


@dataclass(frozen=True)
class CsvFormat:
    """How cells are separated and how numbers are written."""

    delimiter: str = ","
    decimal_comma: bool = False

    @classmethod
    def chosen(cls, separator: str | None, *, language: str | None) -> CsvFormat:
        """The format of ``separator`` (a ``Separator`` value; empty or unknown: the
        language's default) for a user writing ``language``."""
        choice = (
            Separator(separator) if separator in Separator.values else default_separator(language)
        )
        delimiter = DELIMITERS[choice]
        comma_language = default_separator(language) == Separator.SEMICOLON
        return cls(delimiter=delimiter, decimal_comma=comma_language and delimiter != ",")


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def cell_text(
    value: Any, csv_format: CsvFormat, *, zone: tzinfo | None = None, neutralised: bool = True
) -> str:
    """One value as its cell: text neutralised, numbers in the format's decimal mark,
    times in ``zone`` (the user's; default: the active one) to the minute, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return number.replace(".", ",") if csv_format.decimal_comma else number
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value)) if neutralised else str(value)


class _Line:
    """A file-like object whose ``write`` returns the text, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    csv_format: CsvFormat,
    *,
    zone: tzinfo | None = None,
    neutralised: bool = True,
) -> Iterator[str]:
    """The CSV text line by line, for streaming: the BOM and the header first, then a line
    per row (read lazily, so rows may come from a database cursor).

    ``neutralised=False`` only for a file of our own fixed text that is read back as it is
    (the import template's example phone number starts with "+").
    """
    writer = csv.writer(_Line(), delimiter=csv_format.delimiter, lineterminator="\r\n")

    def line(cells: Sequence[Any]) -> str:
        cells = [cell_text(cell, csv_format, zone=zone, neutralised=neutralised) for cell in cells]
        return str(writer.writerow(cells))

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def csv_bytes(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    csv_format: CsvFormat,
    *,
    neutralised: bool = True,
) -> bytes:
    """The whole file at once, for small files."""
    return "".join(csv_lines(header, rows, csv_format, neutralised=neutralised)).encode()


def csv_response(lines: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """A streamed download of ``lines`` (``csv_lines``) named ``filename``."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class CsvExportForm(forms.Form):
    """The export dialog's choice: how the file separates its columns."""

    separator = forms.ChoiceField(
        label=_("Columns separated by"),
        choices=Separator.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, language: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = language
        self.fields["separator"].initial = default_separator(language)

    def csv_format(self) -> CsvFormat:
        """The chosen format; an invalid or missing choice falls back to the default."""
        separator = self.cleaned_data.get("separator") if self.is_valid() else None
        return CsvFormat.chosen(separator, language=self.language)
