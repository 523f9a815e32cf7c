"""The outbox page: outgoing mail waiting, failed (with the server's answer), sent in the last
days and cancelled; retry and cancel. For administrators and managers; other staff get 403,
portal users 404, and a message the viewer may not see is 404 to them.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.core.access import View, staff_member_required
from kartoteka.core.pagination import CappedPaginator
from kartoteka.mail.forms.outbox import VIEW_CHOICES, OutboxFilterForm
from kartoteka.mail.models import Message
from kartoteka.mail.sending import outbox_actions, outbox_selectors
from kartoteka.people.access import StaffRequest

PAGE_SIZE = 50


def outbox_watcher_required(view: View) -> View:
    """Administrators and managers (``outbox_selectors.may_watch_outbox``); other staff 403."""

    @wraps(view)
    def wrapper(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not outbox_selectors.may_watch_outbox(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_member_required(wrapper)


@outbox_watcher_required
@require_GET
def outbox_list(request: StaffRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET)
    view, days = form.chosen()
    rows = outbox_selectors.outbox_messages(user=request.user, view=view, days=days)
    context = {
        "nav": "outbox",
        "form": form,
        "view": view,
        "days": days,
        "views": VIEW_CHOICES,
        "page_obj": CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "mail/outbox_list.html", context)


@outbox_watcher_required
@require_GET
def outbox_count(request: StaffRequest) -> HttpResponse:
    """The navigation's count of failed mail, loaded after the page (so that no page of an
    administrator or a manager pays a query for it): nothing when none failed."""
    failed = outbox_selectors.outbox_failed_count(request.user)
    return render(request, "mail/outbox_list.html#nav-count", {"failed": failed})


def _back(request: StaffRequest, message: Message) -> HttpResponseRedirect:
    """Back where the action was asked: the case page (``back=case``) or the outbox's view."""
    if request.POST.get("back") == "case" and message.case is not None:
        return redirect(message.case)
    view = request.POST.get("view", "")
    query = f"?{urlencode({'view': view})}" if view in outbox_selectors.VIEWS else ""
    return redirect(reverse("mail:outbox") + query)


@outbox_watcher_required
@require_POST
def outbox_retry(request: StaffRequest, pk: int) -> HttpResponse:
    message = outbox_selectors.outbox_message_get_for_user(request.user, pk)
    try:
        outbox_actions.outbox_retry(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message is queued to be sent again now."))
    return _back(request, message)


@outbox_watcher_required
@require_POST
def outbox_cancel(request: StaffRequest, pk: int) -> HttpResponse:
    message = outbox_selectors.outbox_message_get_for_user(request.user, pk)
    try:
        outbox_actions.outbox_cancel(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The message is cancelled: it will not be sent."))
    return _back(request, message)
