"""Merging a case into another (being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def case_merge(request: HttpRequest, number: int) -> HttpResponse:
    raise Http404
