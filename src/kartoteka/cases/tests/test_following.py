"""Who follows a case: by hand (the button), and whom each happening makes follow."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kartoteka.cases import following, services
from kartoteka.cases.happenings import Happening, Kind
from kartoteka.cases.models import Case, CaseFollower
from kartoteka.mail.sending import outbound
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_inbound, make_mailbox
from kartoteka.testing.people import TeamFactory, UserFactory

HTMX = {"HX-Request": "true"}


def follower_names(case: Case) -> list[str]:
    return sorted(CaseFollower.objects.filter(case=case).values_list("user__username", flat=True))


def created(case: Case, by: User | None = None) -> Happening:
    return Happening(Kind.CASE_CREATED, case.pk, by.pk if by else None, channel=Case.Channel.USER)


def case_worker(username: str, **fields) -> User:
    return UserFactory(username=username, role=User.Role.AGENT, can_work_with_cases=True, **fields)


@pytest.fixture
def hidden_case(support_team) -> Case:
    """A case of a restricted Support account: the outsider (Sales) must not see it."""
    return make_case("Tajna sprawa", account=AccountFactory(restricted=True, team=support_team))


def follow_url(case: Case) -> str:
    return reverse("desk:case-follow", args=[case.number])


def unfollow_url(case: Case) -> str:
    return reverse("desk:case-unfollow", args=[case.number])


# The functions


def test_following_twice_keeps_one_row_and_says_whether_it_was_new(agent):
    # given
    case = make_case()

    # when
    first = following.case_follow(case=case, user=agent)
    second = following.case_follow(case=case, user=agent)

    # then
    assert (first, second) == (True, False)
    assert follower_names(case) == ["agent"]


def test_unfollowing_says_whether_the_user_followed(agent):
    # given
    case = make_case()
    following.case_follow(case=case, user=agent)

    # when
    first = following.case_unfollow(case=case, user=agent)
    second = following.case_unfollow(case=case, user=agent)

    # then
    assert (first, second) == (True, False)
    assert follower_names(case) == []


# Whom a new case makes follow


def test_a_new_case_is_followed_by_its_creator_assignee_and_auto_followers(
    agent, supervisor, manager
):
    # given
    case_worker("anna", auto_follow_new_cases=True)
    case_worker("bartek")  # follows nothing by himself
    team = TeamFactory(name="Dyżur", auto_follow_new_cases=True)
    case_worker("celina", team=team)
    case = make_case(by=manager, assignee=agent)

    # when
    following.followers_update(created(case, manager), case)

    # then
    assert follower_names(case) == ["agent", "anna", "celina", "manager"]


def test_inactive_users_and_users_without_case_rights_never_auto_follow(
    clerk, supervisor, portal_user, support_team
):
    # given
    case_worker("dawny", auto_follow_new_cases=True, is_active=False)
    clerk.auto_follow_new_cases = True
    clerk.save(update_fields=["auto_follow_new_cases"])
    portal_user.auto_follow_new_cases = True
    portal_user.save(update_fields=["auto_follow_new_cases"])
    support_team.auto_follow_new_cases = True
    support_team.save(update_fields=["auto_follow_new_cases"])
    case = make_case()

    # when
    following.followers_update(created(case), case)

    # then: of the Support team only those working with cases (not the clerk)
    assert follower_names(case) == ["supervisor"]


def test_a_case_of_a_restricted_account_is_not_followed_by_who_cannot_see_it(
    agent, outsider, sales_team, hidden_case
):
    # given
    outsider.auto_follow_new_cases = True
    outsider.save(update_fields=["auto_follow_new_cases"])
    sales_team.auto_follow_new_cases = True
    sales_team.save(update_fields=["auto_follow_new_cases"])
    case_worker("sprzedawca", team=sales_team)
    agent.auto_follow_new_cases = True
    agent.save(update_fields=["auto_follow_new_cases"])

    # when
    following.followers_update(created(hidden_case), hidden_case)

    # then
    assert follower_names(hidden_case) == ["agent"]


@pytest.mark.parametrize("extra", [1, 8])
def test_auto_follow_costs_the_same_queries_for_few_and_many_users(
    extra, support_team, django_assert_num_queries
):
    # given
    for n in range(extra):
        case_worker(f"dyzurny{n}", auto_follow_new_cases=True, team=support_team)
    case = make_case(account=AccountFactory(restricted=True, team=support_team))

    # when / then: the candidates, who of them sees the case, who already follows, the insert
    with django_assert_num_queries(4):
        following.followers_update(created(case), case)
    assert CaseFollower.objects.filter(case=case).count() == extra


def test_the_same_happening_twice_changes_nothing_more(agent, manager):
    # given
    case = make_case(by=manager, assignee=agent)
    following.followers_update(created(case, manager), case)
    following.case_unfollow(case=case, user=manager)  # an unfollow in between stays…

    # when
    following.followers_update(created(case, manager), case)

    # then: …until the happening is handled again (the worker retried it), which is harmless
    assert follower_names(case) == ["agent", "manager"]
    assert CaseFollower.objects.filter(case=case).count() == 2


# Whom a change, a note, a message makes follow


def test_a_new_assignee_follows(agent, supervisor):
    # given
    case = make_case(assignee=agent)

    # when
    happening = Happening(
        Kind.CASE_UPDATED, case.pk, changes={"assignee": [agent.pk, supervisor.pk]}
    )
    following.followers_update(happening, case)

    # then
    assert follower_names(case) == ["supervisor"]


def test_unassigning_or_another_change_makes_nobody_follow(agent):
    # given
    case = make_case(assignee=agent)

    # when
    following.followers_update(
        Happening(Kind.CASE_UPDATED, case.pk, changes={"assignee": [agent.pk, None]}), case
    )
    following.followers_update(
        Happening(Kind.CASE_UPDATED, case.pk, agent.pk, changes={"annotation": ["", "x"]}),
        case,
    )

    # then
    assert follower_names(case) == []


def test_a_note_makes_its_author_and_the_mentioned_follow(agent, supervisor, manager):
    # given
    case = make_case()
    note = services.case_note_add(case=case, by=agent, text="@supervisor zobacz, proszę")

    # when
    following.followers_update(Happening(Kind.NOTE_ADDED, case.pk, agent.pk, note_id=note.pk), case)

    # then
    assert follower_names(case) == ["agent", "supervisor"]


def test_a_received_message_makes_nobody_new_follow(agent):
    # given
    case = make_case(assignee=agent)

    # when
    following.followers_update(Happening(Kind.MESSAGE_RECEIVED, case.pk, message_id=1), case)

    # then
    assert follower_names(case) == []


def test_after_commit_the_worker_makes_the_creator_and_assignee_follow(
    agent, manager, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(by=manager, assignee=agent)

    # then
    assert follower_names(case) == ["agent", "manager"]


def test_the_author_of_a_reply_follows_the_case(agent, settings, tmp_path):
    # given
    settings.DATA_DIR = tmp_path
    mailbox = make_mailbox()
    case = make_case()
    make_inbound(case, mailbox=mailbox)

    # when
    outbound.reply_create(case=case, by=agent, text="Dzień dobry, już sprawdzamy.")

    # then
    assert follower_names(case) == ["agent"]


# The button


def test_follow_with_htmx_swaps_in_the_following_button_and_the_name(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(follow_url(case), headers=HTMX)

    # then
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<aside class="card case-followers" id="followers"')
    assert f'action="{unfollow_url(case)}"' in response.text
    assert 'aria-pressed="true"' in response.text
    assert f"<li>{agent}</li>" in response.text
    assert f"You follow case #{case.number}." in response.text
    assert follower_names(case) == ["agent"]


def test_unfollow_with_htmx_swaps_in_the_follow_button(agent, supervisor):
    # given
    case = make_case()
    following.case_follow(case=case, user=agent)
    following.case_follow(case=case, user=supervisor)

    # when
    response = client_for(agent).post(unfollow_url(case), headers=HTMX)

    # then
    assert f'action="{follow_url(case)}"' in response.text
    assert 'aria-pressed="false"' in response.text
    assert f"<li>{supervisor}</li>" in response.text
    assert f"<li>{agent}</li>" not in response.text
    assert follower_names(case) == ["supervisor"]


def test_follow_without_a_script_redirects_to_the_followers_with_a_message(agent):
    # given
    case = make_case()

    # when
    response = client_for(agent).post(follow_url(case))

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{case.get_absolute_url()}#followers"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"You follow case #{case.number}."
    ]
    assert follower_names(case) == ["agent"]


def test_the_case_page_shows_following_and_the_followers_names(agent, supervisor):
    # given
    case = make_case()
    following.case_follow(case=case, user=agent)
    following.case_follow(case=case, user=supervisor)

    # when
    text = client_for(agent).get(case.get_absolute_url()).text

    # then
    followers = text[text.index('id="followers"') :]
    assert "✓ Following" in followers
    first, second = sorted([agent, supervisor], key=lambda u: (u.last_name, u.first_name))
    assert f'<ul class="followers"><li>{first}</li><li>{second}</li></ul>' in followers


def test_the_case_page_offers_follow_to_who_does_not_follow(agent):
    # given
    case = make_case()

    # when
    text = client_for(agent).get(case.get_absolute_url()).text

    # then
    followers = text[text.index('id="followers"') :]
    assert f'action="{follow_url(case)}"' in followers
    assert "Nobody follows this case yet." in followers


@pytest.mark.parametrize("url", [follow_url, unfollow_url])
def test_outsider_gets_404_and_follows_nothing_of_a_hidden_case(outsider, hidden_case, url):
    # when
    response = client_for(outsider).post(url(hidden_case))

    # then
    assert response.status_code == 404
    assert CaseFollower.objects.count() == 0


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
def test_users_without_case_rights_get_404_on_follow(db, request, persona):
    # given
    case = make_case()

    # when
    response = client_for(request.getfixturevalue(persona)).post(follow_url(case))

    # then
    assert response.status_code == 404
    assert CaseFollower.objects.count() == 0


def test_follow_of_a_case_that_does_not_exist_is_404(agent):
    # when
    response = client_for(agent).post(reverse("desk:case-follow", args=[999999]))

    # then
    assert response.status_code == 404


def test_follow_is_post_only_and_needs_the_csrf_token(agent):
    # given
    case = make_case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    # when
    got = client.get(follow_url(case))
    forged = client.post(follow_url(case))

    # then
    assert (got.status_code, forged.status_code) == (405, 403)
    assert CaseFollower.objects.count() == 0


# The case list's filter


def test_the_case_list_filters_the_cases_the_user_follows(agent, supervisor):
    # given
    mine = make_case("Drukarka w biurze")
    other = make_case("Skaner w magazynie")
    following.case_follow(case=mine, user=agent)
    following.case_follow(case=other, user=supervisor)
    client = client_for(agent)
    url = reverse("cases:case-list")

    # when
    followed = client.get(url, {"following": "yes"}).text
    not_followed = client.get(url, {"following": "no"}).text
    api = APIClient()
    api.force_authenticate(agent)
    from_api = api.get("/api/v1/cases/", {"following": "yes"}).json()

    # then
    assert "Drukarka w biurze" in followed
    assert "Skaner w magazynie" not in followed
    assert "Skaner w magazynie" in not_followed
    assert "Drukarka w biurze" not in not_followed
    assert [row["subject"] for row in from_api["results"]] == ["Drukarka w biurze"]


def test_a_bad_following_value_says_so_and_lists_nothing(agent):
    # given
    make_case("Drukarka w biurze")

    # when
    response = client_for(agent).get(reverse("cases:case-list"), {"following": "może"})

    # then
    assert "Select a valid choice. może is not one of the available choices." in response.text
    assert "Drukarka w biurze" not in response.text
