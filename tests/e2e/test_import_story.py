"""Importing customers in a real browser: an agent uploads a Windows-1250 file with Polish
letters, sees the encoding proposed, maps a column, reviews three duplicates (updates one
field by field, strikes out and deletes one, imports one as new), imports, finds the accounts
in the new segment with the right letters, and undoes the import. The run is the worker's
task (the test settings run tasks at once, after the commit that starts it)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from kartoteka.customers.models import Account, Segment
from kartoteka.imports.models import Import
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, valid_nip

pytestmark = pytest.mark.browser


def _file() -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Nazwa", "NIP", "Miejscowość", "Komentarz handlowca"])
    writer.writerows(
        [
            ["Przędzalnia Łódź-Bałuty", valid_nip(501), "Łódź", "targi"],
            ["Źródełko Żywiec Sp. z o.o.", valid_nip(502), "Żywiec", ""],
            ["Stara Firma (nowe miasto)", valid_nip(511), "Gdańsk", ""],
            ["Skreślana", valid_nip(512), "Opole", ""],
            ["Oddział w Gnieźnie", valid_nip(513), "Gniezno", "oddział"],
        ]
    )
    return text.getvalue().encode("cp1250")


def test_a_windows_1250_file_is_reviewed_imported_and_undone(page: Page, agent: User) -> None:
    # given: three accounts the file repeats
    updated = AccountFactory(name="Stara Firma", nip=valid_nip(511), city="Radom")
    AccountFactory(name="Do skreślenia", nip=valid_nip(512))
    AccountFactory(name="Centrala", nip=valid_nip(513))
    log_in(page, "agent")

    # when: the agent uploads the file from the customer list, into a new segment
    page.goto("/customers/")
    page.get_by_role("link", name="Import customers").click()
    page.set_input_files(
        "#id_file", files=[{"name": "klienci.csv", "mimeType": "text/csv", "buffer": _file()}]
    )
    page.fill("#id_segment_name", "Targi Poznań")
    page.get_by_role("button", name="Upload").click()

    # then: the encoding is proposed from the content and the letters read right
    expect(page).to_have_url(re.compile(r"/imports/\d+/mapping/"))
    expect(page.locator("[data-proposed-encoding]")).to_contain_text("cp1250")
    expect(page.locator("#id_encoding")).to_have_value("cp1250")
    expect(page.locator("table.import-columns")).to_contain_text("Przędzalnia Łódź-Bałuty")

    # when: the unknown column is mapped to the notes and the rows are checked
    page.select_option("#id_column_3", "notes")
    page.get_by_role("button", name="Check the rows").click()

    # then: three duplicates wait for review
    expect(page).to_have_url(re.compile(r"/imports/\d+/check/"))
    page.get_by_role("link", name="Review 3 duplicates").click()
    expect(page.locator("table.import-duplicates")).to_contain_text("Stara Firma")

    # a double-click opens the row's form with the clashing NIP marked
    page.locator("#line-4 td", has_text="Gdańsk").first.dblclick()
    expect(page).to_have_url(re.compile(r"/imports/\d+/rows/\d+/$"))
    expect(page.locator(".import-clash label")).to_contain_text("NIP")
    page.get_by_role("link", name="Cancel").click()

    # when: the first is updated with its city only
    page.locator("#line-4 input[name=rows]").check()
    page.locator(".import-update-fields input[value=city]").check()
    page.get_by_role("button", name="Update the existing records with").click()
    # the second is struck out, then deleted
    page.locator("#line-5 input[name=rows]").check()
    page.get_by_role("button", name="Strike out selected").click()
    expect(page.locator("#line-5")).to_have_class(re.compile("import-struck"))
    page.locator("#line-5 input[name=rows]").check()
    page.get_by_role("button", name="Delete selected struck-out rows").click()
    # the third is imported as a new record
    page.locator("#line-6").get_by_role("button", name="Import as a new record").click()
    expect(page.locator("#line-4")).to_contain_text("Update the existing record")

    # when: the import runs
    page.get_by_role("link", name="Done: back to the import").click()
    page.get_by_role("button", name="Import 4 rows").click()

    # then: the result tells what happened
    expect(page).to_have_url(re.compile(r"/imports/\d+/result/"))
    expect(page.locator(".import-result")).to_contain_text("3")
    batch = Import.objects.get()
    assert (batch.state, batch.created_count, batch.updated_count) == ("done", 3, 1)

    # and: the segment holds the new accounts with their Polish letters, and the updated one
    page.get_by_role("link", name="Targi Poznań").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Przędzalnia Łódź-Bałuty")
    expect(results).to_contain_text("Źródełko Żywiec Sp. z o.o.")
    expect(results).to_contain_text("Oddział w Gnieźnie")
    expect(results).to_contain_text("Stara Firma")
    expect(results).not_to_contain_text("Skreślana")
    updated.refresh_from_db()
    assert (updated.name, updated.city) == ("Stara Firma", "Gdańsk")
    assert Account.objects.get(name="Przędzalnia Łódź-Bałuty").notes == "targi"

    # when: the import is undone
    page.go_back()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo the import").click()

    # then: what it created is gone and the update is taken back
    expect(page.locator("h1")).to_contain_text("Undone")
    assert not Account.objects.filter(name="Przędzalnia Łódź-Bałuty").exists()
    assert Account.objects.filter(nip=valid_nip(513)).count() == 1
    updated.refresh_from_db()
    assert updated.city == "Radom"
    assert not Segment.objects.get(name="Targi Poznań").accounts.exists()


def _contacts_file() -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(["NIP", "Firma", "Imię", "Nazwisko", "Stanowisko", "E-mail"])
    writer.writerows(
        [
            [valid_nip(501), "", "Łucja", "Żak", "Prezes", "lucja@przedzalnia.pl"],
            ["", "ŹRÓDEŁKO ŻYWIEC SP. Z O.O.", "Jan", "Bąk", "", ""],
            [valid_nip(520), "", "Adam", "Wróbel", "Zakupy", ""],
            [valid_nip(599), "", "Nikt", "Nieznany", "", ""],
        ]
    )
    return text.getvalue().encode("cp1250")


def test_contacts_from_a_second_file_join_their_accounts(page: Page, agent: User) -> None:
    # given: an existing account the contacts file also names
    existing = AccountFactory(name="Stały Klient", nip=valid_nip(520))
    log_in(page, "agent")
    page.goto("/imports/")
    accounts = _file().split(b"\r\n")
    page.set_input_files(
        "#id_file",
        files=[{"name": "firmy.csv", "mimeType": "text/csv", "buffer": b"\r\n".join(accounts[:3])}],
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Check the rows").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/check/"))

    # when: a Windows-1250 file of contacts is added on the check page
    page.set_input_files(
        "#id_file",
        files=[{"name": "osoby.csv", "mimeType": "text/csv", "buffer": _contacts_file()}],
    )
    page.get_by_role("button", name="Add the contacts file").click()

    # then: its encoding is proposed and its columns are matched
    expect(page).to_have_url(re.compile(r"/imports/\d+/contacts/mapping/"))
    expect(page.locator("#id_encoding")).to_have_value("cp1250")
    expect(page.locator("#id_column_0")).to_have_value("nip")
    expect(page.locator("table.import-columns")).to_contain_text("Łucja")
    page.get_by_role("button", name="Check the contacts").click()

    # then: three contacts are matched, the fourth listed with the reason
    expect(page).to_have_url(re.compile(r"/imports/\d+/check/"))
    expect(page.locator(".import-contacts")).to_contain_text("2 matched to rows of this import")
    expect(page.locator(".import-contacts")).to_contain_text("1 matched to existing accounts")
    expect(page.locator("#contact-line-5")).to_contain_text(
        f"No account of the import or of yours has the NIP {valid_nip(599)}."
    )

    # when: the unmatched row is skipped and the import runs
    page.get_by_role("button", name="Skip the contact rows not matched").click()
    page.get_by_role("button", name="Import 2 rows").click()

    # then: the contacts are on their accounts, and undo takes them back
    expect(page).to_have_url(re.compile(r"/imports/\d+/result/"))
    expect(page.locator(".import-result")).to_contain_text("3 created, 0 not imported")
    assert Account.objects.get(name="Przędzalnia Łódź-Bałuty").contacts.get().last_name == "Żak"
    assert Account.objects.get(name="Źródełko Żywiec Sp. z o.o.").contacts.get().last_name == "Bąk"
    assert existing.contacts.get().first_name == "Adam"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo the import").click()
    expect(page.locator("h1")).to_contain_text("Undone")
    assert not existing.contacts.exists()
