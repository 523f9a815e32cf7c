"""The filters of the case list, shared by the page, the CSV export, bulk delete and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.cases import search
from kartoteka.cases.models import (
    Case,
    CaseFollower,
    CaseGroup,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.core.text_search import contains_ignoring_case
from kartoteka.customers.models import Account
from kartoteka.customers.pickers import AccountPickerFilter
from kartoteka.people.models import User
from kartoteka.people.pickers import UserPickerFilter

QUICK_RANGES = [("today", _("Today")), ("week", _("This week")), ("month", _("This month"))]
OVERDUE_CHOICES = [("yes", _("Overdue")), ("no", _("Not overdue"))]
FOLLOWING_CHOICES = [("yes", _("Cases I follow")), ("no", _("Cases I do not follow"))]
NOT_A_CHOICE = _("Select a valid choice. That choice is not one of the available choices.")
# Quick views of the list: "mine" and "unassigned" are open cases (in a status that does not
# close them), "followed" is every case the user follows.
QUICK_VIEWS = [
    ("mine", _("Mine")),
    ("unassigned", _("Unassigned")),
    ("open", pgettext_lazy("cases of the list", "Open")),
    ("followed", _("Followed")),
]


def quick_range_start(name: str) -> datetime:
    """The start of today, this week (Monday) or this month in the active time zone."""
    today = timezone.localdate()
    start = {
        "today": today,
        "week": today - timedelta(days=today.weekday()),
        "month": today.replace(day=1),
    }[name]
    return datetime.combine(start, time.min, tzinfo=timezone.get_current_timezone())


class NumberPartField(forms.CharField):
    """A case number or part of it, as people type it: "3932", "#39", "[ACME#3932]"."""

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        digits = "".join(ch for ch in text if ch.isdigit())
        if text.strip() and not digits:
            raise ValidationError(
                _("Enter digits of the case number, e.g. 3932."), code="no_digits"
            )
        return digits


class NumberPartFilter(django_filters.CharFilter):
    field_class = NumberPartField


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end of the range is before its start."))
        return cleaned


class CaseFilter(django_filters.FilterSet):
    number = NumberPartFilter(label=_("Number"), method="number_contains")
    # Fewer than three letters match almost everything or force a scan of every case.
    subject = django_filters.CharFilter(
        label=_("Subject"),
        method="subject_contains",
        min_length=3,
        error_messages={"min_length": _("Type at least 3 characters of the subject.")},
    )
    created_by = UserPickerFilter(
        label=_("Created by"), queryset=User.objects.exclude(role=User.Role.PORTAL)
    )
    case_type = django_filters.ModelChoiceFilter(label=_("Type"), queryset=CaseType.objects.all())
    # Several statuses at once; a case has one status, so no DISTINCT is needed.
    status = django_filters.ModelMultipleChoiceFilter(
        label=_("Status"),
        queryset=Status.objects.all(),
        distinct=False,
        error_messages={"invalid_choice": NOT_A_CHOICE, "invalid_pk_value": NOT_A_CHOICE},
    )
    priority = django_filters.ModelChoiceFilter(
        label=_("Priority"), queryset=Priority.objects.all()
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all()
    )
    group = django_filters.ModelChoiceFilter(label=_("Group"), queryset=CaseGroup.objects.all())
    account = AccountPickerFilter(label=_("Customer"), queryset=Account.objects.all())
    customer = django_filters.CharFilter(label=_("Customer"), method="customer_matches")
    assignee = UserPickerFilter(
        label=_("Assignee"), queryset=User.objects.exclude(role=User.Role.PORTAL)
    )
    created_from = django_filters.DateFilter(
        label=_("Created from"),
        field_name="created_at",
        method="created_since",
        widget=date_input(),
    )
    created_to = django_filters.DateFilter(
        label=_("Created to"), field_name="created_at", method="created_until", widget=date_input()
    )
    created = django_filters.ChoiceFilter(
        label=_("Created"), choices=QUICK_RANGES, method="created_in"
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"), choices=OVERDUE_CHOICES, method="overdue_is"
    )
    following = django_filters.ChoiceFilter(
        label=_("Following"), choices=FOLLOWING_CHOICES, method="followed_by_user"
    )
    view = django_filters.ChoiceFilter(label=_("View"), choices=QUICK_VIEWS, method="in_view")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("subject", "subject"),
            ("status__name", "status"),
            ("priority__position", "priority"),
            ("created_at", "created_at"),
            ("category__name", "category"),
            ("group__name", "group"),
            ("account__name", "account"),
            ("assignee__last_name", "assignee"),
        ),
    )

    class Meta:
        model = Case
        form = CaseFilterForm
        fields = [
            "number", "subject", "created_by", "case_type", "status", "priority", "category",
            "group", "account", "customer", "assignee", "created_from", "created_to", "created",
            "overdue", "following", "view",
        ]  # fmt: skip

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        """``user``: whose cases the ``following`` and ``view`` filters mean."""
        super().__init__(*args, **kwargs)
        self.user = user

    def summary(self) -> list[tuple[str, str]]:
        """The filters in force as (label, value) pairs, for a page that has to name them.

        Call after ``is_valid()``; sorting is not a filter and is left out.
        """
        pairs: list[tuple[str, str]] = []
        for name, value in self.form.cleaned_data.items():
            if name == "ordering" or value in (None, ""):
                continue
            if name == "created":
                text = str(dict(QUICK_RANGES)[value])
            elif name == "overdue":
                text = str(dict(OVERDUE_CHOICES)[value])
            elif name == "following":
                text = str(dict(FOLLOWING_CHOICES)[value])
            elif name == "view":
                text = str(dict(QUICK_VIEWS)[value])
            elif isinstance(value, QuerySet | list):
                if not value:
                    continue
                text = ", ".join(str(item) for item in value)
            elif isinstance(value, date):
                text = date_format(value, "SHORT_DATE_FORMAT")
            else:
                text = str(value)
            pairs.append((str(self.form.fields[name].label), text))
        return pairs

    def number_contains(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return queryset
        # The number as text, so "39" finds 3932 and 1039 (as users type part of a tag);
        # ``NumberPartField`` has already kept only the digits.
        return search.number_contains(queryset, value)

    def customer_matches(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Cases of the customers whose name, short name or NIP contains the text."""
        text = value.strip()
        if not text:
            return queryset
        matching = contains_ignoring_case("name", text) | contains_ignoring_case("short_name", text)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 3:
            matching |= Q(nip__contains=digits)
        return queryset.filter(account__in=Account.objects.filter(matching).values("pk"))

    def subject_contains(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Case-insensitive "contains", Polish letters included, alike on every database."""
        return search.subject_contains(queryset, value.strip()) if value.strip() else queryset

    def created_since(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        start = datetime.combine(value, time.min, tzinfo=timezone.get_current_timezone())
        return queryset.filter(created_at__gte=start)

    def created_until(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        end = datetime.combine(value + timedelta(days=1), time.min)
        end = end.replace(tzinfo=timezone.get_current_timezone())
        return queryset.filter(created_at__lt=end)

    def created_in(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(created_at__gte=quick_range_start(value)) if value else queryset

    def overdue_is(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Cases marked overdue by the overdue job ("yes") or not ("no")."""
        if not value:
            return queryset
        return queryset.filter(overdue_since__isnull=value != "yes")

    def followed_by_user(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Cases the filtering user follows ("yes") or does not ("no")."""
        if not value:
            return queryset
        if self.user is None:
            return queryset.none()
        followed = Exists(CaseFollower.objects.filter(case=OuterRef("pk"), user=self.user))
        return queryset.filter(followed if value == "yes" else ~followed)

    def in_view(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The quick views: the user's open cases ("mine"), open cases nobody is assigned
        ("unassigned"), every open case ("open") and the cases the user follows ("followed")."""
        if not value:
            return queryset
        if value == "followed":
            return self.followed_by_user(queryset, "following", "yes")
        if value == "mine" and self.user is None:
            return queryset.none()
        queryset = queryset.filter(status__closes_case=False)
        if value == "mine":
            return queryset.filter(assignee=self.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset
