"""The knowledge base's API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kartoteka.kb.models import Article
from kartoteka.testing.kb import make_article, make_category

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_list_and_filter_articles(agent):
    make_article("Duplikat faktury")
    make_article("Szkic", status="draft")
    response = _api(agent).get("/api/v1/kb/articles/", {"status": "draft"})
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["Szkic"]
    found = _api(agent).get("/api/v1/kb/articles/", {"q": "faktury"}).json()["results"]
    assert [row["title"] for row in found] == ["Duplikat faktury"]


def test_create_update_and_versions(admin):
    category = make_category("Faktury")
    client = _api(admin)
    created = client.post(
        "/api/v1/kb/articles/",
        {"title": "Korekta", "body": "v1", "tags": ["faktura"], "category": category.pk,
         "status": "published", "visibility": "public"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    assert (body["slug"], body["tags"], body["public_url"]) == (
        "korekta",
        ["faktura"],
        "/help/faktury/korekta/",
    )
    pk = body["id"]
    updated = client.patch(f"/api/v1/kb/articles/{pk}/", {"body": "v2"}, format="json")
    assert updated.json()["version"] == 2
    versions = client.get(f"/api/v1/kb/articles/{pk}/versions/").json()["results"]
    assert [row["number"] for row in versions] == [2, 1]


def test_agent_may_not_publish_or_delete(agent):
    client = _api(agent)
    refused = client.post(
        "/api/v1/kb/articles/", {"title": "X", "status": "published"}, format="json"
    )
    assert refused.status_code == 403
    article = make_article()
    assert client.delete(f"/api/v1/kb/articles/{article.pk}/").status_code == 403
    assert Article.objects.count() == 1


def test_portal_user_and_anonymous_are_refused(portal_user):
    article = make_article()
    assert _api(portal_user).get("/api/v1/kb/articles/").status_code == 403
    assert APIClient().get(f"/api/v1/kb/articles/{article.pk}/").status_code in (401, 403)


def test_unknown_article_is_404(agent):
    assert _api(agent).get("/api/v1/kb/articles/999999/").status_code == 404


def test_invalid_input_is_400(admin):
    client = _api(admin)
    assert client.post("/api/v1/kb/articles/", {"title": ""}, format="json").status_code == 400
    bad = client.post(
        "/api/v1/kb/articles/", {"title": "x", "visibility": "everyone"}, format="json"
    )
    assert bad.status_code == 400


def test_suggest(admin):
    article = make_article("Terminal płatniczy nie łączy się z hostem")
    response = _api(admin).post(
        "/api/v1/kb/articles/suggest/", {"text": "terminal brak połączenia z hostem"}
    )
    assert [row["id"] for row in response.json()] == [article.pk]


def test_categories_crud(admin, agent):
    created = _api(admin).post("/api/v1/kb/categories/", {"name": "Konto i logowanie"})
    assert created.status_code == 201
    assert created.json()["slug"] == "konto-i-logowanie"
    assert _api(agent).post("/api/v1/kb/categories/", {"name": "X"}).status_code == 403
    assert _api(agent).get("/api/v1/kb/categories/").json()["count"] == 1


def test_schema_covers_the_knowledge_base(admin):
    from django.test import Client

    client = Client()
    client.force_login(admin)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/kb/articles/" in schema
    assert "/api/v1/kb/categories/{id}/" in schema
    assert "/api/v1/kb/articles/suggest/" in schema
