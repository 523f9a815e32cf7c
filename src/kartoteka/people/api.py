"""The API's sign-in: a staff member's user name and password (and, with two-factor sign-in, a
code) exchanged for their API token.

It is throttled like the sign-in page: failures count for django-axes against the user name
and the client address, and a locked sign-in is answered 429 with a JSON ``detail`` (by
``people.throttling.lockout_response``, through axes' middleware).
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.people import sign_in, two_factor
from kartoteka.people.models import User


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    code = serializers.CharField(max_length=32, required=False, allow_blank=True)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenObtainApi(APIView):
    """POST a user name, password and (with two-factor sign-in) ``code``; get the token.

    The same token as ``kartoteka token USERNAME`` prints: it is created on first use.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInput, responses={200: TokenOutput})
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if not isinstance(user, User):
            return _refused(_("Wrong user name or password."), status.HTTP_400_BAD_REQUEST)
        if not user.is_staff_member:
            return _refused(_("Only staff members use the API."), status.HTTP_403_FORBIDDEN)
        if two_factor.setup_required(user):
            return _refused(
                _("Set up two-factor sign-in in the browser first."), status.HTTP_403_FORBIDDEN
            )
        if two_factor.has_authenticator(user) and not sign_in.code_accepted(
            django_request, user, data.validated_data.get("code", "")
        ):
            return _refused(
                _("Two-factor sign-in is on: send the current code as code."),
                status.HTTP_400_BAD_REQUEST,
            )
        sign_in.failures_cleared_for_api(django_request, user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenOutput({"token": token.key}).data)


def _refused(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)
