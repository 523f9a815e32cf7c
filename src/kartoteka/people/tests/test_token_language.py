"""A program signed in with a token is answered as its user is in the browser: in the user's
language (over the client's Accept-Language, as on the pages), else as the client asks."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kartoteka.people.models import User

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"


def token_client(user: User, accept_language: str = "") -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}",
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )
    return client


@pytest.mark.parametrize(
    ("language", "required"),
    [("pl", "To pole jest wymagane."), ("cs", "Toto pole je povinné.")],
)
def test_a_token_user_s_errors_come_in_their_language(agent, language, required) -> None:
    # given
    agent.language = language
    agent.save(update_fields=["language"])
    # when: the program's HTTP library asks for English, as many do by default
    response = token_client(agent, accept_language="en-US,en;q=0.9").post(ACCOUNTS, {})
    # then
    assert response.status_code == 400
    assert response.json()["name"] == [required]
    assert response["Content-Language"] == language


def test_a_token_user_without_a_language_is_answered_as_the_client_asks(agent) -> None:
    agent.language = ""
    agent.save(update_fields=["language"])
    response = token_client(agent, accept_language="cs").post(ACCOUNTS, {})
    assert response.json()["name"] == ["Toto pole je povinné."]


def test_a_wrong_token_is_refused_in_the_client_s_language(db) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense", HTTP_ACCEPT_LANGUAGE="pl")
    response = client.get(ACCOUNTS)
    assert response.status_code == 401
    assert response.json()["detail"] == "Niepoprawny token."
