"""What the REST API of every app shares: who may use it, how a service's refusal reads, how a
list's filters are applied and documented.

The apps' own ``api`` modules stand in their layers and import this; the ``api`` app at the
top only puts their endpoints together under ``/api/v1/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

if TYPE_CHECKING:
    from django_filters import FilterSet
    from rest_framework.request import Request
    from rest_framework.views import APIView


class IsStaffMember(BasePermission):
    """Signed-in, active company staff (portal users have their own endpoints)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff_member)


class WorksWithCases(IsStaffMember):
    """Staff who work with cases: administrators, managers and those granted it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return super().has_permission(request, view) and bool(request.user.works_with_cases)


class NamedValueSerializer(serializers.Serializer):
    """An admin-defined list value's names (see ``core.names``), as every such list answers."""

    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The main name, as the administrator gave it.")
    names = serializers.DictField(
        child=serializers.CharField(),
        help_text="The name in other languages, by language code (e.g. pl, cs).",
    )
    local_name = serializers.CharField(
        help_text="The name in the language of the request (its user's), else the main name."
    )


def service_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's ``ValidationError`` (keyed by the request's fields) as a 400."""
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})
    detail: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
        detail.setdefault(key, []).extend(messages)
    return exceptions.ValidationError(detail)


class SelectorFilterBackend(DjangoFilterBackend):
    """Documents a list's filters in the schema; the list's selector has applied them."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: APIView) -> QuerySet:
        return queryset


def filtered(filterset: FilterSet) -> QuerySet:
    """The filterset's result, or a 400 naming the bad query parameters."""
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.qs
