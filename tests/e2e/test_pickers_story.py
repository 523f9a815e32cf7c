"""Choosing a customer among 10,000 on the new-case form by typing three letters and using the
keyboard only, then saving the case (``core.pickers``, ``customers.pickers``)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case
from kartoteka.core.search_index import index_put
from kartoteka.customers.models import Account
from kartoteka.customers.search_entries import account_entry
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in

pytestmark = pytest.mark.browser

CUSTOMERS = 10_000
WORDS = ("Handel", "Usługi", "Transport", "Serwis", "Technika", "Ogrody", "Meble", "Druk")
CITIES = ("Gdańsk", "Kraków", "Poznań", "Łódź", "Wrocław", "Lublin")


def ten_thousand_customers() -> None:
    """10,000 customers written at once (``bulk_create``) and indexed as the services would;
    two of them begin with "Bur", the rest never do."""
    rows = [
        Account(
            name=f"{WORDS[n % len(WORDS)]} {WORDS[(n // 8) % len(WORDS)]} {n}",
            city=CITIES[n % len(CITIES)],
            nip=f"{7000000000 + n}",
        )
        for n in range(CUSTOMERS - 2)
    ]
    rows += [
        Account(name="Burak Cukrowy S.A.", city="Kruszwica", nip="5560000011"),
        Account(name="Bursztyn Gdański sp. z o.o.", city="Gdańsk", nip="5830000022"),
    ]
    created = Account.objects.bulk_create(rows, batch_size=2_000)
    index_put(account_entry(account, []) for account in created)


def test_a_customer_among_ten_thousand_is_picked_with_three_letters_and_the_keyboard(
    page: Page, agent: User, tmp_path: Path
) -> None:
    # given
    started = time.monotonic()
    ten_thousand_customers()
    assert time.monotonic() - started < 60
    assert Account.objects.count() == CUSTOMERS

    # when: the agent starts a new case and types three letters into the customer box
    log_in(page, "agent")
    page.goto("/cases/new/")
    page.get_by_label("Subject").fill("Reklamacja dostawy bursztynu")
    customer = page.get_by_role("combobox", name="Customer")
    customer.focus()
    page.keyboard.type("bur")

    # then: the two customers beginning with it are suggested, the first one active
    listbox = page.get_by_role("listbox", name="Suggestions")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.locator(".picker-option-label")).to_have_text(
        ["Burak Cukrowy S.A.", "Bursztyn Gdański sp. z o.o."]
    )
    expect(customer).to_have_attribute("aria-expanded", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.screenshot(path=str(tmp_path / "suggestions.png"), full_page=True)

    # when: Escape closes the list, Down opens it again and moves, Enter chooses
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(customer).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(customer).to_have_attribute("aria-activedescendant", re.compile(r"_option_1$"))
    page.keyboard.press("Enter")

    # then: the box shows the chosen customer, the form its contacts' section
    expect(customer).to_have_value("Bursztyn Gdański sp. z o.o.")
    expect(listbox).to_be_hidden()
    expect(page.locator("#case-people")).to_contain_text("This customer has no contacts yet.")

    # when: the case is saved
    page.get_by_role("button", name="Add case").click()

    # then: the case belongs to the chosen customer
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(subject="Reklamacja dostawy bursztynu")
    assert case.account is not None
    assert case.account.name == "Bursztyn Gdański sp. z o.o."
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
