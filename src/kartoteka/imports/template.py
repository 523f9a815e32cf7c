"""The file to fill in for an import, as CSV and as an Excel workbook.

Its headers are the fields' labels in the user's language (which ``columns.columns_match``
recognises in every language) and one example row of believable Polish data with a valid
NIP and REGON, which passes ``checks.RowChecker`` as it is. The CSV is UTF-8 with a byte
order mark and semicolons, as Polish and Czech Excel reads and writes it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from kartoteka.core.csv_export import CsvFormat, csv_bytes
from kartoteka.imports.columns import FIELDS, FieldSpec

# Fields left out of the template: the street holds the building and apartment numbers, and
# the contact's name comes in two columns.
LEFT_OUT = ("building", "apartment", "contact_name")

EXAMPLE = {
    "name": "Hurtownia Elektryczna Żurawski i Wspólnicy Sp. j.",
    "short_name": "Żurawski",
    "nip": "779-236-85-11",
    "regon": "365412895",
    "street": "ul. Głogowska 148/2",
    "postal_code": "60-243",
    "city": "Poznań",
    "country": "PL",
    "phone": "+48 61 866 41 20",
    "email": "biuro@zurawski-hurtownia.example",
    "website": "www.zurawski-hurtownia.example",
    "account_manager": "",
    "team": "",
    "notes": "Stały klient od 2019 r., płatność przelewem 14 dni.",
    "contact_first_name": "Małgorzata",
    "contact_last_name": "Wiśniewska",
    "contact_position": "Kierownik działu zakupów",
    "contact_email": "m.wisniewska@zurawski-hurtownia.example",
    "contact_phone": "+48 601 234 567",
}
# Kept as text in the workbook, so that Excel neither drops a leading zero nor shows an
# identifier as a number in scientific notation.
TEXT_COLUMNS = ("nip", "regon", "postal_code", "phone", "contact_phone")


def template_fields(dictionaries: Sequence[FieldSpec] = ()) -> list[FieldSpec]:
    return [spec for spec in FIELDS if spec.key not in LEFT_OUT] + list(dictionaries)


def _table(language: str, dictionaries: Sequence[FieldSpec]) -> tuple[list[str], list[str]]:
    fields = template_fields(dictionaries)
    with translation.override(language):
        headers = [str(spec.label) for spec in fields]
        example = {**EXAMPLE, "kind": _("Customer")}
        row = [example.get(spec.key, "") for spec in fields]
    return headers, row


def template_csv(language: str, *, dictionaries: Sequence[FieldSpec] = ()) -> bytes:
    """The template as CSV: UTF-8 with a BOM, semicolon-delimited, headers and one example
    row. ``dictionaries`` (``columns.dictionary_fields()``) add a column each."""
    headers, row = _table(language, dictionaries)
    # Our own text, read back by the import as it is: the example phone starts with "+".
    return csv_bytes(headers, [row], CsvFormat(delimiter=";"), neutralised=False)


def template_xlsx(language: str, *, dictionaries: Sequence[FieldSpec] = ()) -> bytes:
    """The template as an Excel workbook: a bold, frozen header row and one example row;
    identifier columns formatted as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    headers, row = _table(language, dictionaries)
    keys = [spec.key for spec in template_fields(dictionaries)]
    workbook = Workbook()
    sheet = workbook.active
    with translation.override(language):
        sheet.title = _("Accounts")[:31]
    sheet.append(headers)
    sheet.append(row)
    for index, key in enumerate(keys, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        width = max(len(headers[index - 1]), len(row[index - 1])) + 2
        sheet.column_dimensions[letter].width = min(max(width, 10), 50)
        if key in TEXT_COLUMNS:
            for cell_row in (2, 3):
                sheet[f"{letter}{cell_row}"].number_format = "@"
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
