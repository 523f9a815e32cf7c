"""Reads of a user's own planned work for the "My work" page (``desk.views.work``): their open
tasks by when they are due (the threads without a next step are
``selectors.threads_without_next_step``).

Each section costs a fixed number of queries however many rows it holds: the task counts are
one aggregate over the ``task_assignee_due`` index (assignee, state, due_at), each group's
first rows one range scan of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kartoteka.activities.models import Task
from kartoteka.people.models import User

TaskGroup = Literal["overdue", "today", "upcoming"]
TASK_GROUPS: tuple[TaskGroup, ...] = ("overdue", "today", "upcoming")
UPCOMING_DAYS = 7


@dataclass(frozen=True)
class Window:
    """The moments that split a user's open tasks: overdue before ``now``, today until
    ``today_ends`` (midnight in the active time zone), upcoming until ``upcoming_ends`` (the
    end of the seventh day after today)."""

    now: datetime
    today_ends: datetime
    upcoming_ends: datetime

    @classmethod
    def at(cls, now: datetime) -> Window:
        zone = timezone.get_current_timezone()
        tomorrow = timezone.localtime(now, zone).date() + timedelta(days=1)
        today_ends = datetime.combine(tomorrow, time.min, tzinfo=zone)
        upcoming_ends = datetime.combine(
            tomorrow + timedelta(days=UPCOMING_DAYS), time.min, tzinfo=zone
        )
        return cls(now=now, today_ends=today_ends, upcoming_ends=upcoming_ends)

    def condition(self, group: TaskGroup) -> Q:
        if group == "overdue":
            return Q(due_at__lt=self.now)
        if group == "today":
            return Q(due_at__gte=self.now, due_at__lt=self.today_ends)
        return Q(due_at__gte=self.today_ends, due_at__lt=self.upcoming_ends)


def my_open_tasks(user: User) -> QuerySet[Task]:
    """The user's open tasks, soonest due first.

    Filtered by the assignee alone: a user always sees the tasks given to them
    (``task_visibility``), and ``visible_to``'s account rule, OR-ed in, would keep the database
    from answering by the (assignee, state, due_at) index. Staff only; others have none.
    """
    if not user.is_authenticated or not user.is_staff_member:
        return Task.objects.none()
    return Task.objects.filter(assignee=user, state=Task.State.OPEN).order_by("due_at", "pk")


def my_task_counts(user: User, window: Window) -> dict[TaskGroup, int]:
    """How many of the user's open tasks are overdue, due today and due in the next days
    (one query)."""
    counts = (
        my_open_tasks(user)
        .filter(due_at__lt=window.upcoming_ends)
        .aggregate(**{group: Count("pk", filter=window.condition(group)) for group in TASK_GROUPS})
    )
    return {group: counts[group] or 0 for group in TASK_GROUPS}


def my_tasks_in(user: User, window: Window, group: TaskGroup) -> QuerySet[Task]:
    """The user's open tasks of one group, soonest due first, with what a row shows."""
    return (
        my_open_tasks(user)
        .filter(window.condition(group))
        .select_related("account", "event_type", "thread")
    )
