"""Reminders of planned tasks: claimed when due and exactly once (also by workers racing on
PostgreSQL), snoozed by their assignee, moved with the task; the snooze and reschedule pages."""

from __future__ import annotations

import threading
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse

from kartoteka.activities import reminders
from kartoteka.activities.models import PendingReminder, Task
from kartoteka.activities.services import NextTask, task_cancel, task_create
from kartoteka.testing.activities import at, call_recorded, event_type, pending_at
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


def planned(
    assignee, due_at: datetime, *, lead: timedelta | None = timedelta(minutes=15), account=None
) -> Task:
    """A call to ``account`` due at ``due_at``, reminded ``lead`` before."""
    return task_create(
        by=assignee,
        account=account or AccountFactory(name="ACME Sp. z o.o."),
        plan=NextTask(
            event_type=event_type(), due_at=due_at, assignee=assignee, remind_before=lead
        ),
    )


def claimed_pks(now: datetime, limit: int = reminders.CLAIM_LIMIT) -> list[int]:
    return [claimed.task_id for claimed in reminders.reminders_claim(now, limit)]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Claiming


def test_a_reminder_is_due_at_its_lead_time_before_the_task_and_not_before(agent) -> None:
    # given a call due at 10:00, reminded 15 minutes before
    task = planned(agent, at(8, 10))
    # when the job looks at 9:44 and at 9:45
    early = claimed_pks(at(8, 9, 44))
    on_time = reminders.reminders_claim(at(8, 9, 45))
    # then
    task.refresh_from_db()
    assert early == []
    assert on_time == [
        reminders.ClaimedReminder(
            task_id=task.pk,
            due_at=at(8, 10),
            account_name="ACME Sp. z o.o.",
            event_type_name="Phone call",
            event_type_names={},
            assignee=agent,
        )
    ]
    assert (task.remind_at, pending_at(task)) == (at(8, 9, 45), None)


def test_a_claimed_reminder_is_never_claimed_again(agent) -> None:
    task = planned(agent, at(8, 10))
    # when the job runs three times
    runs = [claimed_pks(at(8, 9, 45) + timedelta(minutes=m)) for m in (0, 1, 60)]
    # then
    assert runs == [[task.pk], [], []]


def test_without_a_lead_the_reminder_comes_at_the_due_time(agent) -> None:
    task = planned(agent, at(8, 10), lead=timedelta(0))
    assert (claimed_pks(at(8, 9, 59)), claimed_pks(at(8, 10))) == ([], [task.pk])


def test_the_assignees_own_lead_time_is_the_default(agent) -> None:
    agent.reminder_lead = timedelta(days=1)
    task = planned(agent, at(8, 10), lead=None)
    assert (claimed_pks(at(7, 9, 59)), claimed_pks(at(7, 10))) == ([], [task.pk])


def test_done_and_cancelled_tasks_are_never_reminded(agent) -> None:
    # given a task done by its call, and a cancelled one, both due long ago
    account = AccountFactory()
    call_recorded(agent, account, starts_at=at(7, 9), next_in=timedelta(hours=1))
    done = Task.objects.get()
    call_recorded(agent, account, starts_at=at(7, 9, 30), completes=done)
    cancelled = task_cancel(by=agent, task=planned(agent, at(8, 10), account=account))
    # when
    claimed = claimed_pks(at(20, 12))
    # then
    assert claimed == []
    assert sorted(Task.objects.values_list("state", flat=True)) == ["cancelled", "done"]
    assert pending_at(cancelled) is None


def test_the_earliest_reminders_are_claimed_first_up_to_the_limit(agent) -> None:
    tasks = [planned(agent, at(8, 10) + timedelta(minutes=m)) for m in (30, 0, 10)]
    # when
    first = claimed_pks(at(9, 0), limit=2)
    second = claimed_pks(at(9, 0), limit=2)
    # then
    assert (first, second) == ([tasks[1].pk, tasks[2].pk], [tasks[0].pk])


def test_a_limit_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be between 1 and 10000"):
        reminders.reminders_claim(at(8, 9), 0)


def test_a_claim_takes_two_statements_however_many_are_due(
    agent, django_assert_max_num_queries
) -> None:
    for minute in range(20):
        planned(agent, at(8, 10) + timedelta(minutes=minute))
    # when (the two statements, and the savepoint's two inside the test's transaction)
    with django_assert_max_num_queries(4):
        claimed = reminders.reminders_claim(at(9, 0))
    # then
    assert len(claimed) == 20
    assert reminders.reminders_due_count(at(9, 0)) == 0


def test_a_claim_rolled_back_with_its_telling_leaves_the_reminder_due(agent) -> None:
    # given a due reminder
    task = planned(agent, at(8, 10))

    @transaction.atomic
    def claim_and_fail_to_tell() -> None:
        reminders.reminders_claim(at(8, 9, 45))
        raise RuntimeError("the telling failed")

    # when the telling fails after the claim
    with pytest.raises(RuntimeError):
        claim_and_fail_to_tell()
    # then
    assert claimed_pks(at(8, 9, 46)) == [task.pk]


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_one_moment_claim_each_reminder_once() -> None:
    # given 300 due reminders, and four workers that claim them at the same moment
    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    agent = UserFactory(username="racer")
    account = AccountFactory()
    for minute in range(300):
        planned(agent, at(8, 10) + timedelta(seconds=minute), account=account)
    now = at(9, 0)
    barrier = threading.Barrier(4)
    claims: list[list[int]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            mine: list[int] = []
            while batch := claimed_pks(now, limit=25):
                mine += batch
            claims.append(mine)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(4)]
    # when
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    # then every reminder was claimed, by exactly one worker
    everything = [pk for claim in claims for pk in claim]
    assert errors == []
    assert len(everything) == 300
    assert set(everything) == set(Task.objects.values_list("pk", flat=True))
    assert PendingReminder.objects.count() == 0


# Snoozing and rescheduling


def test_a_snoozed_reminder_comes_again_at_its_new_time(agent, frozen_now) -> None:
    # given a reminder told now
    task = planned(agent, frozen_now + timedelta(minutes=15))
    assert claimed_pks(frozen_now) == [task.pk]
    # when the assignee snoozes it for an hour
    until = reminders.snooze_until("1h", user=agent)
    reminders.task_snooze(by=agent, task=task, until=until)
    # then it is due again in an hour, and once
    task.refresh_from_db()
    assert task.remind_at == pending_at(task) == frozen_now + timedelta(hours=1)
    assert claimed_pks(frozen_now + timedelta(minutes=59)) == []
    assert claimed_pks(frozen_now + timedelta(hours=1)) == [task.pk]
    assert claimed_pks(frozen_now + timedelta(hours=2)) == []


def test_only_the_assignee_snoozes_a_reminder(agent, supervisor, frozen_now) -> None:
    task = planned(agent, frozen_now + timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        reminders.task_snooze(by=supervisor, task=task, until=frozen_now + timedelta(hours=2))


@pytest.mark.parametrize("minutes", [0, -5])
def test_a_snooze_must_end_in_the_future(agent, frozen_now, minutes) -> None:
    task = planned(agent, frozen_now + timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        reminders.task_snooze(by=agent, task=task, until=frozen_now + timedelta(minutes=minutes))
    assert error.value.message_dict == {
        "until": ["Choose a time in the future to be reminded again."]
    }


def test_a_closed_task_is_not_snoozed(agent, frozen_now) -> None:
    task = task_cancel(by=agent, task=planned(agent, frozen_now + timedelta(hours=1)))
    with pytest.raises(ValidationError) as error:
        reminders.task_snooze(by=agent, task=task, until=frozen_now + timedelta(hours=2))
    assert error.value.message_dict == {
        "until": ["The task is already done or cancelled: there is nothing to remind."]
    }


def test_tomorrow_is_nine_in_the_morning_of_the_users_time_zone(agent) -> None:
    # given a user in New York, late in the evening there (03:30 UTC on the 8th)
    agent.time_zone = "America/New_York"
    now = datetime(2026, 12, 8, 3, 30, tzinfo=UTC)
    # when
    until = reminders.snooze_until("tomorrow", user=agent, now=now)
    # then 9:00 of the 8th in New York (the 7th there now)
    assert until == datetime(2026, 12, 8, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert reminders.snooze_until("15m", user=agent, now=now) == now + timedelta(minutes=15)


def test_an_unknown_snooze_is_refused_with_the_choices(agent) -> None:
    with pytest.raises(ValidationError) as error:
        reminders.snooze_until("forever", user=agent)
    assert error.value.message_dict == {"until": ["Choose 15 minutes, 1 hour or tomorrow 9:00."]}


def test_rescheduling_moves_the_due_time_and_the_reminder_with_the_assignees_lead(
    agent, frozen_now
) -> None:
    # given a task already reminded
    agent.reminder_lead = timedelta(minutes=30)
    agent.save(update_fields=["reminder_lead"])
    task = planned(agent, frozen_now + timedelta(minutes=10))
    assert claimed_pks(frozen_now) == [task.pk]
    # when it moves to tomorrow
    tomorrow = frozen_now + timedelta(days=1)
    reminders.task_reschedule(by=agent, task=task, due_at=tomorrow)
    # then
    task.refresh_from_db()
    assert (task.due_at, task.remind_at, pending_at(task)) == (
        tomorrow,
        tomorrow - timedelta(minutes=30),
        tomorrow - timedelta(minutes=30),
    )
    assert claimed_pks(tomorrow - timedelta(minutes=30)) == [task.pk]


def test_the_assignees_supervisor_reschedules_but_a_colleague_does_not(
    agent, supervisor, outsider, frozen_now
) -> None:
    task = planned(agent, frozen_now + timedelta(hours=1))
    later = frozen_now + timedelta(hours=3)
    reminders.task_reschedule(by=supervisor, task=task, due_at=later)
    with pytest.raises(PermissionDenied):
        reminders.task_reschedule(by=outsider, task=task, due_at=later)
    assert Task.objects.get(pk=task.pk).due_at == later


def test_a_task_is_not_rescheduled_into_the_past(agent, frozen_now) -> None:
    task = planned(agent, frozen_now + timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        reminders.task_reschedule(by=agent, task=task, due_at=frozen_now - timedelta(hours=1))
    assert error.value.message_dict == {"due_at": ["Choose a due time in the future."]}


def test_overdue_tasks_are_the_users_own_open_ones_past_their_due_time(
    agent, supervisor, frozen_now
) -> None:
    account = AccountFactory()
    late = planned(agent, frozen_now - timedelta(days=2), account=account)
    later = planned(agent, frozen_now - timedelta(hours=1), account=account)
    planned(agent, frozen_now + timedelta(hours=1), account=account)  # not yet due
    planned(supervisor, frozen_now - timedelta(hours=1), account=account)  # someone else's
    task_cancel(by=agent, task=planned(agent, frozen_now - timedelta(hours=3), account=account))
    assert list(reminders.overdue_tasks(agent)) == [late, later]


# The pages


def snooze_url(task: Task) -> str:
    return reverse("activities:task-snooze", args=[task.pk])


def test_the_assignee_snoozes_from_the_notification_list_and_goes_back(agent, frozen_now):
    task = planned(agent, frozen_now + timedelta(minutes=15))
    back = reverse("notifications:list") + "?show=unread"
    # when
    response = client_for(agent).post(snooze_url(task), {"for": "15m", "next": back})
    # then
    task.refresh_from_db()
    assert (response.status_code, response.headers["Location"]) == (302, back)
    assert task.remind_at == pending_at(task) == frozen_now + timedelta(minutes=15)
    assert messages_of(response)[0].startswith("You will be reminded again on ")


def test_a_snooze_goes_back_to_the_task_when_next_points_elsewhere(agent, frozen_now):
    task = planned(agent, frozen_now + timedelta(minutes=15))
    response = client_for(agent).post(
        snooze_url(task), {"for": "1h", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == task.get_absolute_url()


def test_a_snooze_of_an_unknown_length_says_what_to_choose(agent, frozen_now):
    task = planned(agent, frozen_now + timedelta(minutes=15))
    before = task.remind_at
    response = client_for(agent).post(snooze_url(task), {"for": "7d"})
    task.refresh_from_db()
    assert response.status_code == 302
    assert messages_of(response) == ["Choose 15 minutes, 1 hour or tomorrow 9:00."]
    assert task.remind_at == before


def test_the_outsider_cannot_snooze_a_restricted_customers_task(agent, outsider, support_team):
    account = AccountFactory(restricted=True, team=support_team)
    task = planned(agent, at(20, 10), account=account)
    assert client_for(outsider).post(snooze_url(task), {"for": "1h"}).status_code == 404


def test_a_colleague_who_sees_the_task_may_not_snooze_it(agent, supervisor):
    task = planned(agent, at(20, 10))
    assert client_for(supervisor).post(snooze_url(task), {"for": "1h"}).status_code == 403


def test_snoozing_an_unknown_task_is_404_and_a_get_is_refused(agent):
    client = client_for(agent)
    assert client.post(reverse("activities:task-snooze", args=[999_999])).status_code == 404
    task = planned(agent, at(20, 10))
    assert client.get(snooze_url(task)).status_code == 405


def test_rescheduling_from_the_task_page(agent, frozen_now):
    task = planned(agent, frozen_now + timedelta(hours=1))
    new_due = (frozen_now + timedelta(days=2)).astimezone(zoneinfo.ZoneInfo("Europe/Warsaw"))
    response = client_for(agent).post(
        reverse("activities:task-reschedule", args=[task.pk]),
        {"due_at": new_due.strftime("%Y-%m-%dT%H:%M")},
    )
    task.refresh_from_db()
    assert response.headers["Location"] == task.get_absolute_url()
    assert task.due_at == new_due.replace(second=0)
    assert messages_of(response)[0].startswith("The task is now due on ")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the new due time."),
        ("tomorrow", "Enter the new due time as a date and time."),
        ("2020-01-01T10:00", "Choose a due time in the future."),
    ],
)
def test_rescheduling_with_a_bad_time_says_what_is_wrong(agent, value, message):
    task = planned(agent, at(20, 10))
    response = client_for(agent).post(
        reverse("activities:task-reschedule", args=[task.pk]), {"due_at": value}
    )
    task.refresh_from_db()
    assert messages_of(response) == [message]
    assert task.due_at == at(20, 10)


def test_the_outsider_cannot_reschedule_a_restricted_customers_task(agent, outsider, support_team):
    account = AccountFactory(restricted=True, team=support_team)
    task = planned(agent, at(20, 10), account=account)
    response = client_for(outsider).post(
        reverse("activities:task-reschedule", args=[task.pk]), {"due_at": "2030-01-01T10:00"}
    )
    assert response.status_code == 404


# The user's default lead time (preferences)


def preferences(**fields: str) -> dict[str, str]:
    values = {
        "first_name": "Anna",
        "last_name": "Kowalska",
        "email": "anna@firma.example",
        "language": "en",
        "time_zone": "Europe/Warsaw",
    }
    return values | fields


def test_the_user_chooses_their_reminder_lead_in_preferences(agent) -> None:
    # when
    response = client_for(agent).post(
        reverse("people:preferences"), preferences(reminder_lead="60")
    )
    # then
    agent.refresh_from_db()
    assert response.status_code == 302
    assert agent.reminder_lead == timedelta(hours=1)
    page = client_for(agent).get(reverse("people:preferences"))
    assert page.context["form"]["reminder_lead"].value() == 60


def test_preferences_without_a_lead_keep_it(agent) -> None:
    agent.reminder_lead = timedelta(days=1)
    agent.save(update_fields=["reminder_lead"])
    client_for(agent).post(reverse("people:preferences"), preferences())
    agent.refresh_from_db()
    assert agent.reminder_lead == timedelta(days=1)


def test_preferences_refuse_a_lead_not_offered(agent) -> None:
    response = client_for(agent).post(
        reverse("people:preferences"), preferences(reminder_lead="-15")
    )
    agent.refresh_from_db()
    assert response.context["form"].errors == {
        "reminder_lead": ["Choose when your tasks' reminders come."]
    }
    assert agent.reminder_lead == timedelta(minutes=15)


def test_a_lead_set_elsewhere_is_offered_as_it_is(agent) -> None:
    agent.reminder_lead = timedelta(minutes=45)
    agent.save(update_fields=["reminder_lead"])
    form = client_for(agent).get(reverse("people:preferences")).context["form"]
    assert form["reminder_lead"].value() == 45
    assert (45, "45 minutes before") in form.fields["reminder_lead"].choices


def test_a_reminder_in_the_morning_is_chosen_in_preferences_and_kept_with_the_lead(agent):
    # when
    client_for(agent).post(reverse("people:preferences"), preferences(reminder_lead="morning"))
    # then the lead stays for a change of mind, and the form shows the choice
    agent.refresh_from_db()
    assert (agent.reminder_in_the_morning, agent.reminder_lead) == (True, timedelta(minutes=15))
    page = client_for(agent).get(reverse("people:preferences"))
    assert page.context["form"]["reminder_lead"].value() == "morning"
    # when a lead is chosen again
    client_for(agent).post(reverse("people:preferences"), preferences(reminder_lead="30"))
    agent.refresh_from_db()
    assert (agent.reminder_in_the_morning, agent.reminder_lead) == (False, timedelta(minutes=30))


def test_a_morning_reminder_comes_at_nine_of_the_due_day_in_the_users_zone(agent) -> None:
    # given a user in Warsaw who wants reminders in the morning
    agent.reminder_in_the_morning = True
    agent.time_zone = "Europe/Warsaw"
    warsaw = zoneinfo.ZoneInfo("Europe/Warsaw")
    # when a task is due at 15:00 on 8 December in Warsaw (14:00 UTC)
    task = planned(agent, datetime(2026, 12, 8, 15, 0, tzinfo=warsaw), lead=None)
    # then the reminder is at 9:00 there (8:00 UTC)
    assert task.remind_at == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    assert claimed_pks(datetime(2026, 12, 8, 7, 59, tzinfo=UTC)) == []
    assert claimed_pks(datetime(2026, 12, 8, 8, 0, tzinfo=UTC)) == [task.pk]


def test_a_morning_reminder_of_a_task_due_before_nine_comes_at_the_due_time(agent) -> None:
    agent.reminder_in_the_morning = True
    agent.time_zone = "Europe/Prague"
    early = datetime(2026, 12, 8, 7, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Prague"))
    assert reminders.reminder_time(agent, early) == early


def test_a_lead_the_task_says_wins_over_the_morning(agent) -> None:
    agent.reminder_in_the_morning = True
    due = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    assert reminders.reminder_time(agent, due, timedelta(hours=1)) == due - timedelta(hours=1)


def test_the_reminder_of_a_done_task_is_no_longer_pending(agent) -> None:
    account = AccountFactory()
    call_recorded(agent, account, starts_at=at(7, 9), next_in=timedelta(days=1))
    task = Task.objects.get()
    assert pending_at(task) == task.remind_at
    call_recorded(agent, account, starts_at=at(7, 9, 30), completes=task)
    assert PendingReminder.objects.count() == 0


def test_who_does_not_work_with_cases_chooses_the_email_of_their_reminders(clerk) -> None:
    page = client_for(clerk).get(reverse("people:preferences"))
    assert list(page.context["notification_form"].fields) == ["notification_email"]
    response = client_for(clerk).post(
        reverse("people:notification-preferences"), {"notification_email": "off"}
    )
    clerk.refresh_from_db()
    assert (response.status_code, clerk.notification_email) == (302, "off")
