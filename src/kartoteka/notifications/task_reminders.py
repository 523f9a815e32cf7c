"""Task reminders told: under the bell and by email, once each.

The periodic job ``tasks.send_task_reminders`` (every minute, see ``server.schedule``) calls
``task_reminders_send``: it claims the due reminders (``activities.reminders.reminders_claim``)
and, in the same transaction, puts one notification "task reminder" under each assignee's
bell, in the assignee's language and time zone ("Phone call: ACME Sp. z o.o. — due 10:00").
A reminder claimed is told in that transaction or, if telling fails, not claimed either; a
reminder snoozed (pending again) is due, claimed and told again at its new time, and
its earlier unread notification is marked read then (it is superseded, not repeated).

Emails: a reminder is personal and timely, so it goes at once to every assignee whose
notification emails are not "off" — also to those who chose an hourly or daily digest, whose
digest would come after the due time. Only "off" stops it (the bell still tells). The emails
are sent by ``tasks.send_task_reminder_emails``, enqueued after commit; each notification is
claimed before it is emailed (``delivery.notifications_claim``), so it is emailed once.

Built for many reminders at once: a run of 10,000 takes the claim's two statements, one
``UPDATE`` of superseded notifications, a bulk insert, and no query per reminder; the emails
go in tasks of ``EMAIL_BATCH`` notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.activities.reminders import (
    CLAIM_LIMIT,
    ClaimedReminder,
    moment_text,
    reminders_claim,
)
from kartoteka.core.names import local_name
from kartoteka.notifications.emails import recipient_locale
from kartoteka.notifications.models import TEXT_MAX_LENGTH, Notification
from kartoteka.people.models import User

# Notifications emailed by one task (a run with more enqueues several).
EMAIL_BATCH = 500


def task_reminders_send(*, now: datetime | None = None, limit: int = CLAIM_LIMIT) -> int:
    """Claim and tell every reminder due at ``now``; how many notifications were made.

    Claims ``limit`` at a time, each batch in its own transaction, until none is left."""
    now = now or timezone.now()
    told = 0
    while True:
        with transaction.atomic():
            claimed = reminders_claim(now, limit)
            told += len(task_reminders_tell(claimed, now=now))
        if len(claimed) < limit:
            return told


def task_reminders_tell(claimed: Sequence[ClaimedReminder], *, now: datetime) -> list[Notification]:
    """One notification "task reminder" for the assignee of each claimed task (active staff
    only; the claim stands for the others too, so that they do not pile up), and after commit
    the emails of those who want them. Earlier unread reminders of these tasks are marked
    read. Call it in the transaction of the claim."""
    told = [reminder for reminder in claimed if reminder.assignee.is_staff_member]
    if not told:
        return []
    Notification.objects.filter(
        kind=Notification.Kind.TASK_REMINDER,
        task_id__in=[reminder.task_id for reminder in told],
        read_at__isnull=True,
    ).update(read_at=now)
    groups: dict[tuple[str, str], list[ClaimedReminder]] = {}
    for reminder in told:
        key = (reminder.assignee.language, reminder.assignee.time_zone)
        groups.setdefault(key, []).append(reminder)
    rows: list[Notification] = []
    for group in groups.values():
        with recipient_locale(group[0].assignee):
            rows += [
                Notification(
                    recipient=reminder.assignee,
                    task_id=reminder.task_id,
                    kind=Notification.Kind.TASK_REMINDER,
                    text=reminder_text(reminder, now=now),
                )
                for reminder in group
            ]
    created = Notification.objects.bulk_create(rows)
    to_email = [
        row.pk
        for row in created
        if row.recipient.notification_email != User.NotificationEmail.OFF and row.recipient.email
    ]
    if to_email:
        transaction.on_commit(lambda: _enqueue_emails(to_email))
    return created


def reminder_text(reminder: ClaimedReminder, *, now: datetime) -> str:
    """What the bell says of a task, in the active language and time zone: "Phone call: ACME
    Sp. z o.o. — due 10:00" (the date too when it is not due on the day of ``now``)."""
    text = _("%(what)s: %(account)s — due %(due)s") % {
        "what": local_name(reminder.event_type_name, reminder.event_type_names),
        "account": reminder.account_name,
        "due": moment_text(reminder.due_at, now=now),
    }
    return text[:TEXT_MAX_LENGTH]


def _enqueue_emails(notification_ids: list[int]) -> None:
    from kartoteka.notifications.tasks import send_task_reminder_emails

    for start in range(0, len(notification_ids), EMAIL_BATCH):
        send_task_reminder_emails.enqueue(notification_ids[start : start + EMAIL_BATCH])
