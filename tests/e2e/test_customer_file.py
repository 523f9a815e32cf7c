"""The customer file in a real browser: an agent opens a customer, reads its timeline (a case,
the customer's email and an internal note, each a link), narrows it to the correspondence and
searches it without Polish letters, then follows an entry to its case."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kartoteka.cases import services
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import add_message

pytestmark = pytest.mark.browser


def test_agent_reads_a_customers_file_and_follows_an_email_to_its_case(
    page: Page, agent: User
) -> None:
    # given: a customer with a case, the customer's email in it and an internal note
    account = AccountFactory(name="Hurtownia Żółw")
    case = make_case("Faktura 12/2026 do korekty", account=account)
    email = add_message(
        case,
        subject="Przesyłka niekompletna",
        text="Brakuje dwóch kartonów.",
        text_new="Brakuje dwóch kartonów.",
    )
    services.case_note_add(case=case, by=agent, text="Zadzwonić do magazynu")
    log_in(page, "agent")

    # when: the agent opens the customer
    page.goto(account.get_absolute_url())

    # then: the timeline shows all three, newest first, with the open-cases figure
    entries = page.locator(".timeline-entry")
    expect(entries).to_have_count(4)  # and "Customer added"
    expect(entries.nth(0)).to_contain_text("Internal note")
    expect(entries.nth(1)).to_contain_text("Przesyłka niekompletna")
    expect(entries.nth(2)).to_contain_text(f"Case #{case.number} opened")
    expect(page.locator("dl.key-figures")).to_contain_text("Open cases")

    # when: the Correspondence tab, then a search typed without Polish letters
    page.get_by_role("link", name="Correspondence").click()
    expect(entries).to_have_count(1)
    page.get_by_label("Search this customer").fill("przesylka")
    page.get_by_role("button", name="Filter").click()

    # then: the email is found; following it opens its case at the message
    expect(entries).to_have_count(1)
    entries.first.get_by_role("link", name="Przesyłka niekompletna").click()
    page.wait_for_url(re.compile(rf"/cases/{case.number}/#message-{email.pk}$"))
    expect(page.locator(f"#message-{email.pk}")).to_contain_text("Brakuje dwóch kartonów.")
