"""The progress of a running import, kept beside the database.

The run writes every accepted row in one transaction (see ``running``). Whatever it wrote to the
database during that transaction is invisible to other connections until the commit, and on
SQLite a second connection could not even write (the run holds the write lock). So the run
reports its progress in a small JSON file under the data directory, replaced atomically
(written under another name, then renamed), a few times a second; the progress page reads it.
Files under the data directory are already shared by every process of an installation (the
documents' files live there), so a web process on another machine reads the same file.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# How often the run writes its progress at most (seconds); well under a second between writes.
INTERVAL = 0.25


def progress_path(import_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{import_id}.json"


def progress_write(import_id: int, *, done: int, total: int, started: float, phase: str) -> None:
    """Replace the progress file of ``import_id`` (``started`` is a ``time.time()``)."""
    path = progress_path(import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "done": done,
        "total": total,
        "started": started,
        "at": time.time(),
        "phase": phase,
    }
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def progress_clear(import_id: int) -> None:
    progress_path(import_id).unlink(missing_ok=True)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    rows_per_second: float
    seconds_left: float | None
    phase: str

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))


def progress_read(import_id: int) -> Progress | None:
    """The last progress the run wrote, or None when there is none (not running)."""
    try:
        payload = json.loads(progress_path(import_id).read_text())
    except (OSError, ValueError):
        return None
    done, total = int(payload["done"]), int(payload["total"])
    elapsed = max(float(payload["at"]) - float(payload["started"]), 0.001)
    rate = done / elapsed
    left = (total - done) / rate if rate > 0 else None
    return Progress(done, total, rate, left, str(payload.get("phase", "")))


class Ticker:
    """Writes the progress when ``INTERVAL`` passed since the last write (or when forced)."""

    def __init__(self, import_id: int, total: int, *, phase: str = "import") -> None:
        self.import_id = import_id
        self.total = total
        self.phase = phase
        self.started = time.time()
        self.last = 0.0
        self.done = 0

    def tick(self, done: int | None = None, *, force: bool = False) -> None:
        if done is not None:
            self.done = done
        now = time.monotonic()
        if force or now - self.last >= INTERVAL:
            self.last = now
            progress_write(
                self.import_id,
                done=self.done,
                total=self.total,
                started=self.started,
                phase=self.phase,
            )
