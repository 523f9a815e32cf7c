"""The administrators' lists of activities — event types, products, resources: list, add,
edit, and remove (a row in use is deactivated instead)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.activities import lookups
from kartoteka.activities.forms_lists import EventTypeForm, ProductForm, ResourceForm
from kartoteka.activities.models import EventType, Product, Resource
from kartoteka.core.access import administrator_required
from kartoteka.people.access import StaffRequest


@dataclass(frozen=True)
class ListKind:
    """One of the lists: its model, form, save service, names and pages."""

    slug: str  # the URL names' stem: "event-type" → "activities:event-type-list"
    nav: str  # the menu entry marked current
    model: type[EventType | Product | Resource]
    form: type[EventTypeForm | ProductForm | ResourceForm]
    save: Callable[..., Any]
    title: Promise  # the list's heading
    item: Promise  # one row's name: "Event type"
    template: str  # the list's template


KINDS = {
    "event-type": ListKind(
        "event-type",
        "event-types",
        EventType,
        EventTypeForm,
        lambda row, **data: lookups.event_type_save(event_type=row, **data),
        gettext_lazy("Event types"),
        gettext_lazy("Event type"),
        "activities/lists/event_types.html",
    ),
    "product": ListKind(
        "product",
        "products",
        Product,
        ProductForm,
        lambda row, **data: lookups.product_save(product=row, **data),
        gettext_lazy("Products"),
        gettext_lazy("Product"),
        "activities/lists/products.html",
    ),
    "resource": ListKind(
        "resource",
        "resources",
        Resource,
        ResourceForm,
        lambda row, **data: lookups.resource_save(resource=row, **data),
        gettext_lazy("Resources"),
        gettext_lazy("Resource"),
        "activities/lists/resources.html",
    ),
}


@administrator_required
@require_GET
def lookup_list(request: StaffRequest, kind: ListKind) -> HttpResponse:
    rows: list[Any] = list(kind.model.objects.all())
    if kind.model is EventType:
        rows = list(EventType.objects.select_related("next_task_type"))
        for row in rows:  # labels the template shows as they are
            row.duration_shown = duration_label(row.default_duration)
            row.delay_shown = duration_label(row.next_task_delay)
    context = {"nav": kind.nav, "kind": kind, "rows": rows}
    return render(request, kind.template, context)


@administrator_required
@require_http_methods(["GET", "POST"])
def lookup_edit(request: StaffRequest, kind: ListKind, pk: int | None = None) -> HttpResponse:
    row: Any = get_object_or_404(kind.model, pk=pk) if pk else kind.model()
    form = kind.form(request.POST if request.method == "POST" else None, row=row)
    if form.is_valid():
        try:
            kind.save(row, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(item)s %(name)s saved.") % _names(kind, row))
            return redirect(f"activities:{kind.slug}-list")
    context = {"nav": kind.nav, "kind": kind, "form": form, "row": row}
    return render(request, "activities/lists/form.html", context, status=form.status)


@administrator_required
@require_POST
def lookup_remove(request: StaffRequest, kind: ListKind, pk: int) -> HttpResponse:
    row = cast(lookups.Lookup, get_object_or_404(kind.model, pk=pk))
    if lookups.lookup_remove(by=request.user, row=row):
        messages.success(request, _("%(item)s %(name)s deleted.") % _names(kind, row))
    else:
        messages.warning(
            request,
            _("%(item)s %(name)s is in use, so it was deactivated instead of deleted.")
            % _names(kind, row),
        )
    return redirect(f"activities:{kind.slug}-list")


def duration_label(span: timedelta) -> str:
    """ "15 min", "1 h 30 min", "2 days" as an administrator reads a duration."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(_("%(count)d h") % {"count": hours})
    if minutes or not parts:
        parts.append(_("%(count)d min") % {"count": minutes})
    return " ".join(parts)


def _names(kind: ListKind, row: EventType | Product | Resource) -> dict[str, str]:
    return {"item": str(kind.item), "name": row.name}


def _paths(prefix: str, kind: ListKind) -> list[URLPattern]:
    return [
        path(f"{prefix}/", lookup_list, {"kind": kind}, name=f"{kind.slug}-list"),
        path(f"{prefix}/new/", lookup_edit, {"kind": kind}, name=f"{kind.slug}-create"),
        path(f"{prefix}/<int:pk>/", lookup_edit, {"kind": kind}, name=f"{kind.slug}-edit"),
        path(
            f"{prefix}/<int:pk>/remove/", lookup_remove, {"kind": kind}, name=f"{kind.slug}-remove"
        ),
    ]


urlpatterns: list[URLPattern] = [
    *_paths("settings/event-types", KINDS["event-type"]),
    *_paths("settings/products", KINDS["product"]),
    *_paths("settings/resources", KINDS["resource"]),
]
