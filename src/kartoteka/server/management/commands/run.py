"""Start Kartoteka: migrate, load demo data on the first start, collect static files, start the
background worker and serve HTTP with gunicorn until Ctrl-C or SIGTERM.

Demo data is loaded when no user exists yet (--no-demo skips it). The demo logins are printed
with their password on that first start only; later starts name the demo users still on the
demo password and say that it is in the README, so a terminal log or a screen share of a
running server does not spell it out again. The worker runs as a child
process (``kartoteka worker``), is started again whenever it exits (``server.supervision``)
and is stopped with the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication

from kartoteka.demo.catalogue import DEMO_PASSWORD
from kartoteka.demo.services import demo_logins
from kartoteka.env import env_int
from kartoteka.people.models import User
from kartoteka.server.backoff import Backoff
from kartoteka.server.supervision import Supervisor

WORKER_STOP_SECONDS = 10
# The waits before starting a worker that keeps exiting again.
WORKER_FIRST_RESTART_SECONDS = 1.0
WORKER_LONGEST_RESTART_SECONDS = 60.0


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument(
            "--port", type=int, default=env_int("PORT", 8000), help="port (default: $PORT or 8000)"
        )
        parser.add_argument("--no-demo", action="store_true", help="never load demo data")
        parser.add_argument("--workers", type=int, default=2, help="web server processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per process")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.stdout.write("Preparing the database…")
        call_command("migrate", verbosity=0, interactive=False)
        first_start = not options["no_demo"] and not User.objects.exists()
        if first_start:
            call_command("demo", stdout=self.stdout)
        call_command("collectstatic", verbosity=0, interactive=False)
        logins = demo_logins(DEMO_PASSWORD)
        # Forked server processes must not share the connections opened above.
        connections.close_all()

        address = f"http://{options['host']}:{options['port']}"
        master_pid = os.getpid()
        worker = Supervisor(
            lambda: _start_worker(master_pid),
            name="worker",
            backoff=Backoff(
                first=WORKER_FIRST_RESTART_SECONDS, most=WORKER_LONGEST_RESTART_SECONDS
            ),
        )

        def when_ready(_arbiter: object) -> None:
            if not options["no_worker"]:
                worker.start()
            lines = banner(
                address,
                logins,
                time.monotonic() - started,
                first_start=first_start,
                debug=settings.DEBUG,
            )
            self.stdout.write("\n".join(lines))
            self.stdout.flush()

        server = _Server(
            {
                "bind": f"{options['host']}:{options['port']}",
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "preload_app": True,
                "timeout": 60,
                "graceful_timeout": 10,
                "accesslog": None,
                "loglevel": "warning",
                "proc_name": "kartoteka",
                "control_socket_disable": True,
                "when_ready": when_ready,
            }
        )
        try:
            server.run()
        finally:
            # Server processes forked from this one unwind through here too: only the
            # master owns the worker.
            if os.getpid() == master_pid:
                worker.stop(timeout=WORKER_STOP_SECONDS)
                self.stdout.write("Kartoteka stopped.")


class _Server(BaseApplication):  # type: ignore[misc]
    """gunicorn with its configuration given here, never read from the command line."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.config.items():
            if key not in self.cfg.settings:
                raise CommandError(f"gunicorn has no setting {key!r}")
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        return get_wsgi_application()


def banner(
    address: str, logins: list[User], seconds: float, *, first_start: bool, debug: bool
) -> list[str]:
    """The lines printed once the server is ready.

    The demo password is shown on the first start only (when the demo was just loaded);
    later starts list the demo users still on it, without it.
    """
    lines = ["", f"Kartoteka is running at {address}  (ready in {seconds:.1f} s)"]
    if logins and first_start:
        lines.append(f"Demo logins (password: {DEMO_PASSWORD}):")
    elif logins:
        lines.append('Demo logins as before; their password is in the README, "Quick start":')
    for user in logins:
        password = f"{DEMO_PASSWORD:<16} " if first_start else ""
        portal = f" at {address}/portal/" if user.role == User.Role.PORTAL else ""
        lines.append(f"  {user.username:<10} {password}{User.Role(user.role).label}{portal}")
    if debug:
        lines.append("DEBUG is on: do not use this server for real data.")
    lines += ["Press Ctrl-C to stop.", ""]
    return lines


def _start_worker(parent_pid: int) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C in the terminal reaches the server only, which then
    # stops the worker with SIGTERM and lets it finish the task it is running.
    return subprocess.Popen(  # noqa: S603 - the running interpreter, fixed arguments
        [sys.executable, "-m", "kartoteka", "worker", "--parent", str(parent_pid)],
        start_new_session=True,
    )
