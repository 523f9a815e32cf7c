"""Fetching as a whole: nothing lost when our database, the network or the server fails."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from kartoteka.mail.models import Mailbox, Message, Pop3Seen
from kartoteka.mail.receiving import inbound
from kartoteka.mail.receiving.fetch import fetch_all, fetch_mailbox
from kartoteka.mail.receiving.sources import imap as imap_source
from kartoteka.mail.receiving.tasks import fetch_due_mailboxes, fetch_mailbox_now
from kartoteka.testing.mail.dovecot import free_port
from kartoteka.testing.mail.fetching import eml

pytestmark = pytest.mark.django_db

real_receive = inbound.message_receive


def fail_on_call(monkeypatch, number: int) -> list[str]:
    """Make the ``number``-th call of the receive pipeline fail as if the database were down."""
    calls: list[str] = []

    def receive(**kwargs):
        calls.append(kwargs["source"])
        if len(calls) == number:
            raise inbound.TemporaryFailure("database error: the database is locked")
        return real_receive(**kwargs)

    monkeypatch.setattr(inbound, "message_receive", receive)
    return calls


def three_messages(account) -> list[str]:
    ids = []
    for number in range(3):
        message_id, raw = eml(f"Message {number + 1}")
        account.append(raw)
        ids.append(message_id)
    return ids


def test_database_failure_leaves_the_rest_unseen_and_the_rerun_stores_it_once(
    account, make_mailbox, monkeypatch
):
    # given
    first, second, third = three_messages(account)
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.MARK_SEEN)
    fail_on_call(monkeypatch, 2)

    # when
    failed = fetch_mailbox(mailbox)

    # then: the first was committed and acknowledged, the second and third were not touched
    assert (failed.fetched, failed.stored) == (2, 1)
    assert failed.error.startswith("A message could not be stored (database error:")
    flags = account.flags()
    assert "\\Seen" in flags[first]
    assert "\\Seen" not in flags[second]
    assert "\\Seen" not in flags[third]
    assert Message.objects.filter(mailbox=mailbox).count() == 1

    # when the database is back
    monkeypatch.setattr(inbound, "message_receive", real_receive)
    rerun = fetch_mailbox(mailbox)

    # then
    assert (rerun.fetched, rerun.stored, rerun.duplicates, rerun.error) == (2, 2, 0, "")
    assert sorted(Message.objects.filter(mailbox=mailbox).values_list("subject", flat=True)) == [
        "Message 1",
        "Message 2",
        "Message 3",
    ]
    assert all("\\Seen" in message_flags for message_flags in account.flags().values())


def test_pop3_database_failure_records_only_what_was_stored(account, make_mailbox, monkeypatch):
    # given
    three_messages(account)
    mailbox = make_mailbox(protocol=Mailbox.Protocol.POP3, after_fetch=Mailbox.AfterFetch.DELETE)
    fail_on_call(monkeypatch, 2)

    # when
    failed = fetch_mailbox(mailbox)

    # then: only the first is recorded and deleted on the server
    assert failed.stored == 1
    assert Pop3Seen.objects.filter(mailbox=mailbox).count() == 1
    assert account.count() == 2

    # when the database is back
    monkeypatch.setattr(inbound, "message_receive", real_receive)
    rerun = fetch_mailbox(mailbox)

    # then
    assert (rerun.stored, rerun.error) == (2, "")
    assert Message.objects.filter(mailbox=mailbox).count() == 3
    assert account.count() == 0


def test_connection_dropped_mid_fetch_loses_nothing(account, make_mailbox, monkeypatch):
    # given: the connection breaks right after the second message was stored
    three_messages(account)
    mailbox = make_mailbox(after_fetch=Mailbox.AfterFetch.MARK_SEEN)
    clients = []
    real_connect = imap_source.imap_connect

    def connect(*args, **kwargs):
        clients.append(real_connect(*args, **kwargs))
        return clients[-1]

    calls = []

    def receive(**kwargs):
        receipt = real_receive(**kwargs)
        calls.append(kwargs["source"])
        if len(calls) == 2:
            clients[-1].sock.shutdown(socket.SHUT_RDWR)
        return receipt

    monkeypatch.setattr(imap_source, "imap_connect", connect)
    monkeypatch.setattr(inbound, "message_receive", receive)

    # when
    broken = fetch_mailbox(mailbox)

    # then
    assert (broken.fetched, broken.stored) == (2, 2)
    assert broken.error.startswith("The connection to the server was lost:")

    # when
    rerun = fetch_mailbox(mailbox)

    # then: the two stored (in one batch, never acknowledged) are recognised, the third
    # stored, each message once
    assert (rerun.fetched, rerun.stored, rerun.duplicates, rerun.error) == (3, 1, 2, "")
    assert Message.objects.filter(mailbox=mailbox).count() == 3
    assert all("\\Seen" in message_flags for message_flags in account.flags().values())


def test_wrong_password_is_reported_as_a_failed_login(account, make_mailbox):
    # given
    mailbox = make_mailbox(password="wrong")

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert report.error == (
        f"Login failed for {account.login}: [AUTHENTICATIONFAILED] Authentication failed."
    )
    mailbox.refresh_from_db()
    assert mailbox.last_fetch_error == report.error


def test_the_same_message_through_the_pipe_and_imap_is_stored_once(account, make_mailbox):
    # given: the mail server's pipe delivered it before the IMAP fetch
    _message_id, raw = eml("Twice delivered")
    mailbox = make_mailbox()
    inbound.message_receive(raw=raw, mailbox=mailbox, source="pipe")
    account.append(raw)

    # when
    report = fetch_mailbox(mailbox)

    # then
    assert (report.fetched, report.stored, report.duplicates) == (1, 0, 1)
    assert Message.objects.filter(mailbox=mailbox).count() == 1


def test_one_broken_mailbox_does_not_stop_the_others(account, make_mailbox):
    # given
    account.append(eml("For the good mailbox")[1])
    good = make_mailbox(name="Good")
    broken = make_mailbox(name="Broken", address="broken@firma.example", port=free_port())

    # when
    reports = fetch_all()

    # then
    by_name = {report.mailbox.name: report for report in reports}
    assert by_name["Good"].stored == 1
    assert by_name["Broken"].error == f"127.0.0.1:{broken.port} refused the connection (TCP)."
    assert good.pk != broken.pk


def test_fetch_all_by_name_and_skips_inactive_and_piped(account, make_mailbox):
    # given
    make_mailbox(name="Sleeping", active=False)
    Mailbox.objects.create(name="Piped", address="piped@firma.example", protocol="none")

    # when
    everything = fetch_all()
    named = fetch_all("Sleeping")

    # then
    assert [report.mailbox.name for report in everything] == []
    assert [(report.mailbox.name, report.error) for report in named] == [("Sleeping", "")]


def test_fetch_due_mailboxes_fetches_only_mailboxes_whose_interval_elapsed(account, make_mailbox):
    # given
    account.append(eml("Due")[1])
    due = make_mailbox(name="Due")
    recent = make_mailbox(name="Recent", address="recent@firma.example", fetch_every_minutes=5)
    Mailbox.objects.filter(pk=recent.pk).update(last_fetch_at=timezone.now() - timedelta(minutes=1))
    Mailbox.objects.filter(pk=due.pk).update(last_fetch_at=timezone.now() - timedelta(minutes=3))

    # when
    first = fetch_due_mailboxes.call()
    second = fetch_due_mailboxes.call()

    # then: the second run finds nothing due
    assert first == ["Due"]
    assert second == []
    assert Message.objects.filter(mailbox=due).count() == 1


def test_fetch_now_task_fetches_at_once(account, make_mailbox):
    # given
    account.append(eml("Now")[1])
    mailbox = make_mailbox(fetch_every_minutes=60)

    # when
    error = fetch_mailbox_now.call(mailbox.pk)

    # then
    assert error == ""
    assert Message.objects.filter(mailbox=mailbox).count() == 1
