"""Signing in: failed sign-ins lock a user name and an address for a while; users with an
authenticator give a code after the password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone

from kartoteka.people import sign_in
from kartoteka.people.throttling import client_address
from kartoteka.testing.people import PASSWORD, UserFactory
from kartoteka.testing.two_factor import authenticator_for, code_of

LOCKED = "Too many failed sign-ins. Signing in is locked for a while"


def sign_in_as(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra: str) -> list[int]:
    return [sign_in_as(client, username, "wrong", **extra).status_code for _ in range(times)]


def alert(response) -> str:
    """The sign-in page's message."""
    found = re.search(
        r'<div class="form-errors" role="alert">(.*?)</div>', response.content.decode()
    )
    return found.group(1) if found else ""


def is_signed_in(client: Client) -> bool:
    return client.get("/people/preferences/").status_code == 200


# Locking


def test_the_fifth_wrong_password_locks_the_user_name_with_a_message(agent) -> None:
    # given
    client = Client()
    # when
    statuses = fail(client, "agent", 5)
    response = sign_in_as(client, "agent")  # the right password, too late
    # then
    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "ask an administrator to unlock it" in response.content.decode()
    assert not is_signed_in(client)


def test_the_message_says_when_to_try_again(agent, frozen_now, settings) -> None:
    # given: 15 minutes of cool-off from 10:00 (in the installation's time zone)
    settings.TIME_ZONE = "UTC"
    # when
    response = fail(Client(), "agent", 5)
    locked = sign_in_as(Client(), "agent")
    # then
    until = (frozen_now + timedelta(minutes=15)).strftime("%H:%M")
    assert response[-1] == 429
    assert f"try again after {until}" in locked.content.decode()


def test_tries_during_the_lock_do_not_prolong_it(agent) -> None:
    # given: locked ten minutes ago
    fail(Client(), "agent", 5)
    locked_at = timezone.now() - timedelta(minutes=10)
    AccessAttempt.objects.update(attempt_time=locked_at)
    # when
    during = fail(Client(), "agent", 3)
    # then: refused and not counted, so the lock still ends 15 minutes after the fifth failure
    attempt = AccessAttempt.objects.get()
    assert during == [429, 429, 429]
    assert (attempt.failures_since_start, attempt.attempt_time) == (5, locked_at)


def test_an_unknown_user_name_gets_the_same_answer(agent) -> None:
    # given: as many failures for a user who exists and for one who does not
    fail(Client(REMOTE_ADDR="10.0.0.1"), "agent", 5)
    fail(Client(REMOTE_ADDR="10.0.0.2"), "nobody", 5)
    # when
    known = sign_in_as(Client(REMOTE_ADDR="10.0.0.3"), "agent", "wrong")
    unknown = sign_in_as(Client(REMOTE_ADDR="10.0.0.4"), "nobody", "wrong")
    # then
    assert (known.status_code, unknown.status_code) == (429, 429)
    assert alert(known) == alert(unknown)
    assert LOCKED in alert(known)


def test_failures_from_one_address_lock_it_for_every_user_name(agent) -> None:
    # given: five guesses, each at another user name, from one address
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("anna", "bartek", "celina", "darek", "ewa"):
        sign_in_as(attacker, name, "wrong")
    # when
    from_there = sign_in_as(attacker, "agent")
    from_elsewhere = sign_in_as(Client(REMOTE_ADDR="198.51.100.7"), "agent")
    # then
    assert from_there.status_code == 429
    assert from_elsewhere.status_code == 302


def test_the_lock_lifts_after_the_cool_off(agent) -> None:
    # given
    fail(Client(), "agent", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    # when
    response = sign_in_as(Client(), "agent")
    # then
    assert response.status_code == 302


def test_a_successful_sign_in_clears_the_count(agent) -> None:
    # given: four failures, then the right password
    client = Client()
    fail(client, "agent", 4)
    assert sign_in_as(client, "agent").status_code == 302
    client.post("/logout/")
    # when: four more failures
    statuses = fail(client, "agent", 4)
    # then: not locked
    assert statuses == [200] * 4
    assert sign_in_as(client, "agent").status_code == 302


def test_signing_in_to_ones_own_account_keeps_the_count_against_another(agent) -> None:
    # given: four guesses at the agent's password, from the address of a colleague
    UserFactory(username="colleague")
    office = Client(REMOTE_ADDR="192.0.2.10")
    fail(office, "agent", 4)
    # when: the colleague signs in there, and the guessing goes on
    assert sign_in_as(office, "colleague").status_code == 302
    office.post("/logout/")
    fifth = sign_in_as(office, "agent", "wrong")
    # then
    assert fifth.status_code == 429


def test_the_message_is_in_the_users_language(agent) -> None:
    # given
    client = Client(headers={"accept-language": "pl"})
    # when
    response = fail(client, "agent", 5)
    locked = sign_in_as(client, "agent")
    # then
    assert response[-1] == 429
    assert "Zbyt wiele nieudanych prób logowania" in locked.content.decode()


# The client's address


def test_the_address_is_remote_addr_and_a_forwarded_header_is_ignored(settings) -> None:
    settings.TRUSTED_PROXIES = 0
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.5"
    )
    assert client_address(request) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings) -> None:
    # given: one proxy of ours, which appends the address it saw; the client forged another
    settings.TRUSTED_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.5"
    )
    # then
    assert client_address(request) == "198.51.100.5"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, ", "x" * 5000])
def test_a_malformed_forwarded_header_falls_back_to_remote_addr(settings, forwarded) -> None:
    settings.TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == "10.0.0.2"


def test_behind_a_trusted_proxy_failures_count_per_forwarded_address(agent, settings) -> None:
    # given: every request comes through the proxy at 10.0.0.2
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for name in ("anna", "bartek", "celina", "darek", "ewa"):
        sign_in_as(Client(**proxy), name, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9")
    # when
    attacker = sign_in_as(Client(**proxy), "agent", HTTP_X_FORWARDED_FOR="203.0.113.9")
    someone_else = sign_in_as(Client(**proxy), "agent", HTTP_X_FORWARDED_FOR="198.51.100.7")
    # then
    assert attacker.status_code == 429
    assert someone_else.status_code == 302


# Two-factor sign-in


def test_a_user_with_an_authenticator_gives_a_code_after_the_password(agent) -> None:
    # given
    device = authenticator_for(agent)
    client = Client()
    # when
    after_password = client.post(
        "/login/?next=/cases/", {"username": "agent", "password": PASSWORD}
    )
    signed_in_before_code = is_signed_in(client)
    after_code = client.post("/login/code/", {"code": code_of(device)})
    # then
    assert after_password.headers["Location"] == "/login/code/"
    assert signed_in_before_code is False
    assert after_code.status_code == 302
    assert after_code.headers["Location"] == "/cases/"
    assert is_signed_in(client)


def test_a_wrong_code_is_refused_and_counts_as_a_failed_sign_in(agent) -> None:
    # given
    authenticator_for(agent)
    client = Client()
    sign_in_as(client, "agent")
    # when
    wrong = client.post("/login/code/", {"code": "000000"})
    # then
    assert wrong.status_code == 422
    assert "The code is wrong or was used already." in wrong.content.decode()
    assert AccessAttempt.objects.get(username="agent").failures_since_start == 1
    assert not is_signed_in(client)


def test_wrong_codes_lock_the_sign_in_like_wrong_passwords(agent) -> None:
    # given: the password is right, the codes are guessed
    authenticator_for(agent)
    client = Client()
    sign_in_as(client, "agent")
    # when
    statuses = [client.post("/login/code/", {"code": f"{n:06d}"}).status_code for n in range(5)]
    # then
    assert statuses == [422, 422, 422, 422, 429]
    assert LOCKED in client.get("/login/code/").content.decode()


def test_a_recovery_code_signs_in_once(agent) -> None:
    # given
    from kartoteka.people import two_factor

    device = two_factor.authenticator_start(user=agent)
    codes = two_factor.authenticator_confirm(user=agent, code=code_of(device))
    first, second = Client(), Client()
    sign_in_as(first, "agent")
    sign_in_as(second, "agent")
    # when
    used = first.post("/login/code/", {"code": codes[0].upper()})
    again = second.post("/login/code/", {"code": codes[0]})
    # then
    assert used.status_code == 302
    assert again.status_code == 422


def test_the_code_step_expires(agent, monkeypatch) -> None:
    # given: the password was given six minutes ago
    device = authenticator_for(agent)
    client = Client()
    sign_in_as(client, "agent")
    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # when
    response = client.post("/login/code/", {"code": code_of(device)})
    # then
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/"
    assert not is_signed_in(client)


@pytest.mark.parametrize("code", ["", "1" * 33, "12345\x00", "<script>"])
def test_a_malformed_code_is_refused_with_a_message(agent, code) -> None:
    authenticator_for(agent)
    client = Client()
    sign_in_as(client, "agent")
    response = client.post("/login/code/", {"code": code})
    assert response.status_code == 422
    assert not is_signed_in(client)


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(db) -> None:
    response = Client().post("/login/code/", {"code": "123456"})
    assert response.headers["Location"] == "/login/"


def test_a_user_without_an_authenticator_signs_in_with_the_password(agent) -> None:
    response = sign_in_as(Client(), "agent")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_next_page_must_be_on_this_site(agent) -> None:
    device = authenticator_for(agent)
    client = Client()
    client.post("/login/?next=https://evil.example/", {"username": "agent", "password": PASSWORD})
    response = client.post("/login/code/", {"code": code_of(device)})
    assert response.headers["Location"] == "/"


def test_the_pending_sign_in_is_not_a_sign_in(agent) -> None:
    authenticator_for(agent)
    client = Client()
    sign_in_as(client, "agent")
    assert sign_in.PENDING_KEY in client.session
    assert "_auth_user_id" not in client.session
