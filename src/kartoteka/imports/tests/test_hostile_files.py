"""Broken and hostile files through the whole pipeline: a clear message, nothing written."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import override_settings

from kartoteka.customers.models import Account
from kartoteka.imports import services
from kartoteka.imports.models import Import, ImportRow
from kartoteka.imports.tests.helpers import HEADERS, checked_import, csv_bytes, upload
from kartoteka.testing.customers import valid_nip

pytestmark = pytest.mark.django_db


def _refused(agent, data: bytes, name: str = "klienci.csv", **options) -> str:
    accounts = Account.objects.count()
    with pytest.raises(services.ImportFileError) as raised:
        services.import_create(by=agent, upload=upload(data, name), **options)
    assert Import.objects.count() == 0
    assert Account.objects.count() == accounts
    return raised.value.message


def test_an_empty_file(agent):
    assert _refused(agent, b"") == "The file is empty."


def test_only_line_breaks(agent):
    assert _refused(agent, b"\r\n\r\n") == "The file is empty."


def test_ten_thousand_columns(agent):
    data = (";".join(f"k{n}" for n in range(10_000)) + "\r\n").encode() * 2
    assert "10000 columns" in _refused(agent, data)


def test_a_ten_megabyte_cell(agent):
    data = csv_bytes([["A" * 10 * 1024 * 1024, valid_nip(1), "", "", "", "", "", ""]])
    with pytest.raises(services.ImportFileError) as raised:
        checked_import(agent, data)
    assert "longer than 10 000 characters" in raised.value.message
    assert not ImportRow.objects.exists()
    assert not Account.objects.exists()


def test_an_xlsx_zip_bomb(agent):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(40):
                member.write(b"\0" * 1024 * 1024)
    message = _refused(agent, buffer.getvalue(), "bomba.xlsx")
    assert "zip bomb" in message


def test_a_too_large_upload(agent):
    with override_settings(IMPORT_MAX_MB=1):
        message = _refused(agent, b"Nazwa\r\n" + b"x" * (1024 * 1024 + 1))
    assert message.startswith("The file is 1.0")
    assert "at most 1.0" in message


def test_a_binary_file(agent):
    assert "not a CSV or Excel file" in _refused(agent, b"%PDF-1.7\n\x00\x01binary")


def test_the_wrong_encoding_is_refused_when_checked(agent):
    # a Windows-1250 file read as UTF-8: the sniff warns, the check refuses and stages nothing
    data = csv_bytes([["Zakład Żółć", valid_nip(2), "", "Łódź", "", "", "", ""]])
    batch = services.import_create(by=agent, upload=upload(data), encoding="utf-8")
    assert batch.proposed_encoding == "cp1250"
    assert batch.file_warnings
    assert "broken letters" in batch.file_warnings[0]
    mapping = {int(index): key for index, key in batch.mapping.items()}
    services.import_map(batch=batch, by=agent, mapping=mapping)
    with pytest.raises(services.ImportFileError) as raised:
        services.import_check_run(batch=batch, by=agent)
    assert "cannot be read as UTF-8" in raised.value.message
    assert not ImportRow.objects.exists()
    assert not Account.objects.exists()


def test_ragged_rows_are_padded_and_a_row_without_a_name_is_invalid(agent):
    text = ";".join(HEADERS) + "\r\nKrótki;" + valid_nip(3) + "\r\n;\r\n;" + valid_nip(4) + "\r\n"
    text += "Długi;" + valid_nip(5) + ";;;;;;;nadmiar;nadmiar2\r\n"
    batch = checked_import(agent, text.encode("cp1250"))
    rows = list(batch.rows.order_by("line"))
    assert [row.valid for row in rows] == [True, False, True]
    assert rows[1].errors == {"name": "The name is empty; every account needs one."}
    assert rows[2].values["name"] == "Długi"
    assert not Account.objects.exists()


def test_formula_cells_are_stored_as_text(agent, django_capture_on_commit_callbacks):
    data = csv_bytes(
        [['=HYPERLINK("http://zlo.example","klik")', valid_nip(6), "", "", "", "", "", ""]]
    )
    batch = checked_import(agent, data)
    row = batch.rows.get()
    assert row.valid
    assert "formula" in row.warnings["name"]
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(batch=batch, by=agent)
    account = Account.objects.get()
    assert account.name == '=HYPERLINK("http://zlo.example","klik")'
    from kartoteka.cases.export import neutralise

    assert neutralise(account.name).startswith("'=")
