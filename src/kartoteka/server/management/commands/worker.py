"""Run the background worker: the queued tasks of every queue, until SIGTERM or Ctrl-C.

A task that is running when the signal arrives is finished first; a second signal stops it.
With --parent PID the worker also stops when that process is gone, so a server that was
killed outright leaves no worker behind (``kartoteka run`` passes its own id).
"""

from __future__ import annotations

import os
import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

PARENT_CHECK_SECONDS = 2.0


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
        if options["parent"]:
            _stop_with_parent(options["parent"])
        if not options["batch"]:
            _start_scheduler()
        call_command(
            "db_worker",
            queue_name=options["queue_name"],
            interval=options["interval"],
            batch=options["batch"],
            reload=False,
            verbosity=options["verbosity"],
            stdout=self.stdout,
            stderr=self.stderr,
        )


def _stop_with_parent(parent_pid: int) -> None:
    """Send this process SIGTERM (a clean stop) once it is no longer ``parent_pid``'s child."""

    def watch() -> None:
        stopped = threading.Event()
        while not stopped.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


SCHEDULER_SECONDS = 5.0


def _start_scheduler() -> None:
    """Enqueue the periodic jobs of ``server.schedule`` when due, from a daemon thread."""
    import logging

    from django.db import connection

    from kartoteka.core.schedule import schedule_due
    from kartoteka.server.schedule import SCHEDULE

    logger = logging.getLogger("kartoteka.scheduler")

    def loop() -> None:
        pause = threading.Event()
        while not pause.wait(SCHEDULER_SECONDS):
            try:
                schedule_due(jobs=SCHEDULE)
            except Exception:
                logger.exception("scheduling periodic jobs failed; trying again")
            finally:
                connection.close()

    threading.Thread(target=loop, name="scheduler", daemon=True).start()
