"""An ordinary human message is never called a bounce (issue 18, item 10).

A free-form bounce (no RFC 3464 report) was recognised by a bounce-like subject and bounce
words in the text, from any sender. A person writes such subjects too — "Reklamacja: paczka
niedostarczona", "Re: Undelivered invoice", "Fwd: Returned mail" — and a message taken for a
bounce is no longer a customer's message: it marks our reply it answers as undelivered, may
mark the customer's address undeliverable, is hidden from the customer's side and never opens
a case. Now a sender that is no mailer daemon must also show that a program sent it.
"""

from __future__ import annotations

import pytest

from kartoteka.cases.models import Case
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading.message_ids import signed_message_id
from kartoteka.mail.reading.parsing import parse
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.testing.mail.corpora import corpora_dir
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ("From: Anna Nowak <anna@klient.pl>\nSubject: Reklamacja - paczka niedostarczona",
         "Dzień dobry,\nzamówienie nr 551 nie dotarło, kurier twierdzi, że adres does not "
         "exist.\nPozdrawiam"),
        ("From: Jan <jan@klient.pl>\nSubject: Re: Undelivered invoice",
         "Hi, the invoice was rejected by our system, please resend."),
        ("From: jan@klient.pl\nSubject: Fwd: Mail delivery failed",
         "Your mail to our office bounced, see below.\n\n> 550 5.1.1 user unknown"),
        ("From: Petr Dvořák <petr@zakaznik.cz>\nSubject: Nedoručitelná zásilka č. 552",
         "Dobrý den, zásilka was not delivered, prosím o kontrolu."),
        ("From: Ewa <ewa@klient.pl>\nSubject: Odp: Delivery failure of the printer",
         "The printer delivery failed: the parcel was rejected at the gate."),
    ],
)  # fmt: skip
def test_a_person_writing_about_failed_delivery_is_not_a_bounce(headers: str, body: str) -> None:
    message = parse(crlf(f"{headers}\nTo: biuro@firma.pl\nMessage-ID: <h@klient.pl>\n\n{body}\n"))
    assert (message.bounce, message.bounced_recipients) == (False, ())


@pytest.mark.parametrize(
    "marker",
    [
        "Return-Path: <>",
        "X-Failed-Recipients: gone@example.com",
        "Auto-Submitted: auto-replied",
    ],
)
def test_a_free_form_bounce_from_a_gateway_with_a_program_s_marks_is_a_bounce(marker: str) -> None:
    raw = crlf(
        f"{marker}\nFrom: gateway@relay.example\nTo: biuro@firma.pl\n"
        "Subject: Delivery failure\n\nYour message could not be delivered to gone@example.com:"
        "\n550 5.1.1 user unknown\n"
    )
    message = parse(raw)
    assert (message.bounce, message.bounced_recipients) == (True, ("gone@example.com",))
    assert message.bounce_permanent is True


def test_a_free_form_bounce_with_the_returned_message_is_a_bounce() -> None:
    raw = crlf(
        "From: imss@gateway.example\nTo: biuro@firma.pl\nSubject: Mail could not be delivered\n"
        'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\n'
        "The message could not be delivered to gone@example.com.\n--B\n"
        "Content-Type: message/rfc822\n\nFrom: biuro@firma.pl\nMessage-ID: <ours@firma.pl>\n"
        "Subject: Oferta\n\nTreść\n--B--\n"
    )
    message = parse(raw)
    assert (message.bounce, message.bounced_message_id) == (True, "ours@firma.pl")


def test_sisimai_a_person_forwarding_a_bounce_is_no_bounce() -> None:
    # sisimai reads the bounce inside; for us it is the person's message about it
    path = corpora_dir("sisimai") / "maildir" / "bsd" / "lhost-sendmail-14.eml"
    message = parse(path.read_bytes())
    assert message.subject == "Fwd: Returned mail: see transcript for details"
    assert message.bounce is False


def test_sisimai_not_bounces() -> None:
    folder = corpora_dir("sisimai") / "maildir" / "not"
    assert parse((folder / "is-not-bounce-01.eml").read_bytes()).bounce is False
    assert parse((folder / "is-not-bounce-02.eml").read_bytes()).bounce is False
    # rb-issue-368-bug.eml sits there as a crash sample of sisimai (rb-sisimai #368, #369): it
    # is a postmaster's automatic notice ("Mailbox full", Return-Path <>, Auto-Submitted) and
    # remains a bounce here
    notice = parse((folder / "rb-issue-368-bug.eml").read_bytes())
    assert (notice.bounce, notice.auto_reply, notice.bounced_recipients) == (
        True,
        True,
        ("xxxx@yyyyyy.net",),
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("data_dir")
def test_a_customer_s_reply_about_a_failed_delivery_stays_the_customer_s_message(
    mailbox: Mailbox, case: Case
) -> None:
    # given: our reply in the case, and the customer answers it about a returned parcel
    ours = Message.objects.create(
        case=case,
        mailbox=mailbox,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.SENT,
        message_id=signed_message_id(case_number=case.number, message_pk=1, domain="firma.pl"),
        subject="Re: Drukarka",
        from_address=SUPPORT,
        to=[{"name": "", "address": CUSTOMER}],
        raw_sha256="0" * 64,
    )
    raw = crlf(
        f"From: Jan Kowalski <{CUSTOMER}>\nTo: {SUPPORT}\nSubject: Re: Drukarka - zwrot "
        f"niedostarczony\nMessage-ID: <reply@klient.example>\nIn-Reply-To: <{ours.message_id}>"
        f"\nReferences: <{ours.message_id}>\n\nKurier napisał: address does not exist, 550.\n"
    )
    # when
    receipt = message_receive(raw=raw, mailbox=mailbox, source="test")
    # then
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    assert Message.objects.get(pk=receipt.message_pk).bounce is False
    ours.refresh_from_db()
    assert (ours.delivery_failed_at, ours.delivery_error) == (None, "")
    assert EmailAddress.objects.get(address=CUSTOMER).undeliverable_since is None
