"""Free and busy resources: every active room, car or device with its bookings of one day, to
choose a free one before booking. Each links to its own calendar (``activities:calendar`` with
``?resource=``). Any staff member sees the busy times; what a booking is only where they may
see the event."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from kartoteka.activities.calendar import BadPeriod, day_parse, resources_free_busy
from kartoteka.core.access import staff_member_required
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_GET
def resource_availability(request: StaffRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        day, error = day_parse(request.GET.get("date"), today=today), ""
    except BadPeriod as bad:
        day, error = today, str(bad)
    context = {
        "nav": "calendar",
        "day": day,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        "rows": resources_free_busy(request.user, day, zone=timezone.get_current_timezone()),
        "date_error": error,
    }
    return render(
        request, "activities/resource_availability.html", context, status=400 if error else 200
    )


urlpatterns = [
    path("resources/availability/", resource_availability, name="resource-availability"),
]
