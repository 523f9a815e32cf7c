"""The loop guard: no automatic mail to robots, ourselves or auto-repliers; rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kartoteka.mail.models import Message
from kartoteka.mail.sending.loop_guard import may_send_automatically
from kartoteka.testing.cases import make_case
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db


def automatic_to(address: str, *, case, count: int, at=None) -> None:
    for number in range(count):
        message = Message.objects.create(
            case=case,
            direction=Message.Direction.OUTBOUND,
            state=Message.State.SENT,
            message_id=f"auto-{case.pk if case else 0}-{number}-{address}",
            to=[{"name": "", "address": address}],
            raw_sha256="0" * 64,
            automatic=True,
        )
        if at is not None:
            Message.objects.filter(pk=message.pk).update(created_at=at)


@pytest.mark.parametrize(
    "address",
    [
        "MAILER-DAEMON@klient.example",
        "postmaster@klient.example",
        "noreply@sklep.example",
        "no-reply@sklep.example",
        "no_reply+faktury@sklep.example",
        "donotreply@bank.example",
    ],
)
def test_automatic_mail_to_a_robot_address_is_refused(address: str) -> None:
    may, reason = may_send_automatically(address, case=None)

    assert may is False
    assert reason == f"{address.lower()} is an automatic address (it never reads replies)."


def test_automatic_mail_to_our_own_mailbox_is_refused() -> None:
    make_mailbox("pomoc@firma.example")

    may, reason = may_send_automatically("Pomoc@Firma.example", case=None)

    assert (may, reason) == (False, "pomoc@firma.example is one of our own mailboxes.")


def test_automatic_mail_to_an_address_whose_last_message_was_an_auto_reply_is_refused() -> None:
    # given
    case = make_case()
    make_inbound(case, sender="jan@klient.example", message_id="1@k", auto_reply=False)
    make_inbound(case, sender="jan@klient.example", message_id="2@k", auto_reply=True)

    # when
    may, reason = may_send_automatically("jan@klient.example", case=case)

    # then
    assert (may, reason) == (
        False,
        "The latest message from jan@klient.example was an automatic reply.",
    )


def test_automatic_mail_to_an_address_whose_last_message_came_through_a_list_is_refused() -> None:
    # given: support@ is a Google Group; a person's message came through it
    case = make_case()
    make_inbound(case, sender="pomoc@grupy.example", message_id="1@k", bulk=True)

    # when
    may, reason = may_send_automatically("pomoc@grupy.example", case=case)

    # then: an acknowledgement would reach everyone on the list
    assert (may, reason) == (
        False,
        "The latest message from pomoc@grupy.example came through a mailing list or in bulk.",
    )


def test_a_person_writing_again_after_an_auto_reply_gets_automatic_mail_again() -> None:
    case = make_case()
    make_inbound(case, sender="jan@klient.example", message_id="1@k", auto_reply=True)
    make_inbound(case, sender="jan@klient.example", message_id="2@k", auto_reply=False)

    assert may_send_automatically("jan@klient.example", case=case) == (True, "")


def test_the_eleventh_automatic_mail_within_ten_minutes_is_refused() -> None:
    # given
    case = make_case()
    automatic_to("jan@klient.example", case=case, count=9)
    assert may_send_automatically("jan@klient.example", case=case) == (True, "")
    automatic_to("jan@klient.example", case=None, count=1)

    # when
    may, reason = may_send_automatically("jan@klient.example", case=case)

    # then
    assert (may, reason) == (
        False,
        "jan@klient.example already got 10 automatic messages in 10 minutes.",
    )


def test_the_hourly_limit_counts_older_mail_of_the_last_hour() -> None:
    # given: 25 automatic messages 30 minutes ago
    case = make_case()
    automatic_to(
        "jan@klient.example", case=case, count=25, at=timezone.now() - timedelta(minutes=30)
    )

    # when
    may, reason = may_send_automatically("jan@klient.example", case=None)

    # then
    assert (may, reason) == (
        False,
        "jan@klient.example already got 25 automatic messages in 60 minutes.",
    )


def test_the_per_case_limit_is_configurable(settings) -> None:
    # given
    settings.MAIL_AUTO_LIMIT_10_MINUTES_PER_CASE = 2
    case, other = make_case(), make_case("Inna sprawa")
    automatic_to("jan@klient.example", case=case, count=2)

    # when / then
    assert may_send_automatically("jan@klient.example", case=case) == (
        False,
        "jan@klient.example already got 2 automatic messages about this case in 10 minutes.",
    )
    assert may_send_automatically("jan@klient.example", case=other) == (True, "")


def test_mail_written_by_a_person_does_not_count(agent) -> None:
    case = make_case()
    automatic_to("jan@klient.example", case=case, count=10)
    Message.objects.filter(case=case).update(author=agent, automatic=False)

    assert may_send_automatically("jan@klient.example", case=case) == (True, "")


def test_an_address_merely_containing_the_recipient_does_not_count() -> None:
    case = make_case()
    automatic_to("xjan@klient.example", case=case, count=10)

    assert may_send_automatically("jan@klient.example", case=case) == (True, "")
