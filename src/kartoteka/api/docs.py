"""What a person reads about the API: the index of ``/api/v1/`` and the documentation page.

``/api/v1/`` lists every endpoint under it (as the schema generator finds them in the root
URLconf, so the endpoints other apps mount there count too), with its methods and a link where
the path has no parameter: as JSON for a program (token or session), as a page for a browser.
``/api/docs/`` shows the OpenAPI schema (``/api/schema/``) in Swagger UI, vendored by
drf-spectacular-sidecar and served from our static files; its start is a static script, so the
page keeps the product's Content Security Policy. Both are for staff: anonymous visitors are
sent to sign in (a program gets 401/403), portal users find nothing (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from drf_spectacular.generators import EndpointEnumerator
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.core.access import staff_member_required

PREFIX = "/api/v1/"


@dataclass
class Endpoint:
    path: str
    methods: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def url(self) -> str | None:
        """The path to follow, when it names no parameter."""
        return None if "{" in self.path else self.path


def api_endpoints() -> list[Endpoint]:
    """Every endpoint under ``/api/v1/``, by path, each with its methods."""
    found: dict[str, Endpoint] = {}
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        if not path.startswith(PREFIX):
            continue
        path = path.replace("{pk}", "{id}")  # as the schema names it (SCHEMA_COERCE_PATH_PK)
        endpoint = found.setdefault(path, Endpoint(path))
        endpoint.methods.append(method)
        if not endpoint.summary:
            doc = (getattr(callback, "cls", None) or callback).__doc__ or ""
            endpoint.summary = doc.strip().split("\n\n")[0].replace("\n", " ")
    return [found[path] for path in sorted(found)]


def _wants_page(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "") and request.GET.get("format") != "json"


class ApiIndexApi(APIView):
    """The endpoints of the API, version 1."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "schema": request.build_absolute_uri("/api/schema/"),
                "docs": request.build_absolute_uri("/api/docs/"),
                "endpoints": [
                    {
                        "path": endpoint.path,
                        "methods": endpoint.methods,
                        "summary": endpoint.summary,
                        "url": request.build_absolute_uri(endpoint.url) if endpoint.url else None,
                    }
                    for endpoint in api_endpoints()
                ],
            }
        )


@staff_member_required
def _index_page(request: HttpRequest) -> HttpResponse:
    return render(request, "api/index.html", {"endpoints": api_endpoints()})


def api_index(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """``/api/v1/``: the page for a browser, JSON for anyone else."""
    if _wants_page(request):
        return _index_page(request)
    return ApiIndexApi.as_view()(request)


@staff_member_required
def api_docs(request: HttpRequest) -> HttpResponse:
    """``/api/docs/``: the schema in Swagger UI."""
    return render(request, "api/docs.html")
