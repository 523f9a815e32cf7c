"""The staff API of accounts and contacts: narrow views with explicit input and output shapes.

Reads go through ``customers.selectors`` (a hidden record is a 404, never a 403), writes go
through ``customers.services``; the input serializers only check types and resolve ids among
the records the user may pick, the services check the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.core.models import DictionaryEntry
from kartoteka.core.rest import SelectorFilterBackend, filtered, service_error
from kartoteka.customers import selectors, services
from kartoteka.customers.filters import AccountFilter, ContactFilter
from kartoteka.customers.models import Account, Contact, PhoneNumber, Segment
from kartoteka.people.models import Team, User

if TYPE_CHECKING:
    pass


def _max_length(model: type[Model], field: str) -> int | None:
    """The column's limit, so the API rejects what the database could not store."""
    return model._meta.get_field(field).max_length  # type: ignore[union-attr]


# Raw identifiers may carry a PL prefix, spaces and dashes; the services store digits only.
RAW_IDENTIFIER_MAX_LENGTH = 32


def _staff_user(request: Request) -> User:
    """The signed-in staff member (``IsStaffMember`` has let only them through)."""
    return cast(User, request.user)


# Output


@extend_schema_field(serializers.ListField(child=serializers.EmailField()))
class EmailAddressListField(serializers.Field):
    """A contact's or an account's email addresses as plain strings, in their order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> list[str]:
        return [email.address for email in value.all()]


# ``kind`` names other choice sets elsewhere in the API; named components keep them apart.
@extend_schema_field(
    serializers.ChoiceField(choices=Account.Kind.choices), component_name="AccountKindEnum"
)
class AccountKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Account.Kind.choices, **kwargs)


@extend_schema_field(
    serializers.ChoiceField(choices=PhoneNumber.Kind.choices), component_name="PhoneKindEnum"
)
class PhoneKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PhoneNumber.Kind.choices, **kwargs)


class AccountSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerClassificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    dictionary = serializers.IntegerField(source="dictionary_id")
    # A declared field replaces ``Field.label`` on the class; the stubs cannot know that.
    label = serializers.CharField()  # type: ignore[assignment]


class ContactPhoneSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=_max_length(PhoneNumber, "number"))
    kind = PhoneKindField(default=PhoneNumber.Kind.MOBILE)


class AccountOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = AccountKindField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    nip = serializers.CharField()
    regon = serializers.CharField()
    street = serializers.CharField()
    postal_code = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField()
    website = serializers.CharField()
    segments = AccountSegmentSerializer(many=True)
    manager = serializers.IntegerField(source="manager_id", allow_null=True)
    team = serializers.IntegerField(source="team_id", allow_null=True)
    restricted = serializers.BooleanField()
    classifications = CustomerClassificationSerializer(many=True)
    shared_emails = EmailAddressListField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="The account's page in Kartoteka.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, account: Account) -> str:
        return self.context["request"].build_absolute_uri(account.get_absolute_url())


class ContactOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id", allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    position = serializers.CharField()
    emails = EmailAddressListField()
    phones = ContactPhoneSerializer(many=True)
    classifications = CustomerClassificationSerializer(many=True)
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# Input


@extend_schema_field(OpenApiTypes.INT)
class VisibleAccountField(serializers.PrimaryKeyRelatedField):
    """An account id among those the requesting user sees; any other id "does not exist"."""

    def get_queryset(self) -> QuerySet[Account]:
        return Account.objects.visible_to(_staff_user(self.context["request"]))


def _text(model: type[Model], field: str, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=_max_length(model, field), required=False, allow_blank=True, **kwargs
    )


class AccountInputSerializer(serializers.Serializer):
    """Fields left out keep their value (or the default, on create)."""

    kind = AccountKindField(required=False)
    name = serializers.CharField(max_length=_max_length(Account, "name"))
    short_name = _text(Account, "short_name")
    nip = serializers.CharField(
        max_length=RAW_IDENTIFIER_MAX_LENGTH, required=False, allow_blank=True
    )
    regon = serializers.CharField(
        max_length=RAW_IDENTIFIER_MAX_LENGTH, required=False, allow_blank=True
    )
    street = _text(Account, "street")
    postal_code = _text(Account, "postal_code")
    city = _text(Account, "city")
    country = serializers.CharField(max_length=_max_length(Account, "country"), required=False)
    phone = _text(Account, "phone")
    website = serializers.URLField(
        max_length=_max_length(Account, "website"), required=False, allow_blank=True
    )
    segments = serializers.PrimaryKeyRelatedField(
        queryset=Segment.objects.all(), many=True, required=False
    )
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.exclude(role=User.Role.PORTAL).filter(is_active=True),
        allow_null=True,
        required=False,
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    restricted = serializers.BooleanField(required=False)
    classifications = serializers.PrimaryKeyRelatedField(
        queryset=DictionaryEntry.objects.select_related("dictionary"), many=True, required=False
    )
    shared_emails = serializers.ListField(
        child=serializers.CharField(max_length=254), required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Save even though another account already has this NIP or REGON (a branch of the "
            "same company, a lead of a customer). Without it such a save is refused with 400."
        ),
    )


class ContactInputSerializer(serializers.Serializer):
    """Fields left out keep their value (or the default, on create)."""

    account = VisibleAccountField(allow_null=True, required=False)
    first_name = _text(Contact, "first_name")
    last_name = serializers.CharField(max_length=_max_length(Contact, "last_name"))
    position = _text(Contact, "position")
    emails = serializers.ListField(child=serializers.CharField(max_length=254), required=False)
    phones = ContactPhoneSerializer(many=True, required=False)
    classifications = serializers.PrimaryKeyRelatedField(
        queryset=DictionaryEntry.objects.select_related("dictionary"), many=True, required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True)


def _account_save(request: Request, account: Account | None, *, partial: bool) -> Account:
    """The request's account written through the services (created when ``account`` is None)."""
    user = _staff_user(request)
    given = AccountInputSerializer(data=request.data, partial=partial, context={"request": request})
    given.is_valid(raise_exception=True)
    data = dict(given.validated_data)
    confirm_duplicate = bool(data.pop("confirm_duplicate", False))
    relations = {
        name: data.pop(name)
        for name in ("segments", "classifications", "shared_emails")
        if name in data
    }
    try:
        if account is None:
            return services.account_create(
                by=user, data=data, confirm_duplicate=confirm_duplicate, **relations
            )
        return services.account_update(
            account=account, by=user, data=data, confirm_duplicate=confirm_duplicate, **relations
        )
    except DjangoValidationError as error:
        refused = error
        if hasattr(error, "error_dict") and services.has_duplicate_warning(error):
            hint = _(
                "Another account already has this NIP or REGON. If both are right, send "
                "the request again with “confirm_duplicate”: true."
            )
            refused = DjangoValidationError({**error.error_dict, "confirm_duplicate": [hint]})
        raise service_error(refused) from error


def _contact_save(request: Request, contact: Contact | None, *, partial: bool) -> Contact:
    """The request's contact written through the services (created when ``contact`` is None)."""
    user = _staff_user(request)
    given = ContactInputSerializer(data=request.data, partial=partial, context={"request": request})
    given.is_valid(raise_exception=True)
    data = dict(given.validated_data)
    relations = {name: data.pop(name) for name in ("emails", "classifications") if name in data}
    if "phones" in data:
        relations["phones"] = [
            (phone["number"], phone.get("kind", PhoneNumber.Kind.MOBILE))
            for phone in data.pop("phones")
        ]
    try:
        if contact is None:
            return services.contact_create(by=user, data=data, **relations)
        return services.contact_update(contact=contact, by=user, data=data, **relations)
    except DjangoValidationError as error:
        raise service_error(error) from error


# Views


class AccountListApi(GenericAPIView):
    """Visible accounts, filtered like the account list page; a new account."""

    filter_backends = [SelectorFilterBackend]
    filterset_class = AccountFilter

    def get_queryset(self) -> QuerySet[Account]:
        filterset = selectors.account_filterset(
            user=_staff_user(self.request), filters=self.request.query_params
        )
        # The API shows the shared addresses, which the list page does not.
        return filtered(filterset).prefetch_related("shared_emails")

    @extend_schema(responses=AccountOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        output = AccountOutputSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(output.data)

    @extend_schema(request=AccountInputSerializer, responses={201: AccountOutputSerializer})
    def post(self, request: Request) -> Response:
        account = _account_save(request, None, partial=False)
        output = AccountOutputSerializer(account, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class AccountDetailApi(APIView):
    """One account: 404 when the user may not see it, whatever the method."""

    @extend_schema(responses=AccountOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        account = selectors.account_get_for_user(_staff_user(request), pk)
        return Response(AccountOutputSerializer(account, context={"request": request}).data)

    @extend_schema(request=AccountInputSerializer, responses=AccountOutputSerializer)
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(request=AccountInputSerializer, responses=AccountOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = _staff_user(request)
        account = selectors.account_get_for_user(user, pk, write=True)
        if not selectors.account_can_delete(user, account):
            raise exceptions.PermissionDenied(
                _("Only managers, administrators and its account manager may delete an account.")
            )
        try:
            services.account_delete(account=account, by=user)
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        account = selectors.account_get_for_user(_staff_user(request), pk, write=True)
        _account_save(request, account, partial=partial)
        # Forget the relations prefetched before the change (the user may no longer see it).
        account.refresh_from_db()
        return Response(AccountOutputSerializer(account, context={"request": request}).data)


class ContactListApi(GenericAPIView):
    """Visible contacts, filtered like the contact list page; a new contact."""

    filter_backends = [SelectorFilterBackend]
    filterset_class = ContactFilter

    def get_queryset(self) -> QuerySet[Contact]:
        filterset = selectors.contact_filterset(
            user=_staff_user(self.request), filters=self.request.query_params
        )
        # The API shows the classifications, which the list page does not.
        return filtered(filterset).prefetch_related("classifications")

    @extend_schema(responses=ContactOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ContactOutputSerializer(page, many=True).data)

    @extend_schema(request=ContactInputSerializer, responses={201: ContactOutputSerializer})
    def post(self, request: Request) -> Response:
        contact = _contact_save(request, None, partial=False)
        return Response(ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailApi(APIView):
    """One contact: 404 when the user may not see it, whatever the method."""

    @extend_schema(responses=ContactOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        contact = selectors.contact_get_for_user(_staff_user(request), pk)
        return Response(ContactOutputSerializer(contact).data)

    @extend_schema(request=ContactInputSerializer, responses=ContactOutputSerializer)
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(request=ContactInputSerializer, responses=ContactOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = _staff_user(request)
        contact = selectors.contact_get_for_user(user, pk, write=True)
        services.contact_delete(contact=contact, by=user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, pk: int, *, partial: bool) -> Response:
        contact = selectors.contact_get_for_user(_staff_user(request), pk, write=True)
        _contact_save(request, contact, partial=partial)
        # Forget the addresses and phones prefetched before the change.
        contact.refresh_from_db()
        return Response(ContactOutputSerializer(contact).data)
