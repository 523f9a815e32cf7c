"""The only code that writes notifications.

``notify`` creates them (one per recipient who may be told) and, after commit, enqueues the
emails of those who want them at once; reading marks them read. Emails and digests are sent
by ``notifications.delivery``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kartoteka.cases.following import case_viewers_among
from kartoteka.notifications.models import TEXT_MAX_LENGTH, Notification
from kartoteka.people.models import User

if TYPE_CHECKING:
    from kartoteka.cases.models import Case


def _short(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= TEXT_MAX_LENGTH:
        return text
    return text[: TEXT_MAX_LENGTH - 1].rstrip() + "…"


def notify(
    *,
    users: Iterable[User],
    case: Case | None,
    kind: str,
    actor: User | None = None,
    text: str = "",
) -> list[Notification]:
    """Tell each of ``users`` (once each) that ``kind`` happened to ``case``.

    Skipped: the actor, inactive and portal users, users who do not work with cases and users
    who cannot see the case (``cases.following.case_viewers_among``: one query for all).
    ``text`` (what happened, in the recipients' language) is shortened to ``TEXT_MAX_LENGTH``.
    Recipients who want emails at once get one email for this batch, sent by a task enqueued
    after commit; the others are emailed in their digest (``delivery.digests_send``) or not
    at all. Returns the created rows.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind: {kind!r}")
    wanted = {user.pk for user in users if user is not None and user.pk is not None}
    if actor is not None:
        wanted.discard(actor.pk)
    if not wanted:
        return []
    fresh = list(User.objects.filter(pk__in=wanted).order_by("pk"))  # flags as stored now
    if case is not None:
        recipients = case_viewers_among(case, fresh)
    else:
        recipients = [user for user in fresh if user.works_with_cases]
    created = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            case=case,
            kind=kind,
            actor=actor if actor is not None and actor.pk is not None else None,
            text=_short(text),
        )
        for user in recipients
    )
    immediate = {
        user.pk
        for user in recipients
        if user.notification_email == User.NotificationEmail.IMMEDIATE
    }
    to_email = [row.pk for row in created if row.recipient_id in immediate]
    if to_email:
        from kartoteka.notifications.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(to_email))
    return created


def notification_mark_read(*, user: User, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; whether it was unread. Another user's
    (or an unknown) id changes nothing and returns False."""
    changed = (
        Notification.objects.visible_to(user)
        .filter(pk=notification_id, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
    return bool(changed)


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; how many."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


def notifications_mark_read_for_case(*, user: User, case: Case) -> int:
    """Mark the user's unread notifications about ``case`` read (they opened it); how many.

    Checked before written: opening a case without news, the usual case, writes nothing.
    """
    unread = Notification.objects.visible_to(user).unread().filter(case=case)
    if not unread.exists():
        return 0
    return unread.update(read_at=timezone.now())
