"""Contacts from a second file, matched to their accounts by NIP or name: the check page, the
matching rules, the run and its undo, the CLI, the API, hostile files, other users."""

from __future__ import annotations

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from kartoteka.customers.models import Contact, EmailAddress, PhoneNumber
from kartoteka.imports import checking, services
from kartoteka.imports.contacts import contact_columns_match
from kartoteka.imports.models import ContactFile, ContactRow, Import
from kartoteka.imports.tests.helpers import checked_import, csv_bytes, upload
from kartoteka.testing.customers import AccountFactory, valid_nip

pytestmark = pytest.mark.django_db

CONTACT_HEADERS = ["NIP", "Firma", "Imię", "Nazwisko", "Stanowisko", "E-mail", "Telefon"]


def _contacts(rows: list[list[str]], *, headers=None, encoding="cp1250") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers or CONTACT_HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def _accounts_file() -> bytes:
    return csv_bytes(
        [
            ["Zakład Łąka Sp. z o.o.", valid_nip(1), "", "Łódź", "", "", "", ""],
            ["Żuraw i Syn", "", "", "Kraków", "", "", "", ""],
            ["Oddział Północ", valid_nip(3), "", "Gdańsk", "", "", "", ""],
            ["Oddział Południe", valid_nip(3), "", "Opole", "", "", "", ""],
        ]
    )


def _with_contacts(agent, contact_rows, **options) -> Import:
    batch = checked_import(agent, _accounts_file())
    contact_file = services.contacts_upload(
        batch=batch, by=agent, upload=upload(_contacts(contact_rows), "osoby.csv"), **options
    )
    mapping = {int(index): key for index, key in contact_file.mapping.items()}
    services.contacts_map(batch=batch, by=agent, mapping=mapping)
    return services.import_check_start(batch=batch, by=agent, scope=Import.CheckScope.CONTACTS)


def _matches(batch: Import) -> dict[int, tuple[str, int | None, int | None, str]]:
    return {
        row.line: (row.match, row.row_line, row.account_id, row.reason)
        for row in ContactRow.objects.filter(batch=batch)
    }


def test_contact_columns_are_proposed_from_their_headers():
    assert contact_columns_match(CONTACT_HEADERS) == {
        0: "nip",
        1: "name",
        2: "contact_first_name",
        3: "contact_last_name",
        4: "contact_position",
        5: "contact_email",
        6: "contact_phone",
    }


def test_each_contact_is_matched_by_nip_then_by_name_then_to_an_existing_account(agent, sales_team):
    # given existing accounts: one the agent sees, one restricted to another team
    seen = AccountFactory(name="Stały Klient", nip=valid_nip(50))
    hidden = AccountFactory(name="Tajny", nip=valid_nip(51), restricted=True, team=sales_team)
    AccountFactory(name="Bliźniak", nip=valid_nip(60))
    AccountFactory(name="Bliźniak", nip=valid_nip(61))
    # when a contacts file is checked
    batch = _with_contacts(
        agent,
        [
            [f"PL {valid_nip(1)}", "", "Anna", "Nowak", "", "anna@laka.pl", ""],  # 2: NIP
            ["", "ŻURAW  I SYN", "Jan", "Bąk", "", "", ""],  # 3: name, any case and spaces
            ["", "zuraw i syn", "Ewa", "Kot", "", "", ""],  # 4: name without diacritics
            [valid_nip(3), "Oddział Południe", "Piotr", "Lis", "", "", ""],  # 5: NIP + name
            [valid_nip(3), "", "Olga", "Sowa", "", "", ""],  # 6: two rows with the NIP
            [valid_nip(50), "", "Adam", "Wróbel", "", "", ""],  # 7: an existing account
            [valid_nip(51), "", "Ida", "Czajka", "", "", ""],  # 8: one the agent cannot see
            ["", "Bliźniak", "Ola", "Mewa", "", "", ""],  # 9: two existing accounts
            [valid_nip(70), "Zakład Łąka Sp. z o.o.", "Tom", "Kruk", "", "", ""],  # 10
            ["123", "", "Zły", "Numer", "", "", ""],  # 11: invalid NIP
            [valid_nip(1), "", "", "", "", "", ""],  # 12: no contact
        ],
    )
    # then
    assert batch.state == Import.State.CHECKED
    matches = _matches(batch)
    assert matches[2] == ("row", 2, None, "")
    assert matches[3] == ("row", 3, None, "")
    assert matches[4] == ("row", 3, None, "")
    assert matches[5] == ("row", 5, None, "")
    assert matches[6][0] == "ambiguous"
    assert "lines 4, 5" in matches[6][3]
    assert matches[7] == ("account", None, seen.pk, "")
    assert matches[8][0] == "unmatched"
    assert matches[8][3] == f"No account of the import or of yours has the NIP {valid_nip(51)}."
    assert "Tajny" not in str(matches)
    assert matches[9][0] == "ambiguous"
    assert "Bliźniak, Bliźniak" in matches[9][3]
    # a NIP decides alone: the name of another company does not match it
    assert matches[10][0] == "unmatched"
    rows = {row.line: row for row in ContactRow.objects.filter(batch=batch)}
    assert not rows[11].valid
    assert "nip" in rows[11].errors
    assert rows[12].errors == {
        "contact_last_name": "The row names no contact: its name, email or phone."
    }
    assert ContactFile.objects.get(batch=batch).problem_rows == 6
    assert hidden.pk not in {row.account_id for row in rows.values()}


def test_the_check_page_lists_the_contacts_not_matched_and_the_run_waits_for_them(
    agent, agent_client, django_capture_on_commit_callbacks
):
    batch = _with_contacts(
        agent,
        [
            [valid_nip(1), "", "Anna", "Nowak", "Dyrektor", "Anna@Laka.pl", "601 234 567"],
            ["", "Żuraw i Syn", "Jan", "Bąk", "", "", ""],
            [valid_nip(90), "", "Nikt", "Nieznany", "", "", ""],
        ],
    )
    check = reverse("imports:check", args=[batch.pk])
    page = agent_client.get(check).content.decode()
    assert "3 contact rows read" in page
    assert "2 matched to rows of this import" in page
    assert f"No account of the import or of yours has the NIP {valid_nip(90)}." in page
    assert 'id="contact-line-4"' in page
    assert "1 contact rows match no single account or are invalid: skip them." in page
    with pytest.raises(services.ImportStateError):
        services.import_start(batch=batch, by=agent)
    # when the unmatched rows are skipped and the import runs
    agent_client.post(reverse("imports:contacts-action", args=[batch.pk]), {"action": "skip"})
    assert ContactRow.objects.get(line=4).skipped
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(reverse("imports:start", args=[batch.pk]))
    batch.refresh_from_db()
    # then the matched contacts are created under their accounts, in the same run
    assert (batch.state, batch.contacts_created, batch.contacts_skipped) == ("done", 2, 0)
    anna = Contact.objects.get(last_name="Nowak")
    assert (anna.account.name, anna.first_name, anna.position) == (
        "Zakład Łąka Sp. z o.o.",
        "Anna",
        "Dyrektor",
    )
    assert list(EmailAddress.objects.filter(contact=anna).values_list("address", flat=True)) == [
        "anna@laka.pl"
    ]
    assert list(PhoneNumber.objects.filter(contact=anna).values_list("number", flat=True)) == [
        "+48601234567"
    ]
    assert anna.history.get().history_change_reason == f"Import {batch.pk}: klienci.csv"
    assert Contact.objects.get(last_name="Bąk").account.name == "Żuraw i Syn"
    assert not Contact.objects.filter(last_name="Nieznany").exists()
    assert (
        "Created" in agent_client.get(reverse("imports:result", args=[batch.pk])).content.decode()
    )


def test_undo_removes_the_contacts_also_from_existing_accounts(
    agent, django_capture_on_commit_callbacks
):
    existing = AccountFactory(name="Stały Klient", nip=valid_nip(50))
    batch = _with_contacts(
        agent,
        [
            [valid_nip(1), "", "Anna", "Nowak", "", "", ""],
            [valid_nip(50), "", "Adam", "Wróbel", "", "adam@staly.pl", ""],
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(batch=batch, by=agent)
    batch.refresh_from_db()
    assert batch.contacts_created == 2
    assert Contact.objects.get(last_name="Wróbel").account == existing
    result = services.import_undo_run(batch=batch, by=agent)
    assert result.kept == []
    assert not Contact.objects.filter(last_name__in=["Nowak", "Wróbel"]).exists()
    assert not EmailAddress.objects.filter(address="adam@staly.pl").exists()
    existing.refresh_from_db()


def test_a_contact_whose_account_row_is_not_imported_is_not_imported(
    agent, django_capture_on_commit_callbacks
):
    batch = _with_contacts(agent, [["", "Żuraw i Syn", "Jan", "Bąk", "", "", ""]])
    row = batch.rows.get(line=3)
    services.rows_decide(batch=batch, by=agent, action="skip", row_ids=[row.pk])
    with django_capture_on_commit_callbacks(execute=True):
        services.import_start(batch=batch, by=agent)
    batch.refresh_from_db()
    assert (batch.state, batch.contacts_created, batch.contacts_skipped) == ("done", 0, 1)
    assert not Contact.objects.exists()


def test_fixing_a_name_matches_the_contacts_again(agent):
    batch = _with_contacts(agent, [["", "Nowa Nazwa", "Jan", "Bąk", "", "", ""]])
    assert _matches(batch)[2][0] == "unmatched"
    row = batch.rows.get(line=3)
    services.row_fix(row=row, by=agent, field="name", value="Nowa Nazwa")
    assert _matches(batch)[2] == ("row", 3, None, "")


def test_a_contacts_file_in_the_wrong_encoding_is_refused_and_stages_nothing(agent, agent_client):
    batch = checked_import(agent, _accounts_file())
    data = _contacts([[valid_nip(1), "Zakład Łąka", "Łucja", "Żak", "", "", ""]])
    contact_file = services.contacts_upload(
        batch=batch, by=agent, upload=upload(data, "osoby.csv"), encoding="utf-8"
    )
    assert contact_file.proposed_encoding == "cp1250"
    assert "broken letters" in contact_file.file_warnings[0]
    response = agent_client.post(
        reverse("imports:contacts-mapping", args=[batch.pk]),
        {
            "encoding": "utf-8",
            "delimiter": ";",
            "skip_header": "on",
            **{f"column_{index}": key for index, key in contact_file.mapping.items()},
        },
    )
    assert response.status_code == 400
    assert "cannot be read as UTF-8" in response.content.decode()
    assert not ContactRow.objects.exists()
    batch.refresh_from_db()
    assert batch.state == Import.State.CHECKED
    assert batch.rows.count() == 4


def test_a_contacts_file_in_the_wrong_encoding_fails_in_the_worker_with_the_reason(
    agent, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(checking, "CHECK_AT_ONCE_BYTES", -1)
    batch = checked_import(agent, _accounts_file())
    services.rows_decide(batch=batch, by=agent, action="skip", row_ids=[batch.rows.get(line=2).pk])
    data = _contacts([[valid_nip(1), "Zakład Łąka", "Łucja", "Żak", "", "", ""]])
    contact_file = services.contacts_upload(
        batch=batch, by=agent, upload=upload(data, "osoby.csv"), encoding="utf-8"
    )
    services.contacts_map(
        batch=batch, by=agent, mapping={int(k): v for k, v in contact_file.mapping.items()}
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_check_start(batch=batch, by=agent, scope=Import.CheckScope.CONTACTS)
    batch.refresh_from_db()
    # back to checked, the rows and their decisions kept, the reason shown
    assert batch.state == Import.State.CHECKED
    assert "cannot be read as UTF-8" in batch.error
    assert batch.rows.get(line=2).decision == "skip"
    assert not ContactRow.objects.exists()


def test_a_contacts_file_without_a_column_to_match_by_is_refused(agent, agent_client):
    batch = checked_import(agent, _accounts_file())
    data = _contacts([["Anna", "Nowak"]], headers=["Imię", "Nazwisko"])
    response = agent_client.post(
        reverse("imports:contacts", args=[batch.pk]),
        {"file": upload(data, "osoby.csv"), "skip_header": "on"},
    )
    assert response["Location"] == reverse("imports:contacts-mapping", args=[batch.pk])
    response = agent_client.post(
        reverse("imports:contacts-mapping", args=[batch.pk]),
        {
            "encoding": "cp1250",
            "delimiter": ";",
            "skip_header": "on",
            "column_0": "contact_first_name",
            "column_1": "contact_last_name",
        },
    )
    assert response.status_code == 400
    assert "Match a column to the NIP or to the company name" in response.content.decode()
    assert not ContactRow.objects.exists()


def test_hostile_contacts_files_are_refused_and_keep_the_earlier_one(agent, agent_client):
    batch = _with_contacts(agent, [[valid_nip(1), "", "Anna", "Nowak", "", "", ""]])
    for data, message in (
        (b"", "The submitted file is empty."),
        (b"%PDF-1.7\n\x00\x01binary", "not a CSV or Excel file"),
        (("N;" * 10_001 + "\r\n").encode(), "10002 columns"),
    ):
        response = agent_client.post(
            reverse("imports:contacts", args=[batch.pk]),
            {"file": upload(data, "osoby.csv"), "skip_header": "on"},
        )
        assert response.status_code == 400
        assert message in response.content.decode()
    assert ContactFile.objects.get(batch=batch).original_name == "osoby.csv"
    assert ContactRow.objects.filter(batch=batch).count() == 1


def test_removing_the_contacts_file(agent, agent_client):
    batch = _with_contacts(agent, [[valid_nip(1), "", "Anna", "Nowak", "", "", ""]])
    agent_client.post(reverse("imports:contacts-action", args=[batch.pk]), {"action": "remove"})
    assert not ContactFile.objects.exists()
    assert not ContactRow.objects.exists()
    page = agent_client.get(reverse("imports:check", args=[batch.pk])).content.decode()
    assert "Add the contacts file" in page


def test_someone_elses_import_is_404(agent, outsider_client, outsider):
    batch = _with_contacts(agent, [[valid_nip(1), "", "Anna", "Nowak", "", "", ""]])
    data = _contacts([[valid_nip(1), "", "Ewa", "Kot", "", "", ""]])
    response = outsider_client.post(
        reverse("imports:contacts", args=[batch.pk]), {"file": upload(data, "obce.csv")}
    )
    assert response.status_code == 404
    assert (
        outsider_client.get(reverse("imports:contacts-mapping", args=[batch.pk])).status_code == 404
    )
    response = outsider_client.post(
        reverse("imports:contacts-action", args=[batch.pk]), {"action": "remove"}
    )
    assert response.status_code == 404
    api = APIClient()
    api.force_authenticate(outsider)
    response = api.post(
        f"/api/v1/imports/{batch.pk}/contacts/", {"file": upload(data)}, format="multipart"
    )
    assert response.status_code == 404
    assert (
        api.post(f"/api/v1/imports/{batch.pk}/contacts/check/", {}, format="json").status_code
        == 404
    )
    assert ContactFile.objects.get().original_name == "osoby.csv"
    assert ContactRow.objects.count() == 1


def test_the_api_adds_and_checks_a_contacts_file(agent, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(agent)
    batch = checked_import(agent, _accounts_file())
    data = _contacts(
        [[valid_nip(1), "", "Anna", "Nowak", "", "", ""], [valid_nip(99), "", "X", "Y", "", "", ""]]
    )
    response = client.post(
        f"/api/v1/imports/{batch.pk}/contacts/", {"file": upload(data, "o.csv")}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["proposed_encoding"], body["mapping"]["0"], body["checked"]) == (
        "cp1250",
        "nip",
        False,
    )
    response = client.post(f"/api/v1/imports/{batch.pk}/contacts/check/", {}, format="json")
    assert response.status_code == 200
    contacts = response.json()["contacts"]
    assert (contacts["total"], contacts["to_rows"], contacts["problems"]) == (2, 1, 1)
    assert contacts["not_matched"][0]["line"] == 3
    assert contacts["not_matched"][0]["match"] == "unmatched"
    response = client.post(
        f"/api/v1/imports/{batch.pk}/contacts/check/",
        {"mapping": {"2": "contact_first_name"}},
        format="json",
    )
    assert response.status_code == 400
    assert "NIP or to the company name" in str(response.json())


def test_the_command_imports_contacts_from_a_second_file(tmp_path, admin):
    accounts = tmp_path / "firmy.csv"
    accounts.write_bytes(_accounts_file())
    contacts = tmp_path / "osoby.csv"
    contacts.write_bytes(_contacts([[valid_nip(1), "", "Anna", "Nowak", "", "", ""]]))
    out = StringIO()
    call_command(
        "import", "customers", str(accounts), "--contacts", str(contacts), "--user", "admin",
        "--on-duplicate", "new", stdout=out, stderr=StringIO(),
    )  # fmt: skip
    text = out.getvalue()
    assert "contacts matched to rows of the file: 1" in text
    assert "contacts created: 1" in text
    assert Contact.objects.get(last_name="Nowak").account.nip == valid_nip(1)


def test_the_command_refuses_contacts_that_match_nothing(tmp_path):
    accounts = tmp_path / "firmy.csv"
    accounts.write_bytes(_accounts_file())
    contacts = tmp_path / "osoby.csv"
    contacts.write_bytes(_contacts([[valid_nip(97), "", "Anna", "Nowak", "", "", ""]]))
    out = StringIO()
    with pytest.raises(SystemExit) as raised:
        call_command(
            "import", "customers", str(accounts), "--contacts", str(contacts),
            stdout=out, stderr=StringIO(),
        )  # fmt: skip
    assert raised.value.code == 1
    assert (
        f"contacts line 2: No account of the import or of yours has the NIP {valid_nip(97)}."
        in out.getvalue()
    )
    assert not Contact.objects.exists()
    imports = Import.objects.count()
    bare = tmp_path / "bez.csv"
    bare.write_bytes(_contacts([["Anna", "Nowak"]], headers=["Imię", "Nazwisko"]))
    err = StringIO()
    with pytest.raises(SystemExit) as raised:
        call_command(
            "import", "customers", str(accounts), "--contacts", str(bare),
            stdout=StringIO(), stderr=err,
        )  # fmt: skip
    assert raised.value.code == 2
    assert "NIP or to the company name" in err.getvalue()
    assert Import.objects.count() == imports


def test_the_check_page_with_contacts_takes_constant_queries(
    agent, agent_client, django_assert_max_num_queries
):
    rows = [[valid_nip(2000 + n), "", "Jan", f"Nowak {n}", "", "", ""] for n in range(60)]
    batch = _with_contacts(agent, rows)
    url = reverse("imports:check", args=[batch.pk])
    with django_assert_max_num_queries(14):
        page = agent_client.get(url).content.decode()
    assert "60 not matched or invalid" in page
    with django_assert_max_num_queries(14):
        page = agent_client.get(url + "?cpage=2").content.decode()
    assert 'id="contact-line-61"' in page
