"""Which notifications go out by email, and when: at once, or in an hourly or daily digest.

A notification is emailed once. Whoever sends it first claims it (``emailed_at``) in the
same transaction that queues the email, by locking the pending rows (``skip_locked``) and a
conditional ``UPDATE … WHERE emailed_at IS NULL``: two workers running the same digest, or a
digest and a late immediate task, never email one notification twice. A notification already
read when its email would go is claimed but not sent (nothing new to tell). When the loop
guard holds an email back, its notifications are released for a later try (for an email at
once: the next hourly digest, see ``digests_send``); without a default
mailbox nothing is claimed (logged). Users with emails "off" are never emailed and nothing of
theirs is claimed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kartoteka.cases.selectors import case_workers
from kartoteka.mail.models import Mailbox, Message
from kartoteka.notifications import emails
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User

logger = logging.getLogger(__name__)

# A digest lists at most this many notifications and says how many more there are.
DIGEST_MAX_ITEMS = 50
# An email at once still unsent this long after its news was held back: the hourly digest
# takes it.
IMMEDIATE_GRACE = timedelta(minutes=10)

Compose = Callable[[User, list[Notification], int], Message | None]
# An email function of ``emails`` (keyword arguments: user, notifications, more, mailbox).
Send = Callable[..., Message | None]


def _recipient_works_with_cases() -> Q:
    return Q(recipient__in=case_workers())


def default_mailbox() -> Mailbox | None:
    return Mailbox.objects.default()


def notifications_claim(pks: Sequence[int]) -> list[int]:
    """Claim the not yet emailed notifications among ``pks`` for this caller; their ids.

    Call inside a transaction: the claim holds until it commits (and is undone if it rolls
    back). A row another transaction is claiming is skipped, and one it claimed is not
    pending any more, so each notification is claimed once.
    """
    pending = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(pk__in=list(pks), emailed_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not pending:
        return []
    now = timezone.now()
    claimed = Notification.objects.filter(pk__in=pending, emailed_at__isnull=True).update(
        emailed_at=now
    )
    if claimed == len(pending):
        return pending
    return list(
        Notification.objects.filter(pk__in=pending, emailed_at=now).values_list("pk", flat=True)
    )


def _by_recipient(rows: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Notification ids (``(recipient_id, pk)`` rows) by recipient."""
    by_user: dict[int, list[int]] = {}
    for user_id, pk in rows:
        by_user.setdefault(user_id, []).append(pk)
    return by_user


def _claim_and_send(user: User, pks: Sequence[int], compose: Compose, *, limit: int) -> bool:
    """Claim ``pks`` of ``user`` and email the unread ones (at most ``limit`` listed, the
    others counted); whether an email was queued."""
    with transaction.atomic():
        claimed = notifications_claim(pks)
        unread = Notification.objects.filter(pk__in=claimed, read_at__isnull=True)
        shown = list(unread.select_related("case", "actor").order_by("created_at", "pk")[:limit])
        if not shown:
            return False  # nothing, or only what was read meanwhile
        more = unread.count() - len(shown) if len(shown) == limit else 0
        message = compose(user, shown, more)
        if message is None:
            unread.update(emailed_at=None)  # held back: a later try may send them
            return False
    return True


def _send_each(by_user: dict[int, list[int]], compose: Compose, *, limit: int, what: str) -> int:
    sent = 0
    users = User.objects.filter(pk__in=by_user).order_by("pk")
    for user in users:
        try:
            sent += _claim_and_send(user, by_user[user.pk], compose, limit=limit)
        except Exception:
            logger.exception("the %s of user %s failed", what, user.pk)
    return sent


def notification_emails_send(notification_ids: Sequence[int]) -> int:
    """Email the given notifications to their recipients who want emails at once: one email
    per recipient; how many were queued. Idempotent (claimed notifications are skipped)."""
    mailbox = default_mailbox()
    rows = (
        Notification.objects.filter(
            _recipient_works_with_cases(),
            pk__in=list(notification_ids),
            emailed_at__isnull=True,
            recipient__notification_email=User.NotificationEmail.IMMEDIATE,
        )
        .order_by("pk")
        .values_list("recipient_id", "pk")
    )
    by_user = _by_recipient(rows)
    if not by_user:
        return 0
    if mailbox is None:
        logger.warning("notification emails not sent: there is no default mailbox")
        return 0

    def compose(user: User, notifications: list[Notification], _more: int) -> Message | None:
        return emails.notification_email_send(
            user=user, notifications=notifications, mailbox=mailbox
        )

    return _send_each(by_user, compose, limit=len(notification_ids), what="notification email")


def task_reminder_emails_send(notification_ids: Sequence[int]) -> int:
    """Email the given task reminders at once to their recipients, unless their notification
    emails are "off" (a digest would come too late for a reminder): one email per recipient;
    how many were queued. Idempotent (claimed notifications are skipped); a reminder read
    under the bell before its email goes is not emailed."""
    rows = (
        Notification.objects.filter(
            pk__in=list(notification_ids),
            kind=Notification.Kind.TASK_REMINDER,
            emailed_at__isnull=True,
            recipient__is_active=True,
        )
        .exclude(recipient__notification_email=User.NotificationEmail.OFF)
        .order_by("pk")
        .values_list("recipient_id", "pk")
    )
    return _send_from_default_mailbox(
        _by_recipient(rows),
        emails.task_reminder_email_send,
        limit=len(notification_ids),
        what="task reminder email",
    )


def digests_send(*, period: str) -> int:
    """Email each user whose notification emails are ``period`` (hourly or daily) one digest
    of their unread notifications not yet emailed; how many digests were queued.

    The hourly digest also takes what an email at once could not send (the loop guard's rate
    limit held it back): news older than ``IMMEDIATE_GRACE`` still unsent to a user who wants
    emails at once, so that nothing stays untold.
    """
    if period not in (User.NotificationEmail.HOURLY, User.NotificationEmail.DAILY):
        raise ValueError(f"not a digest period: {period!r}")
    wanted = Q(recipient__notification_email=period)
    if period == User.NotificationEmail.HOURLY:
        wanted |= Q(
            recipient__notification_email=User.NotificationEmail.IMMEDIATE,
            created_at__lte=timezone.now() - IMMEDIATE_GRACE,
        )
    rows = (
        Notification.objects.filter(
            wanted,
            _recipient_works_with_cases(),
            emailed_at__isnull=True,
        )
        .order_by("recipient_id", "pk")
        .values_list("recipient_id", "pk")
    )
    return _send_from_default_mailbox(
        _by_recipient(rows),
        functools.partial(emails.digest_email_send, period=period),
        limit=DIGEST_MAX_ITEMS,
        what=f"{period} digest",
    )


def _send_from_default_mailbox(
    by_user: dict[int, list[int]], send: Send, *, limit: int, what: str
) -> int:
    """``_send_each`` with the default mailbox (nothing is claimed without one: logged)."""
    if not by_user:
        return 0
    mailbox = default_mailbox()
    if mailbox is None:
        logger.warning("%s not sent: there is no default mailbox", what)
        return 0

    def compose(user: User, notifications: list[Notification], more: int) -> Message | None:
        return send(user=user, notifications=notifications, more=more, mailbox=mailbox)

    return _send_each(by_user, compose, limit=limit, what=what)
