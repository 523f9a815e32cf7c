"""The API of web forms (``/api/v1/forms/``).

- Administrators manage forms: ``GET``/``POST /api/v1/forms/``, ``GET``/``PATCH``/``DELETE
  /api/v1/forms/{id}/`` (token or session authentication; everyone else gets 403; an unknown
  form is 404).
- A company's own server sends a submission: ``POST /api/v1/forms/{key}/submissions/`` (JSON)
  with the form's secret in the ``X-Form-Secret`` header (shown on the form's page). It is the
  page's submission without what only a browser can do: no token, no robot trap, no proof of
  work, no origin; the secret stands for them. The per-address rate limit applies, ten times
  the form's (one server sends for many visitors). 201 with the case's number; 403 for a
  missing or wrong secret, 404 for an unknown or inactive form, 429 over the rate, 400 for
  invalid values, 413 for a body over the form's size. Files are not taken here.
"""

from __future__ import annotations

import hmac
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.cases.models import CaseGroup, CaseType, Priority
from kartoteka.core.rest import service_error
from kartoteka.mail.models import Mailbox
from kartoteka.people.models import User
from kartoteka.people.throttling import client_address
from kartoteka.webforms import guards, selectors, services
from kartoteka.webforms.forms import ANSWER_MAX, MESSAGE_MAX, NAME_MAX
from kartoteka.webforms.models import WebForm, WebFormSubmission

API_RATE_FACTOR = 10
Outcome = WebFormSubmission.Outcome


class IsAdministrator(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_administrator)


def _user(request: Request) -> User:
    return cast(User, request.user)


class QuestionSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]


FIELD_USES = WebForm.FieldUse.choices


class WebFormSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    public_url = serializers.SerializerMethodField()
    name = serializers.CharField(max_length=100)
    active = serializers.BooleanField(default=True)
    language = serializers.ChoiceField(
        choices=[code for code, _label in WebForm.Language.choices], default="", allow_blank=True
    )
    phone = serializers.ChoiceField(choices=FIELD_USES, default=WebForm.FieldUse.OPTIONAL)
    company = serializers.ChoiceField(choices=FIELD_USES, default=WebForm.FieldUse.OPTIONAL)
    subject = serializers.ChoiceField(choices=FIELD_USES, default=WebForm.FieldUse.REQUIRED)
    message = serializers.ChoiceField(choices=FIELD_USES, default=WebForm.FieldUse.REQUIRED)
    custom_fields = QuestionSerializer(many=True, default=list)
    attachments = serializers.BooleanField(default=False)
    attachments_max_count = serializers.IntegerField(min_value=1, max_value=10, default=3)
    attachment_max_mb = serializers.IntegerField(min_value=1, max_value=25, default=10)
    group = serializers.PrimaryKeyRelatedField(
        queryset=CaseGroup.objects.all(), allow_null=True, default=None
    )
    case_type = serializers.PrimaryKeyRelatedField(
        queryset=CaseType.objects.all(), allow_null=True, default=None
    )
    priority = serializers.PrimaryKeyRelatedField(
        queryset=Priority.objects.all(), allow_null=True, default=None
    )
    mailbox = serializers.PrimaryKeyRelatedField(
        queryset=Mailbox.objects.filter(active=True), allow_null=True, default=None
    )
    thank_you_text = serializers.CharField(max_length=2000, allow_blank=True, default="")
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=20, default=list
    )
    rate_limit_count = serializers.IntegerField(min_value=1, max_value=1000, default=5)
    rate_limit_minutes = serializers.IntegerField(min_value=1, max_value=1440, default=10)
    proof_of_work = serializers.BooleanField(default=False)
    proof_of_work_bits = serializers.IntegerField(min_value=8, max_value=24, default=16)

    def get_public_url(self, form: WebForm) -> str:
        from kartoteka.webforms.snippets import public_url

        return public_url(form)


class WebFormListApi(GenericAPIView):
    """The forms (administrators only)."""

    serializer_class = WebFormSerializer
    permission_classes = [IsAdministrator]

    def get_queryset(self) -> QuerySet[WebForm]:
        return selectors.webform_list(user=_user(self.request))

    @extend_schema(responses=WebFormSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(WebFormSerializer(page, many=True).data)

    @extend_schema(request=WebFormSerializer, responses={201: WebFormSerializer})
    def post(self, request: Request) -> Response:
        serializer = WebFormSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            form = services.webform_create(data=dict(serializer.validated_data))
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(WebFormSerializer(form).data, status=status.HTTP_201_CREATED)


class WebFormDetailApi(APIView):
    """One form (administrators only; 404 for a form that does not exist)."""

    permission_classes = [IsAdministrator]

    @extend_schema(responses=WebFormSerializer)
    def get(self, request: Request, pk: int) -> Response:
        form = selectors.webform_get_for_user(_user(request), pk)
        return Response(WebFormSerializer(form).data)

    @extend_schema(request=WebFormSerializer, responses=WebFormSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        form = selectors.webform_get_for_user(_user(request), pk)
        serializer = WebFormSerializer(form, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            form = services.webform_update(form=form, data=dict(serializer.validated_data))
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(WebFormSerializer(form).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        form = selectors.webform_get_for_user(_user(request), pk)
        services.webform_delete(form=form)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubmissionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    company = serializers.CharField(
        max_length=NAME_MAX, required=False, allow_blank=True, default=""
    )
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    message = serializers.CharField(
        max_length=MESSAGE_MAX, required=False, allow_blank=True, default=""
    )
    answers = serializers.ListField(
        child=serializers.CharField(max_length=ANSWER_MAX, allow_blank=True),
        required=False,
        default=list,
        help_text="The answers to the form's extra questions, in their order.",
    )


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is larger than the form accepts."
    default_code = "too_large"


class RateLimited(exceptions.Throttled):
    pass


def _required(form: WebForm, data: dict[str, Any]) -> dict[str, list[str]]:
    from django.utils.translation import gettext as _

    missing: dict[str, list[str]] = {}
    for name in ("phone", "company", "subject", "message"):
        if getattr(form, name) == WebForm.FieldUse.REQUIRED and not data[name].strip():
            missing[name] = [_("This field is required.")]
    answers = data["answers"]
    if len(answers) > len(form.custom_fields):
        missing["answers"] = [_("More answers than the form has questions.")]
    for index, question in enumerate(form.custom_fields):
        answer = answers[index] if index < len(answers) else ""
        if question["required"] and not answer.strip():
            missing.setdefault("answers", []).append(
                _("Answer: %(label)s") % {"label": question["label"]}
            )
    return missing


class SubmissionApi(APIView):
    """A submission sent by the company's server with the form's secret."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=SubmissionInputSerializer,
        parameters=[
            OpenApiParameter(
                "X-Form-Secret", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True
            )
        ],
        responses={
            201: inline_serializer(
                "WebFormSubmissionCreated", {"case_number": serializers.IntegerField()}
            )
        },
    )
    def post(self, request: Request, key: str) -> Response:
        form = WebForm.objects.filter(key=key, active=True).first()
        if form is None:
            raise exceptions.NotFound
        secret = request.headers.get("X-Form-Secret", "")
        if not secret or not hmac.compare_digest(secret.encode(), form.secret.encode()):
            raise exceptions.PermissionDenied
        hashed = guards.address_hash(client_address(request))
        channel = WebFormSubmission.Channel.API
        if guards.request_too_large(form, request):
            guards.refusal_record(form, hashed, Outcome.TOO_LARGE, channel=channel)
            raise TooLarge
        if guards.rate_exceeded(form, hashed, factor=API_RATE_FACTOR):
            guards.refusal_record(form, hashed, Outcome.RATE_LIMITED, channel=channel)
            raise RateLimited(wait=form.rate_limit_minutes * 60)
        serializer = SubmissionInputSerializer(data=request.data)
        if not serializer.is_valid():
            guards.refusal_record(form, hashed, Outcome.INVALID, channel=channel)
            raise exceptions.ValidationError(serializer.errors)
        data = serializer.validated_data
        missing = _required(form, data)
        if missing:
            guards.refusal_record(form, hashed, Outcome.INVALID, channel=channel)
            raise exceptions.ValidationError(missing)
        submission = services.SubmissionData(
            name=data["name"],
            email=data["email"],
            phone=data["phone"] if form.phone != WebForm.FieldUse.HIDDEN else "",
            company=data["company"] if form.company != WebForm.FieldUse.HIDDEN else "",
            subject=data["subject"] if form.subject != WebForm.FieldUse.HIDDEN else "",
            message=data["message"] if form.message != WebForm.FieldUse.HIDDEN else "",
            answers=[
                (question["label"], data["answers"][index] if index < len(data["answers"]) else "")
                for index, question in enumerate(form.custom_fields)
            ],
        )
        try:
            case = services.submission_accept(
                form=form,
                data=submission,
                address_hash=hashed,
                nonce=None,
                channel=channel,
                language=request.headers.get("Accept-Language", ""),
                rate_factor=API_RATE_FACTOR,
            )
        except services.RateLimitedError as error:
            guards.refusal_record(form, hashed, Outcome.RATE_LIMITED, channel=channel)
            raise RateLimited(wait=form.rate_limit_minutes * 60) from error
        except DjangoValidationError as error:
            guards.refusal_record(form, hashed, Outcome.INVALID, channel=channel)
            raise service_error(error) from error
        return Response({"case_number": case.number}, status=status.HTTP_201_CREATED)


app_name = "webforms-api"
urlpatterns = [
    path("", WebFormListApi.as_view(), name="list"),
    path("<int:pk>/", WebFormDetailApi.as_view(), name="detail"),
    path("<str:key>/submissions/", SubmissionApi.as_view(), name="submissions"),
]
