"""What every request of a signed-in user passes through: their language and time zone, and
the two-factor setup that the sign-in policy may require first."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from kartoteka.people.sign_in import SETUP_REQUIRED_KEY


def preferences_activate(request: HttpRequest, user: Any) -> None:
    """Speak the user's language and show times in their time zone for the rest of the
    request (the middleware below for a session, ``TokenAuthentication`` for a program)."""
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    if user.time_zone:
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()


class UserPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            preferences_activate(request, request.user)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TwoFactorSetupMiddleware:
    """Send a user whom the policy requires to set up an authenticator (marked on their session
    at sign-in) to the setup page before any other page; signing out and switching the
    language stay possible. Reads only the session: no query on ordinary requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and request.session.get(SETUP_REQUIRED_KEY):
            setup = reverse("people:two-factor")
            allowed = (setup, reverse("logout"), reverse("set_language"))
            if request.path not in allowed:
                return redirect(setup)
        return self.get_response(request)
