"""Forms of moving conversations: choosing a case by its number, and merging."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kartoteka.cases.candidates import case_candidate_get
from kartoteka.cases.models import Case
from kartoteka.core.validation import show_service_errors
from kartoteka.people.models import User


class CaseNumberField(forms.IntegerField):
    """A case number ("3932" or "#3932") that must name a case the user sees; cleans to it.

    A hidden case and a missing one get the same answer, so numbers leak nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(*args, **kwargs)
        self.user: User | None = None

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lstrip("#")
        return super().to_python(value)

    def clean(self, value: Any) -> Case | None:
        number = super().clean(value)
        if number is None:
            return None
        case = case_candidate_get(self.user, number) if self.user is not None else None
        if case is None:
            raise ValidationError(
                _("There is no case #%(number)s that you can see."),
                code="unknown_case",
                params={"number": number},
            )
        return case


class ServiceErrorsForm(forms.Form):
    def add_service_errors(self, error: ValidationError) -> None:
        show_service_errors(self, error)

    @property
    def status_code(self) -> int:
        return 400 if self.is_bound and not self.is_valid() else 200


class CaseMergeForm(ServiceErrorsForm):
    target = CaseNumberField(label=_("Merge into case number"))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(CaseNumberField, self.fields["target"]).user = user
