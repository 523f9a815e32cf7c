"""django_tasks_db's worker, made to outlast a database that is locked, restarting or gone a while.

django_tasks_db's own loop forgives only a lock met while it selects a task. A lock met when
its transaction begins (SQLite gives up after its busy timeout of 20 s), a restarted
PostgreSQL or a dropped connection raises out of the loop and ends the process, and the queue
then waits for someone to notice. Here a turn of the loop (claim one task, run it) that fails
with ``OperationalError`` or ``InterfaceError`` is tried again after a wait that doubles from
1 s to 30 s, with every connection closed in between; the outage is logged once when it begins
and once when it ends.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from kartoteka.server.backoff import Backoff

DATABASE_ERRORS = (OperationalError, InterfaceError)

logger = logging.getLogger("kartoteka.worker")


class Outage:
    """A database outage, told once when it begins and once when it ends."""

    def __init__(self) -> None:
        self.began_at: float | None = None

    def begin(self, error: Exception) -> None:
        if self.began_at is not None:
            return
        self.began_at = time.monotonic()
        logger.error(
            "The database is unavailable (%s: %s); the worker keeps trying.",
            type(error).__name__,
            str(error).strip(),
        )

    def end(self) -> None:
        if self.began_at is None:
            return
        seconds = time.monotonic() - self.began_at
        self.began_at = None
        logger.warning("The database is available again after %.0f s; the worker goes on.", seconds)


class SteadyWorker(Worker):
    """django_tasks_db's ``Worker`` (its signals, its running of a task) with a loop that
    survives database errors. ``max_tasks`` and the start-up delay are not used."""

    def __init__(self, *, backoff: Backoff, **options: Any) -> None:
        super().__init__(max_tasks=None, startup_delay=False, **options)
        self.backoff = backoff
        self.outage = Outage()

    def run(self) -> None:
        logger.info("Starting worker %s (queues: %s)", self.worker_id, ",".join(self.queue_names))
        while self.running:
            try:
                task_result = self._claim()
                if task_result is not None:
                    self.run_task(task_result)
            except DATABASE_ERRORS as error:
                self._wait_out(error)
                continue
            self.outage.end()
            self.backoff.reset()
            if task_result is None:
                if self.batch:
                    return
                time.sleep(self.interval)

    def _claim(self) -> DBTaskResult | None:
        """The next ready task, claimed for this worker in one exclusive transaction."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def _wait_out(self, error: Exception) -> None:
        self.outage.begin(error)
        connections.close_all()
        time.sleep(self.backoff.next())
