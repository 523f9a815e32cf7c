"""A reply from someone new to the case, in a real browser: it joins the conversation without
a click, its card says who came in, and "Not part of this case" sends it to triage with the
participant it added."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from kartoteka.cases.models import Case
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.people.models import User
from kartoteka.testing.browser import log_in
from kartoteka.testing.customers import ContactFactory
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTANT = "ksiegowa@biuro-rachunkowe.example"


def email(*, sender: str, message_id: str, in_reply_to: str = "", text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = ("Re: " if in_reply_to else "") + "Korekta faktury FV/118/2026"
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 07 Dec 2026 09:00:00 +0100"
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(text)
    return message.as_bytes()


def test_a_reply_from_someone_new_joins_the_case_and_one_click_sends_it_to_triage(
    page: Page, agent: User
) -> None:
    # given: the customer's message made a case; the thread was forwarded to their accountant,
    # who answers it, naming the customer's message
    customer = ContactFactory(first_name="Jan", last_name="Kowalski")
    EmailAddress.objects.create(contact=customer, address=CUSTOMER)
    mailbox = Mailbox.objects.create(name="pomoc", address=SUPPORT, protocol=Mailbox.Protocol.NONE)
    first = message_receive(
        raw=email(
            sender=f"Jan Kowalski <{CUSTOMER}>",
            message_id="<fv118@klient.example>",
            text="Proszę o korektę faktury FV/118/2026.",
        ),
        mailbox=mailbox,
        source="test",
    )
    reply = message_receive(
        raw=email(
            sender=f"Barbara Księgowa <{ACCOUNTANT}>",
            message_id="<odp@biuro-rachunkowe.example>",
            in_reply_to="<fv118@klient.example>",
            text="Dzień dobry, w imieniu klienta przesyłam NIP nabywcy.",
        ),
        mailbox=mailbox,
        source="test",
    )
    case = Case.objects.get(number=first.case_number)
    assert (reply.action, reply.case_number) == ("appended", case.number)

    # when: the agent reads the case
    log_in(page, "agent")
    page.goto(case.get_absolute_url())

    # then: the reply stands in the conversation, its card naming the newcomer
    card = page.locator(".message-card", has_text="przesyłam NIP nabywcy")
    expect(card).to_be_visible()
    notice = card.locator(".message-newcomer")
    expect(notice).to_contain_text("New participant: Barbara Księgowa")

    # when: the agent says it does not belong here
    notice.get_by_role("button", name="Not part of this case").click()

    # then: the case page says where it went, and the conversation no longer holds it
    expect(page.locator(".toast-success")).to_contain_text(
        f"{ACCOUNTANT} is no longer a participant of case #{case.number}"
    )
    expect(page.locator(".message-card", has_text="przesyłam NIP nabywcy")).to_have_count(0)
    expect(page.locator(".message-card", has_text="korektę faktury")).to_be_visible()
    message = Message.objects.get(pk=reply.message_pk)
    assert (message.case_id, message.newcomer) == (None, "")

    # and: it waits in triage, to be placed by hand
    page.goto(reverse("mail:triage"))
    expect(page.locator("main")).to_contain_text("Barbara Księgowa")
