"""Keeping a child process running: ``kartoteka run`` supervises its worker with this.

When the child exits without being asked to, it is started again after a wait that doubles
(from a second up to a minute) while it keeps dying within a minute of its start; each exit is
logged. ``stop`` ends the child with SIGTERM (SIGKILL if it does not stop in time) and starts
no other.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable

from kartoteka.server.backoff import Backoff

logger = logging.getLogger("kartoteka.supervisor")

# A child that ran this long before exiting was healthy: its next start waits the least.
STEADY_SECONDS = 60.0


class Supervisor:
    def __init__(
        self,
        start: Callable[[], subprocess.Popen[bytes]],
        *,
        name: str,
        backoff: Backoff,
        steady_seconds: float = STEADY_SECONDS,
    ) -> None:
        self._start = start
        self.name = name
        self._backoff = backoff
        self._steady_seconds = steady_seconds
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0
        self.starts = 0

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self._process

    def start(self) -> None:
        """Start the child, and watch it from a daemon thread."""
        with self._lock:
            process = self._spawn()
        threading.Thread(
            target=self._watch, args=(process,), name=f"{self.name}-supervisor", daemon=True
        ).start()

    def stop(self, *, timeout: float) -> None:
        """Stop the child (SIGTERM, then SIGKILL after ``timeout`` seconds); start no other."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _spawn(self) -> subprocess.Popen[bytes]:
        self._process = self._start()
        self._started_at = time.monotonic()
        self.starts += 1
        return self._process

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        while True:
            status = _exit_status(process)
            if self._stopping.is_set():
                return
            if time.monotonic() - self._started_at >= self._steady_seconds:
                self._backoff.reset()
            wait = self._backoff.next()
            logger.error(
                "The %s (process %s) exited with %s; starting it again in %.0f s.",
                self.name,
                process.pid,
                status,
                wait,
            )
            if self._stopping.wait(wait):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                process = self._spawn()


def _exit_status(process: subprocess.Popen[bytes]) -> str:
    """Wait for ``process`` to end and say how it ended ("code 3", "signal SIGKILL").

    The status is read before the process is reaped: gunicorn's master reaps every child it
    has, and a child reaped there reads as exit code 0 to ``Popen.wait``."""
    try:
        ended = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    except ChildProcessError:
        ended = None
    process.wait()
    if ended is None:
        return "an unknown status"
    if ended.si_code in {os.CLD_KILLED, os.CLD_DUMPED}:
        return f"signal {signal.Signals(ended.si_status).name}"
    return f"code {ended.si_status}"
