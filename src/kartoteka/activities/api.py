"""The staff API of activities: events (list, one, record), tasks, threads, and the read-only
lists of event types, products and resources.

Every row comes through a model's ``visible_to(user)``: a confidential event is not listed and
answers 404 for whoever may not see it, as on the pages. Recording goes through
``services.event_record``; the input serializer resolves ids only among what the user sees (any
other id "does not exist", whether it exists or not), and the service refuses what belongs to
another customer, naming the field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kartoteka.activities import selectors
from kartoteka.activities.models import (
    CURRENCIES,
    DEFAULT_CURRENCY,
    Event,
    EventType,
    Product,
    Resource,
    Task,
    Thread,
)
from kartoteka.activities.services import NextTask, event_record
from kartoteka.cases.models import Case
from kartoteka.core.models import DictionaryEntry
from kartoteka.core.rest import NamedValueSerializer, SelectorFilterBackend, filtered, service_error
from kartoteka.customers.api import VisibleAccountField
from kartoteka.customers.models import Contact
from kartoteka.documents.models import Document
from kartoteka.people.models import Team, User
from kartoteka.people.selectors import staff_users


def _user(request: Request) -> User:
    """The signed-in staff member (``IsStaffMember`` has let only them through)."""
    return cast(User, request.user)


def _max_length(model: type[Model], field: str) -> int | None:
    return model._meta.get_field(field).max_length  # type: ignore[union-attr]


def _named_choices(choices: Any, component: str) -> Any:
    """A choice field whose enum has its own name in the schema (``state`` and ``kind`` name
    other choice sets elsewhere in the API)."""

    @extend_schema_field(serializers.ChoiceField(choices=choices), component_name=component)
    class Named(serializers.ChoiceField):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(choices=choices, **kwargs)

    return Named


ThreadStateField = _named_choices(Thread.State.choices, "ThreadStateEnum")
TaskStateField = _named_choices(Task.State.choices, "TaskStateEnum")
EventTypeKindField = _named_choices(EventType.Kind.choices, "EventTypeKindEnum")
ResourceKindField = _named_choices(Resource.Kind.choices, "ResourceKindEnum")


# Output


class NamedSerializer(serializers.Serializer):
    """A related record as its id and its name as people read it."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="__str__")


class ThreadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    title = serializers.CharField()
    state = ThreadStateField()
    owner = NamedSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField()


class ThreadBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = ThreadStateField()


class VisibleCaseMixin(serializers.Serializer):
    """The case's number when the reader may see the case (the view puts the numbers of the
    page's visible cases in the context as ``case_numbers``), else null."""

    case = serializers.SerializerMethodField(help_text="Its case's number, if you may see it.")

    def get_case(self, row: Event | Task) -> int | None:
        numbers: dict[int, int] = self.context.get("case_numbers", {})
        return numbers.get(row.case_id) if row.case_id else None


@extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
class IdListField(serializers.Field):
    """The ids of a many-to-many relation's rows (prefetched: no query)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def bind(self, field_name: str, parent: Any) -> None:
        super().bind(field_name, parent)
        self.relation = field_name

    def to_representation(self, value: Any) -> list[int]:
        return [row.pk for row in getattr(value, self.relation).all()]


class EventOutputSerializer(VisibleCaseMixin, serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    thread = ThreadBriefSerializer()
    type = NamedSerializer(source="event_type")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    description = serializers.CharField()
    result = serializers.CharField()
    author = NamedSerializer(allow_null=True)
    participants = NamedSerializer(many=True, source="participants.all")
    contacts = NamedSerializer(many=True, source="contacts.all")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    products = NamedSerializer(many=True, source="products.all")
    resource = NamedSerializer(allow_null=True)
    documents = IdListField(help_text="The attached documents.")
    classifications = IdListField(help_text="The entries of the events' dictionaries.")
    confidential = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class TaskOutputSerializer(VisibleCaseMixin, serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.IntegerField(source="account_id")
    thread = serializers.IntegerField(source="thread_id", allow_null=True)
    type = NamedSerializer(source="event_type", help_text="What to do.")
    due_at = serializers.DateTimeField()
    assignee = NamedSerializer()
    note = serializers.CharField()
    state = TaskStateField()
    overdue = serializers.SerializerMethodField()
    planned_by_event = serializers.IntegerField(source="planned_by_event_id", allow_null=True)
    done_event = serializers.IntegerField(source="done_event_id", allow_null=True)
    created_by = NamedSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, task: Task) -> bool:
        return task.is_overdue()


class EventTypeOutputSerializer(NamedValueSerializer):
    kind = EventTypeKindField()
    icon = serializers.CharField()
    default_duration = serializers.DurationField()
    plans_next_task = serializers.BooleanField()
    next_task_type = serializers.IntegerField(source="next_task_type_id", allow_null=True)
    next_task_delay = serializers.DurationField()
    position = serializers.IntegerField()
    active = serializers.BooleanField()


class ProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    active = serializers.BooleanField()


class ResourceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = ResourceKindField()
    active = serializers.BooleanField()


# Input


@extend_schema_field(OpenApiTypes.INT)
class VisibleField(serializers.PrimaryKeyRelatedField):
    """An id among the rows of ``model`` the requesting user sees; any other id "does not
    exist"."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        user = _user(self.context["request"])
        return self.model.objects.visible_to(user)  # type: ignore[attr-defined, no-any-return]


@extend_schema_field(OpenApiTypes.INT)
class VisibleCaseField(serializers.SlugRelatedField):
    """A case by its number, among those the requesting user sees."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="number", **kwargs)

    def get_queryset(self) -> QuerySet[Case]:
        return Case.objects.visible_to(_user(self.context["request"]))


def _visible_many(model: type[Model], help_text: str = "") -> VisibleField:
    return VisibleField(model, many=True, required=False, help_text=help_text)


class NextTaskInputSerializer(serializers.Serializer):
    type = serializers.PrimaryKeyRelatedField(
        queryset=EventType.objects.filter(active=True), help_text="What to do: an event type."
    )
    due_at = serializers.DateTimeField()
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=staff_users().filter(is_active=True),
        required=False,
        help_text="Who does it; left out: you.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    remind_minutes_before = serializers.IntegerField(
        min_value=0,
        max_value=60 * 24 * 30,
        required=False,
        allow_null=True,
        help_text="How long before the due time the assignee is reminded; left out: their own "
        "lead time.",
    )


class EventInputSerializer(serializers.Serializer):
    account = VisibleAccountField()
    type = serializers.PrimaryKeyRelatedField(queryset=EventType.objects.filter(active=True))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Left out: the start plus the type's duration."
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    result = serializers.CharField(required=False, allow_blank=True, default="")
    thread = VisibleField(
        Thread,
        required=False,
        allow_null=True,
        help_text="An open thread of the customer to continue; left out: the thread of the task "
        "it completes, or a new one.",
    )
    thread_title = serializers.CharField(
        max_length=_max_length(Thread, "title"), required=False, allow_blank=True, default=""
    )
    completes = VisibleField(
        Task, required=False, allow_null=True, help_text="The open task this event does."
    )
    next_task = NextTaskInputSerializer(required=False, allow_null=True)
    close_thread = serializers.BooleanField(
        required=False, default=False, help_text="Close the thread (no next task)."
    )
    close_reason = serializers.CharField(
        max_length=_max_length(Thread, "close_reason"), required=False, allow_blank=True, default=""
    )
    participants = serializers.PrimaryKeyRelatedField(
        queryset=staff_users(), many=True, required=False, help_text="Staff taking part."
    )
    contacts = _visible_many(Contact, "The customer's people taking part.")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.ChoiceField(choices=CURRENCIES, required=False, default=DEFAULT_CURRENCY)
    products = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(active=True), many=True, required=False
    )
    resource = serializers.PrimaryKeyRelatedField(
        queryset=Resource.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="A room, car or device booked for the event's time.",
    )
    documents = _visible_many(Document, "The customer's documents attached.")
    classifications = serializers.PrimaryKeyRelatedField(
        queryset=DictionaryEntry.objects.all(), many=True, required=False
    )
    case = VisibleCaseField(required=False, allow_null=True, help_text="The case's number.")
    confidential = serializers.BooleanField(required=False, default=False)
    shared_users = serializers.PrimaryKeyRelatedField(
        queryset=staff_users(), many=True, required=False
    )
    shared_teams = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), many=True, required=False
    )


def _event_record(request: Request) -> Event:
    user = _user(request)
    given = EventInputSerializer(data=request.data, context={"request": request})
    given.is_valid(raise_exception=True)
    data = dict(given.validated_data)
    plan = data.pop("next_task", None)
    next_task = None
    if plan is not None:
        minutes = plan.get("remind_minutes_before")
        next_task = NextTask(
            event_type=plan["type"],
            due_at=plan["due_at"],
            assignee=plan.get("assignee") or user,
            note=plan["note"],
            remind_before=timedelta(minutes=minutes) if minutes is not None else None,
        )
    try:
        return event_record(by=user, event_type=data.pop("type"), next_task=next_task, **data)
    except DjangoValidationError as error:
        raise service_error(error) from error


def _case_numbers(user: User, rows: list[Event] | list[Task]) -> dict[int, int]:
    """The numbers of the rows' cases the user may see (one query, none without cases)."""
    case_ids = {row.case_id for row in rows if row.case_id}
    if not case_ids:
        return {}
    visible = Case.objects.visible_to(user).filter(pk__in=case_ids)
    return dict(visible.values_list("pk", "number"))


# Filters (applied here; declared for the schema)


class EventFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", label="Account")
    thread = django_filters.NumberFilter(field_name="thread_id", label="Thread")
    type = django_filters.NumberFilter(field_name="event_type_id", label="Type")
    since = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", label="Starting from"
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", label="Starting before"
    )

    class Meta:
        model = Event
        fields: list[str] = []


class TaskFilter(django_filters.FilterSet):
    assignee = django_filters.CharFilter(
        method="filter_assignee",
        label='"me" or a user id',
        validators=[RegexValidator(r"^(me|\d{1,18})$", gettext_lazy('Give "me" or a user id.'))],
    )
    account = django_filters.NumberFilter(field_name="account_id", label="Account")
    state = django_filters.ChoiceFilter(choices=Task.State.choices, label="State")
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="lt", label="Due before"
    )
    due_after = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="gte", label="Due from"
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_assignee(self, rows: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        if value == "me":
            return rows.filter(assignee_id=self.request.user.pk)
        return rows.filter(assignee_id=int(value))


class ThreadFilter(django_filters.FilterSet):
    account = django_filters.NumberFilter(field_name="account_id", label="Account")
    state = django_filters.ChoiceFilter(choices=Thread.State.choices, label="State")

    class Meta:
        model = Thread
        fields: list[str] = []


# Views


class EventListApi(GenericAPIView):
    """The events the user may see, newest first, paged; recording one."""

    queryset = Event.objects.none()  # for the schema; the rows come from get_queryset
    filter_backends = [SelectorFilterBackend]
    filterset_class = EventFilter

    def get_queryset(self) -> QuerySet[Event]:
        user = _user(self.request)
        rows = (
            Event.objects.visible_to(user)
            .select_related("thread", "event_type", "author", "resource")
            .prefetch_related(
                "participants", "contacts", "products", "documents", "classifications"
            )
            .order_by("-starts_at", "-pk")
        )
        return filtered(EventFilter(self.request.query_params, queryset=rows))

    @extend_schema(responses=EventOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = cast(list[Event], self.paginate_queryset(self.get_queryset()))
        context = {"case_numbers": _case_numbers(_user(request), page)}
        return self.get_paginated_response(
            EventOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(request=EventInputSerializer, responses={201: EventOutputSerializer})
    def post(self, request: Request) -> Response:
        user = _user(request)
        event = selectors.event_get_for_user(user, _event_record(request).pk)
        context = {"case_numbers": _case_numbers(user, [event])}
        return Response(
            EventOutputSerializer(event, context=context).data, status=status.HTTP_201_CREATED
        )


class EventDetailApi(APIView):
    """One event; 404 when the user may not see it."""

    @extend_schema(responses=EventOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = _user(request)
        event = selectors.event_get_for_user(user, pk)
        context = {"case_numbers": _case_numbers(user, [event])}
        return Response(EventOutputSerializer(event, context=context).data)


class TaskListApi(GenericAPIView):
    """The tasks the user may see, soonest due first, paged."""

    queryset = Task.objects.none()
    filter_backends = [SelectorFilterBackend]
    filterset_class = TaskFilter

    def get_queryset(self) -> QuerySet[Task]:
        user = _user(self.request)
        rows = (
            Task.objects.visible_to(user)
            .select_related("event_type", "assignee", "created_by")
            .order_by("due_at", "pk")
        )
        return filtered(TaskFilter(self.request.query_params, queryset=rows, request=self.request))

    @extend_schema(responses=TaskOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = cast(list[Task], self.paginate_queryset(self.get_queryset()))
        context = {"case_numbers": _case_numbers(_user(request), page)}
        return self.get_paginated_response(
            TaskOutputSerializer(page, many=True, context=context).data
        )


class TaskDetailApi(APIView):
    """One task; 404 when the user may not see it."""

    @extend_schema(responses=TaskOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = _user(request)
        task = selectors.task_get_for_user(user, pk)
        context = {"case_numbers": _case_numbers(user, [task])}
        return Response(TaskOutputSerializer(task, context=context).data)


class ThreadListApi(GenericAPIView):
    """The threads of the customers the user sees, newest first, paged."""

    queryset = Thread.objects.none()
    filter_backends = [SelectorFilterBackend]
    filterset_class = ThreadFilter

    def get_queryset(self) -> QuerySet[Thread]:
        rows = (
            Thread.objects.visible_to(_user(self.request))
            .select_related("owner")
            .order_by("-created_at", "-pk")
        )
        return filtered(ThreadFilter(self.request.query_params, queryset=rows))

    @extend_schema(responses=ThreadOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ThreadOutputSerializer(page, many=True).data)


class EventTypeListApi(APIView):
    """The event types in their order (inactive ones too, marked)."""

    @extend_schema(responses=EventTypeOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(EventTypeOutputSerializer(EventType.objects.all(), many=True).data)


class ProductListApi(APIView):
    """The products by name (inactive ones too, marked)."""

    @extend_schema(responses=ProductOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ProductOutputSerializer(Product.objects.all(), many=True).data)


class ResourceListApi(APIView):
    """The bookable resources by name (inactive ones too, marked)."""

    @extend_schema(responses=ResourceOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ResourceOutputSerializer(Resource.objects.all(), many=True).data)
