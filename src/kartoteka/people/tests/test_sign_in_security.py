"""The administrator's sign-in security page: who is locked out, and lifting a lock."""

from __future__ import annotations

import pytest
from django.test import Client

from kartoteka.people.two_factor import sign_in_policy
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import PASSWORD
from kartoteka.testing.two_factor import authenticator_for

PAGE = "/people/sign-in/"


def lock_out(username: str, address: str = "127.0.0.1") -> None:
    client = Client(REMOTE_ADDR=address)
    for _ in range(5):
        client.post("/login/", {"username": username, "password": "wrong"})


def test_the_page_lists_locked_user_names_and_addresses(admin, agent) -> None:
    # given
    lock_out("agent", "203.0.113.9")
    # when
    response = client_for(admin).get(PAGE)
    # then
    locks = [(lock.kind, lock.value, lock.failures) for lock in response.context["locks"]]
    assert response.status_code == 200
    assert locks == [("username", "agent", 5), ("address", "203.0.113.9", 5)]


def test_unlocking_a_user_name_lets_the_user_sign_in(admin, agent) -> None:
    # given
    lock_out("agent")
    # when
    response = client_for(admin).post(
        f"{PAGE}unlock/", {"kind": "username", "value": "agent"}, follow=True
    )
    # then
    assert "agent can sign in again." in response.content.decode()
    signed_in = Client().post("/login/", {"username": "agent", "password": PASSWORD})
    assert signed_in.status_code == 302


def test_unlocking_an_address_lets_everyone_there_sign_in(admin, agent) -> None:
    lock_out("somebody", "203.0.113.9")
    client_for(admin).post(f"{PAGE}unlock/", {"kind": "address", "value": "203.0.113.9"})
    signed_in = Client(REMOTE_ADDR="203.0.113.9").post(
        "/login/", {"username": "agent", "password": PASSWORD}
    )
    assert signed_in.status_code == 302


def test_the_user_page_shows_the_lock_and_lifts_it(admin, agent) -> None:
    # given
    lock_out("agent")
    client = client_for(admin)
    # when
    page = client.get(f"/people/users/{agent.pk}/").content.decode()
    client.post(f"/people/users/{agent.pk}/unlock/")
    after = client.get(f"/people/users/{agent.pk}/").content.decode()
    # then
    assert "Too many failed sign-ins: signing in is locked for a while." in page
    assert "Too many failed sign-ins" not in after


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "address", "value": "not-an-address"},
        {"kind": "everything", "value": "agent"},
        {"kind": "username", "value": "x" * 300},
        {},
    ],
)
def test_a_malformed_unlock_is_refused_with_a_message(admin, agent, data) -> None:
    lock_out("agent")
    response = client_for(admin).post(f"{PAGE}unlock/", data, follow=True)
    assert "There is no such lock." in response.content.decode()
    assert [lock.value for lock in response.context["locks"]] == ["agent", "127.0.0.1"]


def test_unlocking_what_is_not_locked_says_so(admin) -> None:
    response = client_for(admin).post(
        f"{PAGE}unlock/", {"kind": "username", "value": "nobody"}, follow=True
    )
    assert "nobody was not locked." in response.content.decode()


def test_the_policy_is_saved(admin) -> None:
    authenticator_for(admin)
    response = client_for(admin).post(PAGE, {"two_factor_required_for_administrators": "on"})
    assert response.headers["Location"] == PAGE
    assert sign_in_policy().two_factor_required_for_administrators is True


@pytest.mark.parametrize(("persona", "status"), [("agent", 403), ("portal_user", 404)])
def test_only_administrators_open_the_page_or_unlock(request, persona, status) -> None:
    client = client_for(request.getfixturevalue(persona))
    lock_out("victim")
    statuses = [
        client.get(PAGE).status_code,
        client.post(f"{PAGE}unlock/", {"kind": "username", "value": "victim"}).status_code,
    ]
    assert statuses == [status, status]
    assert Client().post("/login/", {"username": "victim", "password": "x"}).status_code == 429
