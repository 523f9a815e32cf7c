"""What every response of a signed-in user carries."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class PrivatePagesMiddleware:
    """Pages and files shown to a signed-in user are never stored by the browser or a proxy
    (``Cache-Control: no-store``): a shared computer's back button or disk cache must not show
    a customer's file to the next person. Static files are served before this (WhiteNoise)
    and keep their long caching; a view that sets its own ``Cache-Control`` keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
