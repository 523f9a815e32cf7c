"""The forms of the administrators' lists: event types, products, resources. Durations are
asked in minutes, the usual delay of a next task in days and hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kartoteka.activities.models import CURRENCIES, EventType, Product, Resource
from kartoteka.core.names import names_cleaned, names_fields_add

MINUTES_MAX = 24 * 60


class _ServiceErrors(forms.Form):
    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)

    @property
    def status(self) -> int:
        return 400 if self.is_bound and self.errors else 200

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class EventTypeForm(_ServiceErrors):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventType.Kind.choices)
    icon = forms.CharField(
        label=_("Icon"), max_length=8, help_text=EventType._meta.get_field("icon").help_text
    )
    duration_minutes = forms.IntegerField(
        label=_("Default duration (minutes)"), min_value=1, max_value=MINUTES_MAX, initial=15
    )
    plans_next_task = forms.BooleanField(
        label=_("Usually plans a next task"),
        required=False,
        initial=True,
        help_text=EventType._meta.get_field("plans_next_task").help_text,
    )
    next_task_type = forms.ModelChoiceField(
        label=_("Usual next task"), queryset=EventType.objects.none(), required=False
    )
    delay_days = forms.IntegerField(
        label=_("Next task after (days)"), min_value=0, max_value=365, initial=2
    )
    delay_hours = forms.IntegerField(
        label=_("and hours"), min_value=0, max_value=23, initial=0, required=False
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32767, initial=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, row: EventType, **kwargs: Any) -> None:
        event_type = row
        if event_type.pk and "initial" not in kwargs:
            delay = event_type.next_task_delay
            kwargs["initial"] = {
                "name": event_type.name,
                "kind": event_type.kind,
                "icon": event_type.icon,
                "duration_minutes": int(event_type.default_duration.total_seconds() // 60),
                "plans_next_task": event_type.plans_next_task,
                "next_task_type": event_type.next_task_type_id,
                "delay_days": delay.days,
                "delay_hours": delay.seconds // 3600,
                "position": event_type.position,
                "active": event_type.active,
            }
        super().__init__(*args, **kwargs)
        names_fields_add(self, event_type.names)
        choices = EventType.objects.filter(active=True)
        if event_type.next_task_type_id:
            choices = choices | EventType.objects.filter(pk=event_type.next_task_type_id)
        cast(forms.ModelChoiceField, self.fields["next_task_type"]).queryset = choices

    def service_arguments(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.declared_fields}
        data["names"] = names_cleaned(self)
        data["default_duration"] = timedelta(minutes=data.pop("duration_minutes"))
        data["next_task_delay"] = timedelta(
            days=data.pop("delay_days"), hours=data.pop("delay_hours") or 0
        )
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        fields = {"default_duration": "duration_minutes", "next_task_delay": "delay_days"}
        if hasattr(error, "error_dict"):
            error = ValidationError(
                {fields.get(name, name): messages for name, messages in error.error_dict.items()}
            )
        super().add_service_errors(error)


class ProductForm(_ServiceErrors):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=64)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        initial=0,
        error_messages={
            "min_value": _("The price cannot be negative."),
            "max_decimal_places": _("A price has at most two decimal places."),
        },
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="PLN")
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, row: Product, **kwargs: Any) -> None:
        product = row
        if product.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(product, name)
                for name in ("name", "code", "unit_price", "currency", "active")
            }
        super().__init__(*args, **kwargs)


class ResourceForm(_ServiceErrors):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Resource.Kind.choices)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive resource keeps its bookings but cannot be booked."),
    )

    def __init__(self, *args: Any, row: Resource, **kwargs: Any) -> None:
        resource = row
        if resource.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": resource.name,
                "kind": resource.kind,
                "active": resource.active,
            }
        super().__init__(*args, **kwargs)
