from __future__ import annotations

from kartoteka.server.schedule import SCHEDULE


def test_every_periodic_job_with_its_interval() -> None:
    # The names are the keys of the PeriodicRun rows: a changed name runs its job at once.
    assert [(job.name, job.every.total_seconds()) for job in SCHEDULE] == [
        ("kartoteka.mail.receiving.tasks.fetch_due_mailboxes", 30),
        ("kartoteka.mail.sending.tasks.send_due_messages", 60),
        ("kartoteka.mail.triage.tasks.purge_discarded_messages", 3600),
        ("kartoteka.workflows.tasks.mark_overdue_cases", 900),
        ("kartoteka.workflows.tasks.run_scheduled_rules", 60),
        ("kartoteka.notifications.tasks.send_task_reminders", 60),
        ("kartoteka.notifications.tasks.send_hourly_digests", 3600),
        ("kartoteka.notifications.tasks.send_daily_digests", 86400),
        ("kartoteka.core.tasks.prune_task_results", 21600),
        ("kartoteka.core.tasks.refresh_planner_statistics", 86400),
    ]
