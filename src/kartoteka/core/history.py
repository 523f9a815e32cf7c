"""Change history of models through django-simple-history, made cheap to write.

simple_history's descriptor builds a new manager class (``Manager.from_queryset``, which
inspects every method of the queryset) each time ``instance.history`` is read, and it reads it
on every save to write the history row: about half a millisecond per save of a case, paid for
each message that creates or reopens one. ``HistoryManager`` builds that class once per
queryset class.
"""

from __future__ import annotations

import functools
from typing import Any

from simple_history.manager import HistoryManager as LibraryHistoryManager
from simple_history.models import HistoricalRecords as LibraryHistoricalRecords


class HistoryManager(LibraryHistoryManager):
    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class: type, class_name: str | None = None) -> Any:
        return super().from_queryset(queryset_class, class_name)


def HistoricalRecords(**options: Any) -> LibraryHistoricalRecords:
    """simple_history's ``HistoricalRecords`` with the manager class built once."""
    return LibraryHistoricalRecords(history_manager=HistoryManager, **options)
