"""Replies that bring a new participant into their case, and "not part of this case".

A reply naming a stored message of a case (or our signed one) joins the case even from
someone who was not a participant (see ``reading.threading``); the card shows them, and one
click sends the message to triage with the participant it added.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, CaseEvent
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading.message_ids import signed_message_id
from kartoteka.mail.receiving.inbound import Receipt, message_receive
from kartoteka.mail.triage.services import newcomer_reject
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")

COLLEAGUE = "ewa.bak@klient.example"  # the customer's domain, unknown to us
OUTSIDER = "ksiegowa@biuro-rachunkowe.example"  # someone the customer forwarded the thread to
STRANGER = "mallory@obcy.example"
LIST_ID = "<serwis.lista.example>"


def email(
    *,
    sender: str = f"Jan Kowalski <{CUSTOMER}>",
    to: str = SUPPORT,
    cc: str = "",
    subject: str = "Drukarka nie drukuje",
    message_id: str = "<first@klient.example>",
    in_reply_to: str = "",
    references: str = "",
    reply_to: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references or in_reply_to:
        message["References"] = references or in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("Dzień dobry, odpowiadam w imieniu Jana.")
    return message.as_bytes()


def receive(raw: bytes, mailbox: Mailbox) -> Receipt:
    return message_receive(raw=raw, mailbox=mailbox, source="test")


@pytest.fixture
def first(mailbox, customer) -> Receipt:
    """The customer's first message, which made a case."""
    receipt = receive(email(), mailbox)
    assert receipt.action == "created"
    return receipt


def colleague_reply(**changes: str) -> bytes:
    values = {
        "sender": f"Ewa Bąk <{COLLEAGUE}>",
        "cc": CUSTOMER,
        "subject": "Re: Drukarka nie drukuje",
        "message_id": "<reply@klient.example>",
        "in_reply_to": "<first@klient.example>",
    }
    values.update(changes)
    return email(**values)


# Joining


def test_a_new_colleague_answering_all_joins_as_a_contact_of_the_customer(
    mailbox, customer, first
) -> None:
    # when a colleague of the customer's domain, unknown to us, answers all
    receipt = receive(colleague_reply(), mailbox)

    # then the reply is in the case and its sender a new contact of the customer in it
    case = Case.objects.get(number=first.case_number)
    assert (receipt.action, receipt.case_number, receipt.reason) == (
        "appended",
        case.number,
        f"reply to a stored message of case {case.number}, new participant",
    )
    contact = Contact.objects.get(emails__address=COLLEAGUE)
    assert (contact.first_name, contact.last_name, contact.account) == (
        "Ewa",
        "Bąk",
        customer.account,
    )
    assert set(case.contacts.all()) == {customer, contact}
    message = Message.objects.get(pk=receipt.message_pk)
    assert (message.newcomer, message.newcomer_contact, message.forged) == (
        Message.Newcomer.CONTACT,
        contact,
        False,
    )
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CONTACTS_CHANGED).count() == 2


def test_the_new_contact_s_next_message_is_placed_without_a_newcomer(
    mailbox, customer, first
) -> None:
    # given the colleague joined
    receive(colleague_reply(), mailbox)
    # when they answer again with the tag alone
    receipt = receive(
        colleague_reply(
            subject=f"Re: [KART#{first.case_number}]", message_id="<again@x>", in_reply_to=""
        ),
        mailbox,
    )
    # then they are a participant now
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, receipt.case_number, message.newcomer) == (
        "appended",
        first.case_number,
        "",
    )


def test_someone_of_another_domain_joins_as_an_extra_address(mailbox, customer, first) -> None:
    # when the customer's accountant, to whom the thread was forwarded, answers it
    receipt = receive(
        email(
            sender=f"Biuro <{OUTSIDER}>",
            subject="Re: Fwd: Drukarka nie drukuje",
            message_id="<fwd-answer@biuro>",
            in_reply_to="<fwd@klient.example>",
            references="<first@klient.example> <fwd@klient.example>",
        ),
        mailbox,
    )
    # then
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, receipt.case_number) == ("appended", first.case_number)
    assert (message.newcomer, message.newcomer_contact) == (Message.Newcomer.ADDRESS, None)
    assert not Contact.objects.filter(emails__address=OUTSIDER).exists()
    case = Case.objects.get(number=first.case_number)
    assert list(case.contacts.all()) == [customer]


def test_a_free_mail_sender_joins_as_an_address_even_when_the_customer_uses_it(
    mailbox, first, customer
) -> None:
    # given the customer also has a gmail.com address
    EmailAddress.objects.create(contact=customer, address="jan.kowalski@gmail.com")
    # when someone else of gmail.com answers
    receipt = receive(colleague_reply(sender="Ktoś <ktos.inny@gmail.com>"), mailbox)
    # then gmail.com is not the customer's domain
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, message.newcomer) == ("appended", Message.Newcomer.ADDRESS)
    assert not Contact.objects.filter(emails__address="ktos.inny@gmail.com").exists()


def test_a_reply_to_our_signed_message_from_a_newcomer_joins(mailbox, case) -> None:
    ours = signed_message_id(case_number=case.number, message_pk=1, domain="firma.example")
    receipt = receive(colleague_reply(in_reply_to=f"<{ours}>"), mailbox)
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    assert message.newcomer == Message.Newcomer.CONTACT


def test_a_case_without_a_customer_takes_a_newcomer_as_an_address(mailbox) -> None:
    # given a case of a reporter with no customer, made from their message
    mailbox.unknown_sender = Mailbox.UnknownSender.NEW_CASE
    mailbox.save(update_fields=["unknown_sender"])
    opened = receive(email(sender=f"Anna Nowak <{STRANGER}>"), mailbox)
    # when
    receipt = receive(colleague_reply(sender="Piotr <piotr@obcy.example>"), mailbox)
    # then
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.case_number, message.newcomer) == (opened.case_number, "address")


def test_an_address_taken_meanwhile_makes_the_newcomer_an_address(
    mailbox, customer, first, monkeypatch
) -> None:
    # given the contact cannot be made (another owner took the address meanwhile)
    from django.core.exceptions import ValidationError

    from kartoteka.mail.receiving import inbound

    def refuse(*args: object, **kwargs: object) -> Contact:
        raise ValidationError("taken")

    monkeypatch.setattr(inbound, "_contact_for", refuse)
    # when
    receipt = receive(colleague_reply(), mailbox)
    # then the reply is placed all the same
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, message.newcomer, message.newcomer_contact) == (
        "appended",
        "address",
        None,
    )


def test_an_address_the_contacts_refuse_makes_the_newcomer_an_address(
    mailbox, customer, first
) -> None:
    # given a sender address mail servers pass but a contact may not hold
    receipt = receive(colleague_reply(sender="Ewa <ewa..bak@klient.example>"), mailbox)
    # then the reply is placed, its sender an address of the case
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, message.newcomer) == ("appended", "address")
    assert Contact.objects.count() == 1


def test_a_newcomer_with_an_overlong_name_becomes_a_contact_with_the_name_cut(
    mailbox, customer, first
) -> None:
    name = "Ż" * 300 + " " + "Ś" * 300
    receipt = receive(colleague_reply(sender=f"{name} <{COLLEAGUE}>"), mailbox)
    contact = Message.objects.get(pk=receipt.message_pk).newcomer_contact
    assert (contact.first_name, contact.last_name) == ("Ż" * 100, "Ś" * 100)


# What stays in triage


def test_a_tag_alone_from_a_stranger_still_waits_in_triage(mailbox, first) -> None:
    receipt = receive(
        email(
            sender=STRANGER,
            subject=f"Re: [KART#{first.case_number}] pilne",
            message_id="<forged@obcy>",
        ),
        mailbox,
    )
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, message.forged, message.points_to_case.number) == (
        "triage",
        True,
        first.case_number,
    )
    assert not Contact.objects.filter(emails__address=STRANGER).exists()


def test_only_known_participants_keeps_a_newcomer_in_triage(mailbox, customer, first) -> None:
    # given the mailbox wants only known participants
    mailbox.only_known_participants = True
    mailbox.save(update_fields=["only_known_participants"])
    # when
    receipt = receive(colleague_reply(), mailbox)
    # then
    assert (receipt.action, receipt.reason) == (
        "triage",
        f"points to case {first.case_number}, sender not a participant",
    )
    assert not Contact.objects.filter(emails__address=COLLEAGUE).exists()


def test_a_newcomer_whose_reply_to_points_elsewhere_waits_in_triage(
    mailbox, customer, first
) -> None:
    receipt = receive(colleague_reply(reply_to="ewa@evil.example"), mailbox)
    assert receipt.action == "triage"
    assert not Contact.objects.filter(emails__address=COLLEAGUE).exists()


def test_an_unverified_colleague_s_address_naming_a_stored_id_waits_in_triage(
    mailbox, first, agent
) -> None:
    receipt = receive(colleague_reply(sender=agent.email), mailbox)
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, message.sender_held, message.newcomer) == ("triage", True, "")


def test_a_strangers_auto_reply_to_a_stored_message_waits_in_triage_as_before(
    mailbox, first
) -> None:
    receipt = receive(
        colleague_reply(sender=STRANGER, headers={"Auto-Submitted": "auto-replied"}), mailbox
    )
    assert (receipt.action, Message.objects.get(pk=receipt.message_pk).forged) == ("triage", True)


# A mailing list


def test_a_mailing_list_conversation_stays_in_one_case(mailbox) -> None:
    # given a mailbox that makes cases for unknown senders, subscribed to a list
    mailbox.unknown_sender = Mailbox.UnknownSender.NEW_CASE
    mailbox.save(update_fields=["unknown_sender"])
    members = [f"czlonek{n}@firma{n}.example" for n in range(5)]
    list_headers = {"List-Id": LIST_ID, "Precedence": "list"}

    # when the first member writes and the others answer each other
    opened = receive(
        email(
            sender=members[0],
            to="serwis@lista.example",
            message_id="<m0@lista>",
            headers=list_headers,
        ),
        mailbox,
    )
    receipts = [
        receive(
            email(
                sender=member,
                to="serwis@lista.example",
                subject="Re: Drukarka nie drukuje",
                message_id=f"<m{n}@lista>",
                in_reply_to=f"<m{n - 1}@lista>",
                references=" ".join(f"<m{k}@lista>" for k in range(n)),
                reply_to="serwis@lista.example",
                headers=list_headers,
            ),
            mailbox,
        )
        for n, member in enumerate(members[1:], start=1)
    ]

    # then they all are in the first message's case
    assert opened.action == "created"
    assert [(r.action, r.case_number) for r in receipts] == [("appended", opened.case_number)] * 4
    assert Case.objects.count() == 1


# Not part of this case


def test_not_part_of_this_case_sends_the_reply_to_triage_and_removes_the_contact(
    mailbox, customer, first, agent
) -> None:
    # given a colleague joined as a contact
    receipt = receive(colleague_reply(), mailbox)
    message = Message.objects.get(pk=receipt.message_pk)
    case = message.case

    # when
    returned = newcomer_reject(message=message, by=agent)

    # then
    assert returned == case
    message.refresh_from_db()
    assert (message.state, message.case, message.account) == (Message.State.TRIAGE, None, None)
    assert (message.forged, message.points_to_case, message.newcomer) == (True, case, "")
    assert message.reason.startswith(f"sender not part of case {case.number}, said agent")
    assert list(case.contacts.all()) == [customer]
    assert not Contact.objects.filter(emails__address=COLLEAGUE).exists()
    moved_out = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.MESSAGE_MOVED_OUT)
    assert (moved_out.actor, moved_out.data["other_case"]) == (agent, None)
    texts = [entry.text for entry in case_history(case)]
    assert "Message “Re: Drukarka nie drukuje” moved to triage." in texts


def test_a_contact_a_user_has_edited_is_kept_but_leaves_the_case(
    mailbox, customer, first, agent
) -> None:
    # given the new contact was since edited by a user
    receipt = receive(colleague_reply(), mailbox)
    message = Message.objects.get(pk=receipt.message_pk)
    Contact.objects.filter(emails__address=COLLEAGUE).update(updated_by=agent, position="CFO")
    # when
    newcomer_reject(message=message, by=agent)
    # then
    contact = Contact.objects.get(emails__address=COLLEAGUE)
    assert contact.position == "CFO"
    assert contact not in Case.objects.get(number=first.case_number).contacts.all()


def test_a_second_not_part_of_this_case_does_nothing(mailbox, customer, first, agent) -> None:
    from django.core.exceptions import ValidationError

    receipt = receive(colleague_reply(), mailbox)
    message = Message.objects.get(pk=receipt.message_pk)
    newcomer_reject(message=message, by=agent)
    with pytest.raises(ValidationError):
        newcomer_reject(message=message, by=agent)


def test_the_case_page_shows_the_newcomer_with_a_button(mailbox, customer, first, agent) -> None:
    receive(colleague_reply(), mailbox)
    message = Message.objects.get(from_address=COLLEAGUE)
    page = client_for(agent).get(reverse("desk:case-detail", args=[first.case_number]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "New participant: Ewa Bąk &lt;ewa.bak@klient.example&gt;, added to the" in content
    action = reverse("mail:message-not-in-case", args=[message.pk])
    assert content.count(f'action="{action}"') == 1
    assert content.count('class="triage-notice message-newcomer"') == 1


def test_the_case_page_s_queries_do_not_grow_with_newcomers(
    mailbox, customer, first, agent
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given one newcomer's reply, then four more
    client = client_for(agent)
    page = reverse("desk:case-detail", args=[first.case_number])
    receive(colleague_reply(), mailbox)
    client.get(page)
    with CaptureQueriesContext(connection) as one:
        client.get(page)
    for n in range(4):
        receive(
            colleague_reply(sender=f"Osoba {n} <osoba{n}@inna{n}.example>", message_id=f"<r{n}@x>"),
            mailbox,
        )
    # when
    with CaptureQueriesContext(connection) as five:
        response = client.get(page)
    # then
    assert len(five) == len(one)
    assert response.text.count('class="triage-notice message-newcomer"') == 5


def test_the_button_moves_the_message_and_says_so(mailbox, customer, first, agent) -> None:
    receive(colleague_reply(), mailbox)
    message = Message.objects.get(from_address=COLLEAGUE)
    # when
    response = client_for(agent).post(reverse("mail:message-not-in-case", args=[message.pk]))
    # then
    assert response.status_code == 302
    assert response.url == reverse("desk:case-detail", args=[first.case_number])
    toasts = [str(m) for m in get_messages(response.wsgi_request)]
    assert toasts == [
        f"The message went to triage; {COLLEAGUE} is no longer a participant of case "
        f"#{first.case_number}."
    ]
    assert Message.objects.get(pk=message.pk).state == Message.State.TRIAGE


def test_the_button_needs_a_post_and_a_csrf_token(mailbox, customer, first, agent) -> None:
    from django.test import Client

    receive(colleague_reply(), mailbox)
    message = Message.objects.get(from_address=COLLEAGUE)
    target = reverse("mail:message-not-in-case", args=[message.pk])
    assert client_for(agent).get(target).status_code == 405
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(agent)
    assert checked.post(target).status_code == 403
    assert Message.objects.get(pk=message.pk).state == Message.State.PLACED


def test_an_outsider_gets_404_and_changes_nothing(mailbox, support_team, outsider) -> None:
    # given a newcomer's reply in a restricted customer's case the outsider may not see
    account = AccountFactory(restricted=True, team=support_team)
    contact = ContactFactory(account=account)
    EmailAddress.objects.create(contact=contact, address="jan@tajny.example")
    case = make_case("Tajne", account=account, contacts=(contact,))
    Message.objects.create(
        case=case,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED,
        message_id="stored@tajny.example",
        from_address="jan@tajny.example",
        raw_sha256="0" * 64,
    )
    receipt = receive(
        colleague_reply(sender="nowy@tajny.example", in_reply_to="<stored@tajny.example>"),
        mailbox,
    )
    target = reverse("mail:message-not-in-case", args=[receipt.message_pk])
    # when
    response = client_for(outsider).post(target)
    # then
    assert response.status_code == 404
    assert Message.objects.get(pk=receipt.message_pk).case == case


def test_a_message_without_a_newcomer_has_no_button_and_404(mailbox, customer, first, agent):
    response = client_for(agent).post(reverse("mail:message-not-in-case", args=[first.message_pk]))
    assert response.status_code == 404
    assert Message.objects.get(pk=first.message_pk).state == Message.State.PLACED


def test_a_portal_user_gets_404(mailbox, customer, first, portal_user) -> None:
    receive(colleague_reply(), mailbox)
    message = Message.objects.get(from_address=COLLEAGUE)
    response = client_for(portal_user).post(reverse("mail:message-not-in-case", args=[message.pk]))
    assert response.status_code == 404


# The mailbox's switch


def test_the_mailbox_form_offers_only_known_participants_off_by_default(admin) -> None:
    # given
    from kartoteka.mail.mailboxes import mailbox_create

    mailbox = mailbox_create(
        name="pomoc", address=SUPPORT, protocol=Mailbox.Protocol.NONE, security="none"
    )
    client = client_for(admin)
    page = client.get(mailbox.get_absolute_url()).content.decode()
    assert 'name="only_known_participants"' in page
    assert mailbox.only_known_participants is False
    # when
    data = {
        "name": "pomoc",
        "address": SUPPORT,
        "protocol": "none",
        "security": "none",
        "imap_folder": "INBOX",
        "after_fetch": "seen",
        "smtp_security": "starttls",
        "fetch_every_minutes": "2",
        "active": "on",
        "is_default": "on",
        "unknown_sender": "triage",
        "only_known_participants": "on",
    }
    response = client.post(mailbox.get_absolute_url(), data)
    # then
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.only_known_participants is True
