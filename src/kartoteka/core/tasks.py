"""Housekeeping tasks of the whole installation."""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection
from django.tasks import task

# Finished task results are kept this long for support, then removed (the periodic jobs alone
# add thousands of rows a day).
TASK_RESULTS_KEPT_DAYS = 7


@task
def prune_task_results() -> None:
    call_command("prune_db_task_results", min_age_days=TASK_RESULTS_KEPT_DAYS, verbosity=0)


@task
def refresh_planner_statistics() -> None:
    """Give SQLite's query planner true statistics (PostgreSQL's autovacuum keeps its own).
    Without them, or from a small sample, SQLite cannot tell a condition that matches 2,000 of
    a million cases (one assignee) from one that matches 250,000 (an open status), and may read
    the larger. Each table is analysed whole, in a statement of its own, so the write lock it
    takes at the end is held for one table at a time (about a second per million rows)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 0")
        cursor.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
