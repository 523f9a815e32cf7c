"""Authentication backends: django-axes' refusal of locked sign-ins, for web requests."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockedSignInBackend(AxesStandaloneBackend):
    """Refuses the sign-ins that django-axes has locked (it signs nobody in itself).

    A call of ``authenticate()`` without a request comes from no client (a script, Django's
    test ``Client.login``): there is no address to count, so it is let through to the next
    backend instead of failing as axes' own backend does.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
