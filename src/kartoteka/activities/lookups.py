"""The administrators' lists of activities: event types, products and resources.

The ``*_save`` functions and ``lookup_remove`` are the only code that writes them; each is for
administrators only and raises ``ValidationError`` keyed by the form field it concerns. A row
that events or tasks use is never deleted — their history keeps it — but deactivated: it
leaves the menus of new events and stays on the old ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kartoteka.activities.models import EVENT_LONGEST, EventType, Product, Resource, Task
from kartoteka.core.names import names_clean
from kartoteka.people.models import User

Lookup = EventType | Product | Resource


def _check_administrator(by: User) -> None:
    if not by.is_administrator:
        raise PermissionDenied


@transaction.atomic
def event_type_save(
    *,
    by: User,
    event_type: EventType,
    name: str,
    kind: str,
    icon: str,
    default_duration: timedelta,
    plans_next_task: bool,
    next_task_type: EventType | None,
    next_task_delay: timedelta,
    position: int,
    active: bool,
    names: Mapping[str, str] | None = None,
) -> EventType:
    """Create or change an event type, with its name per language (``names``, by code)."""
    _check_administrator(by)
    event_type.name = " ".join(name.split())
    event_type.names = names_clean(names)
    event_type.kind = kind
    event_type.icon = icon.strip()
    event_type.default_duration = default_duration
    event_type.plans_next_task = plans_next_task
    event_type.next_task_type = next_task_type
    event_type.next_task_delay = next_task_delay
    event_type.position = position
    event_type.active = active
    if default_duration <= timedelta(0):
        raise ValidationError(
            {"default_duration": _("An event lasts at least a minute.")}, code="duration"
        )
    if default_duration > EVENT_LONGEST:
        raise ValidationError(
            {"default_duration": _("An event lasts at most 31 days.")}, code="duration"
        )
    if next_task_delay < timedelta(0):
        raise ValidationError(
            {"next_task_delay": _("The next task comes after the event, not before.")},
            code="delay",
        )
    event_type.full_clean()
    event_type.save()
    return event_type


@transaction.atomic
def product_save(
    *,
    by: User,
    product: Product,
    name: str,
    code: str,
    unit_price: Decimal,
    currency: str,
    active: bool,
) -> Product:
    """Create or change a product; a code is unique whatever its letters' case."""
    _check_administrator(by)
    product.name = " ".join(name.split())
    product.code = code.strip()
    product.unit_price = unit_price
    product.currency = currency
    product.active = active
    if unit_price < 0:
        raise ValidationError({"unit_price": _("The price cannot be negative.")}, code="negative")
    taken = Product.objects.filter(code__iexact=product.code).exclude(pk=product.pk)
    if taken.exists():
        raise ValidationError(
            {"code": _("Another product already has the code %(code)s.") % {"code": product.code}},
            code="unique",
        )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def resource_save(*, by: User, resource: Resource, name: str, kind: str, active: bool) -> Resource:
    """Create or change a bookable resource. Deactivating one leaves its bookings as they
    are; it can no longer be booked."""
    _check_administrator(by)
    resource.name = " ".join(name.split())
    resource.kind = kind
    resource.active = active
    resource.full_clean()
    resource.save()
    return resource


def lookup_in_use(row: Lookup) -> bool:
    """Whether events or tasks name ``row`` (a query or two)."""
    if isinstance(row, EventType):
        return row.events.exists() or Task.objects.filter(event_type=row).exists()
    return row.events.exists()


@transaction.atomic
def lookup_remove(*, by: User, row: Lookup) -> bool:
    """Delete ``row`` if nothing uses it (True), else deactivate it (False). Event types that
    planned it as their usual next task forget it."""
    _check_administrator(by)
    type(row).objects.select_for_update().filter(pk=row.pk).first()
    if lookup_in_use(row):
        type(row).objects.filter(pk=row.pk).update(active=False)
        row.active = False
        return False
    row.delete()
    return True
