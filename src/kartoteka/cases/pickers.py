"""Choosing whom a case goes to by typing (``core.pickers``): the users who work with cases
(``case_workers``), searched as ``people.pickers`` searches staff users."""

from __future__ import annotations

from typing import Any

from kartoteka.cases.selectors import case_workers
from kartoteka.core.pickers import PickerField, PickerKind, PickerMultipleField
from kartoteka.people.pickers import user_detail, user_search

CASE_WORKERS = PickerKind(
    url_name="cases:pick-case-workers", search=user_search, detail=user_detail
)


def case_worker_picker(
    *, multiple: bool = False, **kwargs: Any
) -> PickerField | PickerMultipleField:
    """A picker of users who work with cases; ``queryset`` defaults to ``case_workers()``."""
    kwargs.setdefault("queryset", case_workers())
    if multiple:
        return PickerMultipleField(CASE_WORKERS, **kwargs)
    return PickerField(CASE_WORKERS, **kwargs)
