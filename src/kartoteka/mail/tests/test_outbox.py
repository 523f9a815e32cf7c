"""The outbox against a real SMTP server (aiosmtpd): sending, retries, refusals, crashes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kartoteka.cases.services import case_settings
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading.message_ids import SignedReference, read_signed
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.mail.sending.outbox import (
    MAX_ATTEMPTS,
    interrupted_reason,
    outbox_claim,
    outbox_reconcile,
    outbox_send_due,
    retry_delay,
)
from kartoteka.testing.cases import make_case
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    box = make_mailbox()
    smtp_server.point(box)
    return box


def queued_reply(mailbox: Mailbox, agent) -> Message:
    case = make_case("Drukarka nie drukuje")
    make_inbound(
        case,
        mailbox=mailbox,
        message_id="first@klient.example",
    )
    make_inbound(
        case,
        mailbox=mailbox,
        message_id="second@klient.example",
        references="first@klient.example",
    )
    return reply_create(case=case, by=agent, text="Proszę zrestartować drukarkę.")


def test_reply_arrives_at_the_server_tagged_threaded_and_signed(
    smtp_server, mailbox, agent, frozen_now
) -> None:
    # given
    message = queued_reply(mailbox, agent)

    # when
    outcome = outbox_send_due()

    # then
    assert outcome.sent == 1
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert message.attempts == 1
    assert message.sent_at == frozen_now
    assert message.error == ""
    [received] = smtp_server.received
    assert received.mail_from == "pomoc@firma.example"
    assert received.rcpt_tos == ["klient@klient.example"]
    sent = received.message
    number = message.case.number
    assert sent["Subject"] == f"Re: [{case_settings().prefix}#{number}] Drukarka nie drukuje"
    assert sent["Reply-To"] == "Pomoc Firma <pomoc@firma.example>"
    assert sent["In-Reply-To"] == "<second@klient.example>"
    assert sent["References"] == "<first@klient.example> <second@klient.example>"
    assert read_signed(sent["Message-ID"]) == SignedReference(
        case_number=number, message_pk=message.pk
    )


def test_a_sent_message_is_not_sent_again(smtp_server, mailbox, agent) -> None:
    queued_reply(mailbox, agent)
    outbox_send_due()

    outcome = outbox_send_due(now=timezone.now() + timedelta(hours=2))

    assert outcome.sent == 0
    assert len(smtp_server.received) == 1


# aiosmtpd warns of AUTH without STARTTLS, not knowing implicit TLS is encrypted throughout.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_sending_over_tls_with_login(smtp_server, monkeypatch, agent, security: str) -> None:
    # given
    server = smtp_server.variant(security=security, auth=True)
    server.trust(monkeypatch)
    mailbox = make_mailbox()
    server.point(mailbox)
    message = queued_reply(mailbox, agent)

    # when
    outbox_send_due()

    # then
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert [received.login for received in server.received] == ["mailer"]


def test_login_falls_back_to_the_incoming_login(smtp_server, monkeypatch, agent) -> None:
    server = smtp_server.variant(security="starttls", auth=True)
    server.trust(monkeypatch)
    mailbox = make_mailbox(login="mailer")
    mailbox.password = "smtp-secret"
    server.point(mailbox, login="", password="")
    message = queued_reply(mailbox, agent)

    outbox_send_due()

    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert [received.login for received in server.received] == ["mailer"]


def test_an_untrusted_certificate_is_not_accepted(smtp_server, agent) -> None:
    # given: the test certificate is not trusted
    server = smtp_server.variant(security="ssl")
    mailbox = make_mailbox()
    server.point(mailbox)
    message = queued_reply(mailbox, agent)

    # when
    outcome = outbox_send_due()

    # then
    message.refresh_from_db()
    assert outcome.retried == 1
    assert message.state == Message.State.QUEUED
    assert "CERTIFICATE_VERIFY_FAILED" in message.error
    assert server.received == []


def test_permanent_refusal_fails_the_message_with_the_servers_reply(
    smtp_server, mailbox, agent
) -> None:
    # given
    smtp_server.mode = "refuse"
    message = queued_reply(mailbox, agent)

    # when
    outcome = outbox_send_due()

    # then
    assert outcome.failed == 1
    message.refresh_from_db()
    assert message.state == Message.State.FAILED
    assert message.attempts == 1
    assert message.next_attempt_at is None
    assert message.error == (
        "klient@klient.example: 550 5.1.1 <klient@klient.example>: "
        "Recipient address rejected: User unknown"
    )


def test_temporary_failure_is_retried_later_then_sent(smtp_server, mailbox, agent) -> None:
    # given
    smtp_server.mode = "tempfail"
    message = queued_reply(mailbox, agent)
    now = timezone.now()

    # when
    first = outbox_send_due(now=now)

    # then
    message.refresh_from_db()
    assert first.retried == 1
    assert message.state == Message.State.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at == now + timedelta(minutes=1)
    assert message.error == "klient@klient.example: 451 4.3.0 Try again later: mailbox busy"

    # when: not due yet, then due and the server accepts
    smtp_server.mode = "accept"
    early = outbox_send_due(now=now + timedelta(seconds=30))
    later = outbox_send_due(now=now + timedelta(minutes=1))

    # then
    assert (early.sent, later.sent) == (0, 1)
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert message.attempts == 2
    assert len(smtp_server.received) == 1


def test_dropped_connection_is_retried(smtp_server, mailbox, agent) -> None:
    # given
    smtp_server.mode = "drop"
    message = queued_reply(mailbox, agent)
    now = timezone.now()

    # when
    outbox_send_due(now=now)

    # then
    message.refresh_from_db()
    assert message.state == Message.State.QUEUED
    assert message.attempts == 1
    assert message.error != ""
    smtp_server.mode = "accept"
    outbox_send_due(now=now + timedelta(minutes=1))
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert len(smtp_server.received) == 1


def test_unreachable_server_fails_after_the_last_attempt(mailbox, agent) -> None:
    # given: nobody listens on the mailbox's port any more
    Mailbox.objects.filter(pk=mailbox.pk).update(smtp_port=1)
    message = queued_reply(mailbox, agent)
    now = timezone.now()

    # when
    for _attempt in range(MAX_ATTEMPTS):
        outbox_send_due(now=now)
        now += timedelta(hours=1)

    # then
    message.refresh_from_db()
    assert message.state == Message.State.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert "refused" in message.error.lower()


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n).total_seconds() // 60 for n in range(1, 9)] == [
        1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip


def test_a_crash_while_sending_is_marked_for_attention_and_never_resent(
    smtp_server, mailbox, agent
) -> None:
    # given: a worker claimed the message, then died before recording the outcome
    message = queued_reply(mailbox, agent)
    now = timezone.now()
    assert outbox_claim(message.pk, now=now) is True

    # when: the worker starts again after the lease ran out
    outcome = outbox_send_due(now=now + timedelta(minutes=16))

    # then
    assert outcome.interrupted == 1
    message.refresh_from_db()
    assert message.state == Message.State.FAILED
    assert message.error == interrupted_reason()
    assert smtp_server.received == []
    assert outbox_send_due(now=now + timedelta(days=1)).sent == 0
    assert smtp_server.received == []


def test_reconcile_leaves_a_message_another_worker_is_sending(mailbox, agent) -> None:
    message = queued_reply(mailbox, agent)
    now = timezone.now()
    outbox_claim(message.pk, now=now)

    marked = outbox_reconcile(now=now + timedelta(minutes=1))

    assert marked == 0
    message.refresh_from_db()
    assert message.state == Message.State.SENDING


def test_of_two_workers_claiming_one_message_only_one_gets_it(mailbox, agent) -> None:
    # given
    message = queued_reply(mailbox, agent)
    now = timezone.now()

    # when
    claims = [outbox_claim(message.pk, now=now), outbox_claim(message.pk, now=now)]

    # then
    assert claims == [True, False]
    message.refresh_from_db()
    assert message.state == Message.State.SENDING
    assert message.attempts == 1


def test_queuing_a_reply_sends_it_after_commit(
    smtp_server, mailbox, agent, django_capture_on_commit_callbacks
) -> None:
    # given: tests run tasks at once (the immediate backend)
    with django_capture_on_commit_callbacks(execute=True):
        message = queued_reply(mailbox, agent)

    # then
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert len(smtp_server.received) == 1
