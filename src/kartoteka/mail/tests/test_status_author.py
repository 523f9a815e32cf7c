"""A status change made by a customer's email names that customer's contact as its author."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.urls import reverse

from kartoteka.cases.history import case_history
from kartoteka.cases.models import Status
from kartoteka.cases.services import case_update
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.conversation import case_tree
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")


def reply(case_number: int, *, sender: str = CUSTOMER) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan Kowalski <{sender}>"
    message["To"] = SUPPORT
    message["Subject"] = f"Re: [KART#{case_number}] Drukarka"
    message["Message-ID"] = f"<reply-{case_number}-{sender}@klient.example>"
    message.set_content("Nadal nie działa.")
    return message.as_bytes()


def closed(case):
    return case_update(case=case, by=None, data={"status": Status.objects.get(name="Closed")})


def status_entry(case):
    return next(
        entry
        for entry in case_history(case)
        if any(change.field == "status" and change.new == "Open" for change in entry.changes)
    )


def test_a_customers_reply_that_reopens_the_case_names_the_contact(mailbox, case, customer):
    # given
    closed(case)
    # when
    message_receive(raw=reply(case.number), mailbox=mailbox, source="pipe")
    # then
    entry = status_entry(case)
    assert entry.who is None
    assert entry.contact == customer
    assert entry.author == "Jan Kowalski"


def test_the_case_tree_links_the_author_to_the_contact(mailbox, case, customer):
    # given
    closed(case)
    message_receive(raw=reply(case.number), mailbox=mailbox, source="pipe")
    # when
    item = next(item for item in case_tree(case) if item.entry and item.entry.contact)
    # then
    assert (item.who, item.who_url) == ("Jan Kowalski", customer.get_absolute_url())


def test_the_case_page_shows_the_contacts_name_as_a_link(mailbox, case, customer, agent):
    closed(case)
    message_receive(raw=reply(case.number), mailbox=mailbox, source="pipe")
    page = client_for(agent).get(reverse("desk:case-detail", args=[case.number])).text
    assert f' · <a href="{customer.get_absolute_url()}">Jan Kowalski</a>' in page


def test_a_change_by_a_user_keeps_the_user_as_author(case, agent):
    case_update(case=case, by=agent, data={"status": Status.objects.get(name="Closed")})
    entry = case_history(case)[-1]
    assert (entry.who, entry.contact) == (agent, None)


def test_an_unknown_senders_change_has_no_author(case):
    # given: the address is nobody's (an extra address of the case, say)
    case_update(
        case=case,
        by=None,
        data={"status": Status.objects.get(name="Closed")},
        by_sender="kto@inny.example",
    )
    # then
    entry = case_history(case)[-1]
    assert (entry.who, entry.contact, entry.author) == (None, None, "")


def test_an_erased_contact_leaves_no_author_behind(mailbox, case, customer):
    # given
    closed(case)
    message_receive(raw=reply(case.number), mailbox=mailbox, source="pipe")
    # when
    EmailAddress.objects.filter(contact=customer).delete()
    customer.delete()
    # then
    entry = status_entry(case)
    assert (entry.contact, entry.author) == (None, "")


def test_the_sender_is_found_in_any_case_and_with_spaces(case, customer):
    case_update(
        case=case,
        by=None,
        data={"status": Status.objects.get(name="Closed")},
        by_sender=f"  {CUSTOMER.upper()} ",
    )
    assert case_history(case)[-1].contact == customer
