"""Forms of activities: recording an event (with what comes next), a task alone, and closing a
thread with its reason.

They shape input only; ``activities.services`` holds the rules. Every choice is narrowed to what
the user sees of this one customer, so another customer's contact, case, document or thread
posted by hand is refused by the form itself ("Select a valid choice"), before any service.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.models import (
    CURRENCIES,
    DEFAULT_CURRENCY,
    EventType,
    Product,
    Resource,
    Thread,
)
from kartoteka.activities.selectors import open_threads_of
from kartoteka.activities.services import AMOUNT_MAX, NextTask
from kartoteka.cases.models import Case
from kartoteka.core.models import Dictionary
from kartoteka.core.once import SubmitOnceForm
from kartoteka.core.validation import show_service_errors
from kartoteka.customers.forms import ClassificationFields
from kartoteka.customers.models import Account, Contact
from kartoteka.documents.models import Document
from kartoteka.people.models import Team, User
from kartoteka.people.pickers import user_picker
from kartoteka.people.selectors import staff_users

# The quick choices of a due time, counted from the event's start (a task alone: from now).
QUICK_DUE = {
    "tomorrow": timedelta(days=1),
    "in_2_days": timedelta(days=2),
    "next_week": timedelta(days=7),
}
QUICK_DUE_CHOICES = [
    ("", "—"),
    ("tomorrow", _("Tomorrow")),
    ("in_2_days", _("In 2 days")),
    ("next_week", _("Next week")),
]
# Minutes before the due time; "" is the assignee's own lead time.
REMINDER_CHOICES = [
    ("", _("The assignee's usual lead time")),
    ("0", _("At the due time")),
    ("15", _("15 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]


class NextStep:
    PLAN = "plan"
    CLOSE = "close"
    OPEN = "open"
    CHOICES = [
        (PLAN, _("Plan a next task")),
        (CLOSE, _("Close the thread")),
        (OPEN, _("Leave the thread open")),
    ]


def now_to_the_minute() -> datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class DateTimeField(forms.SplitDateTimeField):
    """A date and a time, each with the browser's own picker."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.SplitDateTimeWidget(
                date_attrs={"type": "date"}, time_attrs={"type": "time"}, time_format="%H:%M"
            ),
        )
        super().__init__(**kwargs)


class ActivityForm(SubmitOnceForm):
    """What the creation forms share: 422 with errors, and the service's errors put on the
    fields they concern (``service_fields`` renames the service's keys)."""

    service_fields: dict[str, str] = {}

    @property
    def status(self) -> int:
        return 422 if self.is_bound and not self.is_valid() else 200

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            error = ValidationError(
                {
                    self.service_fields.get(key, key): value
                    for key, value in error.error_dict.items()
                }
            )
        show_service_errors(self, error)

    def _choices(self, name: str) -> forms.ModelChoiceField[Any]:
        return cast(forms.ModelChoiceField[Any], self.fields[name])

    def _due(self, *, base: datetime, default: timedelta | None) -> datetime | None:
        """The due time: a quick choice counted from ``base``, else the typed one, else
        ``base + default``."""
        quick = self.cleaned_data.get("next_due_quick")
        if quick:
            return base + QUICK_DUE[quick]
        typed = self.cleaned_data.get("next_due")
        if typed is not None:
            return cast(datetime, typed)
        return base + default if default is not None else None

    def _remind_before(self) -> timedelta | None:
        minutes = self.cleaned_data.get("next_remind_before")
        return timedelta(minutes=int(minutes)) if minutes else None


def _next_task_fields() -> dict[str, forms.Field]:
    return {
        "next_type": forms.ModelChoiceField(
            label=_("Next task"), queryset=EventType.objects.none(), required=False
        ),
        "next_due": DateTimeField(label=_("Due"), required=False),
        "next_due_quick": forms.ChoiceField(
            label=_("or quickly"),
            choices=QUICK_DUE_CHOICES,
            required=False,
            help_text=_("Counted from the event's start; replaces the due time above."),
        ),
        "next_assignee": user_picker(label=_("Assignee"), required=False),
        "next_note": forms.CharField(
            label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
        ),
        "next_remind_before": forms.ChoiceField(
            label=_("Reminder"), choices=REMINDER_CHOICES, required=False
        ),
    }


class EventForm(ActivityForm, ClassificationFields):
    """Record an event of one customer, and say what comes next."""

    applies_to = Dictionary.AppliesTo.EVENT
    service_fields = {"close_thread": "next_step", "next_task": "next_due"}

    event_type = forms.ModelChoiceField(label=_("Type"), queryset=EventType.objects.none())
    starts_at = DateTimeField(label=_("Start"))
    ends_at = DateTimeField(
        label=_("End"), required=False, help_text=_("Or give the duration below.")
    )
    duration = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=0,
        max_value=60 * 24 * 30,
        required=False,
        help_text=_("Empty: the type's usual duration."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    result = forms.CharField(
        label=_("Result"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    thread = forms.ModelChoiceField(
        label=_("Thread"),
        queryset=Thread.objects.none(),
        required=False,
        empty_label=_("Start a new thread"),
    )
    thread_title = forms.CharField(
        label=_("Title of the new thread"),
        max_length=255,
        required=False,
        help_text=_("Empty: the type and the day."),
    )
    participants = user_picker(label=_("Staff taking part"), multiple=True, required=False)
    contacts = forms.ModelMultipleChoiceField(
        label=_("Customer's people taking part"), queryset=Contact.objects.none(), required=False
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        max_value=AMOUNT_MAX,
        required=False,
        localize=True,
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial=DEFAULT_CURRENCY)
    products = forms.ModelMultipleChoiceField(
        label=_("Products"), queryset=Product.objects.none(), required=False
    )
    resource = forms.ModelChoiceField(
        label=_("Booked resource"), queryset=Resource.objects.none(), required=False
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Attachments"), queryset=Document.objects.none(), required=False
    )
    case = forms.ModelChoiceField(label=_("Case"), queryset=Case.objects.none(), required=False)
    confidential = forms.BooleanField(
        label=_("Confidential"),
        required=False,
        help_text=_(
            "Only you, the people taking part, the users and teams named below, your "
            "supervisor and successor, and administrators see it."
        ),
    )
    shared_users = user_picker(label=_("Shared with users"), multiple=True, required=False)
    shared_teams = forms.ModelMultipleChoiceField(
        label=_("Shared with teams"), queryset=Team.objects.all(), required=False
    )
    next_step = forms.ChoiceField(
        label=_("What next"), choices=NextStep.CHOICES, widget=forms.RadioSelect
    )
    close_reason = forms.CharField(label=_("Reason for closing"), max_length=255, required=False)

    # The "what next" part, in the template's order.
    NEXT_FIELDS = (
        "next_type",
        "next_due",
        "next_due_quick",
        "next_assignee",
        "next_note",
        "next_remind_before",
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        account: Account,
        event_type: EventType | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.account = user, account
        self.fields.update(_next_task_fields())
        types = EventType.objects.filter(active=True)
        self._choices("event_type").queryset = types
        self._choices("next_type").queryset = types
        self._choices("thread").queryset = open_threads_of(user, account.pk)
        people = staff_users().filter(is_active=True)
        self._choices("participants").queryset = people
        self._choices("shared_users").queryset = people
        self._choices("next_assignee").queryset = people
        self._choices("contacts").queryset = (
            Contact.objects.visible_to(user)
            .filter(account=account)
            .order_by("last_name", "first_name", "pk")
        )
        self._choices("products").queryset = Product.objects.filter(active=True)
        self._choices("resource").queryset = Resource.objects.filter(active=True)
        self._choices("documents").queryset = (
            Document.objects.visible_to(user).filter(account=account).order_by("-date", "-pk")
        )
        self._choices("case").queryset = (
            Case.objects.visible_to(user).filter(account=account).order_by("-number")
        )
        self.add_dictionary_fields()
        if not self.is_bound:
            self._set_defaults(event_type or types.first())

    def _set_defaults(self, event_type: EventType | None) -> None:
        start = now_to_the_minute()
        self.initial.setdefault("starts_at", start)
        self.initial.setdefault("next_assignee", self.user.pk)
        if event_type is None:
            return
        self.initial.setdefault("event_type", event_type.pk)
        plans = event_type.plans_next_task
        self.initial.setdefault("next_step", NextStep.PLAN if plans else NextStep.OPEN)
        self.initial.setdefault("next_type", (event_type.next_task_type or event_type).pk)
        self.initial.setdefault("next_due", start + event_type.next_task_delay)

    @property
    def type_defaults(self) -> dict[str, dict[str, object]]:
        """What each type proposes next, for the page's script to follow a change of type."""
        return {
            str(event_type.pk): {
                "plans": event_type.plans_next_task,
                "next_type": event_type.next_task_type_id or event_type.pk,
                "delay_minutes": int(event_type.next_task_delay.total_seconds() // 60),
            }
            for event_type in self._choices("event_type").queryset or ()
        }

    @property
    def classification_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("dictionary_")]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        """Everything but the "what next" part and the classifications, in order."""
        skip = {*self.NEXT_FIELDS, "next_step", "close_reason", "submission_token"}
        return [
            self[name]
            for name in self.fields
            if name not in skip and not name.startswith("dictionary_")
        ]

    @property
    def next_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.NEXT_FIELDS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("next_step") != NextStep.PLAN:
            return data
        assignee = data.get("next_assignee")
        if assignee is None and "next_assignee" not in self.errors:
            self.add_error("next_assignee", _("Say who does the next task."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``event_record`` but ``by``, ``account`` and ``completes``."""
        data = self.cleaned_data
        event_type: EventType = data["event_type"]
        starts_at: datetime = data["starts_at"]
        ends_at: datetime | None = data["ends_at"]
        if ends_at is None and data["duration"] is not None:
            ends_at = starts_at + timedelta(minutes=data["duration"])
        step = data["next_step"]
        next_task = None
        if step == NextStep.PLAN:
            due = self._due(base=starts_at, default=event_type.next_task_delay)
            next_task = NextTask(
                event_type=data["next_type"] or event_type.next_task_type or event_type,
                due_at=cast(datetime, due),
                assignee=data["next_assignee"],
                note=data["next_note"],
                remind_before=self._remind_before(),
            )
        return {
            "event_type": event_type,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "description": data["description"],
            "result": data["result"],
            "thread": data["thread"],
            "thread_title": data["thread_title"] if data["thread"] is None else "",
            "next_task": next_task,
            "close_thread": step == NextStep.CLOSE,
            "close_reason": data["close_reason"] if step == NextStep.CLOSE else "",
            "participants": list(data["participants"]),
            "contacts": list(data["contacts"]),
            "amount": data["amount"],
            "currency": data["currency"],
            "products": list(data["products"]),
            "resource": data["resource"],
            "documents": list(data["documents"]),
            "classifications": self.classifications(),
            "case": data["case"],
            "confidential": data["confidential"],
            "shared_users": list(data["shared_users"]),
            "shared_teams": list(data["shared_teams"]),
        }


class TaskForm(ActivityForm):
    """A task on its own for one customer."""

    service_fields = {"next_task": "next_due"}

    thread = forms.ModelChoiceField(
        label=_("Thread"),
        queryset=Thread.objects.none(),
        required=False,
        empty_label=_("No thread yet"),
        help_text=_("The event that does the task continues this thread, or starts one."),
    )
    case = forms.ModelChoiceField(label=_("Case"), queryset=Case.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields = {**_next_task_fields(), **self.fields}
        self.fields["next_type"].required = True
        self.fields["next_type"].label = _("What to do")
        self.fields["next_assignee"].required = True
        self.fields["next_due_quick"].help_text = _(
            "Counted from now; replaces the due time above."
        )
        types = EventType.objects.filter(active=True)
        self._choices("next_type").queryset = types
        self._choices("next_assignee").queryset = staff_users().filter(is_active=True)
        self._choices("thread").queryset = open_threads_of(user, account.pk)
        self._choices("case").queryset = (
            Case.objects.visible_to(user).filter(account=account).order_by("-number")
        )
        if not self.is_bound:
            self.initial.setdefault("next_assignee", user.pk)
            first = types.first()
            if first is not None:
                self.initial.setdefault("next_type", first.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        missing = not data.get("next_due") and not data.get("next_due_quick")
        if missing and "next_due" not in self.errors:
            self.add_error("next_due", _("Say when the task is due."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``task_create`` but ``by`` and ``account``."""
        data = self.cleaned_data
        due = self._due(base=now_to_the_minute(), default=None)
        return {
            "plan": NextTask(
                event_type=data["next_type"],
                due_at=cast(datetime, due),
                assignee=data["next_assignee"],
                note=data["next_note"],
                remind_before=self._remind_before(),
            ),
            "thread": data["thread"],
            "case": data["case"],
        }


class ThreadCloseForm(forms.Form):
    close_reason = forms.CharField(
        label=_("Reason for closing"),
        max_length=255,
        error_messages={"required": _("Say why the thread ends.")},
        help_text=_("Why the contact ends, e.g. “Signed the contract” or “No interest”."),
    )

    @property
    def status(self) -> int:
        return 422 if self.is_bound and not self.is_valid() else 200

    def add_service_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)
