"""Periodic jobs run once per interval, however many workers look.

The worker's scheduler thread calls ``schedule_due`` every few seconds with the job list
(``server.schedule.SCHEDULE``); a job is enqueued as a task only by the worker that claims its
interval (one conditional UPDATE of its ``PeriodicRun`` row), so several workers on several
machines run each job once per interval. The list is given by the caller, so this module never
imports the apps whose tasks it runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone

from kartoteka.core.models import PeriodicRun


@dataclass(frozen=True)
class Job:
    task: Task  # a django.tasks task taking no arguments
    every: timedelta
    why: str

    @property
    def name(self) -> str:
        """The task's dotted path, under which its ``PeriodicRun`` row is kept."""
        return self.task.module_path


def job_claim(job: Job, *, now: datetime) -> bool:
    """Whether this caller won the job's current interval (at most one caller does)."""
    due_before = now - job.every
    claimed = PeriodicRun.objects.filter(name=job.name, last_started_at__lte=due_before).update(
        last_started_at=now
    )
    if claimed:
        return True
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=job.name, last_started_at=now)
    except IntegrityError:
        return False  # another worker created it first, or the interval has not elapsed
    return True


def schedule_due(*, jobs: Iterable[Job], now: datetime | None = None) -> list[str]:
    """Enqueue every job whose interval elapsed and that this caller claimed; their names."""
    now = now or timezone.now()
    started = []
    for job in jobs:
        if job_claim(job, now=now):
            job.task.enqueue()
            started.append(job.name)
    return started
