"""The API's token endpoint: a password (and a code) for the token, throttled like sign-in."""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kartoteka.testing.people import PASSWORD
from kartoteka.testing.two_factor import authenticator_for, code_of

URL = "/api/v1/token/"


def ask(client: APIClient, username: str, password: str = PASSWORD, **more: str):
    return client.post(URL, {"username": username, "password": password, **more}, format="json")


def test_a_staff_member_gets_their_token(agent) -> None:
    response = ask(APIClient(), "agent")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=agent).key}


def test_the_token_opens_the_api(agent) -> None:
    key = ask(APIClient(), "agent").json()["token"]
    client = APIClient(headers={"authorization": f"Token {key}"})
    assert client.get("/api/v1/accounts/").status_code == 200


def test_a_wrong_password_is_refused(agent) -> None:
    response = ask(APIClient(), "agent", "wrong")
    assert response.status_code == 400
    assert response.json() == {"detail": "Wrong user name or password."}


def test_wrong_passwords_lock_the_endpoint_with_a_json_message(agent) -> None:
    # given
    client = APIClient()
    statuses = [ask(client, "agent", "wrong").status_code for _ in range(5)]
    # when
    response = ask(client, "agent")
    # then
    assert statuses == [400, 400, 400, 400, 429]
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many failed sign-ins.")
    assert not Token.objects.filter(user=agent).exists()


def test_failures_at_the_api_and_the_sign_in_page_count_together(agent) -> None:
    client = APIClient()
    for _ in range(3):
        ask(client, "agent", "wrong")
    for _ in range(2):
        client.post("/login/", {"username": "agent", "password": "wrong"})
    assert ask(client, "agent").status_code == 429


def test_with_two_factor_sign_in_the_code_is_needed(agent) -> None:
    # given
    device = authenticator_for(agent)
    client = APIClient()
    code = code_of(device)
    # when
    without = ask(client, "agent")
    right = ask(client, "agent", code=code)
    used_again = ask(client, "agent", code=code)
    # then
    assert without.status_code == 400
    assert without.json() == {"detail": "Two-factor sign-in is on: send the current code as code."}
    assert right.status_code == 200
    assert used_again.status_code == 400


def test_portal_users_get_no_token(portal_user) -> None:
    response = ask(APIClient(), "portal")
    assert response.status_code == 403
    assert not Token.objects.filter(user=portal_user).exists()


def test_malformed_input_is_refused_field_by_field(agent) -> None:
    response = APIClient().post(URL, {"username": "x" * 500, "code": "1" * 50}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"username", "password", "code"}


def test_an_administrator_who_must_set_up_two_factor_gets_no_token(admin) -> None:
    from kartoteka.people.two_factor import sign_in_policy_set

    sign_in_policy_set(two_factor_required_for_administrators=True)
    response = ask(APIClient(), "admin")
    assert response.status_code == 403
    assert response.json() == {"detail": "Set up two-factor sign-in in the browser first."}
