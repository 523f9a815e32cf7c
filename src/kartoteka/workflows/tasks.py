"""Background work of workflows.

``mark_overdue_cases`` is enqueued every 15 minutes by the worker's scheduler
(``server.schedule.SCHEDULE``); it is idempotent (a case is marked and told once per overdue
period, however often it runs). ``follow_happening`` is enqueued after every reported
happening (it is defined in ``followup``; named here too for tasks queued under this path).
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.workflows.followup import follow_happening
from kartoteka.workflows.overdue import overdue_cases_mark

__all__ = ["follow_happening", "mark_overdue_cases"]


@task
def mark_overdue_cases() -> int:
    """Mark the cases that stayed too long in their status and tell whom it says; how many."""
    return overdue_cases_mark()
