"""The case settings pages: the prefix and message statuses, and the five lookup lists.

Open to the Administrator and to users granted ``can_configure_cases``. A list page takes its
row buttons (move up or down, make default) as posts to itself and answers htmx with the
table partial, a plain post with a redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from kartoteka.cases import lookups, services
from kartoteka.cases.forms_settings import (
    CaseNoticeSettingsForm,
    CaseSettingsForm,
    LookupActionForm,
    LookupDeleteForm,
    lookup_data,
    lookup_form_class,
)
from kartoteka.cases.models import Status
from kartoteka.cases.services import case_settings
from kartoteka.core.access import case_configurator_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.people.access import StaffRequest

LIST_TEMPLATE = "cases/lookup_list.html"


def _model(kind: str) -> lookups.LookupModel:
    try:
        return lookups.LOOKUP_KINDS[kind]
    except KeyError:
        raise Http404 from None


def _value(model: lookups.LookupModel, pk: int) -> lookups.AnyLookup:
    value = model.objects.filter(pk=pk).first()
    if value is None:
        raise Http404
    return value


def _context(kind: str = "", **extra: Any) -> dict[str, Any]:
    """What every settings page shows: the navigation and the tabs of the lists."""
    tabs = [(slug, model._meta.verbose_name_plural) for slug, model in lookups.LOOKUP_KINDS.items()]
    model = lookups.LOOKUP_KINDS.get(kind)
    return {
        "nav": "case-settings",
        "tabs": tabs,
        "kind": kind,
        "list_name": model._meta.verbose_name_plural if model else "",
        "is_status": model is Status,
        **extra,
    }


@case_configurator_required
@require_http_methods(["GET", "POST"])
def case_settings_edit(request: HttpRequest) -> HttpResponse:
    form = CaseSettingsForm(request.POST or None, instance=case_settings())
    if form.is_valid():
        try:
            lookups.case_settings_update(**form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Case settings saved."))
            return redirect("cases:case-settings")
    return render(request, "cases/settings_edit.html", _context(form=form))


@case_configurator_required
@require_http_methods(["GET", "POST"])
def case_notice_settings_edit(request: HttpRequest) -> HttpResponse:
    form = CaseNoticeSettingsForm(request.POST or None, instance=case_settings())
    if form.is_valid():
        try:
            services.case_notice_settings_update(**form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("cases:case-notice-settings")
    status = 400 if form.is_bound else 200
    context = _context(form=form, page="notifications")
    return render(request, "cases/settings_notices.html", context, status=status)


@case_configurator_required
@require_http_methods(["GET", "POST"])
def lookup_list(request: HttpRequest, kind: str) -> HttpResponse:
    model = _model(kind)
    if request.method == "GET":
        return render(request, LIST_TEMPLATE, _list_context(kind, model))
    form = LookupActionForm(request.POST, model=model)
    if not form.is_valid():
        status = _("That value is no longer in the list; here is the list as it is now.")
    elif form.cleaned_data["action"] == "default":
        value = lookups.lookup_set_default(value=form.cleaned_data["value"])
        status = _("%(name)s is now the default.") % {"name": value.local_name}
    else:
        value = form.cleaned_data["value"]
        lookups.lookup_move(value=value, direction=form.cleaned_data["action"])
        status = _("%(name)s moved.") % {"name": value.local_name}
    if not request.htmx:  # type: ignore[attr-defined]
        level = messages.SUCCESS if form.is_valid() else messages.INFO
        messages.add_message(request, level, status)
        return redirect("cases:lookup-list", kind=kind)
    response = render(request, f"{LIST_TEMPLATE}#table", _list_context(kind, model, status=status))
    patch_vary_headers(response, ["HX-Request"])
    return response


def _list_context(kind: str, model: lookups.LookupModel, *, status: str = "") -> dict[str, Any]:
    settings_row = case_settings() if model is Status else None
    return _context(
        kind,
        values=list(lookups.lookup_values(model)),
        incoming_status_id=settings_row.incoming_status_id if settings_row else None,
        reply_status_id=settings_row.reply_status_id if settings_row else None,
        status=status,
    )


@case_configurator_required
@require_http_methods(["GET", "POST"])
def lookup_create(request: StaffRequest, kind: str) -> HttpResponse:
    model = _model(kind)
    form = lookup_form_class(model, create=True)(request.POST or None)
    if form.is_valid():
        data = lookup_data(form)

        def create() -> str:
            lookups.lookup_create(model=model, **data)
            return reverse("cases:lookup-list", kwargs={"kind": kind})

        try:
            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=create
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            announce_creation(request, created, _("%(name)s added.") % {"name": data["name"]})
            return redirect(url)
    return render(request, "cases/lookup_form.html", _context(kind, form=form))


@case_configurator_required
@require_http_methods(["GET", "POST"])
def lookup_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _model(kind)
    value = _value(model, pk)
    title = value.local_name
    form = lookup_form_class(model)(request.POST or None, instance=value)
    if form.is_valid():
        try:
            saved = lookups.lookup_update(value=value, **lookup_data(form))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": saved.local_name})
            return redirect("cases:lookup-list", kind=kind)
    return render(
        request, "cases/lookup_form.html", _context(kind, form=form, title=title, value=value)
    )


@case_configurator_required
@require_http_methods(["GET", "POST"])
def lookup_delete(request: StaffRequest, kind: str, pk: int) -> HttpResponse:
    model = _model(kind)
    value = _value(model, pk)
    case_count = lookups.lookup_case_count(value)
    # A delete that asks nothing posts no fields: bind on the method, not on the data.
    data = request.POST if request.method == "POST" else None
    form = LookupDeleteForm(data, value=value, case_count=case_count)
    if form.is_valid():
        try:
            moved = lookups.lookup_delete(
                value=value,
                by=request.user,
                move_to=form.cleaned_data.get("move_to"),
                new_default=form.cleaned_data.get("new_default"),
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _deleted_message(value, moved, form))
            return redirect("cases:lookup-list", kind=kind)
    context = _context(
        kind,
        value=value,
        case_count=case_count,
        refusal=lookups.lookup_delete_refusal(value),
        form=form,
    )
    return render(request, "cases/lookup_confirm_delete.html", context)


def _deleted_message(value: lookups.AnyLookup, moved: int, form: LookupDeleteForm) -> str:
    if not moved:
        return _("%(name)s deleted.") % {"name": value.local_name}
    return ngettext(
        "%(name)s deleted; its %(count)d case now has %(target)s.",
        "%(name)s deleted; its %(count)d cases now have %(target)s.",
        moved,
    ) % {"name": value.local_name, "count": moved, "target": form.cleaned_data["move_to"]}
