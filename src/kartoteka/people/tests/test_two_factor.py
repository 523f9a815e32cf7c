"""Two-factor sign-in: setting up an authenticator, recovery codes, an administrator's reset,
and the policy that requires it of administrators."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kartoteka.people import two_factor
from kartoteka.people.models import RecoveryCode
from kartoteka.testing.clients import client_for
from kartoteka.testing.people import PASSWORD
from kartoteka.testing.two_factor import authenticator_for, code_of

SETUP = "/people/preferences/two-factor/"


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())


# Setting up


def test_the_setup_page_shows_the_secret_and_a_qr_code(agent) -> None:
    # when
    response = client_for(agent).get(SETUP)
    # then
    device = TOTPDevice.objects.get(user=agent)
    html = response.content.decode()
    secret = two_factor.authenticator_secret(device)
    assert response.status_code == 200
    assert device.confirmed is False
    assert secret in html
    assert '<svg width="' in html  # drawn on the page, no image from elsewhere
    assert "otpauth" not in html.replace("<title>", "")  # the QR code carries it, not a link


def test_reloading_the_setup_page_keeps_the_secret(agent) -> None:
    client = client_for(agent)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=agent).count() == 1


def test_a_first_code_turns_it_on_and_shows_recovery_codes_once(agent) -> None:
    # given
    client = client_for(agent)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=agent)
    # when
    response = client.post(SETUP, {"code": code_of(device)})
    # then
    codes = shown_codes(response)
    device.refresh_from_db()
    assert response.status_code == 200
    assert device.confirmed is True
    assert len(codes) == 10
    assert len(set(codes)) == 10
    # stored hashed: no code appears in the database
    stored = list(RecoveryCode.objects.filter(user=agent).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not {code.replace("-", "") for code in codes} & set(stored)
    assert shown_codes(client.get(SETUP)) == []


def test_the_code_confirms_the_authenticator_it_came_from_when_two_were_started(agent) -> None:
    # given: two setup pages opened at the same moment, each starting an authenticator
    first = TOTPDevice.objects.create(user=agent, name="tab 1", confirmed=False)
    second = TOTPDevice.objects.create(user=agent, name="tab 2", confirmed=False)
    # when: the user scans the second page's secret and types its code
    response = client_for(agent).post(SETUP, {"code": code_of(second)})
    # then: that one is on, and the other is gone
    assert response.status_code == 200
    assert list(TOTPDevice.objects.filter(user=agent).values_list("pk", "confirmed")) == [
        (second.pk, True)
    ]
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()


def test_a_wrong_first_code_leaves_it_off(agent) -> None:
    client = client_for(agent)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 422
    assert "The code is wrong or too old." in response.content.decode()
    assert two_factor.has_authenticator(agent) is False


def test_new_recovery_codes_replace_the_old_ones(agent) -> None:
    # given
    device = two_factor.authenticator_start(user=agent)
    old = two_factor.authenticator_confirm(user=agent, code=code_of(device))
    # when
    response = client_for(agent).post("/people/preferences/two-factor/recovery-codes/")
    new = shown_codes(response)
    # then
    assert len(new) == 10
    assert two_factor.second_factor_accept(user=agent, code=old[0]) is False
    assert two_factor.second_factor_accept(user=agent, code=new[0]) is True


def test_anonymous_visitors_are_sent_to_sign_in(db) -> None:
    response = Client().get(SETUP)
    assert response.headers["Location"] == f"/login/?next={SETUP}"


# An administrator's reset


def test_an_administrator_resets_anothers_two_factor(admin, agent) -> None:
    # given: the agent lost the phone
    authenticator_for(agent)
    # when
    response = client_for(admin).post(f"/people/users/{agent.pk}/two-factor/reset/")
    # then: the password alone signs in again
    assert response.status_code == 302
    assert two_factor.has_authenticator(agent) is False
    assert RecoveryCode.objects.filter(user=agent).count() == 0
    signed_in = Client().post("/login/", {"username": "agent", "password": PASSWORD})
    assert signed_in.headers["Location"] == "/"


def test_the_user_page_offers_the_reset_only_when_it_is_on(admin, agent) -> None:
    client = client_for(admin)
    before = client.get(f"/people/users/{agent.pk}/").content.decode()
    authenticator_for(agent)
    after = client.get(f"/people/users/{agent.pk}/").content.decode()
    assert "Reset two-factor sign-in" not in before
    assert "Reset two-factor sign-in" in after


@pytest.mark.parametrize(("persona", "status"), [("manager", 403), ("portal_user", 404)])
def test_only_administrators_reset_two_factor(request, agent, persona, status) -> None:
    authenticator_for(agent)
    client = client_for(request.getfixturevalue(persona))
    response = client.post(f"/people/users/{agent.pk}/two-factor/reset/")
    assert response.status_code == status
    assert two_factor.has_authenticator(agent) is True


def test_resetting_an_unknown_user_is_not_found(admin) -> None:
    response = client_for(admin).post("/people/users/999999/two-factor/reset/")
    assert response.status_code == 404


# The policy


def require_two_factor_for_administrators() -> None:
    two_factor.sign_in_policy_set(two_factor_required_for_administrators=True)


def test_a_required_administrator_sets_it_up_before_any_other_page(admin) -> None:
    # given
    require_two_factor_for_administrators()
    client = Client()
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    # when
    elsewhere = client.get("/customers/")
    setup = client.get(SETUP)
    # then
    assert elsewhere.headers["Location"] == SETUP
    assert setup.status_code == 200
    assert "Administrators must use two-factor sign-in here" in setup.content.decode()


def test_after_the_setup_the_administrator_goes_on(admin) -> None:
    # given
    require_two_factor_for_administrators()
    client = Client()
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    client.get(SETUP)
    # when
    client.post(SETUP, {"code": code_of(TOTPDevice.objects.get(user=admin))})
    # then
    assert client.get("/customers/").status_code == 200


def test_the_policy_does_not_concern_other_roles(agent) -> None:
    require_two_factor_for_administrators()
    client = Client()
    client.post("/login/", {"username": "agent", "password": PASSWORD})
    assert client.get("/customers/").status_code == 200


def test_turning_the_policy_on_signs_out_administrators_without_an_authenticator(
    admin, manager
) -> None:
    # given: two administrators signed in, one of them with an authenticator
    from kartoteka.testing.people import UserFactory

    careful = UserFactory(username="careful", role="admin")
    authenticator_for(careful)
    without, with_device, other = Client(), Client(), Client()
    without.force_login(admin)
    with_device.force_login(careful)
    other.force_login(manager)
    # when
    client_for(careful).post("/people/sign-in/", {"two_factor_required_for_administrators": "on"})
    # then
    assert without.get("/customers/").status_code == 302
    assert with_device.get("/customers/").status_code == 200
    assert other.get("/customers/").status_code == 200


def test_the_administrator_who_turns_it_on_without_an_authenticator_sets_one_up(admin) -> None:
    # given
    client = Client()
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    # when
    response = client.post("/people/sign-in/", {"two_factor_required_for_administrators": "on"})
    # then: still signed in, and sent to the setup before anything else
    assert response.status_code == 302
    assert client.get("/customers/").headers["Location"] == SETUP
