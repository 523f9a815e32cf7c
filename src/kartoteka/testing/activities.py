"""Activities for tests: the default event types by kind, resources, and a recorded call."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import factory
from django.utils import timezone

from kartoteka.activities.models import EventType, PendingReminder, Product, Resource, Task
from kartoteka.activities.services import NextTask, event_record

if TYPE_CHECKING:
    from kartoteka.activities.models import Event
    from kartoteka.customers.models import Account
    from kartoteka.people.models import User


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Sala {n + 1}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Abonament {n + 1}")
    code = factory.Sequence(lambda n: f"AB-{n + 1:03d}")


def event_type(name: str = "Phone call") -> EventType:
    """One of the default types (the migration's English names)."""
    return EventType.objects.get(name=name)


def pending_at(task: Task) -> datetime | None:
    """When ``task``'s reminder is still to be told (None: it is not pending)."""
    pending = PendingReminder.objects.filter(task=task).first()
    return pending.remind_at if pending is not None else None


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026 in the installation's time zone."""
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.get_current_timezone())


def call_recorded(
    by: User,
    account: Account,
    *,
    starts_at: datetime | None = None,
    next_in: timedelta | None = None,
    **fields: object,
) -> Event:
    """A phone call by ``by`` with ``account``, planning a call ``next_in`` later if given."""
    starts_at = starts_at or timezone.now()
    plan = (
        NextTask(event_type=event_type(), due_at=starts_at + next_in, assignee=by)
        if next_in is not None
        else None
    )
    return event_record(
        by=by,
        account=account,
        event_type=event_type(),
        starts_at=starts_at,
        next_task=plan,
        **fields,  # type: ignore[arg-type]
    )
