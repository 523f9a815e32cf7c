from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.people.models import User
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_administrators_find_the_document_types_among_the_settings(admin: User) -> None:
    response = client_for(admin).get(reverse("documents:type-list"))

    assert response.status_code == 200
    link = f'<a href="{reverse("documents:type-list")}" aria-current="page">Document types</a>'
    assert link in response.text


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_other_roles_are_not_shown_the_document_types_link(
    role: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(role)

    response = client_for(user).get(reverse("customers:account-list"))

    assert response.status_code == 200
    assert reverse("documents:type-list") not in response.text
