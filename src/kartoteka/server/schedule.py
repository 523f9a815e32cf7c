"""Every periodic job of Kartoteka, with its interval and why it runs.

``kartoteka worker`` enqueues each job when its interval has elapsed, once among all workers
(``core.schedule.schedule_due``). A job's last start is kept under its task's dotted path, so
a task moved to another module runs at the next look after the move.
"""

from __future__ import annotations

from datetime import timedelta

from kartoteka.core.schedule import Job
from kartoteka.core.tasks import prune_task_results, refresh_planner_statistics
from kartoteka.mail.receiving.tasks import fetch_due_mailboxes
from kartoteka.mail.sending.tasks import send_due_messages
from kartoteka.mail.triage.tasks import purge_discarded_messages
from kartoteka.notifications.tasks import (
    send_daily_digests,
    send_hourly_digests,
    send_task_reminders,
)
from kartoteka.workflows.tasks import mark_overdue_cases, run_scheduled_rules

SCHEDULE: tuple[Job, ...] = (
    Job(
        fetch_due_mailboxes,
        timedelta(seconds=30),
        "read inbound mailboxes whose own fetch interval has elapsed",
    ),
    Job(
        send_due_messages,
        timedelta(seconds=60),
        "send queued mail whose retry time has come (new mail is also sent at once)",
    ),
    Job(
        purge_discarded_messages,
        timedelta(hours=1),
        "delete mail discarded from triage as spam more than 30 days ago (restorable until then)",
    ),
    Job(
        mark_overdue_cases,
        timedelta(minutes=15),
        "mark cases that stayed longer than their status allows and tell whom the status says",
    ),
    Job(
        run_scheduled_rules,
        timedelta(minutes=1),
        "create the cases of scheduled rules whose time has come (each occurrence once; after "
        "a downtime only the last missed one)",
    ),
    Job(
        send_task_reminders,
        timedelta(minutes=1),
        "tell assignees of tasks whose reminder time has come, under the bell and by email "
        "(a reminder is worth little late; each is claimed once, so overlapping runs are safe)",
    ),
    Job(
        send_hourly_digests,
        timedelta(hours=1),
        "email the hourly digest of unread notifications to users who chose it",
    ),
    Job(
        send_daily_digests,
        timedelta(hours=24),
        "email the daily digest of unread notifications to users who chose it",
    ),
    Job(
        prune_task_results,
        timedelta(hours=6),
        "remove finished task results older than a week (the periodic jobs add many)",
    ),
    Job(
        refresh_planner_statistics,
        timedelta(hours=24),
        "give SQLite's query planner true statistics of every table (a wrong guess of how many "
        "rows match can make a page read a whole table); nothing on PostgreSQL",
    ),
)
