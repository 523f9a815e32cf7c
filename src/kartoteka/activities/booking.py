"""No resource held twice at once: the check that names the clash.

On PostgreSQL the exclusion constraint ``event_resource_no_overlap`` (migration 0002) is the
guarantee; the check here runs first so the user reads which booking is in the way, and again
after the constraint refused a booking that raced past it. On SQLite the check is the guarantee:
it runs inside the booking's transaction, which SQLite opens with the write lock (``BEGIN
IMMEDIATE``, see settings), so two bookings cannot both pass it.

Times are half-open, [start, end): a meeting until 11:00 and another from 11:00 do not clash.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kartoteka.activities.models import EVENT_LONGEST, Event, Resource


def resource_clash(
    resource: Resource, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None
) -> Event | None:
    """The earliest event holding ``resource`` at some moment of [starts_at, ends_at)."""
    held = Event.objects.filter(
        resource=resource,
        starts_at__gt=starts_at - EVENT_LONGEST,  # for the index: no event lasts longer
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if exclude is not None:
        held = held.exclude(pk=exclude)
    return held.select_related("author").order_by("starts_at", "pk").first()


def resource_clash_error(resource: Resource, clash: Event) -> ValidationError:
    """What the user reads: the resource, the time it is taken and by whom — never the other
    event's customer or text, which the user may not be allowed to see."""
    start = timezone.localtime(clash.starts_at)
    end = timezone.localtime(clash.ends_at)
    return ValidationError(
        {
            "resource": _(
                "%(resource)s is already booked on %(day)s from %(start)s to %(end)s by "
                "%(author)s. Choose another time or resource."
            )
            % {
                "resource": resource.name,
                "day": formats.date_format(start, "SHORT_DATE_FORMAT"),
                "start": formats.time_format(start, "H:i"),
                "end": formats.time_format(end, "H:i"),
                "author": clash.author or _("someone"),
            }
        },
        code="resource_booked",
    )


def resource_check_free(
    resource: Resource, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None
) -> None:
    """Raise the clash as a ``ValidationError`` on ``resource`` if the time is taken."""
    if not resource.active:
        raise ValidationError(
            {"resource": _("%(resource)s is no longer in use.") % {"resource": resource.name}},
            code="resource_inactive",
        )
    clash = resource_clash(resource, starts_at, ends_at, exclude=exclude)
    if clash is not None:
        raise resource_clash_error(resource, clash)
