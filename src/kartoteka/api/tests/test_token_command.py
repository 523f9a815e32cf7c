from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from kartoteka.people.models import User
from kartoteka.testing.people import UserFactory


def run_token(*args: str) -> str:
    out = StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue().strip()


def test_prints_the_users_token(agent) -> None:
    # when
    printed = run_token("agent")
    # then
    assert printed == Token.objects.get(user=agent).key


def test_prints_the_same_token_on_every_run(agent) -> None:
    # given
    first = run_token("agent")
    # when
    second = run_token("agent")
    # then
    assert second == first
    assert Token.objects.filter(user=agent).count() == 1


def test_rotate_replaces_the_token(agent) -> None:
    # given
    old = run_token("agent")
    # when
    new = run_token("agent", "--rotate")
    # then
    assert new != old
    assert list(Token.objects.filter(user=agent).values_list("key", flat=True)) == [new]


def test_unknown_user_is_an_error_with_exit_code_1(db: None) -> None:
    # when
    with pytest.raises(CommandError) as raised:
        run_token("nobody")
    # then
    assert (str(raised.value), raised.value.returncode) == ("There is no user nobody.", 1)
    assert Token.objects.exists() is False


@pytest.mark.parametrize(
    ("username", "role", "is_active"),
    [("gone", User.Role.AGENT, False), ("portal", User.Role.PORTAL, True)],
)
def test_inactive_or_portal_user_gets_no_token(
    db: None, username: str, role: str, is_active: bool
) -> None:
    # given
    UserFactory(username=username, role=role, is_active=is_active)
    # when
    with pytest.raises(CommandError) as raised:
        run_token(username)
    # then
    assert (str(raised.value), raised.value.returncode) == (
        f"{username} is not an active staff member, so cannot use the API.",
        1,
    )
    assert Token.objects.exists() is False
