"""The unread count of the notification bell in the top bar."""

from __future__ import annotations

from typing import Any

from django import template

from kartoteka.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def notifications_unread(context: Any) -> int:
    """How many unread notifications this page's user has (one query, for case workers)."""
    return unread_count(context.get("user"))
