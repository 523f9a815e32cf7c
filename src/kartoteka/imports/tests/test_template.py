"""The template to download: headers in the user's language that match their fields, and an
example row that passes the checks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kartoteka.imports.checks import RowChecker
from kartoteka.imports.columns import FieldSpec, columns_match
from kartoteka.imports.reading import rows, sniff
from kartoteka.imports.template import template_csv, template_fields, template_xlsx


def test_csv_template_is_utf8_with_bom_and_semicolons_in_polish():
    data = template_csv("pl")
    assert data.startswith(b"\xef\xbb\xbf")
    header, example, end = data[3:].decode("utf-8").split("\r\n")
    assert header.split(";")[:6] == ["Rodzaj", "Nazwa", "Nazwa skrócona", "NIP", "REGON", "Ulica"]
    assert "Imię osoby kontaktowej" in header.split(";")
    assert example.split(";")[:4] == [
        "Klient",
        "Hurtownia Elektryczna Żurawski i Wspólnicy Sp. j.",
        "Żurawski",
        "779-236-85-11",
    ]
    assert end == ""


@pytest.mark.parametrize(
    ("language", "first_headers"),
    [("pl", ["Rodzaj", "Nazwa"]), ("cs", ["Typ", "Název"]), ("en", ["Kind", "Name"])],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_reads_back_and_every_column_matches_its_field(
    tmp_path, language, first_headers, kind
):
    # given the template in a language
    data = template_csv(language) if kind == "csv" else template_xlsx(language)
    path = tmp_path / f"szablon.{kind}"
    path.write_bytes(data)
    # when it is sniffed and its headers matched
    sniffed = sniff(path)
    mapping = columns_match(sniffed.headers, dictionaries=[])
    # then it reads cleanly and every column finds its own field
    assert sniffed.warnings == []
    assert sniffed.headers[:2] == first_headers
    assert mapping == {index: spec.key for index, spec in enumerate(template_fields())}
    assert len(sniffed.sample) == 1


def test_xlsx_template_keeps_identifiers_as_text_and_freezes_the_header():
    workbook = load_workbook(io.BytesIO(template_xlsx("cs")))
    sheet = workbook.active
    assert sheet.title == "Zákazníci"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet["D1"].value == "NIP"
    assert (sheet["D2"].value, sheet["D2"].number_format) == ("779-236-85-11", "@")


def test_dictionary_columns_are_added_when_given():
    industry = FieldSpec("dict:3", "Branża", ("Branża",))
    header = template_csv("en", dictionaries=[industry]).decode("utf-8-sig").split("\r\n")[0]
    assert header.split(";")[-1] == "Branża"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["pl", "cs", "en"])
def test_example_row_passes_the_checks(tmp_path, language):
    path = Path(tmp_path / "szablon.csv")
    path.write_bytes(template_csv(language))
    headers = sniff(path).headers
    mapping = columns_match(headers)
    [cells] = list(rows(path, encoding=None, delimiter=None, skip_header=True))
    raw = {mapping[index]: cell for index, cell in enumerate(cells) if index in mapping}
    checked = RowChecker().check(raw)
    assert (checked.errors, checked.warnings) == ({}, {})
    assert checked.values["kind"] == "customer"
    assert checked.values["nip"] == "7792368511"
    assert checked.values["regon"] == "365412895"
    assert checked.values["phone"] == ["+48618664120"]
    assert checked.values["contact_last_name"] == "Wiśniewska"
