"""The notification list, marking notifications read, and stopping notification emails.

Marking read works as a plain form (redirect back) and with htmx (the row, or the whole
list, comes back with the bell's new count swapped in out of band). The unsubscribe link of
the emails needs no sign-in: a signed token names the user; GET only asks, POST stops.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.access import staff_member_required
from kartoteka.core.lists import render_list
from kartoteka.core.pagination import CappedPaginator
from kartoteka.notifications import emails, selectors, services
from kartoteka.people import services as people_services
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import User

PAGE_SIZE = 50


def _back(request: StaffRequest) -> str:
    """Where to return after an action: the list page the form was on, never elsewhere."""
    wanted = request.POST.get("next", "")
    list_url = reverse("notifications:list")
    if wanted.startswith(list_url) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return list_url


@staff_member_required
@require_GET
def notification_list(request: StaffRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    found = selectors.notification_list(request.user, unread_only=unread_only)
    context = {
        "nav": "notifications",
        "unread_only": unread_only,
        "back": request.get_full_path(),
        "page_obj": CappedPaginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render_list(request, "notifications/notification_list.html", context)


@staff_member_required
@require_POST
def notification_read(request: StaffRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(
        selectors.notification_list(request.user), pk=pk
    )  # someone else's: 404, nothing changes
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    if request.htmx:
        notification.refresh_from_db(fields=["read_at"])
        context = {"notification": notification, "back": _back(request), "bell_oob": True}
        return render(request, "notifications/notification_list.html#row", context)
    messages.success(request, _("Marked as read."))
    return redirect(_back(request))


@staff_member_required
@require_POST
def notifications_read_all(request: StaffRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        _("Every notification is marked as read.") if count else _("There was nothing unread."),
    )
    return redirect(_back(request))


# Stopping the emails (the link at the end of each): no sign-in needed.


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    user = emails.unsubscribe_user(token)
    if user is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        people_services.user_notification_email_set(user=user, choice=User.NotificationEmail.OFF)
        return render(request, "notifications/unsubscribe.html", {"done": True, "person": user})
    return render(request, "notifications/unsubscribe.html", {"done": False, "person": user})
