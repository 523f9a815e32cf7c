"""Gathering every problem of an input before saying no, so a form shows them all at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm


class ErrorCollector:
    """Collects ``ValidationError``s per field from several checks, then raises them together.

        errors = ErrorCollector()
        with errors.on("phone"):
            phone = normalise_phone(raw)
        errors.raise_if_any()

    An error that is already keyed by field keeps its own keys.
    """

    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    @contextmanager
    def on(self, field: str = NON_FIELD_ERRORS) -> Iterator[None]:
        try:
            yield
        except ValidationError as error:
            self.add(field, error)

    def add(self, field: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                self.by_field.setdefault(key, []).extend(errors)
        else:
            self.by_field.setdefault(field, []).extend(error.error_list)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(dict(self.by_field))


def show_service_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal shown on the form: on its field if the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
