"""Settings: the segments customers are sorted into (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.core.access import administrator_required
from kartoteka.customers import services
from kartoteka.customers.forms import SegmentForm
from kartoteka.customers.models import Segment
from kartoteka.people.access import StaffRequest


@administrator_required
@require_GET
def segment_list(request: StaffRequest) -> HttpResponse:
    segments = Segment.objects.annotate(account_count=Count("accounts")).order_by("name")
    return render(request, "customers/segment_list.html", {"nav": "segments", "segments": segments})


@administrator_required
@require_http_methods(["GET", "POST"])
def segment_create(request: StaffRequest) -> HttpResponse:
    form = SegmentForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            segment = services.segment_create(by=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Segment %(name)s added.") % {"name": segment.name})
            return redirect("customers:segment-list")
    context = {"nav": "segments", "form": form}
    return render(request, "customers/segment_form.html", context, status=form.status)


@administrator_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: StaffRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    form = SegmentForm(request.POST if request.method == "POST" else None, segment=segment)
    if form.is_valid():
        try:
            services.segment_update(
                segment=segment, by=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Segment %(name)s saved.") % {"name": segment.name})
            return redirect("customers:segment-list")
    context = {"nav": "segments", "form": form, "segment": segment}
    return render(request, "customers/segment_form.html", context, status=form.status)


@administrator_required
@require_http_methods(["GET", "POST"])
def segment_delete(request: StaffRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment.objects.annotate(account_count=Count("accounts")), pk=pk)
    if request.method == "POST":
        services.segment_delete(segment=segment, by=request.user)
        messages.success(request, _("Segment %(name)s deleted.") % {"name": segment.name})
        return redirect("customers:segment-list")
    return render(
        request, "customers/segment_confirm_delete.html", {"nav": "segments", "segment": segment}
    )
