"""Writing to a customer from the file in a real browser: a contact's "New email" opens the
composer, and sending it opens the case with the email in its conversation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case
from kartoteka.mail.models import Message
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.sending import make_mailbox as make_sending_mailbox

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_writes_to_a_contact_from_its_page_and_lands_on_the_new_case(
    page: Page, agent: User, smtp_server
) -> None:
    # given: a customer's contact with an address, and a mailbox sending through a real server
    account = AccountFactory(name="Drukarnia Kowalski")
    anna = ContactFactory(account=account, first_name="Anna", last_name="Nowak")
    EmailAddressFactory(contact=anna, address="anna@drukarnia.example")
    smtp_server.point(make_sending_mailbox(is_default=True))
    log_in(page, "agent")

    # when: on the contact's page, New email
    page.goto(anna.get_absolute_url())
    page.get_by_role("link", name="New email").click()
    page.wait_for_function("() => window.htmx !== undefined")

    # then: the composer is addressed to her
    expect(page.locator("#id_to")).to_have_value("Anna Nowak <anna@drukarnia.example>")

    # when: the agent writes and sends
    page.fill("#id_subject", "Oferta na papier kredowy")
    page.fill("[data-editor-area]", "Dzień dobry, w załączeniu nasza oferta.")
    page.click("[data-composer-send]")

    # then: the new case of her customer opens with the email in its conversation
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert (case.account, case.reporter, case.channel) == (account, anna, Case.Channel.EMAIL)
    expect(page.locator("h1")).to_contain_text(f"#{case.number} Oferta na papier kredowy")
    expect(page.locator(".conversation")).to_contain_text("w załączeniu nasza oferta")
    message = Message.objects.get()
    assert message.case == case
    for _attempt in range(50):
        if smtp_server.received:
            break
        page.wait_for_timeout(100)
    assert [received.rcpt_tos for received in smtp_server.received] == [["anna@drukarnia.example"]]
