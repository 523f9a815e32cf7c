"""The API's index at /api/v1/ and its documentation page: for staff only, served from our own
static files, within the product's Content Security Policy."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kartoteka.testing.clients import api_schema, client_for

pytestmark = pytest.mark.django_db

DOCS = "/api/docs/"
INDEX = "/api/v1/"
SCHEMA = "/api/schema/"
PAGE = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


def test_the_urls_are_named() -> None:
    assert (reverse("api-docs"), reverse("api-v1:index")) == (DOCS, INDEX)


@pytest.mark.parametrize("url", [DOCS, INDEX])
def test_an_anonymous_browser_is_sent_to_sign_in(client, url) -> None:
    response = client.get(url, **PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_anonymous_program_gets_no_index(client) -> None:
    response = APIClient().get(INDEX)
    assert response.status_code in (401, 403)
    assert "endpoints" not in response.json()


@pytest.mark.parametrize("url", [DOCS, INDEX])
def test_a_portal_user_finds_nothing(portal_user, url) -> None:
    assert client_for(portal_user).get(url, **PAGE).status_code == 404


def test_the_schema_is_not_served_to_an_anonymous_program(db) -> None:
    response = APIClient().get(SCHEMA)
    assert response.status_code in (401, 403)
    assert b"/api/v1/" not in response.content


def test_the_schema_is_not_served_to_a_portal_user(portal_user) -> None:
    response = client_for(portal_user).get(SCHEMA)
    assert response.status_code == 403
    assert b"/api/v1/" not in response.content


def test_a_staff_member_signed_in_reads_the_schema_the_docs_page_loads(agent) -> None:
    response = client_for(agent).get(SCHEMA, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/cases/" in response.json()["paths"]


def test_a_portal_users_program_gets_no_index(portal_user) -> None:
    api = APIClient()
    api.force_authenticate(portal_user)
    assert api.get(INDEX).status_code == 403


def test_the_docs_page_loads_swagger_ui_from_our_static_files_and_no_inline_script(
    agent,
) -> None:
    # when
    response = client_for(agent).get(DOCS)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in html
    )
    assert '<script src="/static/api/docs.js" defer></script>' in html
    assert 'data-schema-url="/api/schema/"' in html
    assert "<script>" not in html
    assert "style=" not in html
    assert " on" + "load=" not in html
    assert "cdn" not in html.lower()
    assert "https://" not in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy


def test_the_vendored_viewer_is_in_the_static_files() -> None:
    from django.contrib.staticfiles import finders

    for name in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "api/docs.js",
        "api/docs.css",
    ):
        assert finders.find(name), name


def test_the_index_page_lists_the_endpoints_with_links(agent) -> None:
    response = client_for(agent).get(INDEX, **PAGE)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/api/v1/cases/?format=json">/api/v1/cases/</a>' in html
    assert "/api/v1/cases/{number}/" in html
    assert 'href="/api/docs/"' in html


def test_the_index_as_json_lists_every_endpoint_under_v1_with_its_methods(agent) -> None:
    # given
    api = APIClient()
    api.force_authenticate(agent)
    # when
    response = api.get(INDEX)
    # then
    assert response.status_code == 200
    body = response.json()
    endpoints = {e["path"]: e for e in body["endpoints"]}
    assert endpoints["/api/v1/accounts/"]["methods"] == ["GET", "POST"]
    assert endpoints["/api/v1/accounts/"]["url"] == "http://testserver/api/v1/accounts/"
    assert endpoints["/api/v1/accounts/{id}/"]["url"] is None
    assert any(path.startswith("/api/v1/imports/") for path in endpoints)
    assert all(path.startswith("/api/v1/") for path in endpoints)
    assert body["docs"] == "http://testserver/api/docs/"


def test_the_index_answers_a_token(agent) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=agent)
    response = APIClient().get(INDEX, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_the_schema_covers_everything_mounted_under_v1_including_the_imports(db) -> None:
    from kartoteka.api.docs import api_endpoints

    paths = set(api_schema()["paths"])
    assert any(path.startswith("/api/v1/imports/") for path in paths)
    assert {endpoint.path for endpoint in api_endpoints()} <= paths
    assert "/api/v1/" not in paths  # the index is for people, not an operation
