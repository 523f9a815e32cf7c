"""Reads of notifications; every one starts from ``Notification.objects.visible_to(user)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kartoteka.notifications.models import Notification

if TYPE_CHECKING:
    from kartoteka.people.models import User


def notification_list(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with their case (or task) and actor (one query
    a page)."""
    found = Notification.objects.visible_to(user).select_related("case", "actor", "task")
    if unread_only:
        found = found.unread()
    return found.order_by("-created_at", "-pk")


def unread_count(user: User | None) -> int:
    """How many unread notifications the user has (one COUNT on an index; none for portal
    users, who get no notifications)."""
    if user is None or not getattr(user, "is_staff_member", False):
        return 0
    return Notification.objects.visible_to(user).unread().count()
