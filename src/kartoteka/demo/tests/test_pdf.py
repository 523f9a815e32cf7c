from __future__ import annotations

import io

from pypdf import PdfReader

from kartoteka.demo.pdf import pdf_page, pdf_text
from kartoteka.documents.extraction import extract_text
from kartoteka.documents.sniffing import sniff


def test_a_generated_page_reads_back_line_by_line_in_a_strict_reader() -> None:
    lines = ["Faktura VAT FV/2026/11/0212", "NIP: 5252344078", "Razem brutto: 1 234,56 PLN"]

    data = pdf_page(lines)

    page = PdfReader(io.BytesIO(data), strict=True).pages[0]
    assert page.extract_text().splitlines() == lines


def test_polish_letters_are_written_without_diacritics_and_read_back_so() -> None:
    data = pdf_page(["Zamówienie – Przedsiębiorstwo Łąka Źródło Żółć (Gdańsk)"])

    assert extract_text("application/pdf", data).strip() == (
        "Zamowienie - Przedsiebiorstwo Laka Zrodlo Zolc (Gdansk)"
    )


def test_brackets_and_backslashes_do_not_break_the_page() -> None:
    data = pdf_page([r"a (b) \c) (("])

    assert extract_text("application/pdf", data).strip() == r"a (b) \c) (("


def test_text_without_a_latin_form_becomes_question_marks() -> None:
    assert pdf_text("Cena € 5 → 6") == "Cena ? 5 ? 6"


def test_a_page_is_accepted_as_a_pdf_upload() -> None:
    assert sniff("FV-2026-11-0212.pdf", pdf_page(["x"])).content_type == "application/pdf"
