"""Housekeeping tasks of the whole installation."""

from __future__ import annotations

from django.core.management import call_command
from django.tasks import task

# Finished task results are kept this long for support, then removed (the periodic jobs alone
# add thousands of rows a day).
TASK_RESULTS_KEPT_DAYS = 7


@task
def prune_task_results() -> None:
    call_command("prune_db_task_results", min_age_days=TASK_RESULTS_KEPT_DAYS, verbosity=0)
