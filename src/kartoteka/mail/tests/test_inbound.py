"""message_receive: raw bytes in, a stored and placed message out."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

import pytest
from django.db import OperationalError

from kartoteka.cases.models import Case, CaseGroup, CaseSettings, Status
from kartoteka.cases.services import case_update
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.rawstore import raw_path
from kartoteka.mail.reading.message_ids import signed_message_id
from kartoteka.mail.receiving import inbound
from kartoteka.mail.receiving.inbound import Receipt, TemporaryFailure, content_key, message_receive
from kartoteka.mail.receiving.knowledge import receiving_context
from kartoteka.testing.customers import ContactFactory
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")


STRANGER = "mallory@obcy.example"


def email(
    *,
    sender: str = f"Jan Kowalski <{CUSTOMER}>",
    to: str = SUPPORT,
    cc: str = "",
    subject: str = "Drukarka nie drukuje",
    message_id: str = "<first@klient.example>",
    in_reply_to: str = "",
    body: str = "Dzień dobry, drukarka nie drukuje.",
    headers: dict[str, str] | None = None,
    attachment: bytes | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="faktura.pdf"
        )
    return message.as_bytes()


def status(name: str) -> Status:
    return Status.objects.get(name=name)


def receive(raw: bytes, mailbox: Mailbox | None) -> Receipt:
    return message_receive(raw=raw, mailbox=mailbox, source="test")


# Placing


def test_known_contact_gets_a_new_case_with_contact_account_and_mailbox_group(
    mailbox, customer
) -> None:
    # given
    mailbox.group = CaseGroup.objects.get(name="Sales")
    mailbox.save(update_fields=["group"])
    # when
    receipt = receive(email(subject="Re: Fwd: Drukarka nie drukuje"), mailbox)
    # then
    case = Case.objects.get(number=receipt.case_number)
    assert (receipt.action, receipt.reason) == ("created", "new case from a known sender")
    assert case.subject == "Drukarka nie drukuje"
    assert (case.account, case.reporter, list(case.contacts.all())) == (
        customer.account,
        customer,
        [customer],
    )
    assert case.group.name == "Sales"
    assert case.status.name == "New"
    message = Message.objects.get()
    assert (message.case, message.state, message.direction) == (
        case,
        Message.State.PLACED,
        Message.Direction.INBOUND,
    )
    assert (message.message_id, message.from_address, message.from_name) == (
        "first@klient.example",
        CUSTOMER,
        "Jan Kowalski",
    )
    assert message.to == [{"name": "", "address": SUPPORT}]
    assert message.text.strip() == "Dzień dobry, drukarka nie drukuje."


def test_unknown_sender_goes_to_triage(mailbox) -> None:
    receipt = receive(email(sender=STRANGER), mailbox)
    message = Message.objects.get()
    assert receipt == Receipt("triage", None, "unknown sender", message.pk)
    assert (message.state, message.case, message.reason) == (
        Message.State.TRIAGE,
        None,
        "unknown sender",
    )
    assert Case.objects.count() == 0


GOOGLE_GROUP = {
    "List-Id": "<pomoc.firma.example>",
    "List-Post": "<mailto:pomoc@firma.example>",
    "List-Unsubscribe": "<mailto:googlegroups-manage+1+unsubscribe@googlegroups.com>",
    "Precedence": "list",
    "Mailing-list": "list pomoc@firma.example; contact pomoc+owners@firma.example",
}


def test_a_customers_mail_through_a_mailing_list_makes_its_case(mailbox, customer) -> None:
    """support@ routed through a Google Group: a person wrote it, so it is read, not set aside."""
    receipt = receive(email(headers=GOOGLE_GROUP), mailbox)
    message = Message.objects.get()
    assert (receipt.action, message.state, message.bulk) == ("created", "placed", True)


def test_a_strangers_mail_through_a_mailing_list_waits_in_triage(mailbox) -> None:
    receipt = receive(email(sender=STRANGER, headers=GOOGLE_GROUP), mailbox)
    assert (receipt.action, Message.objects.get().state) == ("triage", Message.State.TRIAGE)


def test_an_auto_reply_naming_no_case_is_ignored_and_says_why(mailbox, customer) -> None:
    receipt = receive(email(headers={"Auto-Submitted": "auto-replied"}), mailbox)
    message = Message.objects.get()
    assert (receipt.action, message.state, message.reason) == (
        "ignored",
        Message.State.IGNORED,
        "automatic reply not related to any case",
    )


def test_unknown_sender_to_a_public_mailbox_makes_a_case_and_a_new_contact(mailbox) -> None:
    # given
    mailbox.unknown_sender = Mailbox.UnknownSender.NEW_CASE
    mailbox.save(update_fields=["unknown_sender"])
    # when
    receipt = receive(email(sender=f"Anna Maria Nowak <{STRANGER}>"), mailbox)
    # then
    contact = Contact.objects.get(emails__address=STRANGER)
    case = Case.objects.get(number=receipt.case_number)
    assert receipt.action == "created"
    assert (contact.first_name, contact.last_name, contact.account) == ("Anna Maria", "Nowak", None)
    assert (case.reporter, list(case.contacts.all()), case.account) == (contact, [contact], None)


def test_mail_from_our_own_address_is_ignored(mailbox) -> None:
    receipt = receive(email(sender=f"Pomoc <{SUPPORT}>", subject="[KART#1] x"), mailbox)
    assert (receipt.action, receipt.reason) == ("ignored", f"sent by our own mailbox {SUPPORT}")
    assert Message.objects.get().state == Message.State.IGNORED


def test_reply_with_our_signed_id_lands_in_its_case_even_without_a_tag(mailbox, case) -> None:
    ours = signed_message_id(case_number=case.number, message_pk=1, domain="firma.example")
    receipt = receive(email(subject="Re: coś", in_reply_to=f"<{ours}>"), mailbox)
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    assert Message.objects.get().case == case


def test_a_reply_with_tens_of_thousands_of_references_is_placed_by_the_newest(
    mailbox, customer
) -> None:
    # given the customer's first message made a case, and a reply whose References header
    # holds 40,000 ids (more than a query may have parameters) with that message the newest
    first = receive(email(), mailbox)
    ids = " ".join(f"<old{number}@klient.example>" for number in range(40_000))
    reply = email(message_id="<second@klient.example>").replace(
        b"\n", f"\nReferences: {ids} <first@klient.example>\n".encode(), 1
    )

    # when
    receipt = receive(reply, mailbox)

    # then
    assert (receipt.action, receipt.case_number) == ("appended", first.case_number)


def test_in_reply_to_a_stored_inbound_id_appends(mailbox, customer) -> None:
    # given the customer's first message made a case
    first = receive(email(), mailbox)
    # when the customer answers their own message, without a tag
    receipt = receive(
        email(message_id="<second@klient.example>", in_reply_to="<first@klient.example>"),
        mailbox,
    )
    # then
    assert (receipt.action, receipt.case_number) == ("appended", first.case_number)
    assert receipt.reason == f"reply to a stored message of case {first.case_number}"


def test_tag_from_a_participant_appends(mailbox, case) -> None:
    receipt = receive(email(subject=f"Re: [KART #{case.number}] Drukarka"), mailbox)
    assert (receipt.action, receipt.case_number, receipt.reason) == (
        "appended",
        case.number,
        f"subject tag of case {case.number}",
    )


def test_tag_from_a_colleague_of_the_same_customer_appends(mailbox, case) -> None:
    colleague = ContactFactory(account=case.account)
    EmailAddress.objects.create(contact=colleague, address="ewa@klient.example")
    receipt = receive(email(sender="ewa@klient.example", subject=f"[KART#{case.number}]"), mailbox)
    assert receipt.case_number == case.number


def test_tag_from_a_stranger_goes_to_triage_marked_forged(mailbox, case) -> None:
    # given another customer's contact, known to us, who names a case not theirs
    other = ContactFactory()
    EmailAddress.objects.create(contact=other, address=STRANGER)
    # when
    receipt = receive(email(sender=STRANGER, subject=f"Re: [KART#{case.number}] pilne"), mailbox)
    # then
    message = Message.objects.get()
    assert receipt.action == "triage"
    assert receipt.reason == f"points to case {case.number}, sender not a participant"
    assert (message.state, message.case) == (Message.State.TRIAGE, None)


def test_a_forged_message_stores_the_case_it_named_and_the_triage_api_shows_it(
    mailbox, case, agent
) -> None:
    # given
    from rest_framework.test import APIClient

    EmailAddress.objects.create(contact=ContactFactory(), address=STRANGER)
    receipt = receive(email(sender=STRANGER, subject=f"Re: [KART#{case.number}] pilne"), mailbox)
    # when
    message = Message.objects.get(pk=receipt.message_pk)
    client = APIClient()
    client.force_authenticate(agent)
    row = client.get(f"/api/v1/triage/{message.pk}/").json()
    # then
    assert (message.forged, message.points_to_case, message.source) == (True, case, "test")
    assert (row["forged"], row["points_to_case"]) == (True, case.number)


def test_an_ordinary_message_is_not_marked_forged(mailbox, customer) -> None:
    receipt = receive(email(), mailbox)

    message = Message.objects.get(pk=receipt.message_pk)
    assert (message.forged, message.points_to_case) == (False, None)


def test_a_tag_of_an_accepted_old_prefix_from_a_participant_appends(mailbox, case) -> None:
    # given the company renamed its prefix and keeps the old one valid
    CaseSettings.objects.filter(pk=1).update(prefix="ACME", accepted_old_prefixes="KART, OLD")
    # when
    receipt = receive(email(subject=f"Re: [OLD #{case.number}] Drukarka"), mailbox)
    # then
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    assert receipt.reason == f"subject tag of case {case.number}"


def test_a_tag_of_an_old_prefix_no_longer_accepted_does_not_append(mailbox, case) -> None:
    CaseSettings.objects.filter(pk=1).update(prefix="ACME", accepted_old_prefixes="")

    receipt = receive(email(subject=f"Re: [KART#{case.number}] Drukarka"), mailbox)

    assert receipt.action == "created"
    assert receipt.case_number != case.number


def test_closed_case_reopens_on_a_customer_reply(mailbox, case) -> None:
    # given
    case_update(case=case, by=None, data={"status": status("Closed")})
    # when
    receive(email(subject=f"Re: [KART#{case.number}] Drukarka"), mailbox)
    # then the case takes the settings' incoming status
    case.refresh_from_db()
    assert case.status.name == "Open"


@pytest.fixture
def classified_as(monkeypatch):
    """Parse for real, then mark the result as the classifier would (tested on its own)."""
    from kartoteka.mail.reading import parsing

    real_parse = parsing.parse

    def mark(**kind: object) -> None:
        monkeypatch.setattr(
            parsing, "parse", lambda raw, **options: replace(real_parse(raw, **options), **kind)
        )

    return mark


def test_auto_reply_appends_without_reopening(mailbox, case, classified_as) -> None:
    # given
    case_update(case=case, by=None, data={"status": status("Closed")})
    classified_as(auto_reply=True)
    # when
    receipt = receive(
        email(
            subject=f"Out of office: [KART#{case.number}] Drukarka",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        mailbox,
    )
    # then
    case.refresh_from_db()
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    assert receipt.reason == f"automatic reply, subject tag of case {case.number}"
    assert Message.objects.get().auto_reply is True
    assert case.status.name == "Closed"


def test_bounce_of_our_sent_message_is_attached_to_its_case_without_reopening(
    mailbox, case, classified_as
) -> None:
    # given a reply we sent, and the case closed since
    ours = signed_message_id(case_number=case.number, message_pk=1, domain="firma.example")
    Message.objects.create(
        case=case,
        mailbox=mailbox,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.SENT,
        message_id=ours,
        raw_sha256="0" * 64,
    )
    case_update(case=case, by=None, data={"status": status("Closed")})
    classified_as(bounce=True, bounced_message_id=ours)
    # when
    receipt = receive(
        email(sender="MAILER-DAEMON@mx.klient.example", subject="Undelivered Mail"), mailbox
    )
    # then
    case.refresh_from_db()
    assert (receipt.action, receipt.case_number, receipt.reason) == (
        "appended",
        case.number,
        f"bounce of a message of case {case.number}",
    )
    assert case.status.name == "Closed"


def test_attachments_are_stored_by_content(mailbox, customer) -> None:
    # when
    receive(email(attachment=b"%PDF-1.4 faktura"), mailbox)
    # then
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "faktura.pdf",
        "application/pdf",
        16,
    )
    assert blob_path(attachment.sha256).read_bytes() == b"%PDF-1.4 faktura"


# Never lose, never duplicate


def test_the_same_raw_twice_is_a_duplicate_with_one_row(mailbox, customer) -> None:
    # given
    raw = email()
    first = receive(raw, mailbox)
    # when
    second = receive(raw, mailbox)
    # then
    assert second == Receipt("duplicate", first.case_number, "already stored", first.message_pk)
    assert Message.objects.count() == 1
    assert Case.objects.count() == 1


def test_the_same_message_with_other_trace_headers_is_a_duplicate(mailbox, customer) -> None:
    raw = email()
    receive(b"Received: from mx by imap; Mon, 2 Mar 2026 10:00:01 +0100\r\n" + raw, mailbox)
    receipt = receive(b"Delivered-To: pomoc@firma.example\r\n" + raw, mailbox)
    assert receipt.action == "duplicate"
    assert Message.objects.count() == 1


def test_same_message_id_with_other_content_is_kept_under_a_suffixed_id(mailbox, customer) -> None:
    # given
    receive(email(body="Pierwsza treść"), mailbox)
    other = email(body="Zupełnie inna treść")
    # when
    receipt = receive(other, mailbox)
    # then
    stored = Message.objects.get(pk=receipt.message_pk)
    sha8 = content_sha256(other)[:8]
    assert stored.message_id == f"first@klient.example#{sha8}"
    assert receipt.reason == "same Message-ID, different content; new case from a known sender"
    assert receive(other, mailbox).action == "duplicate"
    assert Message.objects.count() == 2


def test_the_same_message_in_another_mailbox_is_stored_there_too(mailbox, customer) -> None:
    other = Mailbox.objects.create(name="sprzedaz", address="sprzedaz@firma.example")
    receive(email(), mailbox)
    assert receive(email(), other).action == "created"
    assert Message.objects.count() == 2


def test_the_raw_file_exists_before_the_database_row(mailbox, customer, monkeypatch) -> None:
    # given a database failing on the first write
    raw = email()
    seen: list[bool] = []

    def failing_save(self: Message, *args: object, **kwargs: object) -> None:
        seen.append(raw_path(self.raw_sha256).exists())
        raise OperationalError("database is locked")

    monkeypatch.setattr(Message, "save", failing_save)
    # when
    with pytest.raises(TemporaryFailure):
        receive(raw, mailbox)
    # then the raw bytes were kept before the row was attempted, and nothing else stayed
    assert seen == [True]
    assert raw_path(content_sha256(raw)).read_bytes() == raw
    assert Case.objects.count() == 0


def test_a_database_error_is_a_temporary_failure_and_a_retry_stores_once(
    mailbox, customer, monkeypatch
) -> None:
    # given
    raw = email()

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(inbound, "knowledge_gather", broken)
    with pytest.raises(TemporaryFailure, match="connection refused"):
        receive(raw, mailbox)
    monkeypatch.undo()
    # when
    first = receive(raw, mailbox)
    second = receive(raw, mailbox)
    # then
    assert (first.action, second.action) == ("created", "duplicate")
    assert Message.objects.count() == 1


def test_a_message_the_parser_cannot_read_is_kept_as_unparsable(mailbox, monkeypatch) -> None:
    # given a parser failing against its contract
    def exploding(raw: bytes, **options: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("kartoteka.mail.reading.parsing.parse", exploding)
    raw = b"\x00\x01 not a message"
    # when
    receipt = receive(raw, mailbox)
    # then
    message = Message.objects.get()
    assert (receipt.action, receipt.case_number) == ("unparsable", None)
    assert (message.state, message.error) == (Message.State.UNPARSABLE, "RuntimeError: boom")
    assert message.raw_sha256 == content_sha256(raw)
    assert receive(raw, mailbox).action == "duplicate"


def test_received_mail_keeps_its_raw_size_and_hash(mailbox, customer) -> None:
    raw = email()
    receive(raw, mailbox)
    message = Message.objects.get()
    assert (message.raw_sha256, message.size) == (content_sha256(raw), len(raw))


def test_gathering_what_is_known_takes_a_fixed_number_of_queries(
    mailbox, case, django_assert_num_queries
) -> None:
    # given a reply naming its case by tag and by a stored id
    first = receive(email(subject=f"[KART#{case.number}]"), mailbox)
    assert first.action == "appended"
    raw = email(
        message_id="<second@klient.example>",
        in_reply_to="<first@klient.example>",
        subject=f"Re: [KART#{case.number}]",
    )
    # when / then: sender (and staff), references, cases, contacts' addresses, the
    # customer's addresses, the conversation (the mailboxes' addresses are in the context)
    from kartoteka.mail.reading.parsing import parse

    parsed = parse(raw)
    context = receiving_context()
    with django_assert_num_queries(6):
        known = inbound.knowledge_gather(parsed, mailbox, context)
    assert known.case_participants == {case.number: frozenset({CUSTOMER, SUPPORT})}
    assert known.customer_domains == {case.number: frozenset({"klient.example"})}


def test_a_run_reads_each_senders_contact_once(mailbox, customer) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given: one run (one context) receiving two new subjects from the same customer
    context = receiving_context()
    first = email(subject="Drukarka", message_id="<one@klient.example>")
    second = email(subject="Skaner", message_id="<two@klient.example>")
    # when
    with CaptureQueriesContext(connection) as queries:
        for raw in (first, second):
            message_receive(raw=raw, mailbox=mailbox, source="test", context=context)
    # then: two cases of the contact's customer, the contact read for the first only
    cases = Case.objects.order_by("number")
    assert [(c.subject, c.reporter, c.account) for c in cases] == [
        ("Drukarka", customer, customer.account),
        ("Skaner", customer, customer.account),
    ]
    contact_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "customers_contact"."id"')
    ]
    assert len(contact_reads) == 1


def test_staff_addresses_are_known_without_a_query_per_message(mailbox, agent) -> None:
    # given: a colleague writes to the support address
    context = receiving_context()
    raw = email(sender=f"Agent <{agent.email.upper()}>", subject="Notatka")
    from kartoteka.mail.reading.parsing import parse

    # when
    known = inbound.knowledge_gather(parse(raw), mailbox, context, sender_verified=True)
    # then
    assert known.sender_is_staff is True


def test_content_key_ignores_trace_headers_only() -> None:
    raw = email()
    assert content_key(b"Received: a\r\n\tb\r\n" + raw) == content_key(raw)
    assert content_key(raw.replace(b"Drukarka", b"Skaner")) != content_key(raw)


def content_sha256(raw: bytes) -> str:
    import hashlib

    return hashlib.sha256(raw).hexdigest()


def test_nul_characters_of_broken_mail_do_not_stop_it_being_stored(mailbox, customer) -> None:
    # given a message whose headers and body carry NUL characters (PostgreSQL refuses them)
    raw = (
        b"From: Jan <jan@klient.example>\r\nTo: biuro@firma.example\r\n"
        b"Subject: Zam\x00owienie\r\nMessage-ID: <nul\x00id@nieznany.example>\r\n\r\n"
        b"Tre\x00\x15\x00 zam\x00wienia\r\n"
    )
    # when
    receipt = receive(raw, mailbox)
    # then
    message = Message.objects.get()
    assert receipt.action == "created"
    assert message.case.subject == "Zamowienie"
    assert "\x00" not in message.subject + message.text + message.message_id
    assert message.subject == "Zamowienie"


# Merged cases


def merged(source: Case, into: Case) -> None:
    """``source`` merged into ``into`` as far as routing is concerned (the merge service
    also moves the conversation; routing must not depend on that)."""
    source.merged_into = into
    source.save(update_fields=["merged_into"])


def test_a_tag_of_a_merged_case_appends_to_the_case_it_was_merged_into(
    mailbox, case, customer
) -> None:
    # given
    target = Case.objects.get(pk=case.pk)
    source = case_create_for(customer, "Stary wątek")
    merged(source, into=target)
    # when
    receipt = receive(email(subject=f"Re: [KART#{source.number}] Stary wątek"), mailbox)
    # then
    assert (receipt.action, receipt.case_number) == ("appended", target.number)
    assert receipt.reason == (
        f"subject tag of case {source.number}; case {source.number} was merged into {target.number}"
    )
    assert Message.objects.get().case == target


def test_our_signed_id_of_a_merged_case_follows_a_chain_of_merges(mailbox, case, customer) -> None:
    # given #first merged into #middle, itself merged into the fixture's case
    first = case_create_for(customer, "Pierwszy")
    middle = case_create_for(customer, "Środkowy")
    merged(first, into=middle)
    merged(middle, into=case)
    ours = signed_message_id(case_number=first.number, message_pk=1, domain="firma.example")
    # when
    receipt = receive(email(subject="Re: coś", in_reply_to=f"<{ours}>"), mailbox)
    # then
    assert (receipt.action, receipt.case_number) == ("appended", case.number)


def test_a_stranger_naming_a_merged_case_still_goes_to_triage(mailbox, case, customer) -> None:
    source = case_create_for(customer, "Stary wątek")
    merged(source, into=case)
    receipt = receive(email(sender=STRANGER, subject=f"[KART#{source.number}]"), mailbox)
    assert receipt.action == "triage"


def case_create_for(contact: Contact, subject: str) -> Case:
    from kartoteka.cases.services import case_create

    return case_create(
        by=None, subject=subject, account=contact.account, contacts=[contact], data={}
    )
