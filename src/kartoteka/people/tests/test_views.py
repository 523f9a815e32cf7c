"""Users, teams and preferences pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.people.models import Team, User
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import PASSWORD, TeamFactory, UserFactory


def admin_pages(team: Team, user: User) -> list[str]:
    return [
        reverse("people:user-list"),
        reverse("people:user-create"),
        reverse("people:user-edit", args=[user.pk]),
        reverse("people:team-list"),
        reverse("people:team-create"),
        reverse("people:team-edit", args=[team.pk]),
        reverse("people:team-delete", args=[team.pk]),
    ]


@pytest.mark.parametrize("persona", ["agent", "manager", "supervisor"])
def test_staff_who_are_not_administrators_are_forbidden(request, support_team, persona) -> None:
    user = request.getfixturevalue(persona)
    statuses = [client_for(user).get(url).status_code for url in admin_pages(support_team, user)]
    assert statuses == [403] * 7


def test_portal_users_do_not_find_the_pages(portal_user, support_team) -> None:
    client = client_for(portal_user)
    statuses = [client.get(url).status_code for url in admin_pages(support_team, portal_user)]
    assert statuses == [404] * 7


def test_administrator_opens_every_page(admin, agent, support_team) -> None:
    client = client_for(admin)
    statuses = [client.get(url).status_code for url in admin_pages(support_team, agent)]
    assert statuses == [200] * 7


def test_unknown_user_and_team_are_not_found(admin) -> None:
    client = client_for(admin)
    statuses = [
        client.get(reverse("people:user-edit", args=[999])).status_code,
        client.get(reverse("people:team-edit", args=[999])).status_code,
    ]
    assert statuses == [404, 404]


def test_user_list_shows_the_role_legend(admin) -> None:
    response = client_for(admin).get(reverse("people:user-list"))
    html = response.content.decode()
    assert "What each role may do" in html
    assert "Everything, including settings" in html
    assert response.context["nav"] == "users"


def test_user_list_query_count_does_not_grow_with_users(
    admin, support_team, django_assert_num_queries
) -> None:
    # given many users in teams
    client = client_for(admin)
    UserFactory.create_batch(15, team=support_team)
    # then: session, user, count, page of users with their teams
    with django_assert_num_queries(6):
        response = client.get(reverse("people:user-list"))
    assert len(response.context["page_obj"].object_list) == 16


def test_team_list_query_count_does_not_grow_with_teams(admin, django_assert_num_queries) -> None:
    # given teams, each with a supervisor and members
    client = client_for(admin)
    for number in range(8):
        team = TeamFactory(name=f"Team {number}", supervisor=UserFactory())
        UserFactory.create_batch(2, team=team)
    # then: session, user, teams with supervisors and member counts
    with django_assert_num_queries(5):
        response = client.get(reverse("people:team-list"))
    assert [team.member_count for team in response.context["teams"]] == [2] * 8


def user_form_data(**changes: str) -> dict[str, str]:
    return {
        "username": "jnowak",
        "first_name": "Jan",
        "last_name": "Nowak",
        "email": "jnowak@firma.example",
        "role": "agent",
        "language": "pl",
        "time_zone": "Europe/Warsaw",
        "password": "zielona-herbata-42",
        "password_again": "zielona-herbata-42",
        "submission_token": "token-1",
    } | changes


def test_administrator_creates_a_user(admin, support_team) -> None:
    # when
    response = client_for(admin).post(
        reverse("people:user-create"), user_form_data(team=str(support_team.pk))
    )
    # then
    user = User.objects.get(username="jnowak")
    assert response.headers["Location"] == reverse("people:user-list")
    assert (user.role, user.team, user.language, user.time_zone) == (
        "agent",
        support_team,
        "pl",
        "Europe/Warsaw",
    )
    assert user.check_password("zielona-herbata-42") is True


def test_user_create_refuses_mismatched_passwords(admin) -> None:
    response = client_for(admin).post(
        reverse("people:user-create"), user_form_data(password_again="zielona-herbata-43")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "password_again": ["The two passwords differ. Type the same one twice."]
    }
    assert User.objects.filter(username="jnowak").exists() is False


def test_user_create_refuses_a_weak_password(admin) -> None:
    response = client_for(admin).post(
        reverse("people:user-create"),
        user_form_data(password="jnowak12", password_again="jnowak12"),
    )
    assert response.context["form"].errors == {
        "password": ["The password is too similar to the username."]
    }
    assert User.objects.filter(username="jnowak").exists() is False


def test_user_create_posted_twice_creates_one_user(admin) -> None:
    client = client_for(admin)
    client.post(reverse("people:user-create"), user_form_data())
    response = client.post(reverse("people:user-create"), user_form_data())
    assert response.status_code == 302
    assert User.objects.filter(username="jnowak").count() == 1


def test_administrator_edits_a_user(admin, agent, sales_team) -> None:
    data = user_form_data(username="agent", role="manager", team=str(sales_team.pk))
    response = client_for(admin).post(reverse("people:user-edit", args=[agent.pk]), data)
    agent.refresh_from_db()
    assert response.headers["Location"] == reverse("people:user-list")
    assert (agent.role, agent.team, agent.first_name) == ("manager", sales_team, "Jan")


def test_last_administrator_cannot_demote_themselves(admin) -> None:
    # when the only administrator makes themselves an agent
    data = user_form_data(username="admin", role="agent")
    response = client_for(admin).post(reverse("people:user-edit", args=[admin.pk]), data)
    # then the form explains and the role stays
    assert response.context["form"].errors == {
        "role": [
            f"{admin} is the last active administrator. Make someone else an administrator first."
        ]
    }
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_last_administrator_cannot_deactivate_themselves(admin) -> None:
    # when
    response = client_for(admin).post(
        reverse("people:user-set-active", args=[admin.pk]), {"active": "0"}, follow=True
    )
    # then
    assert [str(message) for message in response.context["messages"]] == [
        f"{admin} is the last active administrator and cannot be deactivated. "
        "Make someone else an administrator first."
    ]
    admin.refresh_from_db()
    assert admin.is_active is True


def test_administrator_deactivates_and_reactivates_a_user(admin, agent) -> None:
    client = client_for(admin)
    url = reverse("people:user-set-active", args=[agent.pk])
    client.post(url, {"active": "0"})
    agent.refresh_from_db()
    deactivated = agent.is_active
    client.post(url, {"active": "1"})
    agent.refresh_from_db()
    assert (deactivated, agent.is_active) == (False, True)


def test_administrator_sets_a_new_password(admin, agent) -> None:
    response = client_for(admin).post(
        reverse("people:user-password", args=[agent.pk]),
        {"password": "nowe-haslo-2024", "password_again": "nowe-haslo-2024"},
    )
    agent.refresh_from_db()
    assert response.headers["Location"] == reverse("people:user-edit", args=[agent.pk])
    assert agent.check_password("nowe-haslo-2024") is True


def test_administrator_creates_a_team_taking_a_member_from_another(
    admin, agent, supervisor, support_team
) -> None:
    # when
    response = client_for(admin).post(
        reverse("people:team-create"),
        {
            "name": "Escalations",
            "supervisor": str(supervisor.pk),
            "members": [str(agent.pk)],
            "submission_token": "token-team",
        },
    )
    # then the agent moved from Support to the new team
    team = Team.objects.get(name="Escalations")
    agent.refresh_from_db()
    assert response.headers["Location"] == reverse("people:team-list")
    assert (agent.team, team.supervisor) == (team, supervisor)
    assert list(support_team.members.values_list("username", flat=True)) == ["supervisor"]


def test_team_edit_moves_a_user_from_another_team(
    admin, support_team, supervisor, agent, outsider, sales_team
) -> None:
    # given the outsider in Sales
    # when Support is saved with the outsider among its members
    client_for(admin).post(
        reverse("people:team-edit", args=[support_team.pk]),
        {
            "name": "Support",
            "supervisor": str(supervisor.pk),
            "members": [str(supervisor.pk), str(agent.pk), str(outsider.pk)],
        },
    )
    # then the outsider left Sales for Support
    outsider.refresh_from_db()
    assert outsider.team == support_team
    assert sales_team.members.count() == 0


def test_team_edit_form_offers_only_staff_as_members(
    admin, support_team, portal_user, agent
) -> None:
    response = client_for(admin).get(reverse("people:team-edit", args=[support_team.pk]))
    form = response.context["form"]
    offered = {user.username for user in form.fields["members"].queryset}
    assert offered == {"admin", "agent", "supervisor"}
    assert sorted(form.initial["members"]) == sorted([agent.pk, support_team.supervisor_id])


def test_team_delete_leaves_members_without_a_team(admin, support_team, agent) -> None:
    client = client_for(admin)
    url = reverse("people:team-delete", args=[support_team.pk])
    confirmation = client.get(url)
    response = client.post(url)
    agent.refresh_from_db()
    assert confirmation.context["team"].member_count == 2
    assert response.headers["Location"] == reverse("people:team-list")
    assert agent.team is None


@pytest.mark.parametrize("persona", ["agent", "portal_user", "admin"])
def test_every_signed_in_user_opens_preferences(db, request, persona) -> None:
    response = client_for(request.getfixturevalue(persona)).get(reverse("people:preferences"))
    assert response.status_code == 200


def test_preferences_need_a_login(db: None) -> None:
    from django.test import Client

    response = Client().get(reverse("people:preferences"))
    assert response.headers["Location"] == "/login/?next=/people/preferences/"


def test_preferences_default_to_the_installations_time_zone(agent, settings) -> None:
    settings.TIME_ZONE = "Europe/Prague"
    response = client_for(agent).get(reverse("people:preferences"))
    assert response.context["form"]["time_zone"].value() == "Europe/Prague"


def test_switching_language_renders_the_next_page_in_polish(agent) -> None:
    # given an agent using English
    client = client_for(agent)
    # when they choose Polish
    response = client.post(
        reverse("people:preferences"),
        {
            "first_name": "Anna",
            "last_name": "Kowalska",
            "email": "anna@firma.example",
            "language": "pl",
            "time_zone": "Europe/Warsaw",
        },
    )
    # then the next page is in Polish
    page = client.get(response.headers["Location"])
    agent.refresh_from_db()
    assert (agent.language, agent.time_zone, agent.first_name) == ("pl", "Europe/Warsaw", "Anna")
    assert '<html lang="pl">' in page.content.decode()


def test_preferences_refuse_an_unknown_time_zone(agent) -> None:
    response = client_for(agent).post(
        reverse("people:preferences"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "a@b.example",
            "language": "en",
            "time_zone": "Mars/Olympus",
        },
    )
    assert list(response.context["form"].errors) == ["time_zone"]


def test_password_change_keeps_the_session(agent) -> None:
    # given
    client = client_for(agent)
    # when
    response = client.post(
        reverse("people:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "nowe-haslo-2024",
            "new_password2": "nowe-haslo-2024",
        },
    )
    # then the agent is still signed in with the new password
    agent.refresh_from_db()
    assert response.headers["Location"] == reverse("people:preferences")
    assert agent.check_password("nowe-haslo-2024") is True
    assert client.get(reverse("people:preferences")).status_code == 200


def test_password_change_refuses_a_wrong_old_password(agent) -> None:
    response = client_for(agent).post(
        reverse("people:password-change"),
        {
            "old_password": "wrong",
            "new_password1": "nowe-haslo-2024",
            "new_password2": "nowe-haslo-2024",
        },
    )
    assert response.status_code == 422
    assert list(response.context["password_form"].errors) == ["old_password"]


def test_user_create_refuses_a_taken_username(admin, agent) -> None:
    response = client_for(admin).post(
        reverse("people:user-create"), user_form_data(username="agent")
    )
    assert response.context["form"].errors == {
        "username": ["A user with that username already exists."]
    }


def test_team_create_posted_twice_creates_one_team(admin) -> None:
    client = client_for(admin)
    data = {"name": "Escalations", "submission_token": "token-team"}
    first = client.post(reverse("people:team-create"), data)
    second = client.post(reverse("people:team-create"), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Team.objects.filter(name="Escalations").count() == 1


def test_administrator_grants_case_rights_to_a_new_user(admin) -> None:
    # when
    client_for(admin).post(
        reverse("people:user-create"),
        user_form_data(can_work_with_cases="on", can_configure_cases="on"),
    )
    # then
    user = User.objects.get(username="jnowak")
    assert (user.can_work_with_cases, user.can_configure_cases) == (True, True)
    assert (user.works_with_cases, user.configures_cases) == (True, True)


def test_administrator_withdraws_the_right_to_work_with_cases(admin, agent) -> None:
    # given the agent works with cases
    data = user_form_data(username="agent", can_configure_cases="on")
    # when the form is saved without the box ticked
    client_for(admin).post(reverse("people:user-edit", args=[agent.pk]), data)
    # then
    agent.refresh_from_db()
    assert (agent.can_work_with_cases, agent.can_configure_cases) == (False, True)


def test_user_list_shows_case_rights_as_pills(admin, agent, clerk) -> None:
    # given the agent and their supervisor work with cases, one user configures them
    UserFactory(username="lists", can_configure_cases=True)
    # when
    html = client_for(admin).get(reverse("people:user-list")).content.decode()
    # then
    assert html.count('<span class="pill pill-right">works with cases</span>') == 2
    assert html.count('<span class="pill pill-right">configures case lists</span>') == 1
