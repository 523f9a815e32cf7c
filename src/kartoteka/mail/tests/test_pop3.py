"""Fetching through POP3 from a real Dovecot: each UIDL once, deleted only when told."""

from __future__ import annotations

import pytest

from kartoteka.mail.models import Mailbox, Message, Pop3Seen
from kartoteka.mail.receiving.fetch import fetch_mailbox
from kartoteka.testing.mail.fetching import eml

pytestmark = pytest.mark.django_db

POP3 = Mailbox.Protocol.POP3


@pytest.mark.parametrize(
    "security", [Mailbox.Security.NONE, Mailbox.Security.STARTTLS, Mailbox.Security.SSL]
)
def test_messages_are_fetched_once_and_left_on_the_server(account, make_mailbox, security):
    # given
    ids = []
    for number in range(3):
        message_id, raw = eml(f"Question {number}")
        account.append(raw)
        ids.append(message_id.strip("<>"))
    mailbox = make_mailbox(protocol=POP3, security=security)

    # when
    first = fetch_mailbox(mailbox)
    second = fetch_mailbox(mailbox)

    # then
    assert (first.fetched, first.stored, first.duplicates, first.error) == (3, 3, 0, "")
    assert (second.fetched, second.stored, second.error) == (0, 0, "")
    stored = Message.objects.filter(mailbox=mailbox).order_by("pk")
    assert [message.message_id for message in stored] == ids
    assert Pop3Seen.objects.filter(mailbox=mailbox).count() == 3
    assert account.count() == 3


def test_delete_removes_the_messages_from_the_server(account, make_mailbox):
    # given
    account.append(eml("Delete me")[1])
    account.append(eml("Delete me too")[1])
    mailbox = make_mailbox(protocol=POP3, after_fetch=Mailbox.AfterFetch.DELETE)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert (report.stored, report.error) == (2, "")
    assert account.count() == 0


def test_a_recorded_message_left_behind_is_deleted_next_time(account, make_mailbox):
    # given: stored and recorded, but its deletion was lost with the connection
    account.append(eml("Left behind")[1])
    mailbox = make_mailbox(protocol=POP3, after_fetch=Mailbox.AfterFetch.KEEP)
    fetch_mailbox(mailbox)
    mailbox.after_fetch = Mailbox.AfterFetch.DELETE

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert (report.fetched, report.error) == (0, "")
    assert account.count() == 0
    assert Message.objects.filter(mailbox=mailbox).count() == 1


def test_a_message_arriving_later_is_fetched_next_time(account, make_mailbox):
    # given
    account.append(eml("First")[1])
    mailbox = make_mailbox(protocol=POP3)
    fetch_mailbox(mailbox)
    message_id, raw = eml("Second")
    account.append(raw)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert (report.fetched, report.stored) == (1, 1)
    assert Message.objects.filter(mailbox=mailbox).last().message_id == message_id.strip("<>")


def test_wrong_password_is_reported_as_a_failed_login(account, make_mailbox):
    # given
    mailbox = make_mailbox(protocol=POP3, password="wrong")

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert report.error.startswith(f"Login failed for {account.login}:")
    assert report.fetched == 0
