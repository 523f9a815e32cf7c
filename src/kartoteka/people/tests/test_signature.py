"""A user's own signature, written on their preferences page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db


def _post(**overrides: object) -> dict[str, object]:
    return {
        "first_name": "Anna",
        "last_name": "Kowalska",
        "email": "anna@firma.example",
        "language": "en",
        "time_zone": "Europe/Warsaw",
        **overrides,
    }


def test_an_agent_writes_her_signature_on_her_preferences(agent) -> None:
    client = client_for(agent)

    response = client.post(
        reverse("people:preferences"), _post(signature="Anna Kowalska\nDział obsługi")
    )

    agent.refresh_from_db()
    assert response.status_code == 302
    assert agent.signature == "Anna Kowalska\nDział obsługi"
    page = client.get(reverse("people:preferences")).content.decode()
    assert "Anna Kowalska\nDział obsługi</textarea>" in page


def test_a_signature_longer_than_allowed_is_refused(agent) -> None:
    response = client_for(agent).post(reverse("people:preferences"), _post(signature="x" * 2001))

    agent.refresh_from_db()
    assert list(response.context["form"].errors) == ["signature"]
    assert agent.signature == ""


def test_a_portal_user_has_no_signature_to_write(portal_user) -> None:
    response = client_for(portal_user).get(reverse("people:preferences"))

    assert "signature" not in response.context["form"].fields
