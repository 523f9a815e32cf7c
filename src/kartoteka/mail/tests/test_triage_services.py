"""``mail.triage``: placing, remembering, discarding and purging messages of the triage inbox."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kartoteka.cases.history import case_history
from kartoteka.cases.models import Case, CaseEvent, Status
from kartoteka.customers.models import Contact, EmailAddress
from kartoteka.mail.merge import MessageMovedError
from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.receiving.inbound import message_receive
from kartoteka.mail.triage import services as triage
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.receiving import SUPPORT

STRANGER = "anna.nowak@nowyklient.example"


def waiting(mailbox: Mailbox | None = None, number: int = 1, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "mailbox": mailbox,
        "direction": Message.Direction.INBOUND,
        "state": Message.State.TRIAGE,
        "reason": "unknown sender",
        "message_id": f"t{number}@nowyklient.example",
        "subject": f"Re: Zapytanie ofertowe {number}",
        "from_name": "Anna Nowak",
        "from_address": STRANGER,
        "text": "Dzień dobry, prosimy o ofertę.",
        "text_new": "Dzień dobry, prosimy o ofertę.",
        "raw_sha256": "0" * 64,
    }
    values.update(fields)
    return Message.objects.create(**values)


def email(*, sender: str, subject: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    message.set_content("Dzień dobry, kolejne pytanie.")
    return message.as_bytes()


# (a) a new case for a customer


def test_new_case_for_a_customer_takes_the_message_and_says_so_in_its_history(agent) -> None:
    # given
    account = AccountFactory(name="Nowy Klient sp. z o.o.")
    message = waiting()
    # when
    case = triage.triage_case_create(
        message=message, by=agent, account=account, subject="Zapytanie ofertowe"
    )
    # then
    message.refresh_from_db()
    assert (message.case_id, message.state) == (case.pk, Message.State.PLACED)
    assert (case.subject, case.account_id, case.created_by_id) == (
        "Zapytanie ofertowe",
        account.pk,
        agent.pk,
    )
    event = case.events.get(kind=CaseEvent.Kind.CREATED_FROM_MESSAGE)
    assert (event.actor_id, event.data["other_case"], event.data["message"]) == (
        agent.pk,
        None,
        message.pk,
    )
    texts = [entry.text for entry in case_history(case) if entry.kind == "event"]
    assert texts == ["Created from message “Re: Zapytanie ofertowe 1” from triage."]


def test_a_case_made_from_triage_is_an_email_case_the_email_rules_act_on(
    agent, django_capture_on_commit_callbacks
) -> None:
    from kartoteka.testing.workflows import make_group, make_members, make_rule

    # given: a rule that shares email cases out in turn
    first, second = make_members(2)
    make_rule(
        conditions=[{"field": "channel", "value": "email"}],
        actions=[{"kind": "assign_round_robin", "group": make_group("Pomoc", [first, second])}],
    )
    # when: two messages become cases by hand
    with django_capture_on_commit_callbacks(execute=True):
        cases = [
            triage.triage_case_create(
                message=waiting(number=n), by=agent, account=AccountFactory(), subject=f"Z {n}"
            )
            for n in (1, 2)
        ]
    # then: both are email cases, and the rule gave one to each member
    rows = Case.objects.filter(pk__in=[case.pk for case in cases]).order_by("pk")
    assert [(case.channel, case.assignee_id) for case in rows] == [
        (Case.Channel.EMAIL, first.pk),
        (Case.Channel.EMAIL, second.pk),
    ]


def test_new_case_with_the_address_remembered_as_a_new_contact(agent) -> None:
    # given
    account = AccountFactory()
    message = waiting()
    # when
    case = triage.triage_case_create(
        message=message, by=agent, account=account, subject="Oferta", remember=True
    )
    # then
    contact = Contact.objects.get(emails__address=STRANGER)
    assert (contact.first_name, contact.last_name, contact.account_id) == (
        "Anna",
        "Nowak",
        account.pk,
    )
    assert list(case.contacts.all()) == [contact]
    assert case.reporter_id == contact.pk


def test_a_message_placed_meanwhile_is_not_placed_twice(agent) -> None:
    # given
    account = AccountFactory()
    message = waiting()
    first = triage.triage_case_create(message=message, by=agent, account=account, subject="A")
    # when
    with pytest.raises(MessageMovedError) as raised:
        triage.triage_case_create(message=message, by=agent, account=account, subject="A")
    # then
    assert raised.value.case_number == first.number
    assert Case.objects.count() == 1


def test_a_failed_placement_remembers_nothing(agent) -> None:
    # given: someone placed the message meanwhile
    account = AccountFactory()
    message = waiting()
    triage.triage_case_create(message=message, by=agent, account=account, subject="A")
    # when
    with pytest.raises(MessageMovedError):
        triage.triage_case_create(
            message=message, by=agent, account=account, subject="A", remember=True
        )
    # then
    assert not EmailAddress.objects.filter(address=STRANGER).exists()


# (b) an existing case


def test_appending_to_a_case_records_it_as_placed_from_triage(agent) -> None:
    # given
    case = make_case("Oferta", account=AccountFactory())
    message = waiting()
    # when
    triage.triage_case_append(message=message, by=agent, case=case)
    # then
    message.refresh_from_db()
    assert (message.case_id, message.state) == (case.pk, Message.State.PLACED)
    texts = [entry.text for entry in case_history(case) if entry.kind == "event"]
    assert texts == ["Message “Re: Zapytanie ofertowe 1” placed here from triage."]


def test_a_message_placed_from_triage_is_news_to_the_cases_followers(
    agent, supervisor, django_capture_on_commit_callbacks
) -> None:
    from kartoteka.cases.models import CaseFollower
    from kartoteka.notifications.models import Notification

    # given: a closed case the supervisor follows
    case = make_case("Oferta", account=AccountFactory())
    case.status = Status.objects.get(name="Closed")
    case.save()
    CaseFollower.objects.create(case=case, user=supervisor)
    message = waiting()
    # when: the agent places the customer's message there (and the worker follows it up)
    with django_capture_on_commit_callbacks(execute=True):
        triage.triage_case_append(message=message, by=agent, case=case)
    # then: told of the message once, not again of the status it reopened
    told = Notification.objects.filter(recipient=supervisor, case=case)
    assert list(told.values_list("kind", flat=True)) == [Notification.Kind.MESSAGE]


@pytest.mark.parametrize(("auto_reply", "status_after"), [(False, "Open"), (True, "Closed")])
def test_a_customers_message_placed_in_a_closed_case_opens_it_again(
    agent, auto_reply, status_after
) -> None:
    # given
    case = make_case("Oferta", account=AccountFactory())
    case.status = Status.objects.get(name="Closed")
    case.save()
    message = waiting(auto_reply=auto_reply)
    # when
    triage.triage_case_append(message=message, by=agent, case=case)
    # then: as if it had found its case by itself (an auto-reply never reopens)
    case.refresh_from_db()
    assert case.status.name == status_after


def test_appending_to_a_merged_case_is_refused_naming_where_it_went(agent) -> None:
    # given
    final = make_case("Dokąd")
    merged = make_case("Skąd")
    merged.merged_into = final
    merged.save(update_fields=["merged_into"])
    message = waiting()
    # when
    with pytest.raises(ValidationError) as raised:
        triage.triage_case_append(message=message, by=agent, case=merged)
    # then
    assert raised.value.message_dict == {
        "target": [f"Case #{merged.number} was merged into case #{final.number}; choose that one."]
    }
    message.refresh_from_db()
    assert message.state == Message.State.TRIAGE


def test_remembering_on_a_case_without_customer_is_refused(agent) -> None:
    case = make_case("Bez klienta")
    with pytest.raises(ValidationError) as raised:
        triage.triage_case_append(message=waiting(), by=agent, case=case, remember=True)
    assert raised.value.message_dict == {
        "remember": [f"Case #{case.number} has no customer to remember the address on."]
    }


# (c) remembering the address


def test_remembering_on_an_existing_contact_keeps_its_addresses(agent) -> None:
    # given
    contact = ContactFactory()
    EmailAddress.objects.create(contact=contact, address="stary@nowyklient.example")
    # when
    triage.sender_address_remember(
        message=waiting(), by=agent, account=contact.account, contact=contact
    )
    # then
    assert sorted(contact.emails.values_list("address", flat=True)) == [
        STRANGER,
        "stary@nowyklient.example",
    ]


def test_remembering_on_a_contact_of_another_customer_is_refused(agent) -> None:
    other = ContactFactory()
    with pytest.raises(ValidationError) as raised:
        triage.sender_address_remember(
            message=waiting(), by=agent, account=AccountFactory(name="Acme"), contact=other
        )
    assert raised.value.message_dict == {"remember": [f"{other} is not a contact of Acme."]}


def test_remembering_an_address_someone_holds_is_refused(agent) -> None:
    holder = ContactFactory(first_name="Ewa", last_name="Zajęta")
    EmailAddress.objects.create(contact=holder, address=STRANGER)
    with pytest.raises(ValidationError) as raised:
        triage.sender_address_remember(message=waiting(), by=agent, account=AccountFactory())
    assert raised.value.message_dict == {"emails": [f"{STRANGER} already belongs to Ewa Zajęta."]}


@pytest.mark.parametrize(
    ("display", "expected"),
    [
        ("Anna Maria Nowak", ("Anna Maria", "Nowak")),
        ("  Nowak ", ("", "Nowak")),
        ("", ("", STRANGER)),
    ],
)
def test_names_of_a_new_contact_come_from_the_display_name(db, display, expected) -> None:
    assert triage.sender_name_parts(waiting(from_name=display)) == expected


def test_after_remembering_the_next_message_gets_a_case_without_triage(
    agent, data_dir, mailbox
) -> None:
    # given: the first message waited in triage and its address was remembered
    account = AccountFactory()
    first = message_receive(
        raw=email(sender=f"Anna Nowak <{STRANGER}>", subject="Pytanie", message_id="<a1@x>"),
        mailbox=mailbox,
    )
    assert first.action == "triage"
    triage.triage_case_create(
        message=Message.objects.get(pk=first.message_pk),
        by=agent,
        account=account,
        subject="Pytanie",
        remember=True,
    )
    # when: a new message comes from the same address
    second = message_receive(
        raw=email(sender=f"Anna Nowak <{STRANGER}>", subject="Inna sprawa", message_id="<a2@x>"),
        mailbox=mailbox,
    )
    # then
    assert second.action == "created"
    case = Case.objects.get(number=second.case_number)
    contact = Contact.objects.get(emails__address=STRANGER)
    assert (case.account_id, list(case.contacts.all())) == (account.pk, [contact])


def test_after_remembering_a_tagged_reply_of_the_sender_appends(agent, data_dir, mailbox) -> None:
    # given: a forged-looking reply (the sender was not a participant) placed and remembered
    account = AccountFactory()
    case = make_case("Oferta", account=account)
    tag = f"[KART#{case.number}]"
    first = message_receive(
        raw=email(sender=f"Anna Nowak <{STRANGER}>", subject=f"Re: {tag}", message_id="<b1@x>"),
        mailbox=mailbox,
    )
    assert (first.action, first.reason) == (
        "triage",
        f"points to case {case.number}, sender not a participant",
    )
    triage.triage_case_append(
        message=Message.objects.get(pk=first.message_pk),
        by=agent,
        case=case,
        remember=True,
    )
    # when
    second = message_receive(
        raw=email(sender=f"Anna Nowak <{STRANGER}>", subject=f"Re: {tag}", message_id="<b2@x>"),
        mailbox=mailbox,
    )
    # then
    assert (second.action, second.case_number) == ("appended", case.number)


# (d) discarding, restoring, purging


def test_discarding_sets_the_message_aside_with_who_and_when(agent) -> None:
    message = waiting()
    triage.message_discard(message=message, by=agent)
    message.refresh_from_db()
    assert (message.state, message.discarded_by_id) == (Message.State.DISCARDED, agent.pk)
    assert timezone.now() - message.discarded_at < timedelta(minutes=1)


def test_discarding_twice_is_refused(agent) -> None:
    message = waiting()
    triage.message_discard(message=message, by=agent)
    with pytest.raises(ValidationError) as raised:
        triage.message_discard(message=message, by=agent)
    assert raised.value.messages == [
        "Someone else handled this message meanwhile; nothing was done."
    ]


def test_restoring_puts_it_back_in_triage(agent) -> None:
    message = waiting()
    triage.message_discard(message=message, by=agent)
    triage.message_restore(message=message, by=agent)
    message.refresh_from_db()
    assert (message.state, message.discarded_at, message.discarded_by_id) == (
        Message.State.TRIAGE,
        None,
        None,
    )


def test_purge_deletes_only_what_was_discarded_more_than_30_days_ago(db) -> None:
    # given
    now = timezone.now()
    old = waiting(
        number=1, state=Message.State.DISCARDED, discarded_at=now - timedelta(days=30, seconds=1)
    )
    Attachment.objects.create(
        message=old, filename="spam.zip", content_type="application/zip", size=3, sha256="1" * 64
    )
    boundary = waiting(
        number=2, state=Message.State.DISCARDED, discarded_at=now - timedelta(days=30)
    )
    recent = waiting(number=3, state=Message.State.DISCARDED, discarded_at=now - timedelta(days=2))
    waiting_one = waiting(number=4)
    # when
    purged = triage.discarded_messages_purge(now=now)
    # then
    assert purged == 1
    assert set(Message.objects.values_list("pk", flat=True)) == {
        boundary.pk,
        recent.pk,
        waiting_one.pk,
    }
    assert not Attachment.objects.filter(message_id=old.pk).exists()
    assert triage.discarded_messages_purge(now=now) == 0
