"""The administrator's canned response pages: list, create, edit, delete.

Saving a text with a ``{name}`` that is not a placeholder is allowed (it is sent as typed)
but warned about, so a typo such as ``{contact_nmae}`` is noticed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.core.access import administrator_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.mail.forms.compose import CannedResponseCreateForm, CannedResponseForm
from kartoteka.mail.models import CannedResponse
from kartoteka.mail.sending import canned
from kartoteka.people.access import StaffRequest

FORM_TEMPLATE = "mail/canned_form.html"


def _warn_unknown(request: HttpRequest, body: str) -> None:
    unknown = canned.placeholders_unknown(body)
    if unknown:
        messages.warning(
            request,
            _("Not placeholders, so sent as typed: %(names)s.")
            % {"names": ", ".join(f"{{{name}}}" for name in unknown)},
        )


def _data(form: CannedResponseForm) -> dict:
    return {name: form.cleaned_data[name] for name in ("name", "body", "active", "position")}


@administrator_required
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "canned",
        "responses": CannedResponse.objects.all(),
        "placeholders": canned.PLACEHOLDERS,
    }
    return render(request, "mail/canned_list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def canned_create(request: StaffRequest) -> HttpResponse:
    form = CannedResponseCreateForm(request.POST or None)
    if form.is_valid():
        data = _data(form)

        def create() -> str:
            canned.canned_response_create(**data)
            return reverse("mail:canned-list")

        try:
            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=create
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            announce_creation(request, created, _("%(name)s added.") % {"name": data["name"]})
            if created:
                _warn_unknown(request, data["body"])
            return redirect(url)
    context = {"nav": "canned", "form": form, "placeholders": canned.PLACEHOLDERS}
    return render(request, FORM_TEMPLATE, context)


@administrator_required
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    response = get_object_or_404(CannedResponse, pk=pk)
    title = response.name
    form = CannedResponseForm(request.POST or None, instance=response)
    if form.is_valid():
        try:
            saved = canned.canned_response_update(canned=response, **_data(form))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": saved.name})
            _warn_unknown(request, saved.body)
            return redirect("mail:canned-list")
    unknown = canned.placeholders_unknown(form["body"].value() or "")
    context = {
        "nav": "canned",
        "form": form,
        "response": response,
        "title": title,
        "unknown": unknown,
        "placeholders": canned.PLACEHOLDERS,
    }
    return render(request, FORM_TEMPLATE, context)


@administrator_required
@require_http_methods(["GET", "POST"])
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    response = get_object_or_404(CannedResponse, pk=pk)
    if request.method == "POST":
        canned.canned_response_delete(canned=response)
        messages.success(request, _("%(name)s deleted.") % {"name": response.name})
        return redirect("mail:canned-list")
    return render(
        request, "mail/canned_confirm_delete.html", {"nav": "canned", "response": response}
    )
