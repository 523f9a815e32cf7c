"""Background work of notifications: their emails at once, and the digests.

``send_notification_emails`` is enqueued after commit by ``services.notify``; the digests
are enqueued by the worker's scheduler (``server.schedule.SCHEDULE``). Each is idempotent: a
notification is claimed before it is emailed, so it is emailed once however often they run.
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.notifications.delivery import digests_send, notification_emails_send
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
