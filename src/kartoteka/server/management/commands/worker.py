"""Run the background worker: the queued tasks of every queue, until SIGTERM or Ctrl-C.

A task that is running when the signal arrives is finished first; a second signal stops it.
The worker outlasts database outages (a lock held by a backup or a migration, a restarted
database server): it waits and tries again, logging the outage once when it begins and once
when it ends (``server.steady_worker``). While it runs it stamps its heartbeat every few
seconds, which ``/healthz`` and the administrators' banner read. With --parent PID the worker
also stops when that process is gone, so a server that was killed outright leaves no worker
behind (``kartoteka run`` passes its own id).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from kartoteka.core.heartbeat import heartbeat_write
from kartoteka.core.schedule import schedule_due
from kartoteka.server.backoff import Backoff
from kartoteka.server.schedule import SCHEDULE
from kartoteka.server.steady_worker import DATABASE_ERRORS, SteadyWorker

PARENT_CHECK_SECONDS = 2.0
SCHEDULER_SECONDS = 5.0
HEARTBEAT_SECONDS = 10.0
# The waits between tries while the database is unavailable.
OUTAGE_FIRST_WAIT_SECONDS = 1.0
OUTAGE_LONGEST_WAIT_SECONDS = 30.0

logger = logging.getLogger("kartoteka.worker")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name", default="*", help="queues to serve, comma-separated ('*': all)"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at an empty queue"
        )
        parser.add_argument("--batch", action="store_true", help="run the queued tasks, then exit")
        parser.add_argument("--parent", type=int, help="stop when this process id is gone")

    def handle(self, *args: Any, **options: Any) -> None:
        DbWorkerCommand().configure_logging(options["verbosity"])
        name = f"{socket.gethostname()}:{os.getpid()}"[-64:]
        if options["parent"]:
            _stop_with_parent(options["parent"])
        if not options["batch"]:
            _start_heartbeat(name)
            _start_scheduler()
        worker = SteadyWorker(
            queue_names=options["queue_name"].split(","),
            excluded_queue_names=[],
            interval=options["interval"],
            batch=options["batch"],
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            worker_id=name,
            backoff=Backoff(first=OUTAGE_FIRST_WAIT_SECONDS, most=OUTAGE_LONGEST_WAIT_SECONDS),
        )
        worker.configure_signals()
        worker.run()


def _stop_with_parent(parent_pid: int) -> None:
    """Send this process SIGTERM (a clean stop) once it is no longer ``parent_pid``'s child."""

    def watch() -> None:
        stopped = threading.Event()
        while not stopped.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _start_heartbeat(name: str) -> None:
    """Stamp this worker's heartbeat now and every ``HEARTBEAT_SECONDS``, from a daemon thread.

    A beat the database refuses is skipped: the worker's loop tells of the outage."""

    def loop() -> None:
        while True:
            try:
                heartbeat_write(name=name, now=timezone.now())
            except DATABASE_ERRORS:
                logger.debug("heartbeat skipped: the database is unavailable", exc_info=True)
            finally:
                connection.close()
            time.sleep(HEARTBEAT_SECONDS)

    threading.Thread(target=loop, name="heartbeat", daemon=True).start()


def _start_scheduler() -> None:
    """Enqueue the periodic jobs of ``server.schedule`` when due, from a daemon thread."""

    def loop() -> None:
        pause = threading.Event()
        while not pause.wait(SCHEDULER_SECONDS):
            try:
                schedule_due(jobs=SCHEDULE)
            except DATABASE_ERRORS:
                logger.debug("scheduling skipped: the database is unavailable", exc_info=True)
            except Exception:
                logger.exception("scheduling periodic jobs failed; trying again")
            finally:
                connection.close()

    threading.Thread(target=loop, name="scheduler", daemon=True).start()
