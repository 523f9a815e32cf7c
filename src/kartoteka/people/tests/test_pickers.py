"""The user pickers: staff users (``people.pickers``) and users who work with cases
(``cases.pickers``), their endpoints and a case form's assignee field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.people.models import User
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

USERS = "people:pick-users"
WORKERS = "cases:pick-case-workers"


def labels(client, name: str, text: str) -> list[str]:
    response = client.get(reverse(name), {"q": text})
    assert response.status_code == 200
    return [row["label"] for row in response.json()["results"]]


@pytest.fixture
def staff(db):
    return [
        UserFactory(username="zofia", first_name="Zofia", last_name="Żółkiewska",
                    can_work_with_cases=True),
        UserFactory(username="zbyszek", first_name="Zbigniew", last_name="Żółtowski",
                    can_work_with_cases=False),
        UserFactory(username="zenon", first_name="Zenon", last_name="Żółw", is_active=False,
                    can_work_with_cases=True),
        UserFactory(username="zuzia", first_name="Zuzanna", last_name="Żółcik",
                    role=User.Role.PORTAL),
    ]  # fmt: skip


def test_users_are_found_by_name_without_accents_active_staff_only(agent, staff):
    client = client_for(agent)
    assert labels(client, USERS, "ZOLK") == ["Zofia Żółkiewska"]
    assert labels(client, USERS, "zol") == ["Zofia Żółkiewska", "Zbigniew Żółtowski"]
    assert labels(client, USERS, "zbyszek") == ["Zbigniew Żółtowski"]


def test_case_workers_endpoint_lists_only_those_who_work_with_cases(agent, staff):
    assert labels(client_for(agent), WORKERS, "żół") == ["Zofia Żółkiewska"]


@pytest.mark.parametrize("text", ["%", "_", "x" * 5_000, "q\x00x", "🙂", "' OR '1'='1"])
def test_hostile_queries_find_nobody(agent, staff, text):
    assert labels(client_for(agent), USERS, text) == []


def test_portal_users_get_no_user_list(portal_user):
    assert client_for(portal_user).get(reverse(USERS)).status_code == 404
    assert client_for(portal_user).get(reverse(WORKERS)).status_code == 404


def test_case_form_refuses_an_assignee_who_does_not_work_with_cases(agent, staff):
    from kartoteka.cases.forms import CaseForm

    form = CaseForm({"subject": "X", "assignee": str(staff[1].pk)}, user=agent)
    assert not form.is_valid()
    assert form.errors["assignee"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    html = str(form["assignee"])
    assert "Żółtowski" not in html
    assert f'data-picker-url="{reverse(WORKERS)}"' in html
