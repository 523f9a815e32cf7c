"""Background work of cases.

``mark_overdue_cases`` is enqueued every 15 minutes by the worker's scheduler
(``core.schedule.SCHEDULE``); it is idempotent (a case is marked and told once per overdue
period, however often it runs).
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.cases.overdue import overdue_cases_mark


@task
def mark_overdue_cases() -> int:
    """Mark the cases that stayed too long in their status and tell whom it says; how many."""
    return overdue_cases_mark()
