"""Notification emails to the customer's side: when, to whom, what, and never what is internal."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from kartoteka.cases import services
from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseNote, CaseSettings, Priority, Status
from kartoteka.mail.customer_side import customer_side_addresses
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.notifications.notices import (
    NOTICE_FIELDS,
    Audience,
    contact_language,
    customer_notices_send,
    last_public_text,
    notice_recipients,
)
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import (
    AccountFactory,
    ContactFactory,
    EmailAddressFactory,
)
from kartoteka.testing.mail.sending import add_message, make_inbound
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _installation(settings, tmp_path) -> None:
    # The outbox, the default mailbox and the site's address come from this folder's conftest.
    settings.DATA_DIR = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def customer(db):
    """A British customer (its people get the installation's language, English here)."""
    return AccountFactory(name="Budimex S.A.", country="GB")


@pytest.fixture
def jan(customer):
    contact = ContactFactory(account=customer, first_name="Jan", last_name="Kowalski")
    EmailAddressFactory(contact=contact, address="jan@klient.example", position=0)
    EmailAddressFactory(contact=contact, address="jan.prywatny@klient.example", position=1)
    return contact


@pytest.fixture
def anna(customer):
    contact = ContactFactory(account=customer, first_name="Anna", last_name="Nowak")
    EmailAddressFactory(contact=contact, address="anna@klient.example")
    return contact


def notifying_case(customer, jan, **data) -> Case:
    values = {"reporter": jan, "notify": True}
    values.update(data)
    return make_case(account=customer, **values)


def outbox(case: Case) -> list[Message]:
    return list(
        Message.objects.filter(case=case, direction=Message.Direction.OUTBOUND).order_by("pk")
    )


def addresses(message: Message) -> list[str]:
    return [entry["address"] for entry in message.to]


def show_fields(*names: str) -> None:
    CaseSettings.objects.filter(pk=1).update(notify_fields=list(names))


def tell(kind: Kind, case: Case, **fields) -> list[Message]:
    """Run the step for one happening of ``case`` (read again, as the worker reads it)."""
    fresh = Case.objects.select_related("account").get(pk=case.pk)
    customer_notices_send(Happening(kind, case.pk, **fields), fresh)
    return outbox(case)


# When


def test_a_new_case_tells_the_reporter_the_contact_and_the_extra_addresses(
    mailbox, customer, jan, anna
) -> None:
    # given
    case = notifying_case(
        customer, jan, notify_contact=anna, notify_addresses="biuro@klient.example"
    )
    # when
    sent = tell(Kind.CASE_CREATED, case, channel="user")
    # then
    assert [addresses(m) for m in sent] == [
        ["jan@klient.example", "anna@klient.example", "biuro@klient.example"]
    ]
    message = sent[0]
    assert message.subject == f"[KART#{case.number}] New case: Drukarka nie drukuje"
    assert (message.automatic, message.mailbox, message.state) == (
        True,
        mailbox,
        Message.State.QUEUED,
    )


def test_a_case_that_does_not_notify_tells_nobody(mailbox, customer, jan) -> None:
    case = notifying_case(customer, jan, notify=False)
    assert tell(Kind.CASE_CREATED, case, channel="user") == []


def test_the_reporter_is_left_out_when_the_case_says_so(mailbox, customer, jan) -> None:
    case = notifying_case(
        customer, jan, notify_reporter=False, notify_addresses="biuro@klient.example"
    )
    sent = tell(Kind.CASE_CREATED, case, channel="user")
    assert [addresses(m) for m in sent] == [["biuro@klient.example"]]


def test_an_update_tells_what_changed_and_the_chosen_fields(
    mailbox, customer, jan, manager
) -> None:
    # given a case whose notifications show the status, the priority and the due date
    show_fields("number", "status", "priority", "due_date")
    case = notifying_case(customer, jan, notify_text="Pozdrawiamy, zespół serwisu.")
    waiting = Status.objects.create(name="Waiting for parts", position=9)
    old_status = case.status
    # when the manager changes the status and the annotation (not shown)
    services.case_update(case=case, by=manager, data={"status": waiting, "annotation": "x"})
    sent = tell(
        Kind.CASE_UPDATED,
        case,
        actor_id=manager.pk,
        changes={"status": [old_status.pk, waiting.pk], "annotation": ["", "x"]},
    )
    # then
    assert len(sent) == 1
    assert sent[0].subject == f"[KART#{case.number}] Case updated: Drukarka nie drukuje"
    assert sent[0].text.startswith(
        f"Case #{case.number} has changed:\n"
        f"- Status: {old_status.name} → Waiting for parts\n"
        "\n"
        f"Number: {case.number}\n"
        "Status: Waiting for parts\n"
        f"Priority: {Priority.objects.get(is_default=True).name}\n"
        "Expected resolution date: —\n"
        "\n"
        "Pozdrawiamy, zespół serwisu.\n"
        "\n"
        "A reply to this message is added to the case.\n"
    )


def test_an_update_of_fields_the_emails_do_not_show_tells_nobody(
    mailbox, customer, jan, manager
) -> None:
    show_fields("subject", "status")
    case = notifying_case(customer, jan)
    normal = case.priority_id
    high = Priority.objects.create(name="Right now", position=9).pk
    sent = tell(Kind.CASE_UPDATED, case, actor_id=manager.pk, changes={"priority": [normal, high]})
    assert sent == []


def test_no_field_chosen_shows_every_field(mailbox, customer, jan) -> None:
    # given the installation chose no fields
    show_fields()
    case = notifying_case(customer, jan, description="Od wczoraj.")
    # when
    (message,) = tell(Kind.CASE_CREATED, case, channel="user")
    # then every label is there
    for _name, label in NOTICE_FIELDS:
        assert f"{label}:" in message.text
    assert "Od wczoraj." in message.text


def test_a_status_change_by_incoming_mail_tells_nobody(mailbox, customer, jan) -> None:
    # given a case a customer's message reopened
    case = notifying_case(customer, jan)
    opened = Status.objects.create(name="Reopened", position=9)
    # when
    sent = tell(
        Kind.CASE_UPDATED,
        case,
        changes={"status": [case.status_id, opened.pk]},
        with_message=Message.Direction.INBOUND,
    )
    # then
    assert sent == []


def test_a_status_change_by_a_rule_is_told(mailbox, customer, jan) -> None:
    case = notifying_case(customer, jan)
    escalated = Status.objects.create(name="Escalated", position=9)
    sent = tell(
        Kind.CASE_UPDATED,
        case,
        changes={"status": [case.status_id, escalated.pk]},
        by_rule=True,
    )
    assert [addresses(m) for m in sent] == [["jan@klient.example"]]


def test_the_status_change_of_an_agents_reply_tells_nobody(mailbox, customer, jan, agent) -> None:
    # given a case answered by an agent: the reply moves it to the reply status
    show_fields("status")
    case = notifying_case(customer, jan)
    answered = Status.objects.create(name="Answered", position=9)
    before = case.status_id
    reply_create(case=case, by=agent, text="Już działa.", status=answered)
    replies = len(outbox(case))
    # when the step sees the status change of that reply
    sent = tell(
        Kind.CASE_UPDATED,
        case,
        actor_id=agent.pk,
        changes={"status": [before, answered.pk]},
        with_message=Message.Direction.OUTBOUND,
    )
    # then the customer has the reply and no notification on top
    assert (replies, len(sent)) == (1, 1)


def test_the_same_status_change_by_hand_is_told(mailbox, customer, jan, agent) -> None:
    show_fields("status")
    case = notifying_case(customer, jan)
    answered = Status.objects.create(name="Answered", position=9)
    sent = tell(
        Kind.CASE_UPDATED,
        case,
        actor_id=agent.pk,
        changes={"status": [case.status_id, answered.pk]},
    )
    assert [addresses(m) for m in sent] == [["jan@klient.example"]]


def test_a_reply_reports_its_status_change_as_coming_with_it(
    mailbox, customer, jan, agent, django_capture_on_commit_callbacks
) -> None:
    # given
    show_fields("status")
    case = notifying_case(customer, jan)
    answered = Status.objects.create(name="Answered", position=9)
    # when: the reply and everything the worker does after it
    with django_capture_on_commit_callbacks(execute=True):
        reply_create(case=case, by=agent, text="Już działa.", status=answered)
    # then: the reply, and no notification about its status
    assert [m.text.startswith("Już działa.") for m in outbox(case)] == [True]


@pytest.mark.parametrize("kind", [Kind.MESSAGE_RECEIVED, Kind.CASE_OVERDUE])
def test_incoming_mail_and_overdue_are_never_told(mailbox, customer, jan, kind) -> None:
    case = notifying_case(customer, jan)
    assert tell(kind, case) == []


def test_a_public_comment_is_told_with_its_text(mailbox, customer, jan, agent) -> None:
    case = notifying_case(customer, jan)
    note = services.case_note_add(case=case, by=agent, text="Technik będzie jutro.", internal=False)
    (message,) = tell(Kind.NOTE_ADDED, case, actor_id=agent.pk, note_id=note.pk)
    assert message.subject == f"[KART#{case.number}] New comment: Drukarka nie drukuje"
    assert "Technik będzie jutro." in message.text


# Internal notes never leave the house


def test_an_internal_note_is_never_sent(mailbox, customer, jan, agent, manager) -> None:
    # given a case whose latest item is an internal note
    show_fields()
    case = notifying_case(customer, jan)
    services.case_note_add(case=case, by=agent, text="Public: we ordered the part.", internal=False)
    secret = services.case_note_add(case=case, by=agent, text="SECRET-PHRASE: the client owes us")
    waiting = Status.objects.create(name="Waiting", position=9)
    # when the creation, an update and the internal note itself are told
    created = tell(Kind.CASE_CREATED, case, channel="user")
    updated = tell(
        Kind.CASE_UPDATED,
        case,
        actor_id=manager.pk,
        changes={"status": [case.status_id, waiting.pk]},
    )
    after_note = tell(Kind.NOTE_ADDED, case, actor_id=agent.pk, note_id=secret.pk)
    # then two emails went out, neither with the secret, and the note itself sent nothing
    assert (len(created), len(updated), len(after_note)) == (1, 2, 2)
    for message in after_note:
        assert "SECRET-PHRASE" not in message.text
        assert "Public: we ordered the part." in message.text


def test_the_last_message_is_the_newest_email_or_public_comment(customer, jan, agent) -> None:
    # given a comment, then a customer's email, then an auto-reply and an internal note
    case = notifying_case(customer, jan)
    services.case_note_add(case=case, by=agent, text="Comment first.", internal=False)
    make_inbound(
        case,
        sender="jan@klient.example",
        message_id="1@k",
        text="Still broken.\n\n> quoted",
        text_new="Still broken.",
    )
    make_inbound(
        case,
        sender="jan@klient.example",
        message_id="2@k",
        text="I am on holiday.",
        auto_reply=True,
    )
    services.case_note_add(case=case, by=agent, text="SECRET-PHRASE")
    # then
    assert last_public_text(case) == "Still broken."


# The last message: only what the customer's side has seen


def at(item: Message | CaseNote, minutes: int) -> None:
    """Date ``item`` ``minutes`` after a fixed moment, so the newest is certain."""
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    type(item).objects.filter(pk=item.pk).update(created_at=moment)


def test_a_forward_to_a_third_party_is_not_quoted(mailbox, customer, jan, agent) -> None:
    # given the customer's email, then a newer forward of it to a supplier
    case = notifying_case(customer, jan)
    asked = make_inbound(case, mailbox=mailbox, sender="jan@klient.example", text="Still broken.")
    at(asked, 0)
    forward = reply_create(
        case=case,
        by=agent,
        text="SUPPLIER-PRICE: 120 PLN for us, bill them 300.",
        to=["supplier@dostawca.example"],
        replying_to=asked,
        forward=True,
    )
    at(forward, 1)
    # then
    assert last_public_text(case) == "Still broken."


def test_a_case_updated_notice_does_not_quote_a_forward(
    mailbox, customer, jan, agent, manager
) -> None:
    # given a notice that shows the last message, and a forward newer than the customer's mail
    show_fields("status", "last_message")
    case = notifying_case(customer, jan)
    asked = make_inbound(case, mailbox=mailbox, sender="jan@klient.example", text="Still broken.")
    at(asked, 0)
    forward = reply_create(
        case=case,
        by=agent,
        text="SUPPLIER-PRICE: 120 PLN.",
        to=["supplier@dostawca.example"],
        replying_to=asked,
        forward=True,
    )
    at(forward, 1)
    waiting = Status.objects.create(name="Waiting for parts", position=9)
    # when
    sent = tell(
        Kind.CASE_UPDATED,
        case,
        actor_id=manager.pk,
        changes={"status": [case.status_id, waiting.pk]},
    )
    # then
    (notice,) = [m for m in sent if m.automatic]
    assert addresses(notice) == ["jan@klient.example"]
    assert "SUPPLIER-PRICE" not in notice.text
    assert "Last message:\nStill broken.\n" in notice.text


def test_a_message_from_a_third_party_is_not_quoted(mailbox, customer, jan) -> None:
    # given the customer's email, then a newer one from the supplier
    case = notifying_case(customer, jan)
    at(make_inbound(case, sender="jan@klient.example", message_id="1@k", text="Broken."), 0)
    at(make_inbound(case, sender="serwis@dostawca.example", message_id="2@k", text="Our cost"), 1)
    # then
    assert last_public_text(case) == "Broken."


def test_an_internal_note_is_not_quoted_when_newest(customer, jan, agent) -> None:
    case = notifying_case(customer, jan)
    at(make_inbound(case, sender="jan@klient.example", text="Broken."), 0)
    at(services.case_note_add(case=case, by=agent, text="SECRET-PHRASE"), 1)
    assert last_public_text(case) == "Broken."


def test_an_outbound_reply_to_the_customer_is_quoted(mailbox, customer, jan, agent) -> None:
    # given the customer's email and our newer reply to it
    case = notifying_case(customer, jan)
    asked = make_inbound(case, mailbox=mailbox, sender="jan@klient.example", text="Broken.")
    at(asked, 0)
    at(reply_create(case=case, by=agent, text="Fixed, please check.", replying_to=asked), 1)
    # then
    assert last_public_text(case) == "Fixed, please check."


def test_a_message_from_a_contact_of_the_case_is_quoted(customer, jan, anna) -> None:
    # given a case Anna is a contact of, and her email after Jan's
    case = notifying_case(customer, jan, contacts=(anna,))
    at(make_inbound(case, sender="jan@klient.example", message_id="1@k", text="Broken."), 0)
    at(make_inbound(case, sender="ANNA@klient.example", message_id="2@k", text="Me too."), 1)
    # then
    assert last_public_text(case) == "Me too."


@pytest.mark.parametrize(
    "sender",
    [
        "jan.prywatny@klient.example",  # the reporter's second address
        "biuro@klient.example",  # the case's extra notification address
        "faktury@klient.example",  # the customer's shared address
        "kasia@klient.example",  # another contact of the customer
    ],
)
def test_a_message_from_any_address_of_the_customers_side_is_quoted(customer, jan, sender) -> None:
    EmailAddressFactory(account=customer, contact=None, address="faktury@klient.example")
    EmailAddressFactory(contact=ContactFactory(account=customer), address="kasia@klient.example")
    case = notifying_case(customer, jan, notify_addresses="biuro@klient.example")
    at(make_inbound(case, sender=sender, text="Hello."), 0)
    assert last_public_text(case) == "Hello."


def test_a_third_partys_message_copied_to_the_customer_is_quoted(customer, jan) -> None:
    # the customer was a recipient: they have seen it
    case = notifying_case(customer, jan)
    at(make_inbound(case, sender="jan@klient.example", message_id="1@k", text="Broken."), 0)
    at(
        make_inbound(
            case,
            sender="serwis@dostawca.example",
            message_id="2@k",
            text="Part shipped.",
            cc=[{"name": "Jan", "address": "Jan@Klient.example"}],
        ),
        1,
    )
    assert last_public_text(case) == "Part shipped."


def test_a_public_comment_is_quoted_when_newest(customer, jan, agent) -> None:
    case = notifying_case(customer, jan)
    at(make_inbound(case, sender="jan@klient.example", text="Broken."), 0)
    at(services.case_note_add(case=case, by=agent, text="Technician tomorrow.", internal=False), 1)
    at(make_inbound(case, sender="serwis@dostawca.example", message_id="2@k", text="Cost"), 2)
    assert last_public_text(case) == "Technician tomorrow."


def test_every_customer_recipient_of_a_notice_is_on_the_customers_side(customer, jan, anna) -> None:
    # the notice's customer audience and the addresses whose mail it may quote are one rule
    case = notifying_case(
        customer, jan, notify_contact=anna, notify_addresses="Biuro@klient.example; x@inny.example"
    )
    told = {
        r.address.lower()
        for r in notice_recipients(case, settings_row=CaseSettings.objects.get(pk=1))
        if r.audience == Audience.CUSTOMER
    }
    assert told == {
        "jan@klient.example",
        "anna@klient.example",
        "biuro@klient.example",
        "x@inny.example",
    }
    assert told <= customer_side_addresses(case)


def test_the_last_message_reads_a_fixed_number_of_queries(
    mailbox, customer, jan, agent, django_assert_num_queries
) -> None:
    # given a case with many comments and emails in and out, the newest ones a third party's
    case = notifying_case(customer, jan, contacts=(jan,))
    for n in range(10):
        at(services.case_note_add(case=case, by=agent, text=f"c{n}", internal=False), 4 * n)
        at(
            make_inbound(case, sender="jan@klient.example", message_id=f"{n}@k", text=f"{n}"),
            4 * n + 1,
        )
        at(
            make_inbound(case, sender="x@dostawca.example", message_id=f"x{n}@k", text="x"),
            4 * n + 2,
        )
        at(
            add_message(
                case,
                direction=Message.Direction.OUTBOUND,
                from_address="pomoc@firma.example",
                to=[{"name": "", "address": "x@dostawca.example"}],
                text="fwd",
            ),
            4 * n + 3,
        )
    case = Case.objects.get(pk=case.pk)
    # when / then: the newest comment, the customer's addresses, the emails' addresses, the text
    with django_assert_num_queries(4):
        assert last_public_text(case) == "9"


def test_our_own_notifications_are_not_the_last_message(mailbox, customer, jan, agent) -> None:
    case = notifying_case(customer, jan)
    services.case_note_add(case=case, by=agent, text="Comment.", internal=False)
    tell(Kind.CASE_CREATED, case, channel="user")
    assert last_public_text(case) == "Comment."


# Loop guard, mailbox


def test_an_address_that_answered_automatically_gets_nothing(mailbox, customer, jan) -> None:
    # given the reporter's latest message to us was an auto-reply
    case = notifying_case(customer, jan, notify_addresses="biuro@klient.example")
    make_inbound(case, sender="jan@klient.example", message_id="ooo@k", auto_reply=True)
    # when
    sent = tell(Kind.CASE_CREATED, case, channel="user")
    # then only the other address is told
    assert [addresses(m) for m in sent] == [["biuro@klient.example"]]


def test_nothing_is_queued_when_every_address_is_held_back(mailbox, customer, jan) -> None:
    case = notifying_case(customer, jan, notify_addresses="no-reply@klient.example")
    make_inbound(case, sender="jan@klient.example", message_id="ooo@k", auto_reply=True)
    assert tell(Kind.CASE_CREATED, case, channel="user") == []


def test_without_a_default_mailbox_nothing_is_sent_and_a_warning_logged(
    customer, jan, caplog
) -> None:
    case = notifying_case(customer, jan)
    with caplog.at_level(logging.WARNING, logger="kartoteka.notifications.notices"):
        sent = tell(Kind.CASE_CREATED, case, channel="user")
    assert sent == []
    assert caplog.messages == [
        f"case #{case.number}: no default mailbox, so its notification emails are not sent"
    ]


# Recipients of the installation, languages


def test_the_installation_adds_manager_administrators_and_addresses_apart(
    mailbox, customer, jan
) -> None:
    # given the settings add the account manager, the administrators and an address
    manager = UserFactory(email="opiekun@firma.example", language="en")
    UserFactory(email="szef@firma.example", role=User.Role.ADMINISTRATOR, language="en")
    UserFactory(email="byly@firma.example", role=User.Role.ADMINISTRATOR, is_active=False)
    customer.manager = manager
    customer.save(update_fields=["manager"])
    CaseSettings.objects.filter(pk=1).update(
        notify_account_manager=True,
        notify_administrator=True,
        notify_addresses="dyzur@firma.example, JAN@klient.example",
    )
    case = notifying_case(customer, jan)
    # when
    sent = tell(Kind.CASE_CREATED, case, channel="user")
    # then the customer's side and the installation's get separate emails, each address once
    assert [addresses(m) for m in sent] == [
        ["jan@klient.example"],
        ["opiekun@firma.example", "szef@firma.example", "dyzur@firma.example"],
    ]
    link = f"https://crm.firma.example/cases/{case.number}/"
    assert (link in sent[0].text, link in sent[1].text) == (False, True)


def test_one_email_per_language(mailbox, jan) -> None:
    # given a Polish customer and a Czech-speaking administrator
    polish = AccountFactory(country="PL")
    jan.account = polish
    jan.save(update_fields=["account"])
    UserFactory(email="spravce@firma.example", role=User.Role.ADMINISTRATOR, language="cs")
    CaseSettings.objects.filter(pk=1).update(notify_administrator=True)
    case = make_case(account=polish, reporter=jan, notify=True)
    # when
    sent = tell(Kind.CASE_CREATED, case, channel="user")
    # then
    assert [addresses(m) for m in sent] == [["jan@klient.example"], ["spravce@firma.example"]]
    assert "Odpowiedź na tę wiadomość zostanie dodana do sprawy." in sent[0].text.splitlines()


@pytest.mark.parametrize(
    ("country", "language"), [("PL", "pl"), ("CZ", "cs"), ("sk", "cs"), ("DE", "en"), (None, "en")]
)
def test_the_customers_country_chooses_its_peoples_language(db, country, language) -> None:
    account = AccountFactory(country=country) if country else None
    assert contact_language(account) == language


def test_whoever_made_the_change_is_not_told(mailbox, customer, jan) -> None:
    admin = UserFactory(email="szef@firma.example", role=User.Role.ADMINISTRATOR)
    CaseSettings.objects.filter(pk=1).update(notify_administrator=True)
    case = notifying_case(customer, jan)
    sent = tell(Kind.CASE_CREATED, case, channel="user", actor_id=admin.pk)
    assert [addresses(m) for m in sent] == [["jan@klient.example"]]


def test_the_tag_is_in_the_subject_once(mailbox, customer, jan) -> None:
    case = notifying_case(customer, jan)
    Case.objects.filter(pk=case.pk).update(subject=f"[KART#{case.number}] Drukarka")
    (message,) = tell(Kind.CASE_CREATED, case, channel="user")
    assert message.subject == f"New case: [KART#{case.number}] Drukarka"


# Wired into the happenings


def test_a_case_created_with_notifications_queues_its_email_after_commit(
    mailbox, customer, jan, agent, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_create(
            by=agent,
            subject="Drukarka nie drukuje",
            account=customer,
            data={"reporter": jan, "notify": True},
        )
    assert [addresses(m) for m in outbox(case)] == [["jan@klient.example"]]


def test_a_case_whose_subject_has_a_line_separator_is_told(mailbox, customer, jan) -> None:
    # given
    case = notifying_case(customer, jan)
    Case.objects.filter(pk=case.pk).update(subject="Drukarka\u2028nie\u2029drukuje")
    # when
    (message,) = tell(Kind.CASE_CREATED, case, channel="user")
    # then
    assert message.subject == f"[KART#{case.number}] New case: Drukarka nie drukuje"
    assert message.state == Message.State.QUEUED
