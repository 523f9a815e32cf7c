"""Test clients signed in as a given user (shared by every app's view tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from django.test import Client

if TYPE_CHECKING:
    from kartoteka.people.models import User


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_schema() -> dict[str, Any]:
    """The OpenAPI schema as a staff member's program reads it (nobody else is served it)."""
    from rest_framework.test import APIClient

    from kartoteka.testing.people import persona

    api = APIClient()
    api.force_authenticate(persona("agent"))
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200, response.status_code
    return yaml.safe_load(response.content)
