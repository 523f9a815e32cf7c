"""A group's members, chosen on its page in the case settings: whom assignment rules use."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.cases.models import CaseGroup
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db


def test_administrator_sets_a_groups_members(admin, agent, supervisor) -> None:
    group = CaseGroup.objects.get(name="Sales")
    response = client_for(admin).post(
        reverse("cases:lookup-edit", args=["groups", group.pk]),
        {"name": "Sales", "members": [agent.pk, supervisor.pk]},
    )
    assert response.status_code == 302
    assert set(group.members.all()) == {agent, supervisor}


def test_a_new_group_gets_its_members(admin, agent) -> None:
    response = client_for(admin).post(
        reverse("cases:lookup-create", args=["groups"]), {"name": "Helpdesk", "members": [agent.pk]}
    )
    assert response.status_code == 302
    assert list(CaseGroup.objects.get(name="Helpdesk").members.all()) == [agent]


def test_a_user_who_does_not_work_with_cases_cannot_be_a_member(admin, clerk, portal_user) -> None:
    group = CaseGroup.objects.get(name="Sales")
    for user in (clerk, portal_user):
        response = client_for(admin).post(
            reverse("cases:lookup-edit", args=["groups", group.pk]),
            {"name": "Sales", "members": [user.pk]},
        )
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "members": [f"Select a valid choice. {user.pk} is not one of the available choices."]
        }
    assert list(group.members.all()) == []


def test_other_lists_have_no_members_field(admin) -> None:
    response = client_for(admin).get(reverse("cases:lookup-create", args=["priorities"]))
    assert "members" not in response.context["form"].fields


def test_the_outsider_does_not_edit_groups(outsider) -> None:
    group = CaseGroup.objects.get(name="Sales")
    response = client_for(outsider).post(
        reverse("cases:lookup-edit", args=["groups", group.pk]),
        {"name": "Sales", "members": [outsider.pk]},
    )
    assert response.status_code in (403, 404)
    assert list(group.members.all()) == []
