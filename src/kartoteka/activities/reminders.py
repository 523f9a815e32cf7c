"""Reminders of planned tasks: when they come, claiming the due ones exactly once, snoozing,
rescheduling, and the reads the lists need (overdue tasks, the snooze choices).

A task's reminder is due when it has a ``PendingReminder`` whose ``remind_at`` has come (the
index ``pending_reminder_due``). ``reminders_claim`` deletes the due rows it returns, in one
transaction of two statements (no query per row): on PostgreSQL the rows are read ``FOR UPDATE
SKIP LOCKED``, so workers claiming at the same moment split the due reminders between them and
none is claimed twice; SQLite takes the write lock at ``BEGIN`` (``transaction_mode``
IMMEDIATE), so claims there run one after the other. Telling the assignee is the caller's work
(``notifications.task_reminders``), in the same transaction: a telling that fails un-claims.

When a reminder comes is the assignee's choice (``reminder_time``): their lead time before the
due time (``User.reminder_lead``), or 9:00 of the due day (``User.reminder_in_the_morning``); a
task may say its own lead time. Snoozing sets a new time and makes the reminder pending again;
rescheduling moves the due time and recomputes the reminder.
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.activities.models import PendingReminder, Task
from kartoteka.people.models import User

if TYPE_CHECKING:
    from django.db.models import Field

# At most this many reminders are claimed by one call (a run claims again while some are left).
CLAIM_LIMIT = 10_000
# "Tomorrow" of a snooze, and a reminder "in the morning of the due day", come at this hour of
# the user's day.
MORNING_AT = time(9, 0)


@dataclass(frozen=True)
class ClaimedReminder:
    """A task whose reminder this caller claimed, with what telling it needs."""

    task_id: int
    due_at: datetime
    account_name: str
    event_type_name: str
    event_type_names: Mapping[str, str]
    assignee: User


# The claim: delete the due pending reminders, returning what telling needs. PostgreSQL joins
# the deleted rows to their tasks (twice as fast as a lookup per row); SQLite has no DELETE in
# a WITH clause, and looks each up (cheap in-process).
_CLAIM_JOINED = """
    WITH claimed AS (
        DELETE FROM activities_pendingreminder WHERE task_id {among}
        RETURNING task_id, remind_at
    )
    SELECT claimed.task_id, claimed.remind_at, task.due_at, task.assignee_id, task.state,
           account.name, kind.name, kind.names
    FROM claimed
    JOIN activities_task task ON task.id = claimed.task_id
    JOIN customers_account account ON account.id = task.account_id
    JOIN activities_eventtype kind ON kind.id = task.event_type_id
"""
_CLAIM_LOOKED_UP = """
    DELETE FROM activities_pendingreminder WHERE task_id {among}
    RETURNING task_id, remind_at,
        (SELECT due_at FROM activities_task WHERE id = task_id),
        (SELECT assignee_id FROM activities_task WHERE id = task_id),
        (SELECT state FROM activities_task WHERE id = task_id),
        (SELECT name FROM customers_account
         WHERE id = (SELECT account_id FROM activities_task WHERE id = task_id)),
        (SELECT name FROM activities_eventtype
         WHERE id = (SELECT event_type_id FROM activities_task WHERE id = task_id)),
        (SELECT names FROM activities_eventtype
         WHERE id = (SELECT event_type_id FROM activities_task WHERE id = task_id))
"""


def reminders_claim(now: datetime | None = None, limit: int = CLAIM_LIMIT) -> list[ClaimedReminder]:
    """Claim up to ``limit`` due reminders (the earliest first) for this caller, deleting their
    pending rows; what telling them needs, in ``remind_at`` order.

    Exactly once: a reminder claimed here is not pending any more, and one that another
    transaction is claiming is skipped (PostgreSQL) or waited for (SQLite), so of several
    workers claiming at once each reminder goes to one. Call it inside the transaction that
    tells the assignees: until it commits the claim holds the rows, and if it rolls back the
    reminders are due again. A reminder of a task that is no longer open is claimed and
    dropped.

    Two statements whatever ``limit`` is: one ``DELETE … WHERE task_id IN (the due rows,
    LIMIT, FOR UPDATE SKIP LOCKED) RETURNING`` (``= ANY(ARRAY(…))`` on PostgreSQL, so that the
    ids are looked up by primary key) with what the task says, and one for the assignees. The
    inner query is the ORM's, which writes the locking clause for PostgreSQL only; SQLite has
    ``RETURNING`` since 3.35. No list of ids travels back to the database.
    """
    now = now or timezone.now()
    if not 0 < limit <= CLAIM_LIMIT:
        raise ValueError(f"limit must be between 1 and {CLAIM_LIMIT}")
    with transaction.atomic():
        due = (
            _due(now)
            .select_for_update(skip_locked=True)
            .order_by("remind_at", "task_id")
            .values("task_id")[:limit]
        )
        due_sql, due_params = due.query.sql_with_params()
        # The ORM's query, its values bound as parameters. PostgreSQL takes its ids as one
        # array to look up by primary key (``IN`` would let it scan the table for a hash).
        among = (
            f"= ANY(ARRAY({due_sql}))" if connection.vendor == "postgresql" else f"IN ({due_sql})"
        )
        claim = (_CLAIM_JOINED if connection.vendor == "postgresql" else _CLAIM_LOOKED_UP).format(
            among=among
        )
        with connection.cursor() as cursor:
            cursor.execute(claim, due_params)
            rows = [row for row in cursor.fetchall() if row[4] == Task.State.OPEN]
        if not rows:
            return []
        assignees = User.objects.in_bulk({row[3] for row in rows})
    # RETURNING keeps no order: by the reminder's time as the database returned it (SQLite's
    # text of a UTC time sorts as the time does), so that only the due times are converted.
    rows.sort(key=lambda row: (row[1], row[0]))
    aware = _aware_datetimes(Task._meta.get_field("due_at"))
    return [
        ClaimedReminder(
            task_id=task_id,
            due_at=aware(due_at),
            account_name=account,
            event_type_name=what,
            event_type_names=_json(names),
            assignee=assignees[assignee_id],
        )
        for task_id, _remind_at, due_at, assignee_id, _state, account, what, names in rows
    ]


def _aware_datetimes(field: Field[Any, Any]) -> Callable[[Any], datetime]:
    """What turns a datetime as the database returns it to raw SQL (SQLite: text) into an
    aware one; the converters looked up once for the thousands of values of a claim."""
    converters = connection.ops.get_db_converters(field.get_col(field.model._meta.db_table))

    def aware(value: Any) -> datetime:
        for converter in converters:
            value = converter(value, field, connection)
        return cast(datetime, value)

    return aware


def reminders_due_count(now: datetime | None = None) -> int:
    """How many reminders are due and not yet claimed (one COUNT on the index)."""
    return _due(now or timezone.now()).count()


def _due(now: datetime) -> QuerySet[PendingReminder]:
    return PendingReminder.objects.filter(remind_at__lte=now)


def reminder_time(user: User, due_at: datetime, lead: timedelta | None = None) -> datetime:
    """When ``user`` hears of a task due at ``due_at``: ``lead`` before it when the task says
    one, else as the user chose — their lead time before it, or 9:00 of the due day in their
    time zone (at the due time itself when it is earlier)."""
    if lead is not None:
        return due_at - lead
    if user.reminder_in_the_morning:
        zone = user_zone(user)
        morning = datetime.combine(due_at.astimezone(zone).date(), MORNING_AT, tzinfo=zone)
        return min(morning, due_at)
    return due_at - user.reminder_lead


def reminder_set(task: Task, remind_at: datetime | None) -> None:
    """Make ``task``'s reminder pending at ``remind_at`` (none: no reminder), replacing the one
    pending; ``task.remind_at`` says the same."""
    Task.objects.filter(pk=task.pk).update(remind_at=remind_at)
    task.remind_at = remind_at
    if remind_at is None:
        PendingReminder.objects.filter(task=task).delete()
    else:
        PendingReminder.objects.update_or_create(task=task, defaults={"remind_at": remind_at})


def reminders_drop(tasks: QuerySet[Task]) -> None:
    """The pending reminders of ``tasks`` (being closed) are not told."""
    PendingReminder.objects.filter(task__in=tasks.values("pk")).delete()


@transaction.atomic
def task_snooze(*, by: User, task: Task, until: datetime) -> Task:
    """Remind the assignee of ``task`` again at ``until``: only the assignee snoozes their
    reminder (``PermissionDenied`` for anyone else). ``until`` must lie in the future and the
    task be open, else ``ValidationError`` (on ``until``). The reminder is due again then
    (pending again), once."""
    if task.assignee_id != by.pk or not by.is_staff_member:
        raise PermissionDenied
    if until <= timezone.now():
        raise ValidationError(
            {"until": _("Choose a time in the future to be reminded again.")}, code="past"
        )
    if not Task.objects.select_for_update().filter(pk=task.pk, state=Task.State.OPEN).exists():
        raise ValidationError(
            {"until": _("The task is already done or cancelled: there is nothing to remind.")},
            code="closed",
        )
    reminder_set(task, until)
    return task


@transaction.atomic
def task_reschedule(*, by: User, task: Task, due_at: datetime) -> Task:
    """Move the open ``task`` to ``due_at`` (in the future) and remind its assignee of it when
    they choose (``reminder_time``), once more.

    The assignee, the task's creator, the assignee's team supervisor, managers and
    administrators may (``PermissionDenied`` for others). ``ValidationError`` on ``due_at``
    for a past time or a closed task.
    """
    if not _may_reschedule(by, task):
        raise PermissionDenied
    if due_at <= timezone.now():
        raise ValidationError({"due_at": _("Choose a due time in the future.")}, code="past")
    changed = Task.objects.filter(pk=task.pk, state=Task.State.OPEN).update(due_at=due_at)
    if not changed:
        raise ValidationError(
            {"due_at": _("The task is already done or cancelled.")}, code="closed"
        )
    task.due_at = due_at
    reminder_set(task, reminder_time(task.assignee, due_at))
    return task


def _may_reschedule(by: User, task: Task) -> bool:
    if not by.is_staff_member:
        return False
    if by.sees_everything or by.pk in (task.assignee_id, task.created_by_id):
        return True
    team = task.assignee.team
    return team is not None and team.supervisor_id == by.pk


# Reads


def overdue_tasks(user: User, *, now: datetime | None = None) -> QuerySet[Task]:
    """The user's own open tasks whose due time has passed, the longest overdue first, with
    their account and type (one query; the index ``task_assignee_due`` serves it)."""
    return (
        Task.objects.visible_to(user)
        .open()
        .filter(assignee=user, due_at__lt=now or timezone.now())
        .select_related("account", "event_type")
        .order_by("due_at", "pk")
    )


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    """The user's time zone (the installation's where they chose none or an unknown one)."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


# What a snooze may be asked for (the buttons of ``activities/_snooze.html``).
SNOOZE_KEYS = ("15m", "1h", "tomorrow")


def snooze_until(key: str, *, user: User, now: datetime | None = None) -> datetime:
    """When a snooze chosen by ``key`` (one of ``SNOOZE_KEYS``) ends: 15 minutes or an hour
    from now, or 9:00 of the next day in the user's time zone. ``ValidationError`` on
    ``until`` for an unknown key."""
    now = now or timezone.now()
    if key == "15m":
        return now + timedelta(minutes=15)
    if key == "1h":
        return now + timedelta(hours=1)
    if key == "tomorrow":
        zone = user_zone(user)
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, MORNING_AT, tzinfo=zone)
    raise ValidationError(
        {"until": _("Choose 15 minutes, 1 hour or tomorrow 9:00.")}, code="invalid_choice"
    )


def moment_text(moment: datetime, *, now: datetime | None = None) -> str:
    """``moment`` as the active time zone and language write it: the time alone when it is
    on the day of ``now``, else the short date and time."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime(now or timezone.now()).date():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _json(value: Any) -> Any:
    """A JSON column read by raw SQL: text on SQLite and as Django's PostgreSQL backend
    loads it, a value where a driver has decoded it already."""
    return json.loads(value) if isinstance(value, str | bytes) else value or {}
