"""The triage inbox and moving messages between cases (being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def triage_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def triage_message(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def message_move(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def message_split(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
