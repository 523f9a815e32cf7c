"""The composer: reply, reply-all and forward from a case (being built)."""

from django.http import Http404, HttpRequest, HttpResponse


def compose(request: HttpRequest, number: int) -> HttpResponse:
    raise Http404


def draft_save(request: HttpRequest, number: int) -> HttpResponse:
    raise Http404
