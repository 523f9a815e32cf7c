"""Pages of one case: create, view, edit, delete, its printable history, notes and files.

The in-place edits, the conversation order and the print view are in ``views.page``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.cases import history, selectors, services
from kartoteka.cases.forms import (
    CaseForm,
)
from kartoteka.core.access import case_worker_required
from kartoteka.core.downloads import file_response
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.people.access import StaffRequest


@case_worker_required
@require_http_methods(["GET", "POST"])
def case_create(request: StaffRequest) -> HttpResponse:
    if request.method == "GET" and request.htmx and "account" in request.GET:
        # The customer was chosen: offer its contacts.
        form = CaseForm(user=request.user, account_id=request.GET.get("account"))
        return render(request, "cases/case_form.html#people", {"form": form})
    if request.method == "POST":
        form = CaseForm(request.POST, user=request.user)
    else:
        # "New case" on a customer's or a contact's page starts with them.
        form = CaseForm(
            user=request.user,
            account_id=request.GET.get("account"),
            contact_id=request.GET.get("contact"),
        )
    if form.is_valid():
        try:

            def create() -> str:
                with transaction.atomic():
                    case = services.case_create(by=request.user, **form.service_arguments())
                    form.extras_save(case=case, by=request.user)
                return case.get_absolute_url()

            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=create
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            message = _("Case “%(subject)s” added.") % {"subject": form.cleaned_data["subject"]}
            announce_creation(request, created, message)
            return redirect(url)
    context = {"nav": "cases", "form": form}
    return render(request, "cases/case_form.html", context, status=form.status_code)


@case_worker_required
@require_http_methods(["GET", "POST"])
def case_edit(request: StaffRequest, number: int) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, number, write=True)
    data = request.POST if request.method == "POST" else None
    form = CaseForm(data, user=request.user, case=case)
    if form.is_valid():
        try:
            with transaction.atomic():
                services.case_update(case=case, by=request.user, **form.service_arguments())
                form.extras_save(case=case, by=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Case #%(number)s saved.") % {"number": case.number})
            return redirect(case)
    context = {"nav": "cases", "form": form, "case": case}
    return render(request, "cases/case_form.html", context, status=form.status_code)


@case_worker_required
@require_http_methods(["GET", "POST"])
def case_delete(request: StaffRequest, number: int) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, number, write=True)
    if not selectors.case_can_delete(request.user):
        raise PermissionDenied
    if request.method == "POST":
        services.case_delete(case=case, by=request.user)
        messages.success(request, _("Case #%(number)s deleted.") % {"number": case.number})
        return redirect("cases:case-list")
    return render(request, "cases/case_confirm_delete.html", {"nav": "cases", "case": case})


@case_worker_required
@require_GET
def case_history(request: StaffRequest, number: int) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, number)
    context = {
        "nav": "cases",
        "case": case,
        "tag": case.tag(services.case_settings().prefix),
        "entries": history.case_history(case),
    }
    return render(request, "cases/case_history.html", context)


@case_worker_required
@require_GET
def case_attachment_download(request: StaffRequest, number: int, pk: int) -> FileResponse:
    attachment = selectors.case_attachment_get_for_user(request.user, number, pk)
    return file_response(
        attachment.file.open("rb"),
        filename=attachment.name,
        content_type=attachment.content_type,
    )
