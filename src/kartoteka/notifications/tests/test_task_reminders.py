"""Task reminders told under the bell and by email: at their time, once, again after a
snooze, never for a closed task, in the assignee's language."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from kartoteka.activities import reminders
from kartoteka.activities.models import EventType, Task
from kartoteka.activities.services import NextTask, task_cancel, task_create
from kartoteka.mail.models import Message
from kartoteka.notifications import delivery, emails, tasks
from kartoteka.notifications.models import Notification
from kartoteka.notifications.task_reminders import task_reminders_send
from kartoteka.people.models import User
from kartoteka.testing.activities import at, event_type, pending_at
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the reminders at ``now`` (the periodic job itself when ``now`` is None), and what
    they enqueue after commit (the immediate task backend sends the emails); how many."""

    def run(now: datetime | None = None) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            if now is None:
                return tasks.send_task_reminders.call()
            return task_reminders_send(now=now)

    return run


def planned(
    assignee: User,
    due_at: datetime,
    *,
    lead: timedelta = timedelta(minutes=15),
    what: EventType | None = None,
) -> Task:
    return task_create(
        by=assignee,
        account=AccountFactory(name="ACME Sp. z o.o."),
        plan=NextTask(
            event_type=what or event_type(), due_at=due_at, assignee=assignee, remind_before=lead
        ),
    )


def reminders_of(user: User) -> list[tuple[int | None, str, bool]]:
    return [
        (row.task_id, row.text, row.read_at is None)
        for row in Notification.objects.filter(
            recipient=user, kind=Notification.Kind.TASK_REMINDER
        ).order_by("pk")
    ]


def outbox() -> list[Message]:
    return list(
        Message.objects.filter(direction=Message.Direction.OUTBOUND, automatic=True).order_by("pk")
    )


def test_a_task_due_at_ten_is_told_at_a_quarter_to_and_not_before(remind, agent, mailbox) -> None:
    # given a call due at 10:00 with a 15-minute lead
    task = planned(agent, at(8, 10))
    # when the job runs at 9:44 and at 9:45
    early = remind(at(8, 9, 44))
    on_time = remind(at(8, 9, 45))
    # then
    assert (early, on_time) == (0, 1)
    assert reminders_of(agent) == [(task.pk, "Phone call: ACME Sp. z o.o. — due 10:00", True)]


def test_the_date_is_told_when_the_task_is_due_another_day(remind, agent, mailbox) -> None:
    task = planned(agent, at(8, 10), lead=timedelta(days=1))
    remind(at(7, 10))
    assert reminders_of(agent) == [
        (task.pk, "Phone call: ACME Sp. z o.o. — due 12/08/2026 10 a.m.", True)
    ]


def test_a_reminder_is_told_once_when_the_job_runs_twice(
    remind, agent, mailbox, frozen_now
) -> None:
    # given a reminder due now
    task = planned(agent, frozen_now + timedelta(minutes=15))
    # when the periodic job runs twice
    runs = [remind(), remind()]
    # then one notification, one email
    assert runs == [1, 0]
    assert [pk for pk, _text, _unread in reminders_of(agent)] == [task.pk]
    [message] = outbox()
    assert [entry["address"] for entry in message.to] == ["agent@firma.example"]


def test_the_email_names_the_task_and_links_to_it(remind, agent, mailbox) -> None:
    task = planned(agent, at(8, 10))
    remind(at(8, 9, 45))
    [message] = outbox()
    token = emails.unsubscribe_token(agent)
    assert message.case is None
    assert message.subject.endswith("Reminder: Phone call: ACME Sp. z o.o. — due 10:00")
    assert message.text.startswith(
        "It is time for your task:\n\n"
        "Phone call: ACME Sp. z o.o. — due 10:00\n"
        "Open the task (to record what was done or to snooze its reminder): "
        f"https://crm.firma.example/activities/tasks/{task.pk}/\n\n"
        "All your notifications: https://crm.firma.example/notifications/\n"
        "How notifications reach you: https://crm.firma.example/people/preferences/\n"
        f"Stop these emails: https://crm.firma.example/notifications/unsubscribe/{token}/\n"
    )


def test_several_reminders_at_once_make_one_email(remind, agent, mailbox) -> None:
    planned(agent, at(8, 10))
    planned(agent, at(8, 10, 5))
    assert remind(at(8, 9, 50)) == 2
    [message] = outbox()
    assert message.subject.endswith("Reminder: 2 tasks")


def test_the_email_goes_in_the_assignees_language(remind, agent, mailbox) -> None:
    # given a Polish user in London, and an event type of the administrator's own
    agent.language, agent.time_zone = "pl", "Europe/London"
    agent.save(update_fields=["language", "time_zone"])
    what = EventType.objects.create(name="Telefon do klienta", icon="📞")
    planned(agent, at(8, 10), what=what)  # 10:00 in Warsaw, 9:00 in London
    # when
    remind(at(8, 9, 45))
    # then
    [message] = outbox()
    assert message.subject.endswith(
        "Przypomnienie: Telefon do klienta: ACME Sp. z o.o. — termin 09:00"
    )
    assert message.text.startswith(
        "Czas na Twoje zadanie:\n\nTelefon do klienta: ACME Sp. z o.o. — termin 09:00\n"
    )


def test_a_snoozed_reminder_is_told_again_at_its_new_time(
    remind, agent, mailbox, frozen_now
) -> None:
    # given a reminder told now
    task = planned(agent, frozen_now + timedelta(minutes=15))
    remind(frozen_now)
    # when the assignee snoozes it for 15 minutes
    reminders.task_snooze(by=agent, task=task, until=frozen_now + timedelta(minutes=15))
    runs = [remind(frozen_now + timedelta(minutes=minutes)) for minutes in (14, 15, 16)]
    # then it comes again once, and the first notification is marked read (superseded)
    assert runs == [0, 1, 0]
    assert [(pk, unread) for pk, _text, unread in reminders_of(agent)] == [
        (task.pk, False),
        (task.pk, True),
    ]
    assert len(outbox()) == 2


def test_done_and_cancelled_tasks_are_never_told(remind, agent, mailbox) -> None:
    task_cancel(by=agent, task=planned(agent, at(8, 10)))
    done = planned(agent, at(8, 11))
    Task.objects.filter(pk=done.pk).update(state=Task.State.DONE)
    assert remind(at(9, 12)) == 0
    assert (reminders_of(agent), outbox()) == ([], [])


@pytest.mark.parametrize(
    ("choice", "emailed"),
    [
        (User.NotificationEmail.IMMEDIATE, 1),
        (User.NotificationEmail.HOURLY, 1),  # a digest would come after the due time
        (User.NotificationEmail.DAILY, 1),
        (User.NotificationEmail.OFF, 0),
    ],
)
def test_the_email_goes_at_once_unless_the_user_turned_emails_off(
    remind, agent, mailbox, choice, emailed
) -> None:
    agent.notification_email = choice
    agent.save(update_fields=["notification_email"])
    planned(agent, at(8, 10))
    remind(at(8, 9, 45))
    assert (len(reminders_of(agent)), len(outbox())) == (1, emailed)


def test_an_emailed_reminder_is_not_repeated_in_the_digest(remind, agent, mailbox) -> None:
    agent.notification_email = User.NotificationEmail.HOURLY
    agent.save(update_fields=["notification_email"])
    planned(agent, at(8, 10))
    remind(at(8, 9, 45))
    assert delivery.digests_send(period=User.NotificationEmail.HOURLY) == 0
    assert len(outbox()) == 1


def test_a_reminder_read_under_the_bell_before_its_email_is_not_emailed(
    remind, agent, mailbox
) -> None:
    planned(agent, at(8, 10))
    remind(at(8, 9, 45))
    [row] = Notification.objects.all()
    Notification.objects.update(emailed_at=None, read_at=at(8, 9, 46))
    Message.objects.all().delete()
    assert delivery.task_reminder_emails_send([row.pk]) == 0
    assert outbox() == []


def test_an_inactive_assignee_is_not_told_and_the_reminder_does_not_pile_up(remind, agent, mailbox):
    task = planned(agent, at(8, 10))
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert remind(at(8, 9, 45)) == 0
    task.refresh_from_db()
    assert (reminders_of(agent), pending_at(task)) == ([], None)


def test_without_a_default_mailbox_the_bell_still_tells(remind, agent) -> None:
    planned(agent, at(8, 10))
    assert remind(at(8, 9, 45)) == 1
    assert outbox() == []


@pytest.mark.parametrize("count", [2, 20])
def test_telling_takes_the_same_queries_however_many_are_due(
    agent, supervisor, mailbox, count, django_assert_num_queries, monkeypatch
) -> None:
    # (the emails are enqueued after commit; here they are counted, not sent)
    enqueued: list[list[int]] = []
    monkeypatch.setattr("kartoteka.notifications.task_reminders._enqueue_emails", enqueued.append)
    for minute in range(count):
        planned(agent if minute % 2 else supervisor, at(8, 10) + timedelta(minutes=minute))
    # savepoints (4), claim (2), superseded (1), insert (1)
    with django_assert_num_queries(8):
        told = task_reminders_send(now=at(9, 0))
    assert told == count


# The bell


def test_the_bell_shows_the_reminder_and_links_to_the_task(
    remind, agent, mailbox, frozen_now
) -> None:
    task = planned(agent, frozen_now + timedelta(minutes=15))
    remind(frozen_now)
    # when
    html = client_for(agent).get(reverse("notifications:list")).content.decode()
    # then
    assert 'aria-label="Notifications, 1 unread"' in html
    assert "Task reminder" in html
    assert f'<a href="/activities/tasks/{task.pk}/">Phone call: ACME Sp. z o.o. — due' in html
    assert f'action="/activities/tasks/{task.pk}/snooze/"' in html
    assert 'name="for" value="tomorrow"' in html


def test_the_bell_offers_no_snooze_for_a_task_already_done(
    remind, agent, mailbox, frozen_now
) -> None:
    task = planned(agent, frozen_now + timedelta(minutes=15))
    remind(frozen_now)
    task_cancel(by=agent, task=task)
    html = client_for(agent).get(reverse("notifications:list")).content.decode()
    assert f"/activities/tasks/{task.pk}/" in html
    assert "snooze" not in html


def test_the_outsider_sees_nothing_of_the_agents_reminders(
    remind, agent, outsider, mailbox, frozen_now
):
    planned(agent, frozen_now + timedelta(minutes=15))
    remind(frozen_now)
    response = client_for(outsider).get(reverse("notifications:list"))
    assert list(response.context["page_obj"].object_list) == []
    assert "ACME" not in response.content.decode()


def test_a_snooze_from_the_bell_comes_back_to_the_list(remind, agent, mailbox, frozen_now) -> None:
    task = planned(agent, frozen_now + timedelta(minutes=15))
    remind(frozen_now)
    back = reverse("notifications:list")
    response = client_for(agent).post(
        reverse("activities:task-snooze", args=[task.pk]), {"for": "tomorrow", "next": back}
    )
    task.refresh_from_db()
    assert response.headers["Location"] == back
    assert pending_at(task) == task.remind_at
    assert task.remind_at > frozen_now
