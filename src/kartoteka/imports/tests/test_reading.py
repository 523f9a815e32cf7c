"""Reading import files: encodings, delimiters, workbooks, and every hostile file refused
with a message that says what to do."""

from __future__ import annotations

import datetime as dt
import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from kartoteka.imports import reading
from kartoteka.imports.reading import ImportFileError, numbered_rows, row_count, rows, sniff

POLISH = "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"
CZECH = "ěščřžýáíéůú ĚŠČŘŽ"
TABLE = [
    ["Nazwa", "NIP", "Miejscowość", "Uwagi"],
    ["Zakład Usługowy Łódź", "526-000-12-46", "Łódź", POLISH],
    ["Škoda Čeněk s.r.o.", "", "Český Krumlov", CZECH],
    ["Żółta Łąka Sp. z o.o.", "PL 5260001246", "Źródła", "Świeże źdźbła"],
]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def csv_text(table: list[list[str]], delimiter: str = ";") -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in table)


def all_rows(path: Path, **options: object) -> list[list[str]]:
    settings = {"encoding": None, "delimiter": None, "skip_header": True} | options
    return list(rows(path, **settings))  # type: ignore[arg-type]


def refusal(path: Path, **options: object) -> str:
    with pytest.raises(ImportFileError) as raised:
        all_rows(path, **options)
    return raised.value.message


# Encodings


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250", "iso-8859-2"])
def test_polish_and_czech_letters_are_read_in_the_encoding_proposed(tmp_path, encoding):
    # given a file saved in that encoding
    path = write(tmp_path, "firmy.csv", csv_text(TABLE).encode(encoding))
    # when it is sniffed and read
    sniffed = sniff(path)
    read = all_rows(path)
    # then the proposal is right and every letter survives
    assert sniffed.proposed_encoding == encoding
    assert sniffed.delimiter == ";"
    assert sniffed.headers == TABLE[0]
    assert sniffed.sample == TABLE[1:]
    assert sniffed.warnings == []
    assert read == TABLE[1:]


def test_windows_1250_with_only_polish_letters_is_not_taken_for_iso(tmp_path):
    # ś, ź, Ś, Ź differ between the two encodings; cp1250 puts them at C1 positions in ISO
    path = write(tmp_path, "a.csv", "Nazwa\nŚląsk Źródło świeże źrebię\n".encode("cp1250"))
    assert sniff(path).proposed_encoding == "cp1250"


def test_iso_8859_2_with_only_polish_letters_is_not_taken_for_windows_1250(tmp_path):
    path = write(tmp_path, "a.csv", "Nazwa\nŚląsk Źródło ąę świeże\n".encode("iso-8859-2"))
    assert sniff(path).proposed_encoding == "iso-8859-2"


def test_utf8_file_read_as_windows_1250_warns_of_broken_letters(tmp_path):
    # given a UTF-8 file
    path = write(tmp_path, "a.csv", csv_text(TABLE).encode("utf-8"))
    # when the user chooses Windows-1250
    sniffed = sniff(path, encoding="cp1250")
    # then the sample shows what that does, and a warning proposes UTF-8
    assert sniffed.proposed_encoding == "utf-8"
    assert sniffed.encoding == "cp1250"
    assert sniffed.sample[0][0] == "ZakĹ‚ad UsĹ‚ugowy Ĺ\ufffdĂłdĹş"
    assert len(sniffed.warnings) == 1
    assert sniffed.warnings[0].startswith(
        "Read as Windows-1250 (Central European), 10 cells of the first rows have broken letters"
    )
    assert sniffed.warnings[0].endswith("Did you mean UTF-8 (Unicode)?")


def test_upper_case_polish_in_windows_1250_is_not_taken_for_broken_utf8(tmp_path):
    # Ó Ł in Windows-1250 (D3 A3) happen to be a valid UTF-8 sequence
    path = write(tmp_path, "a.csv", "NAZWA;MIASTO\nZESPÓŁ SZKÓŁ;ŁÓDŹ\n".encode("cp1250"))
    sniffed = sniff(path)
    assert sniffed.proposed_encoding == "cp1250"
    assert sniffed.warnings == []


def test_windows_1250_file_read_as_iso_warns_and_proposes_windows_1250(tmp_path):
    path = write(tmp_path, "a.csv", csv_text(TABLE).encode("cp1250"))
    sniffed = sniff(path, encoding="iso-8859-2")
    assert sniffed.proposed_encoding == "cp1250"
    assert sniffed.warnings[0].endswith("Did you mean Windows-1250 (Central European)?")


def test_iso_file_read_as_windows_1250_warns_and_proposes_iso(tmp_path):
    path = write(tmp_path, "a.csv", csv_text(TABLE).encode("iso-8859-2"))
    sniffed = sniff(path, encoding="cp1250")
    assert sniffed.warnings[0].endswith("Did you mean ISO-8859-2 (Latin-2)?")


def test_windows_1250_file_read_as_utf8_names_the_line_it_cannot_decode(tmp_path):
    # given a Windows-1250 file whose first non-ASCII letter is on line 3
    table = [["Nazwa", "NIP"], ["Abc", "1"], ["Łódź", "2"]]
    path = write(tmp_path, "a.csv", csv_text(table).encode("cp1250"))
    # when it is read as UTF-8, then the line is named
    assert refusal(path, encoding="utf-8") == (
        "Line 3 cannot be read as UTF-8 (Unicode): the file has another encoding. Choose the "
        "encoding the file was saved in (Windows-1250 for most files from Polish and Czech "
        "Windows programs)."
    )
    # and sniffing it that way shows replacement characters and proposes Windows-1250
    sniffed = sniff(path, encoding="utf-8")
    assert sniffed.sample[1] == ["\ufffd\ufffdd\ufffd", "2"]
    assert sniffed.warnings[0].endswith("Did you mean Windows-1250 (Central European)?")


def test_byte_order_mark_is_removed_and_wins(tmp_path):
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbf" + "NIP;Nazwa\n1;Łąka\n".encode())
    sniffed = sniff(path)
    assert sniffed.proposed_encoding == "utf-8"
    assert sniffed.headers == ["NIP", "Nazwa"]
    assert all_rows(path) == [["1", "Łąka"]]


def test_byte_order_mark_is_removed_whatever_encoding_is_chosen(tmp_path):
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbfNIP;Nazwa\n1;Abc\n")
    assert all_rows(path, encoding="cp1250", skip_header=False) == [["NIP", "Nazwa"], ["1", "Abc"]]


def test_an_unknown_encoding_is_refused(tmp_path):
    path = write(tmp_path, "a.csv", b"a;b\n1;2\n")
    assert refusal(path, encoding="latin-1") == (
        "Unknown encoding latin-1; choose one of utf-8, cp1250, iso-8859-2."
    )


def test_utf16_file_is_refused_with_what_to_do(tmp_path):
    path = write(tmp_path, "a.csv", "a;b\n1;2\n".encode("utf-16"))
    assert refusal(path).startswith("The file is in UTF-16")


# Delimiters and quoting


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter_is_detected(tmp_path, delimiter):
    path = write(tmp_path, "a.csv", csv_text(TABLE, delimiter).encode())
    assert sniff(path).delimiter == delimiter
    assert all_rows(path) == TABLE[1:]


def test_delimiter_is_detected_even_when_cells_hold_the_other_candidates(tmp_path):
    text = 'Nazwa;Adres;Uwagi\n"Firma, S.A.";"ul. Polna 1, Łódź";"a, b, c"\nB;C;D\n'
    path = write(tmp_path, "a.csv", text.encode())
    assert sniff(path).delimiter == ";"


def test_a_file_of_one_column_says_the_delimiter_may_be_wrong(tmp_path):
    path = write(tmp_path, "a.csv", "Nazwa#NIP\nŁąka#1\n".encode())
    sniffed = sniff(path)
    assert sniffed.headers == ["Nazwa#NIP"]
    assert sniffed.warnings == [
        "Every row has a single column: if the file has more, choose its delimiter."
    ]


def test_a_chosen_delimiter_overrides_detection(tmp_path):
    path = write(tmp_path, "a.csv", b"a,b;c\n1,2;3\n")
    assert sniff(path, delimiter=",").headers == ["a", "b;c"]
    assert all_rows(path, delimiter=",") == [["1", "2;3"]]


def test_quoted_fields_keep_delimiters_quotes_and_line_breaks(tmp_path):
    text = 'Nazwa;Uwagi;NIP\r\n"Łąka; ""Zielona""";"pierwsza linia\r\ndruga linia";1\r\nB;;2\r\n'
    path = write(tmp_path, "a.csv", text.encode("cp1250"))
    assert list(numbered_rows(path, encoding=None, delimiter=None, skip_header=True)) == [
        (2, ['Łąka; "Zielona"', "pierwsza linia\r\ndruga linia", "1"]),
        (4, ["B", "", "2"]),
    ]


def test_cells_are_stripped_and_empty_rows_skipped(tmp_path):
    text = "Nazwa ; NIP\n\n  Abc  ;  1 \n ; \n;;\nDef;2\n"
    path = write(tmp_path, "a.csv", text.encode())
    assert sniff(path).headers == ["Nazwa", "NIP"]
    assert list(numbered_rows(path, encoding=None, delimiter=";", skip_header=True)) == [
        (3, ["Abc", "1"]),
        (6, ["Def", "2"]),
    ]


def test_ragged_rows_keep_their_length(tmp_path):
    text = "a;b;c\n1\n1;2;3;4\n1;2\n"
    path = write(tmp_path, "a.csv", text.encode())
    assert all_rows(path) == [["1"], ["1", "2", "3", "4"], ["1", "2"]]


def test_csv_starting_like_a_zip_signature_is_still_csv(tmp_path):
    # PKD, the Polish classification of activities, is a common first column
    path = write(tmp_path, "a.csv", "PKD;Nazwa\n47.11.Z;Sklep Żabka\n".encode("cp1250"))
    assert sniff(path).kind == "csv"
    assert all_rows(path) == [["47.11.Z", "Sklep Żabka"]]


def test_header_row_is_yielded_when_not_skipped(tmp_path):
    path = write(tmp_path, "a.csv", b"a;b\n1;2\n")
    assert all_rows(path, skip_header=False) == [["a", "b"], ["1", "2"]]
    assert row_count(path, encoding=None, delimiter=None, skip_header=True) == 1


# Hostile and broken files


def test_empty_file_is_refused(tmp_path):
    path = write(tmp_path, "a.csv", b"")
    assert refusal(path) == "The file is empty."
    with pytest.raises(ImportFileError, match=r"The file is empty\."):
        sniff(path)


def test_file_of_blank_lines_is_empty(tmp_path):
    path = write(tmp_path, "a.csv", b"\xef\xbb\xbf\r\n  \r\n\n")
    assert refusal(path) == "The file is empty."


def test_header_only_file_has_no_data_rows(tmp_path):
    path = write(tmp_path, "a.csv", b"Nazwa;NIP\r\n")
    assert refusal(path) == "The file has a header row but no data rows."
    sniffed = sniff(path)
    assert sniffed.headers == ["Nazwa", "NIP"]
    assert sniffed.sample == []
    assert sniffed.warnings == [
        "The file has only one row: if it is the header, there is nothing to import."
    ]


def test_pdf_renamed_csv_is_refused(tmp_path):
    path = write(tmp_path, "faktura.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert refusal(path) == "The file is a PDF, not a CSV or Excel file."


def test_binary_junk_is_refused(tmp_path):
    path = write(tmp_path, "a.csv", bytes(range(256)) * 40)
    assert refusal(path) == "The file is not a CSV or Excel file: it holds binary data, not text."


def test_ten_thousand_columns_are_refused(tmp_path):
    header = ";".join(f"k{index}" for index in range(10_000))
    path = write(tmp_path, "a.csv", f"{header}\n{header}\n".encode())
    assert refusal(path) == (
        "Row 1 has 10000 columns; at most 200 are read. Remove the columns you do not need."
    )


def test_a_ten_megabyte_cell_fails_fast_and_small(tmp_path):
    # given a cell of 10 MB on line 2
    path = write(tmp_path, "a.csv", b"Nazwa;Uwagi\nAbc;" + b"x" * 10_000_000 + b"\nDef;1\n")
    # when it is read
    tracemalloc.start()
    started = time.perf_counter()
    message = refusal(path)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # then it is refused before the cell is read whole
    assert message == (
        "A cell on line 2 is longer than 10 000 characters; shorten it or leave it out."
    )
    assert peak < 2_000_000
    assert elapsed < 1


def test_a_ten_megabyte_quoted_cell_with_delimiters_and_line_breaks_is_refused(tmp_path):
    cell = ('"' + "ab;c\n" * 2_000_000 + '"').encode()
    path = write(tmp_path, "a.csv", b"Nazwa;Uwagi\nAbc;" + cell + b"\n")
    tracemalloc.start()
    message = refusal(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message == (
        "A cell on line 2 is longer than 10 000 characters; shorten it or leave it out."
    )
    assert peak < 5_000_000


def test_a_cell_just_over_the_limit_is_refused_and_one_at_it_is_read(tmp_path):
    fits = write(tmp_path, "fits.csv", f"a;b\n1;{'x' * 10_000}\n".encode())
    over = write(tmp_path, "over.csv", f"a;b\n1;{'x' * 10_001}\n".encode())
    assert all_rows(fits) == [["1", "x" * 10_000]]
    assert refusal(over).startswith("A cell on line 2 is longer than 10 000 characters")


def test_too_many_rows_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    path = write(tmp_path, "a.csv", b"a\n1\n2\n3\n4\n")
    assert refusal(path) == "The file has more than 3 rows; split it into smaller files."


def test_a_large_file_streams_in_little_memory(tmp_path):
    # given 100,000 rows in Windows-1250
    line = "Zakład Łąka Sp. z o.o.;5260001246;ul. Żółkiewskiego 12;Łódź;+48 601 234 567\r\n"
    path = write(
        tmp_path,
        "big.csv",
        ("Nazwa;NIP;Ulica;Miasto;Telefon\r\n" + line * 100_000).encode("cp1250"),
    )
    # when it is read
    tracemalloc.start()
    count = sum(1 for _row in rows(path, encoding="cp1250", delimiter=";", skip_header=True))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # then it is read whole with a few hundred kilobytes at most
    assert count == 100_000
    assert peak < 1_000_000


# Excel workbooks


def workbook_bytes(table: list[list[object]], *, sheets: int = 1) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Klienci"
    for row in table:
        sheet.append(row)
    for index in range(1, sheets):
        workbook.create_sheet(f"Arkusz{index}")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_xlsx_is_read_with_numbers_as_typed_and_dates_iso(tmp_path):
    # given a workbook with a NIP stored as a number, a float, a date and a date-time
    midnight = dt.datetime(2024, 5, 2)  # noqa: DTZ001 - spreadsheets hold naive times
    table: list[list[object]] = [
        ["Nazwa", "NIP", "Obrót", "Od", "Spotkanie", "Telefon"],
        [
            "Łąka Sp. z o.o.",
            5260001246,
            1234.5,
            dt.date(2024, 5, 1),
            dt.datetime(2024, 5, 1, 14, 30),  # noqa: DTZ001 - spreadsheets hold naive times
            601234567,
        ],
        ["Škoda", 5260001246.0, 0.1, midnight, None, "  +48 22 628 45 17 "],
    ]
    path = write(tmp_path, "a.xlsx", workbook_bytes(table))
    # when it is read
    sniffed = sniff(path)
    read = list(numbered_rows(path, encoding=None, delimiter=None, skip_header=True))
    # then
    assert (sniffed.kind, sniffed.proposed_encoding, sniffed.delimiter) == ("xlsx", None, None)
    assert sniffed.headers == ["Nazwa", "NIP", "Obrót", "Od", "Spotkanie", "Telefon"]
    assert read == [
        (
            2,
            [
                "Łąka Sp. z o.o.",
                "5260001246",
                "1234.5",
                "2024-05-01",
                "2024-05-01 14:30:00",
                "601234567",
            ],
        ),
        (3, ["Škoda", "5260001246", "0.1", "2024-05-02", "", "+48 22 628 45 17"]),
    ]


def test_xlsx_formula_gives_its_saved_value_never_the_formula(tmp_path):
    # given a formula saved with its computed value (as Excel saves it)
    data = workbook_bytes([["Nazwa", "Link"], ["Abc", '=HYPERLINK("http://zly.example","x")']])
    path = write(tmp_path, "a.xlsx", _with_cached_value(data, "B2", "kliknij"))
    # and one written by a program that never computed it
    never = write(tmp_path, "b.xlsx", data)
    # then the saved value is read, and no formula text travels
    assert all_rows(path) == [["Abc", "kliknij"]]
    assert all_rows(never) == [["Abc"]]


def _with_cached_value(data: bytes, reference: str, value: str) -> bytes:
    """The workbook with a cached string value added to the formula cell ``reference``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                start = text.index(f'<c r="{reference}"')
                end = text.index("</c>", start)
                cell = text[start:end].replace("<v></v>", f"<v>{value}</v>")
                cell = cell.replace(f'<c r="{reference}"', f'<c r="{reference}" t="str"', 1)
                text = text[:start] + cell + text[end:]
                content = text.encode()
            target.writestr(item, content)
    return output.getvalue()


def test_xlsx_text_starting_with_equals_is_kept_as_text(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nazwa"])
    sheet.append(["x"])
    sheet["A2"].value = '=HYPERLINK("http://zly.example")'
    sheet["A2"].data_type = "s"
    output = io.BytesIO()
    workbook.save(output)
    path = write(tmp_path, "a.xlsx", output.getvalue())
    assert all_rows(path) == [['=HYPERLINK("http://zly.example")']]


def test_xlsx_with_several_sheets_reads_the_first_and_says_so(tmp_path):
    path = write(tmp_path, "a.xlsx", workbook_bytes([["a"], ["1"]], sheets=3))
    sniffed = sniff(path)
    assert sniffed.sheet == "Klienci"
    assert sniffed.warnings == ["The workbook has 3 sheets; only the first, “Klienci”, is read."]


def test_xlsx_trailing_empty_cells_and_empty_rows_are_dropped(tmp_path):
    path = write(
        tmp_path, "a.xlsx", workbook_bytes([["a", "b", None], [None, None], ["1", None, None]])
    )
    assert list(numbered_rows(path, encoding=None, delimiter=None, skip_header=True)) == [
        (3, ["1"])
    ]


def test_xlsx_with_ten_thousand_columns_is_refused(tmp_path):
    path = write(tmp_path, "a.xlsx", workbook_bytes([list(range(10_000)), list(range(10_000))]))
    assert refusal(path).startswith("Row 1 has 10000 columns; at most 200 are read.")


def test_empty_xlsx_is_refused(tmp_path):
    path = write(tmp_path, "a.xlsx", workbook_bytes([]))
    assert refusal(path) == "The file is empty."


def test_xlsx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    # given a workbook whose sheet unpacks to 50 MB from a few dozen kilobytes
    data = workbook_bytes([])
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>aaaa</t></is></c></row>'
                content = content.replace(
                    b"<sheetData></sheetData>", b"<sheetData>" + row * 800_000 + b"</sheetData>"
                )
            target.writestr(item.filename, content)
    path = write(tmp_path, "bomb.xlsx", output.getvalue())
    assert path.stat().st_size < 1_000_000
    # when it is read, then it is refused from the zip's directory alone
    tracemalloc.start()
    message = refusal(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message == (
        "The workbook would unpack to an unsafe amount of data (it may be a zip bomb); it is "
        "refused. Save the data as CSV and upload that."
    )
    assert peak < 1_000_000
    with pytest.raises(ImportFileError, match="zip bomb"):
        sniff(path)


def test_xlsx_declaring_too_much_in_all_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "XLSX_MAX_UNCOMPRESSED", 1000)
    path = write(tmp_path, "a.xlsx", workbook_bytes([["a"], ["1"]]))
    assert "zip bomb" in refusal(path)


def test_corrupt_xlsx_is_refused(tmp_path):
    data = workbook_bytes([["a"], ["1"]])
    path = write(tmp_path, "a.xlsx", data[: len(data) // 2])
    assert refusal(path) == (
        "The file is a damaged archive, not a readable Excel workbook (.xlsx)."
    )


def test_xlsx_with_a_damaged_sheet_is_refused(tmp_path):
    data = workbook_bytes([["a"], ["1"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item.filename, content)
    path = write(tmp_path, "a.xlsx", output.getvalue())
    assert refusal(path).startswith("The Excel workbook is damaged")


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    path = write(tmp_path, "a.xlsx", output.getvalue())
    assert refusal(path).startswith("The file is a zip archive but not an Excel workbook")


def test_password_protected_workbook_is_refused(tmp_path):
    # given what Excel saves for a workbook with a password: an OLE file with EncryptionInfo
    directory = "EncryptionInfo".encode("utf-16-le").ljust(64, b"\x00")
    data = reading.OLE_MAGIC + b"\x00" * 504 + directory + b"\x00" * 4096
    path = write(tmp_path, "tajne.xlsx", data)
    assert refusal(path) == (
        "The workbook is protected with a password. Open it in your spreadsheet, remove the "
        "password (or save a copy without it) and upload that copy."
    )


def test_old_xls_is_refused_with_what_to_do(tmp_path):
    path = write(tmp_path, "stary.xls", reading.OLE_MAGIC + b"\x00" * 4096)
    assert refusal(path).startswith("This is an old Excel file (.xls).")


def test_messages_are_translated(tmp_path):
    from django.utils import translation

    path = write(tmp_path, "a.csv", b"")
    with translation.override("pl"), pytest.raises(ImportFileError) as polish:
        all_rows(path)
    with translation.override("cs"), pytest.raises(ImportFileError) as czech:
        all_rows(path)
    assert polish.value.message == "Plik jest pusty."
    assert czech.value.message == "Soubor je prázdný."
    assert str(czech.value) == "Soubor je prázdný."


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "TRUE"),
        (5260001246, "5260001246"),
        (5260001246.0, "5260001246"),
        (1234.5, "1234.5"),
        (1e-7, "0.0000001"),
        (dt.date(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 0, 0), "2024-01-02"),  # noqa: DTZ001 - spreadsheets hold naive times
        (dt.datetime(2024, 1, 2, 8, 5, 1), "2024-01-02 08:05:01"),  # noqa: DTZ001 - spreadsheets hold naive times
        (dt.time(8, 5), "08:05:00"),
        ("  a b  ", "a b"),
    ],
)
def test_cell_text(value, text):
    assert reading.cell_text(value) == text
