"""Background work of notifications: their emails at once, the digests, the task reminders.

``send_notification_emails`` is enqueued after commit by ``services.notify``, and
``send_task_reminder_emails`` by ``task_reminders``; the digests and ``send_task_reminders``
are enqueued by the worker's scheduler (``server.schedule.SCHEDULE``). Each is idempotent: a
notification is claimed before it is emailed, and a reminder before it is told, so each is
emailed or told once however often they run.
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.notifications.delivery import (
    digests_send,
    notification_emails_send,
    task_reminder_emails_send,
)
from kartoteka.notifications.task_reminders import task_reminders_send
from kartoteka.people.models import User


@task
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications to those of their recipients who want them at once."""
    return notification_emails_send(notification_ids)


@task
def send_hourly_digests() -> int:
    """Email the hourly digests; how many."""
    return digests_send(period=User.NotificationEmail.HOURLY)


@task
def send_daily_digests() -> int:
    """Email the daily digests; how many."""
    return digests_send(period=User.NotificationEmail.DAILY)


@task
def send_task_reminders() -> int:
    """Tell the assignees of the tasks whose reminder is due (bell and email); how many."""
    return task_reminders_send()


@task
def send_task_reminder_emails(notification_ids: list[int]) -> int:
    """Email these task reminders to their recipients (unless their emails are off)."""
    return task_reminder_emails_send(notification_ids)
