"""The event types a new installation starts with (English names, shown translated), each with
the follow-up it usually plans."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_noop

# name, kind, icon, default duration, plans a next task, usual next task, its delay
EVENT_TYPES = [
    (gettext_noop("Phone call"), "call", "📞", timedelta(minutes=15), True, None, 2),
    (gettext_noop("Meeting"), "meeting", "🤝", timedelta(hours=1), True, None, 7),
    (gettext_noop("Text message"), "sms", "💬", timedelta(minutes=5), False, None, 2),
    (gettext_noop("Offer sent"), "other", "📝", timedelta(minutes=30), True, "Phone call", 2),
    (gettext_noop("Contract signed"), "other", "📜", timedelta(minutes=30), False, None, 30),
    (gettext_noop("Other"), "other", "📌", timedelta(minutes=15), False, None, 2),
]


def create_default_event_types(apps: Any) -> None:
    """Add the default types that are missing (a migration and the tests' database reset)."""
    event_type = apps.get_model("activities", "EventType")
    for position, (name, kind, icon, duration, plans, _next, days) in enumerate(EVENT_TYPES):
        event_type.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "icon": icon,
                "default_duration": duration,
                "plans_next_task": plans,
                "next_task_delay": timedelta(days=days),
                "position": position,
            },
        )
    for name, *_rest, next_name, _days in EVENT_TYPES:
        if next_name:
            event_type.objects.filter(name=name, next_task_type__isnull=True).update(
                next_task_type=event_type.objects.filter(name=next_name).first()
            )
