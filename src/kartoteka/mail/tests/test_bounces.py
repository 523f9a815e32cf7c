"""Bounces of our mail: the sent message marked undelivered, undeliverable addresses paused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kartoteka.cases.models import Case
from kartoteka.customers.models import EmailAddress
from kartoteka.customers.services import email_address_clear_undeliverable
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading.message_ids import signed_message_id
from kartoteka.mail.receiving.inbound import Receipt, message_receive
from kartoteka.mail.sending.loop_guard import may_send_automatically
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")


REJECTED = "550 5.1.1 <jan@klient.example>: Recipient address rejected: User unknown"


def sent(case: Case | None, mailbox: Mailbox, *, to: str = CUSTOMER, automatic=False) -> Message:
    """One of our messages, already sent."""
    number = case.number if case is not None else 0
    return Message.objects.create(
        case=case,
        mailbox=mailbox,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.SENT,
        message_id=signed_message_id(case_number=number, message_pk=1, domain="firma.example"),
        subject="Re: Drukarka",
        from_address=SUPPORT,
        to=[{"name": "", "address": to}],
        automatic=automatic,
        raw_sha256="0" * 64,
    )


def dsn(
    original_id: str,
    *,
    recipient: str = CUSTOMER,
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = f"smtp; {REJECTED}",
    message_id: str = "bounce-1@mx.firma.example",
) -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes it."""
    return f"""\
From: MAILER-DAEMON@mx.firma.example (Mail Delivery System)
To: {SUPPORT}
Subject: Undelivered Mail Returned to Sender
Message-ID: <{message_id}>
Date: Mon, 02 Mar 2026 10:05:00 +0100
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.firma.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.firma.example
Arrival-Date: Mon,  2 Mar 2026 10:04:59 +0100

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic}

--BOUNDARY
Content-Type: text/rfc822-headers

From: Pomoc <{SUPPORT}>
To: {recipient}
Subject: Re: Drukarka
Message-ID: <{original_id}>

--BOUNDARY--
""".replace("\n", "\r\n").encode()


def receive(raw: bytes, mailbox: Mailbox) -> Receipt:
    return message_receive(raw=raw, mailbox=mailbox, source="test")


def test_a_bounce_marks_our_sent_message_undelivered_with_the_reason(
    mailbox, case, frozen_now
) -> None:
    # given
    ours = sent(case, mailbox)
    # when
    receipt = receive(dsn(ours.message_id), mailbox)
    # then the bounce is in the case and our message says it failed, and why
    ours.refresh_from_db()
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    assert Message.objects.get(pk=receipt.message_pk).bounce is True
    assert ours.delivery_failed_at == frozen_now
    assert ours.delivery_error == f"{CUSTOMER}: 5.1.1 {REJECTED}"


def test_the_case_messages_api_shows_the_failed_delivery(mailbox, case, agent, frozen_now) -> None:
    # given
    ours = sent(case, mailbox)
    receive(dsn(ours.message_id), mailbox)
    client = APIClient()
    client.force_authenticate(agent)
    # when
    rows = client.get(f"/api/v1/cases/{case.number}/messages/").json()["results"]
    # then
    row = next(row for row in rows if row["id"] == ours.pk)
    assert row["delivery_error"] == f"{CUSTOMER}: 5.1.1 {REJECTED}"
    assert datetime.fromisoformat(row["delivery_failed_at"]) == frozen_now


def test_a_permanent_bounce_marks_the_known_address_and_pauses_automatic_mail(
    mailbox, case, frozen_now
) -> None:
    # given
    ours = sent(case, mailbox)
    # when
    receive(dsn(ours.message_id), mailbox)
    # then
    address = EmailAddress.objects.get(address=CUSTOMER)
    assert address.undeliverable_since == frozen_now
    assert address.undeliverable_reason == f"5.1.1 {REJECTED}"
    since = address.undeliverable_since
    may, reason = may_send_automatically(CUSTOMER, case=case, now=since + timedelta(days=59))
    assert may is False
    assert reason.startswith(f"{CUSTOMER} is undeliverable since ")
    assert REJECTED in reason
    # and 60 days later automatic mail is allowed again
    assert may_send_automatically(CUSTOMER, case=case, now=since + timedelta(days=61)) == (
        True,
        "",
    )


def test_the_pause_follows_the_setting(mailbox, case, settings) -> None:
    settings.MAIL_UNDELIVERABLE_PAUSE_DAYS = 5
    ours = sent(case, mailbox)
    receive(dsn(ours.message_id), mailbox)
    since = EmailAddress.objects.get(address=CUSTOMER).undeliverable_since
    assert may_send_automatically(CUSTOMER, case=case, now=since + timedelta(days=4))[0] is False
    assert may_send_automatically(CUSTOMER, case=case, now=since + timedelta(days=6))[0] is True


def test_automatic_mail_to_an_undeliverable_address_is_not_queued(mailbox, case) -> None:
    from kartoteka.mail.sending.outbound import message_compose

    ours = sent(case, mailbox)
    receive(dsn(ours.message_id), mailbox)

    queued = message_compose(
        mailbox=mailbox,
        case=case,
        to=[CUSTOMER],
        subject="Przyjęliśmy zgłoszenie",
        text="Dziękujemy.",
        automatic=True,
    )

    assert queued is None


def test_a_temporary_bounce_marks_the_message_but_not_the_address(mailbox, case) -> None:
    # given
    ours = sent(case, mailbox)
    # when the server gave up after temporary errors
    receive(dsn(ours.message_id, status="4.4.7", diagnostic="smtp; 451 4.4.7 try later"), mailbox)
    # then
    ours.refresh_from_db()
    assert ours.delivery_error == f"{CUSTOMER}: 4.4.7 451 4.4.7 try later"
    assert EmailAddress.objects.get(address=CUSTOMER).undeliverable_since is None
    assert may_send_automatically(CUSTOMER, case=case) == (True, "")


def test_a_delay_notice_marks_nothing(mailbox, case) -> None:
    ours = sent(case, mailbox)

    receipt = receive(
        dsn(ours.message_id, status="4.4.1", action="delayed", diagnostic="smtp; 421 busy"),
        mailbox,
    )

    ours.refresh_from_db()
    assert receipt.case_number == case.number
    assert (ours.delivery_failed_at, ours.delivery_error) == (None, "")
    assert EmailAddress.objects.get(address=CUSTOMER).undeliverable_since is None


def test_only_known_addresses_are_marked(mailbox, case, frozen_now) -> None:
    # given a message to an address no contact has
    ours = sent(case, mailbox, to="nieznany@klient.example")
    # when
    receive(dsn(ours.message_id, recipient="nieznany@klient.example"), mailbox)
    # then the message is marked, no address row appears
    ours.refresh_from_db()
    assert ours.delivery_failed_at == frozen_now
    assert not EmailAddress.objects.filter(address="nieznany@klient.example").exists()
    assert EmailAddress.objects.get(address=CUSTOMER).undeliverable_since is None


def test_a_bounce_of_a_message_of_another_mailbox_and_no_case_is_found(
    mailbox, customer, frozen_now
) -> None:
    # given a message without a case, sent from another of our mailboxes
    other = Mailbox.objects.create(name="faktury", address="faktury@firma.example")
    ours = sent(None, other)
    # when the bounce comes to the support mailbox
    receipt = receive(dsn(ours.message_id), mailbox)
    # then it waits in triage, and our message is still marked
    ours.refresh_from_db()
    assert receipt.action == "triage"
    assert ours.delivery_failed_at == frozen_now
    assert EmailAddress.objects.get(address=CUSTOMER).undeliverable_since == frozen_now


def test_a_bounce_naming_no_message_of_ours_marks_no_address(mailbox, customer) -> None:
    receipt = receive(dsn("someone-else@elsewhere.example"), mailbox)

    assert receipt.action == "triage"
    assert EmailAddress.objects.get(address=CUSTOMER).undeliverable_since is None


def test_clearing_the_mark_enables_automatic_mail_again(mailbox, case, agent) -> None:
    # given
    ours = sent(case, mailbox)
    receive(dsn(ours.message_id), mailbox)
    address = EmailAddress.objects.get(address=CUSTOMER)
    assert may_send_automatically(CUSTOMER, case=case)[0] is False
    # when
    email_address_clear_undeliverable(address=address, by=agent)
    # then
    address.refresh_from_db()
    assert (address.undeliverable_since, address.undeliverable_reason) == (None, "")
    assert may_send_automatically(CUSTOMER, case=case) == (True, "")


# The contact page


def test_the_contact_page_shows_the_mark_and_its_clear_button_works(
    mailbox, case, customer, agent
) -> None:
    # given
    ours = sent(case, mailbox)
    receive(dsn(ours.message_id), mailbox)
    address = EmailAddress.objects.get(address=CUSTOMER)
    client = client_for(agent)
    clear = reverse("customers:contact-email-clear-undeliverable", args=[customer.pk, address.pk])
    # when
    page = client.get(customer.get_absolute_url()).content.decode()
    # then
    assert "undeliverable since" in page
    assert "Recipient address rejected: User unknown" in page
    assert clear in page
    # when
    response = client.post(clear)
    # then
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.undeliverable_since is None
    assert "undeliverable since" not in client.get(customer.get_absolute_url()).content.decode()


def test_clearing_on_a_hidden_contact_is_404(outsider, support_team) -> None:
    contact = ContactFactory(account=AccountFactory(restricted=True, team=support_team))
    since = timezone.now()
    address = EmailAddress.objects.create(
        contact=contact, address="tajny@klient.example", undeliverable_since=since
    )
    url = reverse("customers:contact-email-clear-undeliverable", args=[contact.pk, address.pk])

    response = client_for(outsider).post(url)

    assert response.status_code == 404
    address.refresh_from_db()
    assert address.undeliverable_since == since


def test_clearing_takes_only_a_post(agent, customer) -> None:
    address = customer.emails.get()
    url = reverse("customers:contact-email-clear-undeliverable", args=[customer.pk, address.pk])

    assert client_for(agent).get(url).status_code == 405
