from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone, translation

from kartoteka.mail.models import Message
from kartoteka.notifications import delivery, emails, services
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case

pytestmark = pytest.mark.django_db


def outbox() -> list[Message]:
    return list(
        Message.objects.filter(direction=Message.Direction.OUTBOUND, automatic=True).order_by("pk")
    )


def send_now(rows: list[Notification]) -> int:
    return delivery.notification_emails_send([row.pk for row in rows])


def at_noon(rows: list[Notification]) -> None:
    """Created on 4 March 2031 at 12:30 UTC (13:30 in Warsaw, the installation's time zone),
    to read dates exactly."""
    moment = dt.datetime(2031, 3, 4, 12, 30, tzinfo=dt.UTC)
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=moment)


def test_an_immediate_email_tells_what_happened_and_how_to_stop(
    agent, supervisor, mailbox, frozen_now
):
    case = make_case("Awaria serwera")
    rows = services.notify(
        users=[agent], case=case, kind=Notification.Kind.NOTE, actor=supervisor, text="Pilne!"
    )
    at_noon(rows)
    # when
    sent = send_now(rows)
    # then
    [message] = outbox()
    assert sent == 1
    assert [entry["address"] for entry in message.to] == ["agent@firma.example"]
    assert message.case is None  # a colleague's email is no part of the conversation
    assert message.subject.endswith("Note: Awaria serwera")
    token = emails.unsubscribe_token(agent)
    # (the mailbox's signature follows, added to every message it sends)
    assert message.text.startswith(
        "News about a case you follow:\n\n"
        f"Note · #{case.number} Awaria serwera\n"
        "Pilne!\n"
        f"{supervisor}, 03/04/2031 1:30 p.m.\n"
        f"https://crm.firma.example/cases/{case.number}/\n\n"
        "All your notifications: https://crm.firma.example/notifications/\n"
        "How notifications reach you: https://crm.firma.example/people/preferences/\n"
        f"Stop these emails: https://crm.firma.example/notifications/unsubscribe/{token}/\n"
    )
    assert Notification.objects.get(pk=rows[0].pk).emailed_at == frozen_now


def test_a_polish_user_gets_the_email_in_polish_and_in_their_time_zone(agent, mailbox):
    agent.language, agent.time_zone = "pl", "Europe/London"
    agent.save()
    rows = services.notify(users=[agent], case=make_case(), kind=Notification.Kind.NOTE)
    at_noon(rows)
    seen: list[str] = []
    real_item = emails._item

    def spy(notification: Notification) -> dict:
        seen.append(translation.get_language())
        return real_item(notification)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(emails, "_item", spy)
        send_now(rows)
    [message] = outbox()
    assert set(seen) == {"pl"}
    # Django's Polish short date format, in the user's time zone (UTC in March in London)
    assert "04-03-2031  12:30" in message.text
    assert translation.get_language() == "en"  # the caller's language is back


def test_the_email_goes_in_the_installations_language_when_the_user_chose_none(
    agent, mailbox, settings
):
    settings.LANGUAGE_CODE = "pl"
    agent.language = ""
    agent.save()
    rows = services.notify(users=[agent], case=make_case(), kind=Notification.Kind.NOTE)
    at_noon(rows)
    send_now(rows)
    [message] = outbox()
    assert "04-03-2031  13:30" in message.text


def test_sending_twice_emails_once(agent, mailbox):
    rows = services.notify(users=[agent], case=make_case(), kind=Notification.Kind.NOTE)
    assert (send_now(rows), send_now(rows)) == (1, 0)
    assert len(outbox()) == 1


def test_a_notification_read_before_its_email_is_not_sent(agent, mailbox, frozen_now):
    rows = services.notify(users=[agent], case=make_case(), kind=Notification.Kind.NOTE)
    services.notification_mark_read(user=agent, notification_id=rows[0].pk)
    assert send_now(rows) == 0
    assert outbox() == []
    assert Notification.objects.get(pk=rows[0].pk).emailed_at == frozen_now


def test_a_user_who_turned_emails_off_meanwhile_gets_none(agent, mailbox):
    rows = services.notify(users=[agent], case=make_case(), kind=Notification.Kind.NOTE)
    agent.notification_email = User.NotificationEmail.OFF
    agent.save()
    assert send_now(rows) == 0
    assert outbox() == []
    assert Notification.objects.get(pk=rows[0].pk).emailed_at is None


def test_without_a_default_mailbox_nothing_is_sent_and_a_warning_says_why(agent, caplog):
    rows = services.notify(users=[agent], case=make_case(), kind=Notification.Kind.NOTE)
    with caplog.at_level(logging.WARNING, logger="kartoteka.notifications.delivery"):
        assert send_now(rows) == 0
    assert outbox() == []
    assert Notification.objects.get(pk=rows[0].pk).emailed_at is None
    assert "there is no default mailbox" in caplog.text


def test_an_email_the_loop_guard_holds_back_stays_unsent(mailbox):
    robot = User.objects.create(
        username="robot", email="noreply@firma.example", can_work_with_cases=True
    )
    rows = services.notify(users=[robot], case=make_case(), kind=Notification.Kind.NOTE)
    assert send_now(rows) == 0
    assert outbox() == []
    assert Notification.objects.get(pk=rows[0].pk).emailed_at is None


def test_a_user_without_an_address_gets_no_email(mailbox):
    nameless = User.objects.create(username="bez", email="", can_work_with_cases=True)
    rows = services.notify(users=[nameless], case=make_case(), kind=Notification.Kind.NOTE)
    assert send_now(rows) == 0
    assert Notification.objects.get(pk=rows[0].pk).emailed_at is None


def test_the_unsubscribe_token_names_its_user_and_nothing_else(agent, outsider):
    token = emails.unsubscribe_token(agent)
    other = emails.unsubscribe_token(outsider)
    # the agent's payload under the outsider's signature
    swapped = token.split(":", 1)[0] + ":" + other.split(":", 1)[1]
    assert emails.unsubscribe_user(token) == agent
    assert emails.unsubscribe_user(other) == outsider
    assert emails.unsubscribe_user(swapped) is None
    assert emails.unsubscribe_user(token + "x") is None
    assert emails.unsubscribe_user("") is None


def test_immediate_emails_are_sent_by_the_task_after_commit(
    agent, mailbox, django_capture_on_commit_callbacks
):
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[agent], case=case, kind=Notification.Kind.OVERDUE, text="x")
    [message] = outbox()
    assert "Overdue" in message.subject
    assert timezone.now() - Notification.objects.get().emailed_at < dt.timedelta(minutes=1)
