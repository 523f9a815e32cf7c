"""A user's own open tasks split by when they are due: overdue, today, the next seven days."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest
from django.utils import timezone

from kartoteka.activities.models import Task
from kartoteka.activities.services import NextTask, task_create
from kartoteka.activities.work import Window, my_open_tasks, my_task_counts, my_tasks_in
from kartoteka.testing.activities import at, event_type
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


def test_window_ends_today_at_local_midnight_and_a_week_later():
    # given: 23:30 in Warsaw, already the next day in UTC terms of some zones
    with timezone.override(WARSAW):
        window = Window.at(datetime(2026, 12, 7, 23, 30, tzinfo=WARSAW))

    # then
    assert window.today_ends == datetime(2026, 12, 8, 0, 0, tzinfo=WARSAW)
    assert window.upcoming_ends == datetime(2026, 12, 15, 0, 0, tzinfo=WARSAW)


def _task(user, due_at, note):
    return task_create(
        by=user,
        account=AccountFactory(),
        plan=NextTask(event_type=event_type(), due_at=due_at, assignee=user, note=note),
    )


def test_counts_and_rows_by_group(agent, outsider):
    # given: it is 7 December, 12:00
    _task(agent, at(7, 9), "rano")
    _task(agent, at(7, 18), "wieczorem")
    _task(agent, at(14, 23, 59), "za tydzień")
    _task(agent, at(15, 0, 0), "za daleko")
    _task(outsider, at(7, 9), "cudze")
    cancelled = _task(agent, at(6, 9), "odwołane")
    Task.objects.filter(pk=cancelled.pk).update(state=Task.State.CANCELLED)
    window = Window.at(at(7, 12))

    # when
    counts = my_task_counts(agent, window)

    # then
    assert counts == {"overdue": 1, "today": 1, "upcoming": 1}
    assert [t.note for t in my_tasks_in(agent, window, "upcoming")] == ["za tydzień"]


def test_portal_users_have_no_tasks(portal_user):
    assert list(my_open_tasks(portal_user)) == []


def test_counts_are_one_query(agent, django_assert_num_queries):
    window = Window.at(at(7, 12))
    with django_assert_num_queries(1):
        my_task_counts(agent, window)
