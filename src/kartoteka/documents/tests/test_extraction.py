"""The text of each format is extracted, bounded, and nothing in a file is run."""

from __future__ import annotations

import pytest

from kartoteka.documents import extraction, sniffing
from kartoteka.documents.extraction import NoText, extract_text
from kartoteka.documents.sniffing import RefusedFile, sniff
from kartoteka.documents.tests import samples


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("offer.pdf", samples.pdf_with, sniffing.PDF),
        ("offer.docx", samples.docx_with, sniffing.DOCX),
        ("offer.odt", samples.odt_with, sniffing.ODT),
        ("offer.xlsx", samples.xlsx_with, sniffing.XLSX),
    ],
)
def test_each_format_is_sniffed_and_its_text_extracted(name, make, content_type):
    data = make("Rabat 15 procent")

    assert sniff(name, data).content_type == content_type
    assert "Rabat 15 procent" in extract_text(content_type, data)


def test_plain_text_in_a_legacy_charset_is_decoded():
    data = "Przesyłka dotarła do Łodzi, zażółć gęślą jaźń.".encode("cp1250")

    assert sniff("note.txt", data).content_type == sniffing.TEXT
    assert "Łodzi" in extract_text(sniffing.TEXT, data)


def test_a_spreadsheet_formula_is_not_evaluated():
    data = samples.xlsx_with("Total", formula="=1+1")

    text = extract_text(sniffing.XLSX, data)

    # data_only gives the value Excel last saved (none here), never an evaluation.
    assert "2" not in text.split()
    assert "Total" in text


def test_the_text_kept_is_bounded(monkeypatch):
    monkeypatch.setattr(extraction, "MAX_TEXT_CHARS", 10)

    assert extract_text(sniffing.TEXT, b"0123456789abcdef") == "0123456789"


def test_a_type_without_text_says_so():
    with pytest.raises(NoText):
        extract_text("image/png", b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),
        ("invoice.pdf", samples.docx_with("not a pdf")),
        ("contract.docx", b"%PDF-1.7 not a docx"),
        ("photo.png", b"GIF89a..."),
        ("notes.txt", b"\x00\x01\x02binary"),
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused(name, data):
    with pytest.raises(RefusedFile, match="but its content is not"):
        sniff(name, data)


def test_a_zip_bomb_is_refused_before_unpacking():
    with pytest.raises(RefusedFile, match="more than 100 MB"):
        sniff("contract.docx", samples.zip_bomb())


def test_a_zip_bomb_is_refused_by_the_extraction_too():
    with pytest.raises(RefusedFile):
        extract_text(sniffing.XLSX, samples.zip_bomb("xl/workbook.xml"))


def test_text_under_an_unknown_name_is_kept_as_opaque_bytes():
    # An HTML page uploaded as "page.html" must never be served as HTML.
    assert sniff("page.html", b"<html><script>x</script></html>").content_type == (
        sniffing.OCTET_STREAM
    )
