"""The text of a document's file, for search: PDF, DOCX, ODT, XLSX and plain text.

Bounded whatever the file: at most ``MAX_PAGES`` pages of a PDF, at most ``MAX_TEXT_CHARS``
characters kept, zip-based files refused before opening when they would unpack to too much
(``sniffing.zip_check``). Nothing is run: spreadsheets are read with ``data_only`` (the values
last saved, no formula evaluated) and macros are never loaded.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from charset_normalizer import from_bytes

from kartoteka.documents import sniffing

MAX_PAGES = 500
MAX_TEXT_CHARS = 2 * 1024 * 1024


class NoText(Exception):
    """The file's type holds no text we extract (an image, an unknown format)."""


def extract_text(content_type: str, data: bytes) -> str:
    """The text of ``data`` of the sniffed ``content_type``, at most ``MAX_TEXT_CHARS``;
    ``NoText`` for a type without text; any other exception means a damaged file."""
    reader = _READERS.get(content_type)
    if reader is None:
        raise NoText(content_type)
    if data.startswith(b"PK\x03\x04"):
        sniffing.zip_check(data)
    return _bounded(reader(data))


def _bounded(parts: Iterable[str]) -> str:
    kept: list[str] = []
    length = 0
    for part in parts:
        kept.append(part[: MAX_TEXT_CHARS - length])
        length += len(kept[-1])
        if length >= MAX_TEXT_CHARS:
            break
    return "\n".join(kept).strip()


def _pdf(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages):
        if number >= MAX_PAGES:
            break
        yield page.extract_text() or ""


def _docx(data: bytes) -> Iterator[str]:
    from docx import Document

    document = Document(io.BytesIO(data))
    for paragraph in document.paragraphs:
        yield paragraph.text
    for table in document.tables:
        for row in table.rows:
            yield "\t".join(cell.text for cell in row.cells)


def _odt(data: bytes) -> Iterator[str]:
    from odf.opendocument import load

    yield from _odt_blocks(load(io.BytesIO(data)).text)


def _odt_blocks(node: Any) -> Iterator[str]:
    """The paragraphs and headings under ``node``, in the document's order."""
    from odf import teletype
    from odf.namespaces import TEXTNS

    for child in node.childNodes:
        if getattr(child, "qname", None) in ((TEXTNS, "p"), (TEXTNS, "h")):
            yield teletype.extractText(child)
        else:
            yield from _odt_blocks(child)


def _xlsx(data: bytes) -> Iterator[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_vba=False)
    try:
        for sheet in workbook.worksheets:
            yield sheet.title
            for row in sheet.iter_rows(values_only=True):
                values = [str(value) for value in row if value is not None]
                if values:
                    yield "\t".join(values)
    finally:
        workbook.close()


def _plain(data: bytes) -> Iterator[str]:
    best = from_bytes(data[: MAX_TEXT_CHARS * 4]).best()
    yield str(best) if best is not None else data.decode("utf-8", "replace")


_READERS = {
    sniffing.PDF: _pdf,
    sniffing.DOCX: _docx,
    sniffing.ODT: _odt,
    sniffing.XLSX: _xlsx,
    sniffing.TEXT: _plain,
}
