"""An agent adds an account in a real browser: login form, list, create form, detail page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Response, expect
from stdnum.pl import nip as stdnum_nip

from kartoteka.customers.models import Account
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import valid_nip
from kartoteka.testing.people import PASSWORD

pytestmark = pytest.mark.browser


def test_agent_adds_an_account_after_correcting_a_wrong_nip(page: Page, agent: User) -> None:
    static_failures: list[str] = []

    def check_static(response: Response) -> None:
        # 304: the browser's cached copy is still good (a later page revalidates it)
        if "/static/" in response.url and response.status not in (200, 304):
            static_failures.append(f"{response.status} {response.url}")

    page.on("response", check_static)
    nip = valid_nip(424242)

    # given: the agent signed in and on the customers list, with htmx loaded
    log_in(page, "agent", PASSWORD)
    page.goto(reverse("customers:account-list"))
    page.wait_for_function("() => window.htmx !== undefined")

    # when: "add", then a name and a NIP with a wrong check digit
    page.click(f"a[href='{reverse('customers:account-create')}']")
    expect(page).to_have_url(re.compile(re.escape(reverse("customers:account-create"))))
    form = page.locator("form:has([name=nip])")
    form.locator("[name=name]").fill("Przykładowa Spółka Sp. z o.o.")
    form.locator("[name=nip]").fill("123-456-78-90")
    form.locator("button[type=submit]").first.click()

    # then: the form says what is wrong and nothing is saved
    expect(page.get_by_text("has a wrong check digit")).to_be_visible()
    assert not Account.objects.filter(name="Przykładowa Spółka Sp. z o.o.").exists()

    # when: the NIP is corrected (typed the way people write it)
    form = page.locator("form:has([name=nip])")
    form.locator("[name=nip]").fill(f"PL {stdnum_nip.format(nip)}")
    form.locator("button[type=submit]").first.click()

    # then: the new account's page shows its NIP
    account = _wait_for_account(page, "Przykładowa Spółka Sp. z o.o.")
    assert account.nip == nip
    assert account.created_by == agent
    expect(page).to_have_url(re.compile(re.escape(account.get_absolute_url()) + "$"))
    expect(page.locator("body")).to_contain_text(
        re.compile(f"{nip}|{re.escape(stdnum_nip.format(nip))}")
    )
    expect(page.locator("body")).to_contain_text("Przykładowa Spółka Sp. z o.o.")
    assert static_failures == []


def _wait_for_account(page: Page, name: str) -> Account:
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    return Account.objects.get(name=name)
