"""The administrator's pages of web forms (``/forms/manage/``): list, create, edit with the
snippet to paste, delete, the log of submissions, a preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.access import administrator_required
from kartoteka.core.validation import show_service_errors
from kartoteka.people.access import StaffRequest
from kartoteka.webforms import selectors, services, snippets
from kartoteka.webforms.forms import PublicForm, WebFormForm
from kartoteka.webforms.views.public import page

NAV = "webforms"


@administrator_required
@require_GET
def form_list(request: StaffRequest) -> HttpResponse:
    context = {"nav": NAV, "forms": selectors.webform_list(user=request.user)}
    return render(request, "webforms/form_list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def form_create(request: StaffRequest) -> HttpResponse:
    form = WebFormForm(request.POST or None)
    if form.is_valid():
        try:
            created = services.webform_create(data=form.config())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s added. Paste its snippet into your website.") % {"name": created.name},
            )
            return redirect(created.get_absolute_url())
    return render(request, "webforms/form_form.html", {"nav": NAV, "form": form})


@administrator_required
@require_http_methods(["GET", "POST"])
def form_edit(request: StaffRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get_for_user(request.user, pk)
    title = webform.name
    form = WebFormForm(request.POST or None, instance=webform)
    if form.is_valid():
        try:
            services.webform_update(form=webform, data=form.config())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": webform.name})
            return redirect(webform.get_absolute_url())
    context = {
        "nav": NAV,
        "form": form,
        "webform": webform,
        "title": title,
        "public_url": snippets.public_url(webform),
        "iframe_snippet": snippets.iframe_snippet(webform),
        "html_snippet": snippets.html_snippet(webform),
    }
    return render(request, "webforms/form_form.html", context)


@administrator_required
@require_POST
def form_secret_renew(request: StaffRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get_for_user(request.user, pk)
    services.webform_secret_renew(form=webform)
    messages.success(request, _("A new API secret was made; the old one no longer works."))
    return redirect(webform.get_absolute_url())


@administrator_required
@require_http_methods(["GET", "POST"])
def form_delete(request: StaffRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get_for_user(request.user, pk)
    if request.method == "POST":
        services.webform_delete(form=webform)
        messages.success(request, _("%(name)s deleted.") % {"name": webform.name})
        return redirect("webforms:form-list")
    return render(request, "webforms/form_confirm_delete.html", {"nav": NAV, "webform": webform})


@administrator_required
@require_GET
def form_submissions(request: StaffRequest, pk: int) -> HttpResponse:
    webform = selectors.webform_get_for_user(request.user, pk)
    context = {
        "nav": NAV,
        "webform": webform,
        "submissions": selectors.submission_log(webform),
        "shown": selectors.LOG_SHOWN,
    }
    return render(request, "webforms/submission_list.html", context)


@administrator_required
@require_GET
def form_preview(request: StaffRequest, pk: int) -> HttpResponse:
    """The public page as visitors see it, with sending turned off."""
    webform = selectors.webform_get_for_user(request.user, pk)
    return page(request, webform, PublicForm(webform), preview=True)
