"""Snoozing a task's reminder and rescheduling a task (POST only, from the bell's list and the
task page). Both go back to the page the form was on (``next``, a path of this site) or to
the task; what went wrong is said in a message there."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kartoteka.activities import reminders
from kartoteka.activities.models import Task
from kartoteka.activities.selectors import task_get_for_user
from kartoteka.core.access import staff_member_required
from kartoteka.people.access import StaffRequest


class RescheduleForm(forms.Form):
    due_at = forms.DateTimeField(
        label=gettext_lazy("New due time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "required": gettext_lazy("Enter the new due time."),
            "invalid": gettext_lazy("Enter the new due time as a date and time."),
        },
    )


def _back(request: StaffRequest, task: Task) -> HttpResponse:
    wanted = request.POST.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return redirect(wanted)
    return redirect(task)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _say_errors(request: StaffRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@staff_member_required
@require_POST
def task_snooze(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_get_for_user(request.user, pk)
    try:
        until = reminders.snooze_until(request.POST.get("for", ""), user=request.user)
        reminders.task_snooze(by=request.user, task=task, until=until)
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(
            request, _("You will be reminded again on %(when)s.") % {"when": _when(until)}
        )
    return _back(request, task)


@staff_member_required
@require_POST
def task_reschedule(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_get_for_user(request.user, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("due_at", []):
            messages.error(request, str(message))
        return _back(request, task)
    try:
        reminders.task_reschedule(by=request.user, task=task, due_at=form.cleaned_data["due_at"])
    except ValidationError as error:
        _say_errors(request, error)
    else:
        messages.success(
            request, _("The task is now due on %(when)s.") % {"when": _when(task.due_at)}
        )
    return _back(request, task)


urlpatterns: list[URLPattern] = [
    path("tasks/<int:pk>/snooze/", task_snooze, name="task-snooze"),
    path("tasks/<int:pk>/reschedule/", task_reschedule, name="task-reschedule"),
]
