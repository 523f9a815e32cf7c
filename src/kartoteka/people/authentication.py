"""How a program signs in to the API: a token, after which it is answered like its user in
the browser, in their language and time zone.

The middleware that applies a signed-in user's preferences runs before the API knows who sends
a token (Django REST framework authenticates inside the view), so the token's user would
otherwise be answered in the language of ``Accept-Language`` or the installation's.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication as RestTokenAuthentication
from rest_framework.request import Request

from kartoteka.people.middleware import preferences_activate


class TokenAuthentication(RestTokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        signed_in = super().authenticate(request)
        if signed_in is not None:
            preferences_activate(request._request, signed_in[0])
        return signed_in
