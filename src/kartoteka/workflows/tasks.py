"""Background work of workflows.

``mark_overdue_cases`` is enqueued every 15 minutes by the worker's scheduler
(``server.schedule.SCHEDULE``); it is idempotent (a case is marked and told once per overdue
period, however often it runs). ``run_scheduled_rules`` is enqueued every minute: it runs
each scheduled rule's occurrence once (``workflows.scheduled``); ``work_scheduled_run`` works
one run started by hand. ``follow_happening`` is enqueued after every reported
happening (it is defined in ``followup``; named here too for tasks queued under this path).
"""

from __future__ import annotations

from django.tasks import task

from kartoteka.workflows.followup import follow_happening
from kartoteka.workflows.overdue import overdue_cases_mark
from kartoteka.workflows.scheduled import run_work, scheduled_rules_run

__all__ = ["follow_happening", "mark_overdue_cases", "run_scheduled_rules", "work_scheduled_run"]


@task
def mark_overdue_cases() -> int:
    """Mark the cases that stayed too long in their status and tell whom it says; how many."""
    return overdue_cases_mark()


@task
def run_scheduled_rules() -> int:
    """Run the scheduled rules whose occurrence came (each once); how many runs were worked."""
    return len(scheduled_rules_run())


@task
def work_scheduled_run(run_id: int) -> int:
    """Work one scheduled run to its end (idempotent: a finished run does nothing); how many
    cases it has created."""
    from kartoteka.workflows.models import ScheduledRun

    run = ScheduledRun.objects.filter(pk=run_id).select_related("rule").first()
    return 0 if run is None else run_work(run).created
