"""The activities' part of the customer file's timeline: events (at their start) and the tasks
planned (at the moment they were planned, with their due time and state).

Events are read through ``Event.visible_to``: a confidential event leaves no trace for a reader
who may not see it. Tasks through ``Task.visible_to``. The search box finds an event by its
entry in the search index (``search_entries``), and a task by the event that planned it. The
header's figures: the next open task due and the open threads. Registered in
``ActivitiesConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.activities.models import Event, Task, Thread
from kartoteka.core.search_index import index_matches_in_file
from kartoteka.customers.timeline import (
    Entry,
    Figure,
    Window,
    excerpt,
    narrowed,
    older_than,
    within_dates,
)
from kartoteka.people.models import User

EVENT = "event"
TASK = "task"


class ActivityEntries:
    kinds = [
        (EVENT, gettext_lazy("Events")),
        (TASK, gettext_lazy("Tasks planned")),
    ]

    def entries(self, window: Window) -> list[Entry]:
        found: list[Entry] = []
        if window.wants(EVENT):
            found += self._events(window)
        if window.wants(TASK):
            found += self._tasks(window)
        return found

    def figures(self, user: User, account_id: int) -> list[Figure]:
        """The earliest due time of the customer's open tasks the user sees, and how many of
        its threads are open."""
        next_due = (
            Task.objects.visible_to(user)
            .filter(account_id=account_id, state=Task.State.OPEN)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
        open_threads = (
            Thread.objects.visible_to(user)
            .filter(account_id=account_id, state=Thread.State.OPEN)
            .count()
        )
        shown = date_format(localtime(next_due), "SHORT_DATETIME_FORMAT") if next_due else "—"
        return [Figure(_("Next planned task"), shown), Figure(_("Open threads"), str(open_threads))]

    def _events(self, window: Window) -> list[Entry]:
        # The events of a customer are walked by their index (account, -starts_at, -id).
        rows = Event.objects.visible_to(window.user).filter(
            Q(account_id=window.account_id)
            & older_than(window, EVENT, at="starts_at")
            & within_dates(window, at="starts_at")
        )
        rows = narrowed(
            rows, window, contacts="contacts", case_number="case__number", author="author_id"
        )
        if window.query:
            rows = rows.filter(
                index_matches_in_file(
                    window.query, "event", window.account_id, prefix=window.query_prefix
                )
            )
        rows = rows.select_related("event_type", "author", "thread").order_by("-starts_at", "-pk")
        return [
            Entry(
                kind=EVENT,
                at=event.starts_at,
                key=event.pk,
                title="{icon} {type}".format(**event_type_label(event)),
                url=event.get_absolute_url(),
                who=str(event.author or ""),
                text=excerpt(event.result or event.description),
                context=event.thread.title,
            )
            for event in rows[: window.limit + 1]
        ]

    def _tasks(self, window: Window) -> list[Entry]:
        rows = Task.objects.visible_to(window.user).filter(
            Q(account_id=window.account_id) & older_than(window, TASK) & within_dates(window)
        )
        rows = narrowed(
            rows,
            window,
            contacts="planned_by_event__contacts",
            case_number="case__number",
            author="created_by_id",
        )
        if window.query:
            # A task has no entry of its own in the index: it is found by the event that
            # planned it (and that event's visibility is not the task's: the event itself is
            # not shown by this).
            rows = rows.filter(
                index_matches_in_file(
                    window.query,
                    "event",
                    window.account_id,
                    field="planned_by_event_id",
                    prefix=window.query_prefix,
                )
            )
        rows = rows.select_related("event_type", "assignee", "created_by").order_by(
            "-created_at", "-pk"
        )
        return [
            Entry(
                kind=TASK,
                at=task.created_at,
                key=task.pk,
                title=_("%(icon)s %(type)s planned for %(due)s")
                % {
                    **event_type_label(task),
                    "due": date_format(localtime(task.due_at), "SHORT_DATETIME_FORMAT"),
                },
                url=task.get_absolute_url(),
                who=str(task.created_by or ""),
                text=excerpt(task.note),
                context=_("%(state)s · for %(assignee)s")
                % {"state": task.get_state_display(), "assignee": task.assignee},
            )
            for task in rows[: window.limit + 1]
        ]


def event_type_label(row: Event | Task) -> dict[str, str]:
    """The icon and the (translated) name of the row's event type."""
    return {"icon": row.event_type.icon, "type": row.event_type.local_name}
