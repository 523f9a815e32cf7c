"""A manager works with cases in a real browser: create, filter, export, printable history."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.cases import services
from kartoteka.cases.models import Case
from kartoteka.customers.search_entries import account_index
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.people import PASSWORD

pytestmark = pytest.mark.browser


def test_manager_creates_filters_exports_and_prints_a_case(page: Page, manager: User) -> None:
    # given: a customer with a contact, and an unrelated case
    account = AccountFactory(name="Przykładowa Spółka")
    account_index(account)  # made past the services, indexed as they would
    ContactFactory(account=account, first_name="Jan", last_name="Nowak")
    services.case_create(by=manager, subject="Faktura za maj")
    log_in(page, "manager", PASSWORD)
    page.goto(reverse("cases:case-list"))
    page.wait_for_function("() => window.htmx !== undefined")

    # when: a new case for the customer, with its contact (offered once it is chosen)
    page.click(f"a[href='{reverse('cases:case-create')}']")
    page.fill("#id_subject", "Awaria serwera w Łodzi")
    page.get_by_role("combobox", name="Customer").fill("przyk")
    page.get_by_role("option", name="Przykładowa Spółka").click()
    page.get_by_label("Jan Nowak").check()
    page.click("form.case-form button[type=submit]")

    # then: the case page shows it
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(subject="Awaria serwera w Łodzi")
    assert list(case.contacts.values_list("last_name", flat=True)) == ["Nowak"]
    expect(page.locator("h1")).to_have_text(f"#{case.number} Awaria serwera w Łodzi")

    # when: the list is filtered by a part of the subject
    page.goto(reverse("cases:case-list"))
    page.wait_for_function("() => window.htmx !== undefined")
    page.fill("input[name=subject]", "serwera")

    # then: only that case is listed, and the filter is in the address
    expect(page).to_have_url(re.compile(r"subject=serwera"))
    expect(page.locator("table.case-list tbody tr")).to_have_count(1)
    expect(page.locator("table.case-list tbody")).to_contain_text("Awaria serwera w Łodzi")

    # when: the filtered list is exported, with the separator of the user's language (English)
    page.click("text=Export CSV")
    expect(page.locator(".export-form input[value=comma]")).to_be_checked()
    with page.expect_download() as download_info:
        page.click("text=Download CSV")
    download = download_info.value

    # then: a UTF-8 CSV with a BOM, the header, and the one case
    assert re.fullmatch(r"cases-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as exported:
        lines = exported.read().splitlines()
    assert lines[0].startswith("\ufeffNumber,Subject,Status,Priority,")
    assert lines[1].startswith(f"{case.number},Awaria serwera w Łodzi,")
    assert len(lines) == 2

    # when: the printable history opens from the case page
    page.goto(case.get_absolute_url())
    with page.context.expect_page() as new_tab:
        page.click("text=History")
    history = new_tab.value
    history.wait_for_load_state()

    # then: it shows the creation by the manager, with a print button
    expect(history).to_have_url(
        re.compile(re.escape(reverse("cases:case-history", args=[case.number])))
    )
    expect(history.locator("h1")).to_have_text(f"History of #{case.number} Awaria serwera w Łodzi")
    expect(history.locator("table.history")).to_contain_text("Awaria serwera w Łodzi")
    expect(history.locator("button[data-print]")).to_be_visible()
