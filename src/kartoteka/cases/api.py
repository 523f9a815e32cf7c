"""The staff API of cases, their history and the case lookup lists.

Only users who work with cases get in (``WorksWithCases``); a case they may not see is a 404.
Reads go through ``cases.selectors``, writes through ``cases.services``; the input serializers
check types and resolve ids among the records the user may pick, the services check the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.fields import empty
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.cases import history, selectors, services
from kartoteka.cases.filters import CaseFilter
from kartoteka.cases.models import (
    Case,
    CaseGroup,
    CaseNote,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.core.rest import (
    NamedValueSerializer,
    SelectorFilterBackend,
    WorksWithCases,
    filtered,
    service_error,
)
from kartoteka.customers.api import VisibleAccountField
from kartoteka.customers.models import Contact
from kartoteka.people.models import User

if TYPE_CHECKING:
    pass


def _case_worker(request: Request) -> User:
    """The signed-in user (``WorksWithCases`` has let only case workers through)."""
    return cast(User, request.user)


def _max_length(field: str) -> int | None:
    """The column's limit, so the API rejects what the database could not store."""
    return Case._meta.get_field(field).max_length  # type: ignore[union-attr]


# Output


class NamedObjectSerializer(serializers.Serializer):
    """A related record as its id and its name as people read it."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="__str__")


class CaseOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    subject = serializers.CharField()
    description = serializers.CharField()
    status = NamedObjectSerializer()
    priority = NamedObjectSerializer()
    case_type = NamedObjectSerializer(allow_null=True)
    category = NamedObjectSerializer(allow_null=True)
    group = NamedObjectSerializer(allow_null=True)
    account = NamedObjectSerializer(allow_null=True)
    contacts = NamedObjectSerializer(many=True)
    reporter = NamedObjectSerializer(allow_null=True)
    assignee = NamedObjectSerializer(allow_null=True)
    created_by = NamedObjectSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_date = serializers.DateField(allow_null=True)
    annotation = serializers.CharField()
    overdue_since = serializers.DateTimeField(
        allow_null=True,
        help_text="When the case became overdue in its status; null when it is not overdue.",
    )
    notify = serializers.BooleanField(
        help_text="Whether notification emails go to the customer's side on creation and changes."
    )
    notify_reporter = serializers.BooleanField(help_text="Whether they go to the reporter.")
    notify_contact = NamedObjectSerializer(
        allow_null=True, help_text="Another contact of the customer they go to."
    )
    notify_addresses = serializers.CharField(
        help_text="Extra addresses they go to, separated by commas."
    )
    notify_text = serializers.CharField(help_text="A text added at the end of each of them.")
    url = serializers.SerializerMethodField(help_text="The case's page in Kartoteka.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case: Case) -> str:
        return self.context["request"].build_absolute_uri(case.get_absolute_url())


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The case field's name, e.g. status.")
    old = serializers.JSONField(
        source="old_value",
        allow_null=True,
        help_text="The value before: plain, {id, name} for a related record, a list for contacts.",
    )
    new = serializers.JSONField(
        source="new_value", allow_null=True, help_text="The value after, shown like old."
    )


class HistoryEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = NamedObjectSerializer(allow_null=True)
    type = serializers.ChoiceField(
        source="kind",
        choices=["created", "changed", "deleted", "note", "event"],
        help_text="A change of fields (created, changed, deleted), a note or an event.",
    )
    event = serializers.CharField(
        help_text="For an event: contacts_changed, message_moved_in, message_moved_out, "
        "created_from_message, merged_from, merged_into or overdue; else empty."
    )
    text = serializers.CharField(help_text="The note, or what the event says; else empty.")
    changes = HistoryChangeSerializer(many=True)


class LookupOutputSerializer(NamedValueSerializer):
    position = serializers.IntegerField()
    is_default = serializers.BooleanField()


class StatusOutputSerializer(LookupOutputSerializer):
    closes_case = serializers.BooleanField()
    overdue_after_days = serializers.IntegerField(allow_null=True)


class CaseSettingsOutputSerializer(serializers.Serializer):
    prefix = serializers.CharField()
    incoming_status = NamedObjectSerializer(allow_null=True)
    reply_status = NamedObjectSerializer(allow_null=True)


class NoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    author = NamedObjectSerializer(allow_null=True)
    text = serializers.CharField()
    internal = serializers.BooleanField(
        help_text="An internal note (never shown to the customer) or a public comment."
    )
    mentioned = NamedObjectSerializer(
        many=True, source="mentioned.all", help_text="The users the text @mentions."
    )
    created_at = serializers.DateTimeField()


# Input


class InternalField(serializers.BooleanField):
    """Left out, a post is internal, also in a form-encoded request (where DRF would read a
    missing checkbox as false): a comment is public only when asked for."""

    default_empty_html = empty


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.NOTE_MAX_LENGTH)
    internal = InternalField(
        default=True,
        help_text="true (the default): an internal note, never shown to the customer; "
        "false: a public comment.",
    )


@extend_schema_field(OpenApiTypes.INT)
class VisibleContactField(serializers.PrimaryKeyRelatedField):
    """A contact id among those the requesting user sees; any other id "does not exist"."""

    def get_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.visible_to(_case_worker(self.context["request"]))


class CaseInputSerializer(serializers.Serializer):
    """Fields left out keep their value (on create: lookups take their list's default)."""

    subject = serializers.CharField(max_length=_max_length("subject"))
    description = serializers.CharField(required=False, allow_blank=True)
    status = serializers.PrimaryKeyRelatedField(queryset=Status.objects.all(), required=False)
    priority = serializers.PrimaryKeyRelatedField(queryset=Priority.objects.all(), required=False)
    case_type = serializers.PrimaryKeyRelatedField(
        queryset=CaseType.objects.all(), required=False, allow_null=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    group = serializers.PrimaryKeyRelatedField(
        queryset=CaseGroup.objects.all(), required=False, allow_null=True
    )
    contacts = VisibleContactField(many=True, required=False)
    reporter = VisibleContactField(required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=selectors.case_workers(), required=False, allow_null=True
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    annotation = serializers.CharField(
        max_length=_max_length("annotation"), required=False, allow_blank=True
    )
    notify = serializers.BooleanField(required=False)
    notify_reporter = serializers.BooleanField(required=False)
    notify_contact = VisibleContactField(
        required=False, allow_null=True, help_text="A contact of the case's customer."
    )
    notify_addresses = serializers.CharField(
        max_length=_max_length("notify_addresses"),
        required=False,
        allow_blank=True,
        help_text="Separated by commas or semicolons; each must be an email address.",
    )
    notify_text = serializers.CharField(
        max_length=services.NOTIFY_TEXT_MAX_LENGTH, required=False, allow_blank=True
    )


class CaseCreateInputSerializer(CaseInputSerializer):
    account = VisibleAccountField(
        required=False, allow_null=True, help_text="The customer; it cannot change later."
    )


class CaseUpdateInputSerializer(CaseInputSerializer):
    account = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The customer cannot change: only the case's own customer is accepted.",
    )

    def validate_account(self, value: int | None) -> int | None:
        if value != self.context["case"].account_id:
            raise serializers.ValidationError(_("The customer of a case cannot change."))
        return value


def _case_create(request: Request) -> Case:
    given = CaseCreateInputSerializer(data=request.data, context={"request": request})
    given.is_valid(raise_exception=True)
    data = dict(given.validated_data)
    subject = data.pop("subject")
    account = data.pop("account", None)
    contacts = data.pop("contacts", ())
    try:
        return services.case_create(
            by=_case_worker(request),
            subject=subject,
            account=account,
            contacts=contacts,
            data=data,
            channel=Case.Channel.API,
        )
    except DjangoValidationError as error:
        raise service_error(error) from error


def _case_update(request: Request, case: Case, *, partial: bool) -> None:
    given = CaseUpdateInputSerializer(
        data=request.data, partial=partial, context={"request": request, "case": case}
    )
    given.is_valid(raise_exception=True)
    data = dict(given.validated_data)
    data.pop("account", None)
    contacts = data.pop("contacts", None)
    try:
        services.case_update(case=case, by=_case_worker(request), data=data, contacts=contacts)
    except DjangoValidationError as error:
        raise service_error(error) from error


# Views


class CaseListApi(GenericAPIView):
    """Visible cases, filtered like the case list page (newest first); a new case."""

    permission_classes = [WorksWithCases]
    filter_backends = [SelectorFilterBackend]
    filterset_class = CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        filterset = selectors.case_filterset(
            user=_case_worker(self.request), filters=self.request.query_params
        )
        # The API shows the reporter, the creator and the contacts, which the page does not.
        return (
            filtered(filterset)
            .select_related("reporter", "created_by", "notify_contact")
            .prefetch_related("contacts")
        )

    @extend_schema(
        responses=CaseOutputSerializer(many=True),
        # Method filters: the schema generator cannot see that they take dates.
        parameters=[
            OpenApiParameter("created_from", OpenApiTypes.DATE, description="Created from"),
            OpenApiParameter("created_to", OpenApiTypes.DATE, description="Created to"),
        ],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        output = CaseOutputSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(output.data)

    @extend_schema(request=CaseCreateInputSerializer, responses={201: CaseOutputSerializer})
    def post(self, request: Request) -> Response:
        case = _case_create(request)
        case = selectors.case_get_for_user(_case_worker(request), case.number)
        output = CaseOutputSerializer(case, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    """One case by its number: 404 when the user may not see it, whatever the method."""

    permission_classes = [WorksWithCases]

    @extend_schema(responses=CaseOutputSerializer)
    def get(self, request: Request, number: int) -> Response:
        case = selectors.case_get_for_user(_case_worker(request), number)
        return Response(CaseOutputSerializer(case, context={"request": request}).data)

    @extend_schema(request=CaseUpdateInputSerializer, responses=CaseOutputSerializer)
    def put(self, request: Request, number: int) -> Response:
        return self._update(request, number, partial=False)

    @extend_schema(request=CaseUpdateInputSerializer, responses=CaseOutputSerializer)
    def patch(self, request: Request, number: int) -> Response:
        return self._update(request, number, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, number: int) -> Response:
        user = _case_worker(request)
        case = selectors.case_get_for_user(user, number, write=True)
        if not selectors.case_can_delete(user):
            raise exceptions.PermissionDenied(
                _("Only managers and administrators may delete a case.")
            )
        try:
            services.case_delete(case=case, by=user)
        except DjangoValidationError as error:
            raise service_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, number: int, *, partial: bool) -> Response:
        user = _case_worker(request)
        case = selectors.case_get_for_user(user, number, write=True)
        _case_update(request, case, partial=partial)
        # Read it again: the contacts and related records fetched before the change are stale.
        case = selectors.case_get_for_user(user, number)
        return Response(CaseOutputSerializer(case, context={"request": request}).data)


class CaseHistoryApi(GenericAPIView):
    """Every change, event and note of the case (who, when, old → new), newest first, paged."""

    permission_classes = [WorksWithCases]
    queryset = Case.objects.none()  # the entries are built by ``history``, not a queryset

    @extend_schema(responses=HistoryEntrySerializer(many=True))
    def get(self, request: Request, number: int) -> Response:
        case = selectors.case_get_for_user(_case_worker(request), number)
        entries = history.case_history(case, newest_first=True)
        page = self.paginate_queryset(entries) or []  # type: ignore[arg-type]
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True).data)


class NoteListApi(GenericAPIView):
    """The case's stream, oldest first, paged; a new internal note or public comment.

    Notes are read through ``CaseNote.objects.visible_to``, which never gives a customer's
    portal login an internal note, so the list stays right for every kind of user.
    """

    permission_classes = [WorksWithCases]
    queryset = CaseNote.objects.none()  # for the schema; ``get_queryset`` is what is read

    def case(self) -> Case:
        """The case of the URL if the user may see it (else 404), without its relations."""
        case = (
            Case.objects.visible_to(_case_worker(self.request))
            .filter(number=self.kwargs["number"])
            .first()
        )
        if case is None:
            raise exceptions.NotFound
        return case

    def get_queryset(self) -> QuerySet[CaseNote]:
        return (
            CaseNote.objects.visible_to(_case_worker(self.request))
            .filter(case__number=self.kwargs["number"])
            .select_related("author")
            .prefetch_related("mentioned")
            .order_by("created_at", "pk")
        )

    @extend_schema(responses=NoteOutputSerializer(many=True))
    def get(self, request: Request, number: int) -> Response:
        self.case()
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NoteOutputSerializer(page, many=True).data)

    @extend_schema(request=NoteInputSerializer, responses={201: NoteOutputSerializer})
    def post(self, request: Request, number: int) -> Response:
        case = self.case()
        given = NoteInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            note = services.case_note_add(
                case=case,
                by=_case_worker(request),
                text=given.validated_data["text"],
                internal=given.validated_data["internal"],
            )
        except DjangoValidationError as error:
            raise service_error(error) from error
        note = self.get_queryset().get(pk=note.pk)
        return Response(NoteOutputSerializer(note).data, status=status.HTTP_201_CREATED)


class LookupListApi(APIView):
    """One of the case lookup lists (priorities, types, categories, groups) in its order."""

    permission_classes = [WorksWithCases]
    model: type[Priority | CaseType | Category | CaseGroup] = Priority

    @extend_schema(responses=LookupOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        values = self.model.objects.order_by("position", "name")
        return Response(LookupOutputSerializer(values, many=True).data)


class StatusListApi(APIView):
    """The case statuses in their order, with whether each closes a case and when it is overdue."""

    permission_classes = [WorksWithCases]

    @extend_schema(responses=StatusOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        values = Status.objects.order_by("position", "name")
        return Response(StatusOutputSerializer(values, many=True).data)


class CaseSettingsApi(APIView):
    """The case prefix and the statuses a customer's message and a reply move a case to."""

    permission_classes = [WorksWithCases]

    @extend_schema(responses=CaseSettingsOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(CaseSettingsOutputSerializer(services.case_settings()).data)
