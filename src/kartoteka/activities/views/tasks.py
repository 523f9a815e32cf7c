"""Pages of tasks: creating one alone, its page (with "Done: record its event"), cancelling it.
What the user may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.activities import selectors, services
from kartoteka.activities.forms import TaskForm
from kartoteka.activities.views.events import account_for_recording, back_or, query_pk
from kartoteka.core.access import staff_member_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_http_methods(["GET", "POST"])
def task_create(request: StaffRequest) -> HttpResponse:
    account = account_for_recording(request, query_pk(request, "account"))
    initial = {"thread": query_pk(request, "thread"), "case": query_pk(request, "case")}
    form = TaskForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        account=account,
        initial=initial,
    )
    if form.is_valid():
        try:
            url, created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: back_or(
                    request,
                    services.task_create(
                        by=request.user, account=account, **form.service_arguments()
                    ).get_absolute_url(),
                ),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            announce_creation(request, created, _("Task planned."))
            return redirect(url)
    context = {"nav": "accounts", "account": account, "form": form}
    return render(request, "activities/task_form.html", context, status=form.status)


@staff_member_required
@require_GET
def task_detail(request: StaffRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for_user(request.user, pk)
    context = {
        "nav": "accounts",
        "task": task,
        "case": selectors.case_for_user(request.user, task.case_id),
        "overdue": task.is_overdue(timezone.now()),
    }
    return render(request, "activities/task_detail.html", context)


@staff_member_required
@require_POST
def task_cancel(request: StaffRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for_user(request.user, pk)
    try:
        services.task_cancel(by=request.user, task=task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Task cancelled."))
    return redirect(task)


urlpatterns = [
    path("tasks/new/", task_create, name="task-create"),
    path("tasks/<int:pk>/", task_detail, name="task"),
    path("tasks/<int:pk>/cancel/", task_cancel, name="task-cancel"),
]
