"""The notification emails, one function per kind, each in the recipient's language and time
zone, and the signed link in each that stops them.

Both are automatic mail queued in the outbox from the default mailbox (``message_compose``
with ``automatic=True``: the loop guard may hold one back, and ``None`` is returned then).
Claiming which notifications go out is ``notifications.delivery``'s work.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kartoteka.mail.sending.outbound import message_compose
from kartoteka.people.models import User

if TYPE_CHECKING:
    from kartoteka.mail.models import Mailbox, Message
    from kartoteka.notifications.models import Notification

UNSUBSCRIBE_SALT = "kartoteka.notifications.unsubscribe"


def unsubscribe_token(user: User) -> str:
    """A signed token naming ``user`` for the link that stops their notification emails (it
    does not expire: an old email's link still works; one user always gets the same token)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def unsubscribe_user(token: str) -> User | None:
    """The active user a token from ``unsubscribe_token`` names; ``None`` for a tampered,
    malformed or stale token."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    pk = int(value)
    return User.objects.filter(pk=pk, is_active=True).first()


@contextmanager
def recipient_locale(user: User) -> Iterator[None]:
    """The user's language and time zone (the installation's where they chose none)."""
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(zone):
        yield


def _item(notification: Notification) -> dict[str, Any]:
    case = notification.case
    return {
        "kind": notification.get_kind_display(),
        "case": case,
        "text": notification.text,
        "actor": notification.actor,
        "when": date_format(timezone.localtime(notification.created_at), "SHORT_DATETIME_FORMAT"),
        "url": settings.SITE_URL + (case.get_absolute_url() if case is not None else ""),
        "task_url": settings.SITE_URL + notification.get_absolute_url()
        if notification.task_id is not None
        else "",
    }


def _footer(user: User) -> dict[str, str]:
    return {
        "list_url": settings.SITE_URL + reverse("notifications:list"),
        "preferences_url": settings.SITE_URL + reverse("people:preferences"),
        "unsubscribe_url": settings.SITE_URL
        + reverse("notifications:unsubscribe", args=[unsubscribe_token(user)]),
    }


def _send(
    *, user: User, mailbox: Mailbox, template: str, context: dict[str, Any]
) -> Message | None:
    """Queue the email outside any case: it is for one colleague, may quote an internal note,
    and must not become part of the case's conversation (one copy per follower)."""
    subject = render_to_string(f"notifications/emails/{template}-subject.txt", context)
    text = render_to_string(f"notifications/emails/{template}-body.txt", context)
    return message_compose(
        mailbox=mailbox,
        to=[user.email],
        subject=" ".join(subject.split()),
        text=text.strip() + "\n",
        automatic=True,
    )


def notification_email_send(
    *, user: User, notifications: Sequence[Notification], mailbox: Mailbox
) -> Message | None:
    """Queue the email of one batch of notifications (those of one happening) to ``user``.

    Returns the queued message, ``None`` when the user has no address or the loop guard held
    it back.
    """
    if not user.email or not notifications:
        return None
    with recipient_locale(user):
        context = {
            "user": user,
            "items": [_item(notification) for notification in notifications],
            "first": _item(notifications[0]),
            "count": len(notifications),
            **_footer(user),
        }
        return _send(user=user, mailbox=mailbox, template="notification", context=context)


def digest_email_send(
    *,
    user: User,
    notifications: Sequence[Notification],
    more: int,
    period: str,
    mailbox: Mailbox,
) -> Message | None:
    """Queue the hourly or daily digest (``period``: ``User.NotificationEmail``) listing
    ``notifications`` and saying that ``more`` others are left out of it (they are on the
    list page). Returns the queued message, ``None`` when the user has no address or the
    loop guard held it back."""
    if not user.email or not notifications:
        return None
    with recipient_locale(user):
        context = {
            "user": user,
            "items": [_item(notification) for notification in notifications],
            "count": len(notifications) + more,
            "more": more,
            "hourly": period == User.NotificationEmail.HOURLY,
            **_footer(user),
        }
        return _send(user=user, mailbox=mailbox, template="digest", context=context)


def task_reminder_email_send(
    *, user: User, notifications: Sequence[Notification], mailbox: Mailbox, more: int = 0
) -> Message | None:
    """Queue the reminder of one or more of ``user``'s tasks (those due for reminding in one
    run; ``more`` is unused: a reminder lists every task). Returns the queued message,
    ``None`` when the user has no address or the loop guard held it back."""
    if not user.email or not notifications:
        return None
    with recipient_locale(user):
        context = {
            "user": user,
            "items": [_item(notification) for notification in notifications],
            "first": _item(notifications[0]),
            "count": len(notifications),
            **_footer(user),
        }
        return _send(user=user, mailbox=mailbox, template="task-reminder", context=context)
