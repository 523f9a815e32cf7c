"""Signing in to the portal: portal logins only, the staff's lockout and two-factor step,
signing out; and a portal user at the staff's sign-in is sent here."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kartoteka.testing.people import PASSWORD
from kartoteka.testing.portal_access import contact_with_email, portal_login
from kartoteka.testing.two_factor import authenticator_for, code_of

pytestmark = pytest.mark.django_db

WRONG = "The email address or the password is wrong."
LOCKED = "Too many failed sign-ins. Signing in is locked for a while"


@pytest.fixture
def jan():
    contact = contact_with_email("jan.kowalski@budimex.example")
    portal_login(contact)
    return contact


def sign_in(client: Client, username: str, password: str = PASSWORD, **data: str):
    return client.post("/portal/login/", {"username": username, "password": password, **data})


def cases_url() -> str:
    return reverse("portal:case-list")


def test_a_portal_user_signs_in_and_lands_on_their_cases(jan) -> None:
    # given
    client = Client()
    # when
    response = sign_in(client, "jan.kowalski@budimex.example")
    # then
    assert response.status_code == 302
    assert response.url == cases_url()
    assert int(client.session["_auth_user_id"]) == jan.portal_user_id


def test_a_wrong_password_is_refused(jan) -> None:
    response = sign_in(Client(), "jan.kowalski@budimex.example", "wrong")
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_staff_credentials_are_refused_like_a_wrong_password(agent) -> None:
    # when
    right = sign_in(Client(), "agent")
    wrong = sign_in(Client(), "agent", "wrong")
    # then
    assert right.status_code == wrong.status_code == 200
    assert WRONG in right.content.decode()


def test_a_staff_sign_in_at_the_portal_counts_as_a_failure(agent) -> None:
    client = Client()
    statuses = [sign_in(client, "agent").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_a_portal_user_at_the_staff_sign_in_is_sent_to_the_portal(jan) -> None:
    # when
    client = Client()
    response = client.post(
        "/login/", {"username": "jan.kowalski@budimex.example", "password": PASSWORD}
    )
    # then: not signed in; the portal's sign-in says why
    assert response.status_code == 302
    assert response.url == "/portal/login/"
    assert "_auth_user_id" not in client.session
    page = client.get(response.url)
    assert "Customers sign in here, to the customer portal." in page.content.decode()


def test_five_failures_lock_the_portal_sign_in_with_its_own_page(jan) -> None:
    # given
    client = Client()
    # when
    statuses = [
        sign_in(client, "jan.kowalski@budimex.example", "wrong").status_code for _ in range(5)
    ]
    locked = sign_in(client, "jan.kowalski@budimex.example")
    # then
    assert statuses == [200, 200, 200, 200, 429]
    assert locked.status_code == 429
    page = locked.content.decode()
    assert LOCKED in page
    assert "Sign in to the customer portal" in page
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_gets_the_same_lock(jan) -> None:
    for _ in range(5):
        sign_in(Client(REMOTE_ADDR="10.0.0.1"), "jan.kowalski@budimex.example", "wrong")
        sign_in(Client(REMOTE_ADDR="10.0.0.2"), "nikt@budimex.example", "wrong")
    known = sign_in(Client(REMOTE_ADDR="10.0.0.3"), "jan.kowalski@budimex.example", "wrong")
    unknown = sign_in(Client(REMOTE_ADDR="10.0.0.4"), "nikt@budimex.example", "wrong")
    assert (known.status_code, unknown.status_code) == (429, 429)


def test_a_disabled_login_cannot_sign_in(jan) -> None:
    jan.portal_user.is_active = False
    jan.portal_user.save()
    response = sign_in(Client(), "jan.kowalski@budimex.example")
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_two_factor_asks_for_the_code_after_the_password(jan) -> None:
    # given
    device = authenticator_for(jan.portal_user)
    client = Client()
    # when
    password = sign_in(client, "jan.kowalski@budimex.example")
    before = client.get("/portal/profile/")
    right = client.post("/portal/login/code/", {"code": code_of(device)})
    # then
    assert password.url == "/portal/login/code/"
    assert before.status_code == 302  # not signed in yet
    assert right.status_code == 302
    assert right.url == cases_url()
    assert client.get("/portal/profile/").status_code == 200


def test_wrong_codes_lock_like_wrong_passwords(jan) -> None:
    authenticator_for(jan.portal_user)
    client = Client()
    sign_in(client, "jan.kowalski@budimex.example")
    statuses = [
        client.post("/portal/login/code/", {"code": "000000"}).status_code for _ in range(5)
    ]
    assert statuses[0] == 422
    assert statuses[-1] == 429
    assert LOCKED in client.get("/portal/login/code/").content.decode()


def test_the_code_step_of_a_staff_sign_in_is_not_the_portals(agent) -> None:
    # given: a staff member passed the staff password step
    authenticator_for(agent)
    client = Client()
    client.post("/login/", {"username": "agent", "password": PASSWORD})
    # when
    response = client.get("/portal/login/code/")
    # then
    assert response.url == "/portal/login/"


def test_signing_out_ends_the_session(jan) -> None:
    # given
    client = Client()
    sign_in(client, "jan.kowalski@budimex.example")
    # when
    response = client.post("/portal/logout/")
    # then
    assert response.url == "/portal/login/"
    assert "_auth_user_id" not in client.session


def test_a_signed_in_portal_user_skips_the_sign_in_page(jan) -> None:
    client = Client()
    client.force_login(jan.portal_user)
    assert client.get("/portal/login/").url == cases_url()


def test_an_unsafe_next_is_ignored(jan) -> None:
    response = sign_in(Client(), "jan.kowalski@budimex.example", next="https://evil.example/")
    assert response.url == cases_url()


def test_an_oversized_user_name_is_refused_quietly(jan) -> None:
    response = sign_in(Client(), "x" * 100_000, "y" * 100_000)
    assert response.status_code == 200


def test_the_sign_in_needs_a_csrf_token(jan) -> None:
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "jan.kowalski@budimex.example").status_code == 403


def test_portal_pages_send_strangers_to_the_portal_sign_in() -> None:
    response = Client().get("/portal/profile/")
    assert response.url == "/portal/login/?next=/portal/profile/"


def test_staff_pages_do_not_exist_for_portal_users(jan) -> None:
    client = Client()
    client.force_login(jan.portal_user)
    assert client.get("/customers/").status_code == 404
    assert client.get("/portal/staff/roles/").status_code == 404
