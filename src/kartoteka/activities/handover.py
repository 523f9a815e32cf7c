"""Handing a leaving user's work to a successor: their customers, open tasks and open threads
move in one transaction, and from then on the successor sees what the predecessor recorded
(``event_visibility`` follows ``User.successor``). Past events keep their authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.activities.models import Handover, PendingReminder, Task, Thread
from kartoteka.activities.reminders import reminder_time
from kartoteka.customers.models import Account
from kartoteka.people.models import User

if TYPE_CHECKING:
    from datetime import datetime

# Far longer than any real chain of hand-overs; stops a walk through corrupt data.
CHAIN_LIMIT = 100
# Rows written by one statement of a hand-over.
BATCH = 1000
# The length of django-simple-history's ``history_change_reason``.
REASON_MAX = 100


def handover_may(by: User, predecessor: User) -> bool:
    """Whether ``by`` may hand ``predecessor``'s work over: administrators, and the supervisor
    of the predecessor's team."""
    if not by.is_authenticated or not by.is_staff_member:
        return False
    if by.is_administrator:
        return True
    return predecessor.team is not None and predecessor.team.supervisor_id == by.pk


@dataclass(frozen=True)
class HandoverPreview:
    """What a hand-over would move, as the confirmation page states it."""

    accounts: int
    tasks: int
    threads: int


def handover_preview(predecessor: User) -> HandoverPreview:
    return HandoverPreview(
        accounts=_accounts_of(predecessor).count(),
        tasks=_open_tasks_of(predecessor).count(),
        threads=_open_threads_of(predecessor).count(),
    )


@transaction.atomic
def handover_do(*, by: User, predecessor: User, successor: User) -> Handover:
    """Hand ``predecessor``'s work to ``successor`` in one transaction.

    - accounts they manage get the successor as account manager (each with a history entry by
      ``by``);
    - their open tasks go to the successor, reminded when the successor chooses (a task not
      yet due is reminded again, now to the successor);
    - their open threads get the successor as owner;
    - ``predecessor.successor`` becomes the successor, and so do the successors of those who
      had handed their work to the predecessor before: the successor sees what they all
      recorded;
    - a ``Handover`` row records the counts.

    Events, closed tasks and closed threads keep their people. Raises ``PermissionDenied``
    when ``by`` may not, ``ValidationError`` (on ``successor``) for a successor who cannot take
    over: the predecessor themselves, an inactive or portal user, or one whose own work already
    went (directly or through others) to the predecessor.
    """
    if not handover_may(by, predecessor):
        raise PermissionDenied
    # Locks the two users: two hand-overs at once cannot make a loop between them.
    locked = {
        user.pk: user
        for user in User.objects.select_for_update().filter(pk__in=[predecessor.pk, successor.pk])
    }
    predecessor, successor = locked[predecessor.pk], locked[successor.pk]
    _check_successor(predecessor, successor)
    now = timezone.now()
    accounts = _move_accounts(by=by, predecessor=predecessor, successor=successor, now=now)
    tasks = _move_tasks(predecessor=predecessor, successor=successor, now=now)
    threads = _open_threads_of(predecessor).update(owner=successor)
    User.objects.filter(successor=predecessor).update(successor=successor)
    predecessor.successor = successor
    predecessor.save(update_fields=["successor"])
    return Handover.objects.create(
        predecessor=predecessor,
        successor=successor,
        done_by=by,
        done_at=now,
        accounts_moved=accounts,
        tasks_moved=tasks,
        threads_moved=threads,
    )


def handover_history(user: User) -> QuerySet[Handover]:
    """The hand-overs ``user`` may see: every one for administrators, those of the members of
    the teams they supervise for a supervisor, none for others; newest first."""
    rows = Handover.objects.select_related("predecessor", "successor", "done_by")
    if not user.is_authenticated or not user.is_staff_member:
        return rows.none()
    if user.is_administrator:
        return rows
    return rows.filter(predecessor__team__supervisor=user)


def _check_successor(predecessor: User, successor: User) -> None:
    if successor.pk == predecessor.pk:
        raise ValidationError(
            {"successor": _("A user cannot hand their work over to themselves.")}, code="self"
        )
    if not successor.is_active:
        raise ValidationError(
            {"successor": _("%(name)s is deactivated and cannot take over.") % {"name": successor}},
            code="inactive",
        )
    if not successor.is_staff_member:
        raise ValidationError(
            {
                "successor": _("%(name)s is a portal user and cannot take over.")
                % {"name": successor}
            },
            code="portal",
        )
    step, seen = successor, 0
    while step.successor_id is not None and seen < CHAIN_LIMIT:
        if step.successor_id == predecessor.pk:
            raise ValidationError(
                {
                    "successor": _(
                        "%(successor)s's work already went to %(predecessor)s: handing it "
                        "back would make a loop."
                    )
                    % {"successor": successor, "predecessor": predecessor}
                },
                code="loop",
            )
        step = User.objects.get(pk=step.successor_id)
        seen += 1


def _accounts_of(user: User) -> QuerySet[Account]:
    return Account.objects.filter(manager=user)


def _open_tasks_of(user: User) -> QuerySet[Task]:
    return Task.objects.filter(assignee=user, state=Task.State.OPEN)


def _open_threads_of(user: User) -> QuerySet[Thread]:
    return Thread.objects.filter(owner=user, state=Thread.State.OPEN)


def _move_tasks(*, predecessor: User, successor: User, now: datetime) -> int:
    """The open tasks of ``predecessor`` assigned to ``successor``, their reminders at the
    successor's time; pending are those not yet due and those whose reminder was pending."""
    open_tasks = _open_tasks_of(predecessor)
    tasks = list(open_tasks.select_for_update().only("pk", "due_at"))
    pending = PendingReminder.objects.filter(task__in=open_tasks.values("pk"))
    was_pending = set(pending.values_list("task_id", flat=True))
    pending.delete()
    reminders = []
    for task in tasks:
        task.assignee = successor
        task.remind_at = reminder_time(successor, task.due_at)
        if task.due_at > now or task.pk in was_pending:
            reminders.append(PendingReminder(task=task, remind_at=task.remind_at))
    Task.objects.bulk_update(tasks, ["assignee", "remind_at"], batch_size=BATCH)
    PendingReminder.objects.bulk_create(reminders, batch_size=BATCH)
    return len(tasks)


def _move_accounts(*, by: User, predecessor: User, successor: User, now: datetime) -> int:
    """The accounts ``predecessor`` manages now managed by ``successor``, each with a history
    row naming the hand-over."""
    reason = _("Handed over from %(predecessor)s to %(successor)s.") % {
        "predecessor": predecessor,
        "successor": successor,
    }
    reason = reason[:REASON_MAX]
    accounts = list(_accounts_of(predecessor).select_for_update().order_by("pk"))
    for account in accounts:
        account.manager = successor
        account.updated_at = now
    Account.objects.bulk_update(accounts, ["manager", "updated_at"], batch_size=500)
    Account.history.bulk_history_create(  # type: ignore[attr-defined]
        accounts, update=True, default_user=by, default_change_reason=reason, default_date=now
    )
    return len(accounts)
