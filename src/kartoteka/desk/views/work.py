"""The "My work" start page: the signed-in user's tasks, cases and threads at a glance, and the
whole list of one section ("see all")."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from kartoteka.activities.work import Window
from kartoteka.core.access import staff_member_required
from kartoteka.core.pagination import CappedPaginator
from kartoteka.desk import work
from kartoteka.people.access import StaffRequest

PAGE_SIZE = 50


@staff_member_required
@require_GET
def my_work(request: StaffRequest) -> HttpResponse:
    window = Window.at(timezone.now())
    user = request.user
    context = {
        "nav": "my-work",
        "sections": work.my_work(user, window),
        "oversees": user.sees_everything or user.supervised_teams.exists(),
    }
    return render(request, "desk/my_work.html", context)


@staff_member_required
@require_GET
def my_work_section(request: StaffRequest, key: str) -> HttpResponse:
    """Every row of one section, 50 a page."""
    if key not in work.SECTIONS or (
        work.section_kind(key) == "cases" and not request.user.works_with_cases
    ):
        raise Http404
    rows = work.section_rows(request.user, key, Window.at(timezone.now()))
    context = {
        "nav": "my-work",
        "key": key,
        "kind": work.section_kind(key),
        "title": work.section_title(key),
        "overdue": key == "overdue",
        "page_obj": CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "desk/my_work_section.html", context)
