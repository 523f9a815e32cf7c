from __future__ import annotations

import pytest
from django.db import transaction

from kartoteka.mail.models import Message
from kartoteka.notifications import delivery, services, tasks
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case

pytestmark = pytest.mark.django_db

HOURLY = User.NotificationEmail.HOURLY
DAILY = User.NotificationEmail.DAILY


def outbox() -> list[Message]:
    return list(
        Message.objects.filter(direction=Message.Direction.OUTBOUND, automatic=True).order_by("pk")
    )


def wants(user: User, choice: str) -> User:
    user.notification_email = choice
    user.save(update_fields=["notification_email"])
    return user


def tell(user: User, *texts: str, subject: str = "Awaria serwera") -> list[Notification]:
    case = make_case(subject)
    created = []
    for text in texts:
        created += services.notify(users=[user], case=case, kind=Notification.Kind.NOTE, text=text)
    return created


def test_the_hourly_digest_lists_unread_notifications_oldest_first(agent, mailbox):
    wants(agent, HOURLY)
    tell(agent, "pierwszy", "drugi")
    # when
    sent = tasks.send_hourly_digests.call()
    # then
    [message] = outbox()
    assert sent == 1
    assert [entry["address"] for entry in message.to] == ["agent@firma.example"]
    assert message.case is None
    assert message.subject == "Hourly digest: 2 notifications"
    assert message.text.index("pierwszy") < message.text.index("drugi")
    assert "https://crm.firma.example/notifications/unsubscribe/" in message.text
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_a_digest_is_sent_once_however_often_it_runs(agent, mailbox):
    wants(agent, HOURLY)
    tell(agent, "raz")
    first = delivery.digests_send(period=HOURLY)
    second = delivery.digests_send(period=HOURLY)
    assert (first, second) == (1, 0)
    assert len(outbox()) == 1


def test_a_later_digest_holds_only_what_came_since(agent, mailbox):
    wants(agent, HOURLY)
    tell(agent, "stary")
    delivery.digests_send(period=HOURLY)
    tell(agent, "nowy")
    delivery.digests_send(period=HOURLY)
    later = outbox()[1]
    assert "nowy" in later.text
    assert "stary" not in later.text


def test_a_claimed_notification_is_not_claimed_again(agent):
    rows = tell(agent, "a", "b")
    pks = [row.pk for row in rows]
    with transaction.atomic():
        first = delivery.notifications_claim(pks)
    with transaction.atomic():
        second = delivery.notifications_claim(pks)
    assert (sorted(first), second) == (sorted(pks), [])


def test_read_notifications_are_left_out_and_marked_emailed(agent, mailbox, frozen_now):
    wants(agent, HOURLY)
    read, _unread = tell(agent, "już widziany", "nowy wpis")
    services.notification_mark_read(user=agent, notification_id=read.pk)
    delivery.digests_send(period=HOURLY)
    [message] = outbox()
    assert message.subject == "Hourly digest: 1 notification"
    assert ("nowy wpis" in message.text, "już widziany" in message.text) == (True, False)
    assert Notification.objects.get(pk=read.pk).emailed_at == frozen_now


def test_only_read_notifications_send_no_digest(agent, mailbox, frozen_now):
    wants(agent, HOURLY)
    [row] = tell(agent, "przeczytany")
    services.notification_mark_read(user=agent, notification_id=row.pk)
    assert delivery.digests_send(period=HOURLY) == 0
    assert outbox() == []
    assert Notification.objects.get(pk=row.pk).emailed_at == frozen_now


def test_users_with_emails_off_are_never_emailed_and_nothing_is_set(agent, mailbox):
    wants(agent, User.NotificationEmail.OFF)
    [row] = tell(agent, "cisza")
    assert delivery.digests_send(period=HOURLY) + delivery.digests_send(period=DAILY) == 0
    assert outbox() == []
    assert Notification.objects.get(pk=row.pk).emailed_at is None


def test_each_period_sends_only_its_own_users(agent, supervisor, mailbox):
    wants(agent, HOURLY)
    wants(supervisor, DAILY)
    tell(agent, "dla agenta")
    tell(supervisor, "dla kierownika")
    hourly = tasks.send_hourly_digests.call()
    hourly_to = [[entry["address"] for entry in m.to] for m in outbox()]
    daily = tasks.send_daily_digests.call()
    assert (hourly, daily) == (1, 1)
    assert hourly_to == [["agent@firma.example"]]
    assert outbox()[1].subject == "Daily digest: 1 notification"


def test_immediate_users_get_no_digest(agent, mailbox):
    tell(agent, "od razu")  # pending: its email task is not run in this test
    assert delivery.digests_send(period=HOURLY) == 0
    assert delivery.digests_send(period=DAILY) == 0


def test_news_an_email_at_once_could_not_send_goes_in_the_next_hourly_digest(agent, mailbox):
    # given: news for a user who wants emails at once, its email held back (the loop guard's
    # rate limit) long enough ago
    [held] = tell(agent, "wstrzymane")
    Notification.objects.filter(pk=held.pk).update(
        created_at=held.created_at - delivery.IMMEDIATE_GRACE
    )
    [fresh] = tell(agent, "świeże")  # its email at once may still be on its way
    # when
    sent = delivery.digests_send(period=HOURLY)
    # then: the held one is told, once; the fresh one waits for its own email
    [digest] = outbox()
    assert sent == 1
    assert "wstrzymane" in digest.text
    assert "świeże" not in digest.text
    assert Notification.objects.get(pk=fresh.pk).emailed_at is None
    assert delivery.digests_send(period=HOURLY) == 0


def test_a_long_digest_lists_the_first_ones_and_counts_the_rest(agent, mailbox, monkeypatch):
    monkeypatch.setattr(delivery, "DIGEST_MAX_ITEMS", 2)
    wants(agent, DAILY)
    tell(agent, "jeden", "dwa", "trzy", "cztery")
    delivery.digests_send(period=DAILY)
    [message] = outbox()
    assert message.subject == "Daily digest: 4 notifications"
    assert "…and 2 more notifications: see the list." in message.text
    assert ("jeden" in message.text, "trzy" in message.text) == (True, False)
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_without_a_default_mailbox_the_digest_waits(agent):
    wants(agent, HOURLY)
    [row] = tell(agent, "czeka")
    assert delivery.digests_send(period=HOURLY) == 0
    assert Notification.objects.get(pk=row.pk).emailed_at is None


def test_a_digest_of_an_inactive_user_is_not_sent(agent, mailbox):
    wants(agent, HOURLY)
    tell(agent, "x")
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert delivery.digests_send(period=HOURLY) == 0


def test_a_polish_user_gets_a_polish_digest_date(agent, mailbox):
    import datetime as dt

    wants(agent, HOURLY)
    agent.language = "pl"
    agent.save()
    rows = tell(agent, "x")
    moment = dt.datetime(2031, 3, 4, 12, 30, tzinfo=dt.UTC)
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=moment)
    delivery.digests_send(period=HOURLY)
    [message] = outbox()
    assert "04-03-2031  13:30" in message.text


def test_an_unknown_period_is_refused():
    with pytest.raises(ValueError, match="not a digest period"):
        delivery.digests_send(period="weekly")
