"""Every periodic job of Kartoteka, with its interval and why it runs.

The worker's scheduler thread calls ``schedule_due`` every few seconds; a job is enqueued as a
task only by the worker that claims its interval (one conditional UPDATE of its
``PeriodicRun`` row), so several workers on several machines run each job once per interval.
Jobs are named by dotted path and imported when due, so the schedule never imports the apps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from kartoteka.core.models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    task: str  # dotted path of a django.tasks task taking no arguments
    every: timedelta
    why: str


SCHEDULE: tuple[Job, ...] = (
    Job(
        "kartoteka.mail.receiving.tasks.fetch_due_mailboxes",
        timedelta(seconds=30),
        "read inbound mailboxes whose own fetch interval has elapsed",
    ),
    Job(
        "kartoteka.mail.sending.tasks.send_due_messages",
        timedelta(seconds=60),
        "send queued mail whose retry time has come (new mail is also sent at once)",
    ),
    Job(
        "kartoteka.mail.triage.tasks.purge_discarded_messages",
        timedelta(hours=1),
        "delete mail discarded from triage as spam more than 30 days ago (restorable until then)",
    ),
    Job(
        "kartoteka.cases.tasks.mark_overdue_cases",
        timedelta(minutes=15),
        "mark cases that stayed longer than their status allows and tell whom the status says",
    ),
    Job(
        "kartoteka.notifications.tasks.send_hourly_digests",
        timedelta(hours=1),
        "email the hourly digest of unread notifications to users who chose it",
    ),
    Job(
        "kartoteka.notifications.tasks.send_daily_digests",
        timedelta(hours=24),
        "email the daily digest of unread notifications to users who chose it",
    ),
    Job(
        "kartoteka.core.tasks.prune_task_results",
        timedelta(hours=6),
        "remove finished task results older than a week (the periodic jobs add many)",
    ),
)


def job_claim(job: Job, *, now: datetime) -> bool:
    """Whether this caller won the job's current interval (at most one caller does)."""
    due_before = now - job.every
    claimed = PeriodicRun.objects.filter(name=job.task, last_started_at__lte=due_before).update(
        last_started_at=now
    )
    if claimed:
        return True
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=job.task, last_started_at=now)
    except IntegrityError:
        return False  # another worker created it first, or the interval has not elapsed
    return True


def schedule_due(*, now: datetime | None = None, jobs: tuple[Job, ...] = SCHEDULE) -> list[str]:
    """Enqueue every job whose interval elapsed and that this caller claimed; their names."""
    now = now or timezone.now()
    started = []
    for job in jobs:
        if not job_claim(job, now=now):
            continue
        try:
            task = import_string(job.task)
        except ImportError:
            logger.exception("periodic job %s cannot be imported", job.task)
            continue
        task.enqueue()
        started.append(job.task)
    return started
