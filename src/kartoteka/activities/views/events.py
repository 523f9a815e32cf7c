"""Pages of events: recording one (from the customer file, a contact, a case or the task it
does) and the event's own page. What the user may not see is a 404; portal users have none."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.activities import selectors, services
from kartoteka.activities.forms import EventForm
from kartoteka.activities.models import EventType, Task
from kartoteka.core.access import staff_member_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.customers.models import Account
from kartoteka.people.access import StaffRequest


def query_pk(request: StaffRequest, name: str) -> int | None:
    """A primary key from the query string; a malformed one is a 404."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return int(value)


def account_for_recording(request: StaffRequest, pk: int | None) -> Account:
    """The customer named in the query string, if the user sees it (else 404)."""
    if pk is None:
        raise Http404
    return get_object_or_404(Account.objects.visible_to(request.user), pk=pk)


def back_or(request: StaffRequest, default: str) -> str:
    """Where the user came from (``?next=``, this site only), else ``default``."""
    target = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


def _preset(request: StaffRequest, task: Task | None) -> tuple[dict[str, object], EventType | None]:
    """The form's starting values from the query string: the task it does, a thread, a
    contact, a case, a kind of event (its first active type). Values the user may not choose
    are not offered by the form, so they start unselected."""
    initial: dict[str, object] = {}
    event_type = None
    if task is not None:
        event_type = task.event_type
        initial |= {"thread": task.thread_id, "case": task.case_id}
    elif (kind := request.GET.get("kind")) in EventType.Kind.values:
        event_type = EventType.objects.filter(active=True, kind=kind).first()
    if (thread := query_pk(request, "thread")) is not None:
        initial["thread"] = thread
    if (contact := query_pk(request, "contact")) is not None:
        initial["contacts"] = [contact]
    if (case := query_pk(request, "case")) is not None:
        initial["case"] = case
    return initial, event_type


@staff_member_required
@require_http_methods(["GET", "POST"])
def event_create(request: StaffRequest) -> HttpResponse:
    task_pk = query_pk(request, "task")
    task = selectors.task_get_for_user(request.user, task_pk) if task_pk is not None else None
    account_pk = query_pk(request, "account") or (task.account_id if task else None)
    account = account_for_recording(request, account_pk)
    if task is not None and (task.account_id != account.pk or not task.is_open):
        raise Http404
    initial, event_type = _preset(request, task)
    form = EventForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        account=account,
        event_type=event_type,
        initial=initial,
    )
    if form.is_valid():
        try:
            url, created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: back_or(
                    request,
                    services.event_record(
                        by=request.user,
                        account=account,
                        completes=task,
                        **form.service_arguments(),
                    ).thread.get_absolute_url(),
                ),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            announce_creation(request, created, _("Event recorded."))
            return redirect(url)
    context = {"nav": "accounts", "account": account, "task": task, "form": form}
    return render(request, "activities/event_form.html", context, status=form.status)


@staff_member_required
@require_GET
def event_detail(request: StaffRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for_user(request.user, pk)
    context = {
        "nav": "accounts",
        "event": event,
        "documents": selectors.event_documents_for_user(request.user, event),
        "case": selectors.case_for_user(request.user, event.case_id),
        "tasks": selectors.event_tasks_for_user(request.user, event),
        # a meeting still to come, with the customer's people: they can be invited
        "invitable": event.starts_at > timezone.now() and bool(event.contacts.all()),
    }
    return render(request, "activities/event_detail.html", context)


urlpatterns = [
    path("events/new/", event_create, name="event-create"),
    path("events/<int:pk>/", event_detail, name="event"),
]
