"""Who follows every new case, how notifications reach each user, and who is absent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kartoteka.people import services
from kartoteka.people.models import Team, User
from kartoteka.testing.clients import client_for

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("people:notification-preferences")


def test_a_user_sets_their_own_notification_preferences(agent):
    response = client_for(agent).post(
        PREFERENCES, {"auto_follow_new_cases": "on", "notification_email": "daily"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("people:preferences")
    agent.refresh_from_db()
    assert (agent.auto_follow_new_cases, agent.notification_email) == (True, "daily")


def test_a_user_away_is_passed_over_by_assignment_rules_until_back(agent):
    # when: away (a plain post of the form, as a browser sends it)
    client_for(agent).post(PREFERENCES, {"notification_email": "immediate", "is_absent": "on"})
    agent.refresh_from_db()
    assert agent.is_absent is True
    # when: back (an unticked box is not sent at all)
    client_for(agent).post(PREFERENCES, {"notification_email": "immediate"})
    agent.refresh_from_db()
    assert agent.is_absent is False


def test_the_preferences_page_shows_the_notification_choices(agent):
    html = client_for(agent).get(reverse("people:preferences")).content.decode()
    assert 'name="notification_email" value="hourly"' in html
    assert 'name="auto_follow_new_cases"' in html
    assert 'name="is_absent"' in html


def test_a_bad_email_choice_is_refused_with_a_clear_message(agent):
    response = client_for(agent).post(PREFERENCES, {"notification_email": "weekly"})
    assert response.status_code == 422
    assert response.context["notification_form"].errors == {
        "notification_email": ["Choose one of the ways notifications reach you by email."]
    }
    agent.refresh_from_db()
    assert (agent.auto_follow_new_cases, agent.notification_email) == (False, "immediate")


def test_a_missing_email_choice_is_refused(agent):
    response = client_for(agent).post(PREFERENCES, {"auto_follow_new_cases": "on"})
    assert response.status_code == 422
    assert response.context["notification_form"].errors == {
        "notification_email": ["Choose how notifications reach you by email."]
    }
    agent.refresh_from_db()
    assert agent.auto_follow_new_cases is False


def test_a_user_cannot_set_someone_elses_preferences(agent, outsider):
    client_for(outsider).post(
        PREFERENCES, {"notification_email": "off", "pk": agent.pk, "user": agent.pk}
    )
    agent.refresh_from_db()
    outsider.refresh_from_db()
    assert (agent.notification_email, outsider.notification_email) == ("immediate", "off")


def test_the_preferences_need_a_post(agent):
    assert client_for(agent).get(PREFERENCES).status_code == 405


def test_the_service_refuses_an_unknown_choice(agent):
    with pytest.raises(ValidationError) as refused:
        services.user_notification_email_set(user=agent, choice="weekly")
    assert refused.value.message_dict == {
        "notification_email": ["Choose how notifications reach you by email."]
    }
    agent.refresh_from_db()
    assert agent.notification_email == "immediate"


def user_edit_data(user: User, **changes: str) -> dict[str, str]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "language": "en",
        "time_zone": "Europe/Warsaw",
        "can_work_with_cases": "on",
    } | changes


def test_an_administrator_marks_a_user_absent_and_sets_their_notifications(admin, agent):
    response = client_for(admin).post(
        reverse("people:user-edit", args=[agent.pk]),
        user_edit_data(
            agent, is_absent="on", auto_follow_new_cases="on", notification_email="hourly"
        ),
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.is_absent, agent.auto_follow_new_cases, agent.notification_email) == (
        True,
        True,
        "hourly",
    )


def test_the_administrators_form_keeps_the_email_choice_when_left_out(admin, agent):
    agent.notification_email = "daily"
    agent.save()
    client_for(admin).post(reverse("people:user-edit", args=[agent.pk]), user_edit_data(agent))
    agent.refresh_from_db()
    assert (agent.notification_email, agent.is_absent) == ("daily", False)


def test_the_administrators_form_refuses_a_bad_email_choice(admin, agent):
    response = client_for(admin).post(
        reverse("people:user-edit", args=[agent.pk]),
        user_edit_data(agent, notification_email="sometimes", is_absent="on"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "notification_email": [
            "Select a valid choice. sometimes is not one of the available choices."
        ]
    }
    agent.refresh_from_db()
    assert agent.is_absent is False


@pytest.mark.parametrize(("persona", "status"), [("outsider", 403), ("portal_user", 404)])
def test_only_administrators_edit_someone_elses_user(persona, status, agent, request):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(
        reverse("people:user-edit", args=[agent.pk]), user_edit_data(agent, is_absent="on")
    )
    assert response.status_code == status
    agent.refresh_from_db()
    assert agent.is_absent is False


def test_an_administrator_makes_a_team_follow_every_new_case(admin, support_team, agent):
    response = client_for(admin).post(
        reverse("people:team-edit", args=[support_team.pk]),
        {"name": "Support", "members": [agent.pk], "auto_follow_new_cases": "on"},
    )
    assert response.status_code == 302
    support_team.refresh_from_db()
    assert support_team.auto_follow_new_cases is True


def test_a_new_team_can_follow_every_new_case(admin):
    client_for(admin).post(
        reverse("people:team-create"),
        {"name": "Dyżur", "auto_follow_new_cases": "on", "submission_token": "t-1"},
    )
    assert Team.objects.get(name="Dyżur").auto_follow_new_cases is True


def test_the_outsider_cannot_change_a_team(outsider, support_team):
    response = client_for(outsider).post(
        reverse("people:team-edit", args=[support_team.pk]),
        {"name": "Support", "auto_follow_new_cases": "on"},
    )
    assert response.status_code == 403
    support_team.refresh_from_db()
    assert support_team.auto_follow_new_cases is False
