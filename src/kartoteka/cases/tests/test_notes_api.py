"""The API of a case's stream: ``/api/v1/cases/{number}/notes/``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from kartoteka.cases import services
from kartoteka.cases.api import NoteListApi
from kartoteka.cases.models import Case, CaseNote
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.portal import portal_role

SECRET = "Klient zalega z płatnościami"


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def notes_url(case: Case | int) -> str:
    number = case.number if isinstance(case, Case) else case
    return f"/api/v1/cases/{number}/notes/"


def named(user: User) -> dict:
    return {"id": user.pk, "name": str(user)}


@pytest.fixture
def hidden_case(support_team) -> Case:
    """A case of a restricted Support account: the outsider (Sales) must not see it."""
    return make_case("Tajna sprawa", account=AccountFactory(restricted=True, team=support_team))


# Reading


def test_list_gives_every_post_oldest_first_with_its_kind_and_mentions(agent, supervisor):
    # given
    case = make_case()
    note = services.case_note_add(case=case, by=agent, text="@supervisor sprawdź")
    comment = services.case_note_add(case=case, by=supervisor, text="Kurier", internal=False)

    # when
    response = api_for(agent).get(notes_url(case))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"] == [
        {
            "id": note.pk,
            "author": named(agent),
            "text": "@supervisor sprawdź",
            "internal": True,
            "mentioned": [named(supervisor)],
            "created_at": body["results"][0]["created_at"],
        },
        {
            "id": comment.pk,
            "author": named(supervisor),
            "text": "Kurier",
            "internal": False,
            "mentioned": [],
            "created_at": body["results"][1]["created_at"],
        },
    ]
    assert body["results"][0]["created_at"] <= body["results"][1]["created_at"]


@pytest.mark.parametrize("posts", [1, 6])
def test_list_query_count_does_not_grow_with_posts(
    agent, supervisor, posts, django_assert_num_queries
):
    # given
    case = make_case()
    for n in range(posts):
        services.case_note_add(case=case, by=agent, text=f"@supervisor {n}")

    # when / then: the case, the count, the page with authors, the mentioned users
    with django_assert_num_queries(4):
        response = api_for(agent).get(notes_url(case))
    assert len(response.json()["results"]) == posts


# Writing


def test_a_new_post_is_an_internal_note_unless_said_otherwise(agent, supervisor):
    # given
    case = make_case()

    # when
    response = api_for(agent).post(
        notes_url(case), {"text": "  @supervisor oddzwoń  "}, format="json"
    )

    # then
    assert response.status_code == 201
    note = CaseNote.objects.get()
    assert response.json() == {
        "id": note.pk,
        "author": named(agent),
        "text": "@supervisor oddzwoń",
        "internal": True,
        "mentioned": [named(supervisor)],
        "created_at": response.json()["created_at"],
    }


def test_a_public_comment_is_posted_with_internal_false(agent):
    # given
    case = make_case()

    # when
    response = api_for(agent).post(
        notes_url(case), {"text": "Kurier jutro", "internal": False}, format="json"
    )

    # then
    assert response.status_code == 201
    assert list(CaseNote.objects.values_list("text", "internal")) == [("Kurier jutro", False)]


def test_a_form_encoded_post_without_internal_stays_internal(agent):
    # given
    case = make_case()

    # when
    response = api_for(agent).post(notes_url(case), {"text": "Z formularza"})

    # then
    assert response.status_code == 201
    assert list(CaseNote.objects.values_list("internal", flat=True)) == [True]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"text": "   "}, {"text": ["This field may not be blank."]}),
        ({}, {"text": ["This field is required."]}),
        ({"text": "Hej", "internal": "może"}, {"internal": ["Must be a valid boolean."]}),
        (
            {"text": "x" * (services.NOTE_MAX_LENGTH + 1)},
            {"text": ["Ensure this field has no more than 20000 characters."]},
        ),
        ({"text": ["a", "b"]}, {"text": ["Not a valid string."]}),
    ],
)
def test_bad_input_says_what_is_wrong_and_posts_nothing(agent, data, errors):
    # given
    case = make_case()

    # when
    response = api_for(agent).post(notes_url(case), data, format="json")

    # then
    assert response.status_code == 400
    assert response.json() == errors
    assert CaseNote.objects.count() == 0


# Who gets in


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_the_notes_of_a_hidden_case(outsider, hidden_case, method):
    # given
    services.case_note_add(case=hidden_case, by=None, text=SECRET)

    # when
    response = getattr(api_for(outsider), method)(
        notes_url(hidden_case), {"text": "Hej"}, format="json"
    )

    # then
    assert response.status_code == 404
    assert SECRET not in response.text
    assert CaseNote.objects.count() == 1


def test_a_case_that_does_not_exist_is_404(agent):
    # when
    response = api_for(agent).get(notes_url(999999))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
def test_users_without_case_rights_are_refused_and_read_nothing(db, request, persona):
    # given
    user = request.getfixturevalue(persona)
    account = AccountFactory()
    if persona == "portal_user":
        ContactFactory(account=account, portal_user=user)
    case = make_case(account=account)
    services.case_note_add(case=case, by=None, text=SECRET)

    # when
    got = api_for(user).get(notes_url(case))
    posted = api_for(user).post(notes_url(case), {"text": "Hej"}, format="json")

    # then: the staff API is closed to them (403, as for every staff endpoint)
    assert (got.status_code, posted.status_code) == (403, 403)
    assert SECRET not in got.text
    assert CaseNote.objects.count() == 1


def test_the_notes_selector_of_the_api_gives_a_portal_user_only_public_notes(agent, portal_user):
    # given: the portal user's own account, with an internal note and a public comment
    account = AccountFactory()
    # (a role that sees the company's cases: without one, only the contact's own cases)
    ContactFactory(account=account, portal_user=portal_user, portal_role=portal_role("Company"))
    case = make_case(account=account)
    services.case_note_add(case=case, by=agent, text=SECRET)
    public = services.case_note_add(case=case, by=agent, text="Kurier jutro", internal=False)
    request = APIRequestFactory().get(notes_url(case))
    force_authenticate(request, user=portal_user)
    view = NoteListApi()
    view.setup(view.initialize_request(request), number=case.number)
    view.request.user = portal_user

    # when
    notes = list(view.get_queryset())

    # then: what the list would show once the portal opens it
    assert notes == [public]
