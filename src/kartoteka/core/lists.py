"""What every filtered list page shares: the htmx partial refresh and the "filtered?" test."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from kartoteka.core.access import HtmxRequest


def render_list(request: HtmxRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The whole list page, or only its ``results`` partial when htmx refreshes the table."""
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{template}#results" if partial else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def is_filtered(request: HtmxRequest, filters: Any) -> bool:
    """Whether the list is narrowed by a filter (not merely sorted or paged)."""
    return any(request.GET.get(name) for name in filters if name != "ordering")
