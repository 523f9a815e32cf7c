"""`kartoteka import customers FILE …`: the same checks, a summary and exit codes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kartoteka.customers.models import Account, Segment
from kartoteka.imports.models import Import
from kartoteka.imports.tests.helpers import csv_bytes
from kartoteka.testing.customers import AccountFactory, valid_nip

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", "customers", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_imports_a_windows_1250_file_into_a_segment(tmp_path, admin):
    path = tmp_path / "klienci.csv"
    path.write_bytes(csv_bytes([["Żółta Łódź", valid_nip(1), "", "Łódź", "", "", "", ""]]))
    code, out, _err = _run(
        str(path), "--encoding", "cp1250", "--segment", "Z pliku", "--user", "admin"
    )
    assert code == 0
    assert "rows: 1" in out
    assert "created: 1" in out
    account = Account.objects.get()
    assert account.name == "Żółta Łódź"
    assert list(account.segments.values_list("name", flat=True)) == ["Z pliku"]
    assert account.created_by == admin


def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "klienci.csv"
    path.write_bytes(csv_bytes([["Firma", valid_nip(2), "", "", "", "", "", ""]]))
    code, out, _err = _run(str(path), "--dry-run", "--segment", "Nowy")
    assert code == 0
    assert "dry run: 1 rows would be imported; nothing was written" in out
    assert not Account.objects.exists()
    assert not Import.objects.exists()
    assert not Segment.objects.exists()


def test_invalid_rows_refuse_the_import_with_exit_1(tmp_path):
    path = tmp_path / "klienci.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["Dobra", valid_nip(3), "", "", "", "", "", ""],
                ["Zła", "1234567890", "", "", "", "", "", ""],
            ]
        )
    )
    code, out, _err = _run(str(path))
    assert code == 1
    assert "line 3: nip:" in out
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("choice", "code", "accounts", "name"),
    [
        (None, 1, 1, "Stara"),
        ("skip", 0, 1, "Stara"),
        ("update", 0, 1, "Nowa"),
        ("new", 0, 2, "Stara"),
    ],
)
def test_duplicates_follow_on_duplicate(tmp_path, choice, code, accounts, name):
    existing = AccountFactory(name="Stara", nip=valid_nip(4))
    path = tmp_path / "klienci.csv"
    path.write_bytes(csv_bytes([["Nowa", valid_nip(4), "", "", "", "", "", ""]]))
    args = [str(path)] + (["--on-duplicate", choice] if choice else [])
    result, out, _err = _run(*args)
    assert result == code
    assert f"line 2: nip {valid_nip(4)} (Stara)" in out
    assert Account.objects.count() == accounts
    existing.refresh_from_db()
    assert existing.name == name


def test_an_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "puste.csv"
    path.write_bytes(b"")
    code, _out, err = _run(str(path))
    assert code == 2
    assert "The file is empty." in err
    assert _run(str(tmp_path / "brak.csv"))[0] == 2


def test_a_file_without_a_name_column_exits_2(tmp_path):
    path = tmp_path / "bez-nazwy.csv"
    path.write_bytes(csv_bytes([[valid_nip(5)]], headers=["NIP"]))
    code, _out, err = _run(str(path))
    assert code == 2
    assert "no column is recognised as the name" in err
    assert not Import.objects.exists()
