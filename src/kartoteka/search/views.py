"""The search page: grouped results of the top bar's search box, and one kind's own page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kartoteka.core.access import staff_member_required
from kartoteka.core.search_index import source_of
from kartoteka.people.access import StaffRequest
from kartoteka.search.selectors import PER_KIND, PER_KIND_PAGE, global_search


@staff_member_required
@require_GET
def search_page(request: StaffRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    source = source_of(kind) if kind else None
    if source is None:
        kind = ""
    result = global_search(
        user=request.user,
        text=text,
        kind=kind,
        per_kind=PER_KIND_PAGE if kind else PER_KIND,
    )
    context = {"result": result, "kind": kind, "kind_label": source.label if source else ""}
    return render(request, "search/results.html", context)
