"""iCalendar pages: the feed's page where a user makes, renews or revokes their secret address
("Subscribe in Outlook, Thunderbird or Google Calendar"); the address itself, which answers
without a session — the token is the key (see ``activities.feed``); and sending a meeting's
invitation to the customer's people (see ``activities.invitations``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.activities.feed import (
    feed_calendar,
    feed_enable,
    feed_renew,
    feed_revoke,
    feed_url,
    feed_user,
)
from kartoteka.activities.invitations import (
    event_invitation_send,
    invitation_attendees,
    invitation_mailbox,
)
from kartoteka.activities.models import CalendarFeed
from kartoteka.activities.selectors import event_get_for_user
from kartoteka.core.access import staff_member_required
from kartoteka.people.access import StaffRequest

ACTIONS = {"enable", "renew", "revoke"}


@staff_member_required
@require_http_methods(["GET", "POST"])
def feed_settings(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            messages.error(request, _("Choose to create, renew or revoke the address."))
        elif action == "enable":
            feed_enable(user=request.user)
            messages.success(request, _("Your calendar address is ready; copy it below."))
        elif action == "renew":
            feed_renew(user=request.user)
            messages.success(request, _("A new address is ready; the old one no longer works."))
        else:
            feed_revoke(user=request.user)
            messages.success(request, _("The address is revoked; it no longer works."))
        return redirect("activities:feed-settings")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context = {"nav": "calendar", "feed": feed, "url": feed_url(feed) if feed else ""}
    return render(request, "activities/calendar_feed.html", context)


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    user = feed_user(token)
    if user is None:
        raise Http404
    response = HttpResponse(
        feed_calendar(user, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="kartoteka.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_member_required
@require_http_methods(["GET", "POST"])
def event_invite(request: StaffRequest, pk: int) -> HttpResponse:
    event = event_get_for_user(request.user, pk)
    note = request.POST.get("note", "")[:5000]
    errors: list[str] = []
    if request.method == "POST":
        try:
            event_invitation_send(by=request.user, event=event, note=note)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect(event)
    context = {
        "nav": "calendar",
        "event": event,
        "attendees": invitation_attendees(event),
        "mailbox": invitation_mailbox(event),
        "note": note,
        "errors": errors,
    }
    return render(
        request, "activities/calendar_invitation.html", context, status=400 if errors else 200
    )


urlpatterns = [
    path("events/<int:pk>/invite/", event_invite, name="event-invite"),
    path("calendar/subscribe/", feed_settings, name="feed-settings"),
    path("feed/<str:token>.ics", feed, name="feed"),
]
