"""The thread page (its events in order, its open tasks, its state) and closing a thread with
a reason. What the user may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.activities import selectors, services
from kartoteka.activities.forms import ThreadCloseForm
from kartoteka.activities.models import Thread
from kartoteka.core.access import staff_member_required
from kartoteka.people.access import StaffRequest


def render_thread(
    request: StaffRequest, thread: Thread, form: ThreadCloseForm | None = None
) -> HttpResponse:
    form = form or ThreadCloseForm()
    now = timezone.now()
    open_tasks = [task for task in thread.visible_tasks if task.is_open]  # type: ignore[attr-defined]
    context = {
        "nav": "accounts",
        "thread": thread,
        "events": thread.visible_events,  # type: ignore[attr-defined]
        "open_tasks": open_tasks,
        "overdue": {task.pk for task in open_tasks if task.is_overdue(now)},
        "no_next_step": thread.is_open and not open_tasks,
        "close_form": form,
    }
    return render(request, "activities/thread_detail.html", context, status=form.status)


@staff_member_required
@require_GET
def thread_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return render_thread(request, selectors.thread_get_for_user(request.user, pk))


@staff_member_required
@require_POST
def thread_close(request: StaffRequest, pk: int) -> HttpResponse:
    thread = selectors.thread_get_for_user(request.user, pk)
    form = ThreadCloseForm(request.POST)
    if form.is_valid():
        try:
            services.thread_close(
                by=request.user, thread=thread, reason=form.cleaned_data["close_reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Thread “%(title)s” closed.") % {"title": thread.title})
            return redirect(thread)
    return render_thread(request, thread, form)


urlpatterns = [
    path("threads/<int:pk>/", thread_detail, name="thread"),
    path("threads/<int:pk>/close/", thread_close, name="thread-close"),
]
