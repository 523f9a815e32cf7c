"""The case list: filtering and sorting, the CSV export and deleting many cases at once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.cases import export, selectors, services
from kartoteka.cases.filters import CaseFilter
from kartoteka.cases.forms import BulkDeleteForm
from kartoteka.cases.models import Case
from kartoteka.core.access import case_worker_required
from kartoteka.core.csv_export import CsvExportForm, csv_response
from kartoteka.core.lists import is_filtered, render_list
from kartoteka.core.pagination import CappedPaginator
from kartoteka.people.access import StaffRequest

PAGE_SIZE = 50
# Parameters of the bulk deletion form that are not filters of the list.
NOT_FILTERS = frozenset(
    {"csrfmiddlewaretoken", "scope", "selected", "count", "confirmed", "page", "separator"}
)


def filter_errors(filterset: CaseFilter) -> list[str]:
    form = filterset.form
    return [
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    ]


@case_worker_required
@require_GET
def case_list(request: StaffRequest) -> HttpResponse:
    filterset = selectors.case_filterset(user=request.user, filters=request.GET)
    cases = filterset.qs if filterset.is_valid() else Case.objects.none()
    cases = cases.annotate(reply_failed=selectors.case_reply_failed())
    context = {
        "nav": "cases",
        "filter": filterset,
        "page_obj": CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "filtered": is_filtered(request, filterset.filters),
        "can_delete": selectors.case_can_delete(request.user),
        "export_form": CsvExportForm(language=get_language()),
        "export_params": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in NOT_FILTERS
            for value in values
        ],
    }
    return render_list(request, "cases/case_list.html", context)


@case_worker_required
@require_GET
def case_export(request: StaffRequest) -> HttpResponseBase:
    filterset = selectors.case_filterset(user=request.user, filters=request.GET)
    if not filterset.is_valid():
        text = "\n".join([_("The filter is not valid:"), *filter_errors(filterset)])
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")
    lines = export.export_csv(
        filterset.qs,
        header=export.export_header(),
        zone=timezone.get_current_timezone(),
        csv_format=CsvExportForm(request.GET, language=get_language()).csv_format(),
    )
    return csv_response(lines, filename=f"cases-{timezone.localdate():%Y-%m-%d}.csv")


@case_worker_required
@require_http_methods(["GET", "POST"])
def case_bulk_delete(request: StaffRequest) -> HttpResponse:
    """Ask how many cases go, then delete exactly those (``count`` guards against changes).

    GET (or a POST from the list) shows the confirmation; the confirmation posts back with
    ``confirmed`` and the count the user saw.
    """
    if not selectors.case_can_delete(request.user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = BulkDeleteForm(data)
    if not form.is_valid():
        problems = form.non_field_errors() or [_("Nothing to delete.")]
        messages.error(request, " ".join(str(problem) for problem in problems))
        return redirect("cases:case-list")
    filter_params = [(k, v) for k, values in data.lists() if k not in NOT_FILTERS for v in values]
    context: dict[str, Any] = {"nav": "cases", "form": form, "filter_params": filter_params}
    if form.cleaned_data["scope"] == BulkDeleteForm.SELECTED:
        cases = selectors.case_list(user=request.user).filter(
            number__in=form.cleaned_data["selected"]
        )
    else:
        filterset = selectors.case_filterset(user=request.user, filters=data)
        if not filterset.is_valid():
            context["errors"] = filter_errors(filterset)
            return render(request, "cases/case_bulk_delete.html", context, status=400)
        cases = filterset.qs
        context["summary"] = filterset.summary()
    if request.method == "POST" and form.cleaned_data["confirmed"]:
        try:
            deleted = services.cases_delete(
                cases=cases, by=request.user, expected_count=form.cleaned_data["count"]
            )
        except services.CountChangedError as changed:
            context["changed_from"] = changed.expected
        else:
            messages.success(
                request,
                ngettext("%(count)d case deleted.", "%(count)d cases deleted.", deleted)
                % {"count": deleted},
            )
            return redirect(reverse("cases:case-list"))
    context["count"] = cases.count()
    context["preview"] = list(cases[:10]) if context["count"] else []
    return render(request, "cases/case_bulk_delete.html", context)
