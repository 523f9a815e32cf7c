"""Reminders of planned tasks: claiming the due ones exactly once, snoozing, rescheduling, and
the reads the lists need (overdue tasks, the snooze choices).

A task's reminder is due when the task is open, ``remind_at <= now`` and ``reminded_at`` is
empty: exactly the rows of the partial index ``task_reminder_due``, ordered by ``remind_at``.
``reminders_claim`` stamps ``reminded_at`` on the due tasks it returns, in one transaction of
two statements (no query per row): on PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``,
so workers claiming at the same moment split the due reminders between them and none is
claimed twice; SQLite takes the write lock at ``BEGIN`` (``transaction_mode`` IMMEDIATE), so
claims there run one after the other. Telling the assignee is the caller's work
(``notifications.task_reminders``), in the same transaction: a telling that fails un-claims.

Snoozing sets a new ``remind_at`` and empties ``reminded_at``, so the reminder is due again at
its new time; rescheduling moves the due time and recomputes the reminder with the assignee's
lead time (``User.reminder_lead``).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.activities.models import Task
from kartoteka.people.models import User

if TYPE_CHECKING:
    from django.db.models import Field

# At most this many reminders are claimed by one call (a run claims again while some are left).
CLAIM_LIMIT = 10_000
# "Tomorrow" of a snooze is at this hour of the user's day.
TOMORROW_AT = time(9, 0)


@dataclass(frozen=True)
class ClaimedReminder:
    """A task whose reminder this caller claimed, with what telling it needs."""

    task_id: int
    due_at: datetime
    account_name: str
    event_type_name: str
    assignee: User


def reminders_claim(now: datetime | None = None, limit: int = CLAIM_LIMIT) -> list[ClaimedReminder]:
    """Claim up to ``limit`` due reminders (the earliest first) for this caller, stamping
    their tasks ``reminded_at = now``; what telling them needs, in ``remind_at`` order.

    Exactly once: a reminder claimed here is not due any more, and one that another
    transaction is claiming is skipped (PostgreSQL) or waited for (SQLite), so of several
    workers claiming at once each reminder goes to one. Call it inside the transaction that
    tells the assignees: until it commits the claim holds the rows, and if it rolls back the
    reminders are due again.

    Two statements whatever ``limit`` is: one ``UPDATE … WHERE id IN (the due rows, LIMIT,
    FOR UPDATE SKIP LOCKED) RETURNING`` (``id = ANY(ARRAY(…))`` on PostgreSQL, so that the
    ids are looked up by primary key), and one for the assignees. The inner query is the
    ORM's, which writes the locking clause for PostgreSQL only; SQLite has ``RETURNING``
    since 3.35. No list of ids travels back to the database.
    """
    now = now or timezone.now()
    if not 0 < limit <= CLAIM_LIMIT:
        raise ValueError(f"limit must be between 1 and {CLAIM_LIMIT}")
    with transaction.atomic():
        due = (
            _due(now)
            .select_for_update(skip_locked=True)
            .order_by("remind_at", "pk")
            .values("pk")[:limit]
        )
        due_sql, due_params = due.query.sql_with_params()
        # The ORM's query, its values bound as parameters. PostgreSQL takes its ids as one
        # array to look up by primary key (``IN`` would let it scan the table for a hash).
        among = (
            f"= ANY(ARRAY({due_sql}))" if connection.vendor == "postgresql" else f"IN ({due_sql})"
        )
        claim = (
            "UPDATE activities_task SET reminded_at = %s "  # noqa: S608
            f"WHERE id {among} "
            "RETURNING id, remind_at, due_at, assignee_id, "
            "(SELECT name FROM customers_account WHERE id = account_id), "
            "(SELECT name FROM activities_eventtype WHERE id = event_type_id)"
        )
        with connection.cursor() as cursor:
            cursor.execute(claim, [now, *due_params])
            rows = cursor.fetchall()
        if not rows:
            return []
        assignees = User.objects.in_bulk({row[3] for row in rows})
    field = Task._meta.get_field("due_at")
    claimed = [
        (_aware(field, remind_at), task_id, _aware(field, due_at), assignee_id, account, what)
        for task_id, remind_at, due_at, assignee_id, account, what in rows
    ]
    claimed.sort(key=lambda row: (row[0], row[1]))  # RETURNING keeps no order
    return [
        ClaimedReminder(
            task_id=task_id,
            due_at=due_at,
            account_name=account,
            event_type_name=what,
            assignee=assignees[assignee_id],
        )
        for _remind_at, task_id, due_at, assignee_id, account, what in claimed
    ]


def _aware(field: Field[Any, Any], value: Any) -> datetime:
    """A datetime as the database returned it to raw SQL (SQLite: text), made aware."""
    converted = value
    for converter in connection.ops.get_db_converters(field.get_col(field.model._meta.db_table)):
        converted = converter(converted, field, connection)
    return cast(datetime, converted)


def reminders_due_count(now: datetime | None = None) -> int:
    """How many reminders are due and not yet claimed (one COUNT on the partial index)."""
    return _due(now or timezone.now()).count()


def _due(now: datetime) -> QuerySet[Task]:
    # The conditions of the partial index task_reminder_due, so that it serves the query.
    return Task.objects.filter(
        state=Task.State.OPEN,
        reminded_at__isnull=True,
        remind_at__isnull=False,
        remind_at__lte=now,
    )


@transaction.atomic
def task_snooze(*, by: User, task: Task, until: datetime) -> Task:
    """Remind the assignee of ``task`` again at ``until``: only the assignee snoozes their
    reminder (``PermissionDenied`` for anyone else). ``until`` must lie in the future and the
    task be open, else ``ValidationError`` (on ``until``). The reminder is due again then
    (``reminded_at`` emptied), once."""
    if task.assignee_id != by.pk or not by.is_staff_member:
        raise PermissionDenied
    if until <= timezone.now():
        raise ValidationError(
            {"until": _("Choose a time in the future to be reminded again.")}, code="past"
        )
    changed = Task.objects.filter(pk=task.pk, state=Task.State.OPEN).update(
        remind_at=until, reminded_at=None
    )
    if not changed:
        raise ValidationError(
            {"until": _("The task is already done or cancelled: there is nothing to remind.")},
            code="closed",
        )
    task.remind_at, task.reminded_at = until, None
    return task


@transaction.atomic
def task_reschedule(*, by: User, task: Task, due_at: datetime) -> Task:
    """Move the open ``task`` to ``due_at`` (in the future) and remind its assignee their own
    lead time before it (``User.reminder_lead``), once more.

    The assignee, the task's creator, the assignee's team supervisor, managers and
    administrators may (``PermissionDenied`` for others). ``ValidationError`` on ``due_at``
    for a past time or a closed task.
    """
    if not _may_reschedule(by, task):
        raise PermissionDenied
    if due_at <= timezone.now():
        raise ValidationError({"due_at": _("Choose a due time in the future.")}, code="past")
    remind_at = due_at - task.assignee.reminder_lead
    changed = Task.objects.filter(pk=task.pk, state=Task.State.OPEN).update(
        due_at=due_at, remind_at=remind_at, reminded_at=None
    )
    if not changed:
        raise ValidationError(
            {"due_at": _("The task is already done or cancelled.")}, code="closed"
        )
    task.due_at, task.remind_at, task.reminded_at = due_at, remind_at, None
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
        return datetime.combine(tomorrow, TOMORROW_AT, tzinfo=zone)
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
