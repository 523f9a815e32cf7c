"""The portal user's profile: name, language, emails about their cases, password and
two-factor sign-in."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kartoteka.people.models import User
from kartoteka.testing.people import PASSWORD
from kartoteka.testing.portal_access import contact_with_email, portal_login
from kartoteka.testing.two_factor import code_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan():
    contact = contact_with_email("jan.kowalski@budimex.example")
    portal_login(contact)
    return contact


@pytest.fixture
def client(jan) -> Client:
    client = Client()
    client.force_login(jan.portal_user)
    return client


def save(client: Client, **data: str):
    values = {"first_name": "Jan", "last_name": "Kowalski", "language": "en"}
    return client.post("/portal/profile/", values | data)


def test_the_profile_changes_the_name_language_and_emails(client, jan) -> None:
    # when
    response = save(client, first_name="Janusz", language="cs")
    # then
    user = User.objects.get(pk=jan.portal_user_id)
    jan.refresh_from_db()
    assert response.url == "/portal/profile/"
    assert (user.first_name, user.language, user.notification_email) == ("Janusz", "cs", "off")
    assert jan.first_name == "Janusz"
    assert 'lang="cs"' in client.get("/portal/profile/").content.decode()


def test_emails_about_my_cases_are_on_when_ticked(client, jan) -> None:
    save(client, notify_by_email="on")
    user = User.objects.get(pk=jan.portal_user_id)
    assert user.notification_email == User.NotificationEmail.IMMEDIATE


@pytest.mark.parametrize("data", [{"language": "de"}, {"last_name": ""}, {"first_name": "x" * 101}])
def test_malformed_input_is_refused(client, jan, data) -> None:
    response = save(client, **data)
    assert response.status_code == 200
    assert User.objects.get(pk=jan.portal_user_id).language == "en"


def test_the_password_changes_with_the_old_one(client, jan) -> None:
    response = client.post(
        "/portal/profile/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Zielona-herbata-42",
            "new_password2": "Zielona-herbata-42",
        },
    )
    assert response.url == "/portal/profile/"
    assert User.objects.get(pk=jan.portal_user_id).check_password("Zielona-herbata-42")
    assert client.get("/portal/profile/").status_code == 200  # still signed in


def test_a_wrong_old_password_changes_nothing(client, jan) -> None:
    client.post(
        "/portal/profile/password/",
        {"old_password": "wrong", "new_password1": "Zielona-1", "new_password2": "Zielona-1"},
    )
    assert User.objects.get(pk=jan.portal_user_id).check_password(PASSWORD)


def test_two_factor_is_turned_on_with_a_code_and_off_with_the_password(client, jan) -> None:
    # when: set up
    page = client.get("/portal/profile/two-factor/")
    device = TOTPDevice.objects.get(user_id=jan.portal_user_id)
    on = client.post("/portal/profile/two-factor/", {"code": code_of(device)})
    # then
    assert 'id="two-factor-secret"' in page.content.decode()
    assert on.content.decode().count("<li><code>") == 10
    device.refresh_from_db()
    assert device.confirmed is True
    # when: off with a wrong password, then the right one
    wrong = client.post("/portal/profile/two-factor/off/", {"password": "wrong"})
    right = client.post("/portal/profile/two-factor/off/", {"password": PASSWORD})
    # then
    assert wrong.status_code == 422
    assert right.url == "/portal/profile/"
    assert not TOTPDevice.objects.filter(user_id=jan.portal_user_id).exists()


def test_profile_pages_are_not_for_staff(agent_client) -> None:
    assert agent_client.get("/portal/profile/").status_code == 404
    assert agent_client.get("/portal/profile/two-factor/").status_code == 404
