"""Writes of users and teams."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kartoteka.people import services
from kartoteka.people.models import Team, User
from kartoteka.testing.people import UserFactory

NEW_USER = {
    "username": "jnowak",
    "first_name": "Jan",
    "last_name": "Nowak",
    "email": "jnowak@firma.example",
    "role": User.Role.AGENT,
    "team": None,
    "language": "pl",
    "time_zone": "Europe/Warsaw",
}


def test_user_create_sets_a_usable_password(db: None) -> None:
    user = services.user_create(data=NEW_USER, password="zielona-herbata-42")
    assert (user.username, user.role, user.is_active) == ("jnowak", "agent", True)
    assert user.check_password("zielona-herbata-42") is True


def test_user_create_refuses_a_weak_password(db: None) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.user_create(data=NEW_USER, password="12345678")
    assert refusal.value.message_dict == {
        "password": ["This password is too common.", "This password is entirely numeric."]
    }
    assert User.objects.filter(username="jnowak").exists() is False


def test_user_create_refuses_unknown_fields(db: None) -> None:
    with pytest.raises(TypeError, match="unknown fields: is_superuser"):
        services.user_create(data={**NEW_USER, "is_superuser": True}, password="x")


def test_last_administrator_cannot_be_demoted(admin) -> None:
    # given the only administrator
    # when they make themselves a manager
    with pytest.raises(ValidationError) as refusal:
        services.user_update(user=admin, data={"role": User.Role.MANAGER})
    # then it is refused on the role
    assert list(refusal.value.message_dict) == ["role"]
    admin.refresh_from_db()
    assert admin.role == User.Role.ADMINISTRATOR


def test_an_administrator_can_be_demoted_while_another_remains(admin) -> None:
    UserFactory(username="admin2", role=User.Role.ADMINISTRATOR)
    user = services.user_update(user=admin, data={"role": User.Role.MANAGER})
    assert user.role == User.Role.MANAGER


def test_an_inactive_administrator_does_not_count_as_remaining(admin) -> None:
    UserFactory(username="admin2", role=User.Role.ADMINISTRATOR, is_active=False)
    with pytest.raises(ValidationError):
        services.user_set_active(user=admin, active=False)


def test_last_administrator_cannot_be_deactivated(admin) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.user_set_active(user=admin, active=False)
    assert list(refusal.value.message_dict) == ["is_active"]
    admin.refresh_from_db()
    assert admin.is_active is True


def test_deactivated_user_can_be_activated_again(agent) -> None:
    services.user_set_active(user=agent, active=False)
    user = services.user_set_active(user=agent, active=True)
    assert user.is_active is True


def test_user_set_password_runs_the_validators(agent) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.user_set_password(user=agent, password="agent")
    assert refusal.value.message_dict["password"][0] == (
        "The password is too similar to the username."
    )


def test_team_create_moves_members_from_their_team(agent, support_team, manager) -> None:
    # given an agent of Support
    # when a new team takes them as a member
    team = services.team_create(name="Escalations", supervisor=manager, members=[agent])
    # then they belong to the new team only
    agent.refresh_from_db()
    assert agent.team == team
    assert list(support_team.members.values_list("username", flat=True)) == ["supervisor"]


def test_team_update_sets_members_exactly(support_team, agent, supervisor, outsider) -> None:
    # given Support with the agent and the supervisor
    # when its members become the supervisor and the outsider
    services.team_update(
        team=support_team, name="Support", supervisor=supervisor, members=[supervisor, outsider]
    )
    # then the agent has left and the outsider moved in
    agent.refresh_from_db()
    assert agent.team is None
    assert sorted(support_team.members.values_list("username", flat=True)) == [
        "outsider",
        "supervisor",
    ]


def test_team_create_refuses_a_taken_name(support_team) -> None:
    with pytest.raises(ValidationError) as refusal:
        services.team_create(name="support", supervisor=None, members=[])
    assert refusal.value.message_dict == {"name": ["A team named support already exists."]}


def test_team_delete_leaves_members_without_a_team(support_team, agent) -> None:
    services.team_delete(team=support_team)
    agent.refresh_from_db()
    assert agent.team is None
    assert Team.objects.filter(name="Support").exists() is False


def test_user_update_sets_the_case_rights(agent) -> None:
    # when
    user = services.user_update(
        user=agent, data={"can_work_with_cases": False, "can_configure_cases": True}
    )
    # then
    user.refresh_from_db()
    assert (user.can_work_with_cases, user.can_configure_cases) == (False, True)
