"""Signing in, in one or two steps: the password, then (for users with an authenticator) a
code. Shared by the sign-in pages and the API's token endpoint.

Between the two steps the session holds only who passed the password and when; the user is
signed in (``django.contrib.auth.login``) only after the code. A wrong code counts as a failed
sign-in for django-axes like a wrong password, so codes cannot be guessed at leisure either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import login, user_login_failed
from django.http import HttpRequest
from django.utils import timezone

from kartoteka.people import throttling, two_factor
from kartoteka.people.models import User

PENDING_KEY = "kartoteka_sign_in_pending"
SETUP_REQUIRED_KEY = "kartoteka_two_factor_setup_required"
# Long enough to find the phone, short enough that an unattended half-signed-in tab expires.
CODE_STEP_TIME = timedelta(minutes=5)


@dataclass(frozen=True)
class Pending:
    user: User
    backend: str


def password_passed(request: HttpRequest, user: User) -> bool:
    """After a correct password: sign the user in and return True, or, when they have an
    authenticator, remember them for the code step and return False."""
    if two_factor.has_authenticator(user):
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": timezone.now().timestamp(),
        }
        return False
    complete(request, user, backend=user.backend)
    return True


def pending(request: HttpRequest) -> Pending | None:
    """Who passed the password in this session and still has to give a code (None when nobody
    did, or too long ago, or the user has since been deactivated)."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    started = timezone.now().timestamp() - float(data.get("at", 0))
    if not 0 <= started <= CODE_STEP_TIME.total_seconds():
        del request.session[PENDING_KEY]
        return None
    user_pk = data.get("user")
    user = User.objects.filter(pk=user_pk, is_active=True).first() if user_pk else None
    if user is None:
        return None
    return Pending(user=user, backend=str(data["backend"]))


def code_accepted(request: HttpRequest, user: User, code: str) -> bool:
    """Check the second step's code; a wrong one is a failed sign-in of the user's name."""
    if two_factor.second_factor_accept(user=user, code=code):
        return True
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    return False


def is_locked(request: HttpRequest, user: User) -> bool:
    return throttling.is_locked(request, username=user.get_username())


def complete(request: HttpRequest, user: User, *, backend: str) -> None:
    """Sign the user in: forget their failures from this address, and mark the session when
    the policy sends them to set up an authenticator first."""
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=backend)
    throttling.failures_clear(
        username=user.get_username(), address=throttling.client_address(request)
    )
    if two_factor.setup_required(user):
        request.session[SETUP_REQUIRED_KEY] = True


def failures_cleared_for_api(request: HttpRequest, user: User) -> None:
    """The API's token endpoint signs nobody in; it only forgets the failures."""
    throttling.failures_clear(
        username=user.get_username(), address=throttling.client_address(request)
    )
