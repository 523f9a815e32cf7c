"""An agent meets a duplicate NIP, saves a branch anyway, then merges a real duplicate away:
the warning with its link, "Save anyway", the merge page's choice, comparison and result."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case
from kartoteka.customers.models import Account
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.browser


def test_a_duplicate_nip_is_confirmed_and_a_duplicate_account_merged(
    page: Page, agent: User
) -> None:
    # given: a customer, and its duplicate with a contact and a case
    head = AccountFactory(name="Drukpol Sp. z o.o.", nip="5260250274", regon="", city="Łódź")
    twin = AccountFactory(name="DRUKPOL", nip="5260250274", regon="010732630", city="Łódź")
    contact = ContactFactory(account=twin, first_name="Anna", last_name="Nowak")
    case = make_case("Toner", by=agent, account=twin, contacts=(contact,))
    log_in(page, "agent")

    # when: a branch is added with the same NIP
    page.goto(reverse("customers:account-create"))
    form = page.locator("form:has([name=nip])")
    form.locator("[name=name]").fill("Drukpol oddział Kraków")
    form.locator("[name=nip]").fill("526-025-02-74")
    form.locator("button[type=submit]").first.click()

    # then: the warning names both holders as links, and nothing is saved yet
    warning = page.locator(".notice-warning")
    expect(warning.get_by_role("link", name="Drukpol Sp. z o.o.", exact=True)).to_be_visible()
    expect(warning.get_by_role("link", name="DRUKPOL", exact=True)).to_be_visible()
    assert not Account.objects.filter(name="Drukpol oddział Kraków").exists()

    # when: "Save anyway"
    page.get_by_label("Save anyway").check()
    page.locator("form:has([name=nip]) button[type=submit]").first.click()

    # then: the branch is saved with the shared NIP
    expect(page.locator("h1")).to_have_text("Drukpol oddział Kraków")
    assert Account.objects.filter(nip="5260250274").count() == 3

    # when: from the head office's page, merge with the duplicate
    page.goto(head.get_absolute_url())
    page.get_by_role("link", name="Merge with another account").click()
    row = page.locator("tr", has_text="DRUKPOL").filter(has_not_text="oddział")
    row.get_by_role("link", name="Compare and merge").click()

    # then: the differing name is marked, the kept one preselected; REGON comes from the twin
    expect(page.locator("tr.differs input[name=name][value=kept]")).to_be_checked()
    expect(page.locator("tr.differs input[name=regon][value=merged]")).to_be_checked()

    # when: the twin's name is chosen and the merge confirmed
    page.locator("input[name=name][value=merged]").check()
    page.get_by_role("button", name=re.compile("^Merge DRUKPOL into")).click()

    # then: the kept account shows, renamed, with the twin's REGON and case
    expect(page).to_have_url(re.compile(re.escape(head.get_absolute_url()) + "$"))
    expect(page.get_by_text("DRUKPOL merged into DRUKPOL.")).to_be_visible()
    head.refresh_from_db()
    assert (head.name, head.regon) == ("DRUKPOL", "010732630")
    assert Case.objects.get(pk=case.pk).account_id == head.pk
    assert not Account.objects.filter(pk=twin.pk).exists()
