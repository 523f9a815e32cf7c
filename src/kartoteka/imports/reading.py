"""Reading an import file: CSV in a chosen encoding, or an Excel workbook, as rows of text.

Pure: no database. The content decides the kind, never the name: a zip holding
``xl/workbook.xml`` is a workbook, anything else must be text. Everything is read as a
stream, so a file of 100,000 rows costs the memory of one row.

**CSV.** Encodings are UTF-8, Windows-1250 and ISO-8859-2 (``ENCODINGS``); a byte order mark
is removed whatever the encoding. ``sniff`` proposes an encoding (a BOM wins; a file that
decodes as strict UTF-8 is UTF-8; otherwise the Polish and Czech letters' byte statistics
decide between Windows-1250 and ISO-8859-2) and a delimiter among ``, ; TAB |`` (the one that
splits the first lines into the same number of cells most often), and warns when the chosen
encoding produces broken letters. Quoted fields may hold delimiters and line breaks.

**XLSX.** Only the first worksheet is read, with openpyxl in read-only mode and
``data_only=True``: nothing is evaluated, a formula cell gives the value the spreadsheet
saved with it (a workbook written by a program that never computed it gives an empty cell,
never the formula's text, so no formula travels into the data). Whole numbers come without
``.0`` (a NIP typed as a number stays ``5260001246``), dates as ISO ``YYYY-MM-DD``, date-times
as ``YYYY-MM-DD HH:MM:SS``. Before openpyxl sees the file, the zip's directory is checked: at
most ``XLSX_MAX_MEMBERS`` members, ``XLSX_MAX_UNCOMPRESSED`` bytes unpacked and a
compression ratio of ``XLSX_MAX_RATIO`` for any member over a megabyte (a zip bomb is
refused before anything is unpacked). A password-protected workbook (an OLE file holding an
``EncryptionInfo`` stream) and an old ``.xls`` are refused with what to do instead.

**Limits**, each refused with a clear ``ImportFileError``: ``MAX_COLUMNS`` cells in a row,
``MAX_CELL`` characters in a cell (a 10 MB cell fails after some kilobytes, not after
reading it all), ``MAX_ROWS`` data rows.

Cells are stripped of surrounding whitespace; rows whose cells are all empty are skipped;
rows keep the length they have in the file (ragged rows are the caller's to pad), except
that an xlsx row loses its trailing empty cells.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ENCODINGS = ("utf-8", "cp1250", "iso-8859-2")
ENCODING_LABELS = {
    "utf-8": gettext_lazy("UTF-8 (Unicode)"),
    "cp1250": gettext_lazy("Windows-1250 (Central European)"),
    "iso-8859-2": gettext_lazy("ISO-8859-2 (Latin-2)"),
}
DELIMITERS = (";", ",", "\t", "|")
DELIMITER_LABELS = {
    ";": gettext_lazy("semicolon ( ; )"),
    ",": gettext_lazy("comma ( , )"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar ( | )"),
}

MAX_COLUMNS = 200
MAX_CELL = 10_000
MAX_ROWS = 200_000
SAMPLE_ROWS = 20

XLSX_MAX_MEMBERS = 10_000
XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
XLSX_MAX_RATIO = 200
XLSX_RATIO_FLOOR = 1024 * 1024  # members smaller than this may compress as well as they like

CHUNK = 64 * 1024  # bytes read at a time from a CSV line
SCAN_BYTES = 32 * 1024 * 1024  # bytes of a CSV the encoding proposal looks at
SNIFF_LINES = 50  # lines the delimiter detection parses

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Local file header, empty archive, spanned archive: a CSV may well start with "PKD;".
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# Letters of Polish and Czech text: what a right decoding produces.
LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻěščřžýáíéůúťďňĚŠČŘŽÝÁÍÉŮÚŤĎŇ")
# Characters a wrong decoding of those letters produces (ISO-8859-2 read as Windows-1250 and
# the other way round); rare in real data.
SUSPICIOUS = frozenset("±¶¦ˇ¬¤µ·»«©®Ľľ")


class ImportFileError(Exception):
    """The file cannot be imported; ``message`` (also ``str()``) says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "csv" or "xlsx"
    proposed_encoding: str | None
    delimiter: str | None
    headers: list[str]
    sample: list[list[str]]
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # the encoding the sample was decoded with (csv)
    sheet: str | None = None  # the worksheet read (xlsx)


def sniff(
    path: Path | str, *, encoding: str | None = None, delimiter: str | None = None
) -> Sniffed:
    """What the file is and what it holds: kind, proposed encoding and detected delimiter,
    the first row and up to ``SAMPLE_ROWS`` rows after it, decoded with ``encoding`` (or the
    proposed one), and warnings. Raises ``ImportFileError`` for a file that cannot be read."""
    path = Path(path)
    kind = file_kind(path)
    if kind == "xlsx":
        return _sniff_xlsx(path)
    _check_encoding_choice(encoding)
    proposed = propose_encoding(path)
    chosen = encoding or proposed
    if delimiter is None:
        delimiter = detect_delimiter(path, chosen)
    _check_delimiter_choice(delimiter)
    first: list[list[str]] = []
    for _line, cells in _csv_rows(path, chosen, delimiter, errors="replace"):
        first.append(cells)
        if len(first) > SAMPLE_ROWS:
            break
    if not first:
        raise ImportFileError(_("The file is empty."))
    headers, sample = first[0], first[1:]
    warnings = []
    broken = broken_cells([headers, *sample], chosen)
    if broken:
        warnings.append(_broken_warning(broken, chosen, proposed))
    if sample and all(len(row) == 1 for row in first):
        warnings.append(
            _("Every row has a single column: if the file has more, choose its delimiter.")
        )
    if not sample:
        warnings.append(
            _("The file has only one row: if it is the header, there is nothing to import.")
        )
    return Sniffed("csv", proposed, delimiter, headers, sample, warnings, chosen)


def rows(
    path: Path | str, *, encoding: str | None, delimiter: str | None, skip_header: bool
) -> Iterator[list[str]]:
    """The file's rows, one list of stripped cells each, streamed; empty rows skipped.

    ``encoding`` and ``delimiter`` (CSV) default to what ``sniff`` proposes. Raises
    ``ImportFileError`` (possibly after some rows) when the file cannot be read or breaks a
    limit, or when it holds no data rows.
    """
    for _line, cells in numbered_rows(
        path, encoding=encoding, delimiter=delimiter, skip_header=skip_header
    ):
        yield cells


def numbered_rows(
    path: Path | str, *, encoding: str | None, delimiter: str | None, skip_header: bool
) -> Iterator[tuple[int, list[str]]]:
    """As ``rows``, each with the number of the line (CSV, counting line breaks inside
    quoted cells) or of the sheet row (XLSX) where it starts, as a spreadsheet shows it."""
    path = Path(path)
    kind = file_kind(path)
    if kind == "xlsx":
        source = _xlsx_rows(path)
    else:
        _check_encoding_choice(encoding)
        chosen = encoding or propose_encoding(path)
        if delimiter is None:
            delimiter = detect_delimiter(path, chosen)
        _check_delimiter_choice(delimiter)
        source = _csv_rows(path, chosen, delimiter, errors="strict")
    seen = data = 0
    for line, cells in source:
        seen += 1
        if seen == 1 and skip_header:
            continue
        data += 1
        if data > MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": f"{MAX_ROWS:,}".replace(",", " ")}
            )
        yield line, cells
    if seen == 0:
        raise ImportFileError(_("The file is empty."))
    if data == 0:
        raise ImportFileError(_("The file has a header row but no data rows."))


def row_count(
    path: Path | str, *, encoding: str | None, delimiter: str | None, skip_header: bool
) -> int:
    """How many data rows ``rows`` yields (it reads the whole file once, as a stream)."""
    return sum(
        1 for _row in rows(path, encoding=encoding, delimiter=delimiter, skip_header=skip_header)
    )


def rows_estimate(path: Path | str, *, skip_header: bool) -> int:
    """About how many data rows the file holds, without parsing it: a CSV's line breaks
    (a quoted cell's own line breaks and empty lines count too, so it may be a little
    more), an XLSX sheet's stated dimension (0 when the sheet states none). What a
    progress bar needs before the rows are read; ``ImportFileError`` for what
    ``numbered_rows`` would refuse."""
    path = Path(path)
    if file_kind(path) == "xlsx":
        workbook = _open_workbook(path)
        try:
            lines = int(_first_sheet(workbook).max_row or 0)
        except (TypeError, ValueError):
            lines = 0
        finally:
            workbook.close()
    else:
        lines = 0
        last = b""
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK * 16):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        if last and last != b"\n":
            lines += 1
    return max(0, lines - int(skip_header))


# What the file is


def file_kind(path: Path) -> str:
    """``"xlsx"`` or ``"csv"`` judged from the content; ``ImportFileError`` for anything else."""
    try:
        with path.open("rb") as stream:
            head = stream.read(CHUNK)
    except OSError as error:
        raise ImportFileError(_("The file cannot be opened.")) from error
    if not head.strip(b" \t\r\n\x0c" + UTF8_BOM):
        raise ImportFileError(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        xlsx_check(path)
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in _read_all_capped(path, 8 * 1024 * 1024):
            raise ImportFileError(
                _(
                    "The workbook is protected with a password. Open it in your spreadsheet, "
                    "remove the password (or save a copy without it) and upload that copy."
                )
            )
        raise ImportFileError(
            _(
                "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as "
                "CSV and upload that."
            )
        )
    if head.startswith(UTF16_BOMS):
        raise ImportFileError(
            _(
                "The file is in UTF-16 (Excel's “Unicode text”). Save it as “CSV UTF-8” or as "
                "an Excel workbook (.xlsx) and upload that."
            )
        )
    for magic, name in _BINARY_MAGIC:
        if head.startswith(magic):
            raise ImportFileError(
                _("The file is a %(kind)s, not a CSV or Excel file.") % {"kind": name}
            )
    if _looks_binary(head):
        raise ImportFileError(
            _("The file is not a CSV or Excel file: it holds binary data, not text.")
        )
    return "csv"


_BINARY_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "RAR"),
    (b"{\\rtf", "RTF"),
)


def _looks_binary(head: bytes) -> bool:
    """NUL bytes, or many control characters other than line breaks and tabs."""
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([code])) for code in range(32) if code not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 100)


def _read_all_capped(path: Path, limit: int) -> bytes:
    with path.open("rb") as stream:
        return stream.read(limit)


def xlsx_check(path: Path) -> None:
    """``ImportFileError`` unless the zip is readable, is an Excel workbook and would not
    unpack to too much; only the zip's directory is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(
            _("The file is a damaged archive, not a readable Excel workbook (.xlsx).")
        ) from error
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            _(
                "The file is a zip archive but not an Excel workbook (.xlsx); an OpenDocument "
                "or Word file must be saved as .xlsx or CSV first."
            )
        )
    too_big = _(
        "The workbook would unpack to an unsafe amount of data (it may be a zip bomb); it is "
        "refused. Save the data as CSV and upload that."
    )
    if len(members) > XLSX_MAX_MEMBERS:
        raise ImportFileError(too_big)
    if sum(member.file_size for member in members) > XLSX_MAX_UNCOMPRESSED:
        raise ImportFileError(too_big)
    for member in members:
        if member.flag_bits & 0x1:
            raise ImportFileError(
                _("The workbook is protected with a password; upload a copy without it.")
            )
        if member.file_size > XLSX_RATIO_FLOOR and member.file_size > XLSX_MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ImportFileError(too_big)


# Encodings


def _check_encoding_choice(encoding: str | None) -> None:
    if encoding is not None and encoding not in ENCODINGS:
        raise ImportFileError(
            _("Unknown encoding %(encoding)s; choose one of %(choices)s.")
            % {"encoding": encoding, "choices": ", ".join(ENCODINGS)}
        )


def _check_delimiter_choice(delimiter: str) -> None:
    if delimiter not in DELIMITERS:
        raise ImportFileError(
            _("The delimiter must be one of: comma, semicolon, tab or vertical bar.")
        )


def _codec(encoding: str) -> str:
    return "utf-8-sig" if encoding == "utf-8" else encoding


def propose_encoding(path: Path) -> str:
    """The encoding a CSV most likely has: UTF-8 with a BOM or when every byte decodes as
    UTF-8; otherwise Windows-1250 or ISO-8859-2, whichever turns the bytes above ASCII into
    Polish and Czech letters rather than symbols and control characters."""
    high: Counter[int] = Counter()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    utf8 = True
    read = 0
    with path.open("rb") as stream:
        first = stream.read(len(UTF8_BOM))
        if first == UTF8_BOM:
            return "utf-8"
        chunk = first
        while chunk and read < SCAN_BYTES:
            read += len(chunk)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            high.update(chunk.translate(None, _ASCII))
            chunk = stream.read(CHUNK * 4)
        if utf8:
            try:
                decoder.decode(b"", final=not chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        return "utf-8"
    return max(("cp1250", "iso-8859-2"), key=lambda name: _letter_score(high, name))


_ASCII = bytes(range(128))


def _letter_score(counts: Counter[int], encoding: str) -> int:
    score = 0
    for byte, count in counts.items():
        try:
            char = bytes([byte]).decode(encoding)
        except UnicodeDecodeError:
            score -= 5 * count
            continue
        if char in LETTERS:
            score += count
        elif "\x80" <= char <= "\x9f" or char in SUSPICIOUS:
            score -= 3 * count
    return score


def broken_cells(table: Iterable[list[str]], encoding: str) -> list[str]:
    """The cells that look wrongly decoded with ``encoding``: a replacement character or a
    C1 control, UTF-8 read as a one-byte encoding (two odd symbols for one letter), or the
    symbols that ISO-8859-2 and Windows-1250 make of each other's letters."""
    found = []
    for row in table:
        for cell in row:
            if cell.isascii():
                continue
            if _cell_is_broken(cell, encoding):
                found.append(cell)
    return found


def _cell_is_broken(cell: str, encoding: str) -> bool:
    if "\ufffd" in cell or any("\x80" <= char <= "\x9f" for char in cell):
        return True
    if encoding == "utf-8":
        return False
    try:
        as_utf8 = cell.encode(encoding).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    else:
        # Upper-case Polish can form valid UTF-8 by chance ("ZESPÓŁ" holds U+04E3); mojibake
        # turns back into at least as many Polish and Czech letters.
        if 0 < _letters(as_utf8) >= _letters(cell):
            return True
    return any(
        char in SUSPICIOUS and (index > 0 and cell[index - 1].isalpha())
        for index, char in enumerate(cell)
    )


def _letters(text: str) -> int:
    return sum(char in LETTERS for char in text)


def _broken_warning(broken: list[str], chosen: str, proposed: str) -> str:
    values = {
        "count": len(broken),
        "encoding": str(ENCODING_LABELS.get(chosen, chosen)),
        "example": broken[0][:40],
    }
    if proposed != chosen:
        values["proposed"] = str(ENCODING_LABELS.get(proposed, proposed))
        return (
            _(
                "Read as %(encoding)s, %(count)d cells of the first rows have broken letters "
                "(such as “%(example)s”). Did you mean %(proposed)s?"
            )
            % values
        )
    return (
        _(
            "Read as %(encoding)s, %(count)d cells of the first rows have broken letters (such "
            "as “%(example)s”). The file may have been converted wrongly before; check it."
        )
        % values
    )


# CSV


def detect_delimiter(path: Path, encoding: str) -> str:
    """The delimiter among ``DELIMITERS`` that splits the first lines most consistently
    into more than one cell; ``;`` (Polish and Czech Excel's own) when nothing splits."""
    lines: list[str] = []
    for text in _text_lines(path, encoding, errors="replace"):
        lines.append(text)
        if len(lines) >= SNIFF_LINES or sum(map(len, lines)) > 256 * 1024:
            break
    best, best_score = ";", (0.0, 0)
    for candidate in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=candidate) if any(row)]
        except csv.Error:
            continue
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (frequency / len(counts), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _text_lines(path: Path, encoding: str, *, errors: str) -> Iterator[str]:
    """The file's physical lines, decoded, BOM removed, line ends kept; a line is read in
    chunks, and one with a cell or a length no row can have is refused before it is read
    whole."""
    decoder = codecs.getincrementaldecoder(_codec(encoding))(errors)
    limit = MAX_COLUMNS * (2 * MAX_CELL + 3)
    number = 1
    with path.open("rb") as stream:
        head = stream.read(len(UTF8_BOM))
        if head != UTF8_BOM:
            stream.seek(0)
        while True:
            parts: list[str] = []
            size = run = 0
            while True:
                chunk = stream.readline(CHUNK)
                if not chunk:
                    break
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    raise ImportFileError(_undecodable(encoding, number)) from error
                parts.append(text)
                size += len(text)
                if run or not chunk.endswith(b"\n"):
                    # A line longer than one chunk: follow its longest run between delimiters.
                    run = _longest_run(text, run, number)
                if chunk.endswith(b"\n"):
                    break
                if size > limit:
                    raise ImportFileError(_line_too_long(number))
            if not parts:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError as error:
                    raise ImportFileError(_undecodable(encoding, number)) from error
                return
            yield "".join(parts)
            number += 1


def _longest_run(text: str, run: int, number: int) -> int:
    """The length of the run without a delimiter or line break at the end of ``text``, the
    run before it being ``run`` characters long. A run of more than ``2 * MAX_CELL + 2``
    characters is one cell over the limit (even quoted, with every quote doubled)."""
    for candidate in DELIMITERS:
        text = text.replace(candidate, "\n")
    segments = text.split("\n")
    longest = max([run + len(segments[0]), *map(len, segments[1:])])
    if longest > 2 * MAX_CELL + 2:
        raise ImportFileError(_cell_too_long(number))
    return len(segments[-1]) if len(segments) > 1 else run + len(text)


def _undecodable(encoding: str, line: int) -> str:
    return _(
        "Line %(line)d cannot be read as %(encoding)s: the file has another encoding. Choose "
        "the encoding the file was saved in (Windows-1250 for most files from Polish and "
        "Czech Windows programs)."
    ) % {"line": line, "encoding": str(ENCODING_LABELS.get(encoding, encoding))}


def _line_too_long(line: int) -> str:
    return _("Line %(line)d is too long to be a row of a table; the file is refused.") % {
        "line": line
    }


def _cell_too_long(line: int) -> str:
    return _(
        "A cell on line %(line)d is longer than %(limit)s characters; shorten it or leave it out."
    ) % {"line": line, "limit": f"{MAX_CELL:,}".replace(",", " ")}


def _too_many_columns(line: int, count: int) -> str:
    return _(
        "Row %(line)d has %(count)d columns; at most %(limit)d are read. Remove the columns "
        "you do not need."
    ) % {"line": line, "count": count, "limit": MAX_COLUMNS}


class _LineCounter:
    """The text lines fed to ``csv.reader``, counting them (the reader's own ``line_num``
    counts the same, but only after a row is complete)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.number = 0

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.number += 1
        return line


def _csv_rows(
    path: Path, encoding: str, delimiter: str, *, errors: str
) -> Iterator[tuple[int, list[str]]]:
    source = _LineCounter(_text_lines(path, encoding, errors=errors))
    reader = csv.reader(source, delimiter=delimiter, strict=False)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise ImportFileError(_cell_too_long(start)) from error
            raise ImportFileError(
                _("Line %(line)d is not valid CSV: %(reason)s.")
                % {"line": source.number, "reason": str(error)}
            ) from error
        line, start = start, source.number + 1
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        _check_row(cells, line)
        yield line, cells


def _check_row(cells: list[str], line: int) -> None:
    if len(cells) > MAX_COLUMNS:
        raise ImportFileError(_too_many_columns(line, len(cells)))
    if any(len(cell) > MAX_CELL for cell in cells):
        raise ImportFileError(_cell_too_long(line))


# XLSX


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(
            _("The Excel workbook is damaged or not a valid .xlsx file: %(reason)s")
            % {"reason": str(error)[:200] or type(error).__name__}
        ) from error


def _first_sheet(workbook: Any) -> Any:
    if not workbook.worksheets:
        raise ImportFileError(_("The workbook has no worksheet."))
    sheet = workbook.worksheets[0]
    # The declared dimension may claim thousands of formatted, empty columns: read the cells
    # each row really has instead.
    sheet.reset_dimensions()
    return sheet


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    workbook = _open_workbook(path)
    try:
        sheet = _first_sheet(workbook)
        yield from _sheet_rows(sheet)
    finally:
        workbook.close()


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        iterator = iter(sheet.iter_rows())
        while True:
            try:
                row = next(iterator)
            except StopIteration:
                return
            cells = [_xlsx_cell(cell) for cell in row]
            line = next((c.row for c in row if getattr(c, "row", None)), number + 1)
            number = line
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            _check_row(cells, line)
            yield line, cells
    except ImportFileError:
        raise
    except Exception as error:  # a damaged sheet shows only while it is read
        raise ImportFileError(
            _("The Excel workbook is damaged after row %(line)d: %(reason)s")
            % {"line": number, "reason": str(error)[:200] or type(error).__name__}
        ) from error


def _xlsx_cell(cell: Any) -> str:
    return cell_text(getattr(cell, "value", None))


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person typed: ``5260001246`` for 5260001246.0,
    ``2024-05-01`` for a date, ``2024-05-01 14:30:00`` for a date-time."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        text = repr(value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _sniff_xlsx(path: Path) -> Sniffed:
    workbook = _open_workbook(path)
    try:
        sheet = _first_sheet(workbook)
        first: list[list[str]] = []
        for _line, cells in _sheet_rows(sheet):
            first.append(cells)
            if len(first) > SAMPLE_ROWS:
                break
        warnings = []
        if len(workbook.worksheets) > 1:
            warnings.append(
                _("The workbook has %(count)d sheets; only the first, “%(name)s”, is read.")
                % {"count": len(workbook.worksheets), "name": sheet.title}
            )
        title = sheet.title
    finally:
        workbook.close()
    if not first:
        raise ImportFileError(_("The file is empty."))
    if len(first) == 1:
        warnings.append(
            _("The file has only one row: if it is the header, there is nothing to import.")
        )
    return Sniffed("xlsx", None, None, first[0], first[1:], warnings, None, title)
