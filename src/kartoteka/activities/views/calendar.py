"""The calendar page: a day, week or month of my events and tasks, of a team I may oversee
(``?team=``), or of a resource's bookings (``?resource=``), in the user's time zone.

``activities:calendar`` takes ``view=day|week|month``, ``date=YYYY-MM-DD``, and ``team`` or
``resource`` (empty: my own); a malformed date or view shows this week with a message (400),
an unknown or someone else's team is a 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kartoteka.activities.calendar import (
    DEFAULT_VIEW,
    BadPeriod,
    Calendar,
    Period,
    calendar_of_resource,
    calendar_of_team,
    calendar_of_user,
    period_for,
    period_parse,
    resource_for_calendar,
    team_for_calendar,
)
from kartoteka.activities.models import Resource
from kartoteka.core.access import staff_member_required
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import Team


def id_from(value: str) -> int:
    """A row id from the address, else 404 (nothing to name: the id may be anyone's)."""
    if not value.isdigit() or len(value) > 18:
        raise Http404
    return int(value)


def period_from(request: StaffRequest) -> tuple[Period, str]:
    """The period asked for, or this week and the message saying what was wrong."""
    today = timezone.localdate()
    try:
        return period_parse(request.GET.get("view"), request.GET.get("date"), today=today), ""
    except BadPeriod as bad:
        return period_for(DEFAULT_VIEW, today), str(bad)


def navigation(address: str, period: Period, keep: dict[str, str]) -> dict[str, Any]:
    """Links to the previous, next and today's period and to the other views, keeping
    ``keep`` (the team or resource) in the address."""

    def link(view: str, day: str | None) -> str:
        query = {**keep, "view": view, **({"date": day} if day else {})}
        return f"{address}?{urlencode(query)}"

    labels = {"day": _("Day"), "week": _("Week"), "month": _("Month")}
    return {
        "previous": link(period.view, period.previous.isoformat()),
        "next": link(period.view, period.next.isoformat()),
        "today": link(period.view, None),
        "views": [
            (label, link(view, period.anchor.isoformat()), view == period.view)
            for view, label in labels.items()
        ],
    }


def render_calendar(
    request: StaffRequest,
    calendar: Calendar,
    *,
    address: str,
    keep: dict[str, str],
    error: str,
    heading: str,
    **context: Any,
) -> HttpResponse:
    context |= {
        "nav": "calendar",
        "calendar": calendar,
        "heading": heading,
        "navigation": navigation(address, calendar.period, keep),
        "period_error": error,
        "zone": timezone.get_current_timezone_name(),
    }
    return render(request, "activities/calendar.html", context, status=400 if error else 200)


@staff_member_required
@require_GET
def calendar_page(request: StaffRequest) -> HttpResponse:
    user = request.user
    period, error = period_from(request)
    zone, now = timezone.get_current_timezone(), timezone.now()
    address = reverse("activities:calendar")
    if request.GET.get("resource"):
        resource = resource_for_calendar(user, id_from(request.GET["resource"]))
        calendar = calendar_of_resource(user, resource, period, zone=zone, now=now)
        keep, heading = (
            {"resource": str(resource.pk)},
            _("Bookings of %(name)s") % {"name": resource.name},
        )
    elif request.GET.get("team"):
        team = team_for_calendar(user, id_from(request.GET["team"]))
        calendar = calendar_of_team(user, team, period, zone=zone, now=now)
        keep, heading = {"team": str(team.pk)}, _("Calendar of %(team)s") % {"team": team.name}
    else:
        calendar = calendar_of_user(user, period, zone=zone, now=now)
        keep, heading = {}, _("My calendar")
    teams = Team.objects.all() if user.sees_everything else Team.objects.filter(supervisor=user)
    return render_calendar(
        request,
        calendar,
        address=address,
        keep=keep,
        error=error,
        heading=heading,
        teams=teams.order_by("name"),
        resources=Resource.objects.filter(active=True),
        chosen=keep,
    )


urlpatterns = [
    path("calendar/", calendar_page, name="calendar"),
]
