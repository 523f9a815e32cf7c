"""The background workers' heartbeat: each running worker stamps its row every few seconds
(``kartoteka worker``), and the health check and the administrators' banner read the newest
stamp. A worker is silent when no worker has stamped for ``WORKER_SILENT_AFTER``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max

from kartoteka.core.models import WorkerHeartbeat

# Longer than a database lock or restart a worker outlasts (its heartbeat pauses meanwhile),
# short enough that stopped mail is noticed within minutes.
WORKER_SILENT_AFTER = timedelta(minutes=3)
# A worker silent this long has gone for good (a restart writes a new row): its row is removed.
HEARTBEAT_KEPT = timedelta(days=1)


def heartbeat_write(*, name: str, now: datetime) -> None:
    """Stamp worker ``name``'s row with ``now``: one UPDATE, except at the worker's first beat,
    which creates its row and removes the rows of workers gone for ``HEARTBEAT_KEPT``."""
    if WorkerHeartbeat.objects.filter(name=name).update(beat_at=now):
        return
    WorkerHeartbeat.objects.filter(beat_at__lt=now - HEARTBEAT_KEPT).delete()
    WorkerHeartbeat.objects.create(name=name, started_at=now, beat_at=now)


def worker_last_seen() -> datetime | None:
    """When any worker last stamped its heartbeat; None when none ever did."""
    last_seen: datetime | None = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    return last_seen


def worker_is_silent(last_seen: datetime | None, *, now: datetime) -> bool:
    return last_seen is None or now - last_seen > WORKER_SILENT_AFTER
