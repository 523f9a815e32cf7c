"""Whether the installation works: ``/healthz`` for load balancers and monitoring, and the
banner that tells administrators the background worker has gone silent.

``/healthz`` answers without login, in two queries, and names no host, user or error text:
200 when the database answers and a worker stamped its heartbeat lately
(``core.heartbeat``), else 503. With the worker's state it gives the age of the oldest task
waiting in the queue, which grows when the worker runs but cannot keep up.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from kartoteka.core.access import administrator_required
from kartoteka.core.heartbeat import worker_is_silent, worker_last_seen

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    database: str  # "ok" or "unreachable"
    worker: str  # "ok", "silent" (or never started) or "unknown" (no database to ask)
    worker_last_seen_seconds: int | None
    tasks_waiting: int | None
    oldest_waiting_task_seconds: int | None

    @property
    def healthy(self) -> bool:
        return self.database == "ok" and self.worker == "ok"


def health_check(*, now: datetime) -> Health:
    """The database's and the worker's state, and the queue of tasks waiting to run."""
    try:
        last_seen = worker_last_seen()
        queue = DBTaskResult.objects.ready().aggregate(
            waiting=Count("pk"), oldest=Min("enqueued_at")
        )
    except DatabaseError as error:
        logger.warning(
            "health check: the database does not answer (%s: %s)", type(error).__name__, error
        )
        return Health(
            database="unreachable",
            worker="unknown",
            worker_last_seen_seconds=None,
            tasks_waiting=None,
            oldest_waiting_task_seconds=None,
        )
    return Health(
        database="ok",
        worker="silent" if worker_is_silent(last_seen, now=now) else "ok",
        worker_last_seen_seconds=_seconds_since(last_seen, now=now),
        tasks_waiting=queue["waiting"],
        oldest_waiting_task_seconds=_seconds_since(queue["oldest"], now=now),
    )


def _seconds_since(moment: datetime | None, *, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


# Exempt from CSRF so that a POST is told 405 (GET and HEAD only), not 403.
@csrf_exempt
@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    health = health_check(now=timezone.now())
    body = {"status": "ok" if health.healthy else "failing", "web": "ok", **asdict(health)}
    return JsonResponse(body, status=200 if health.healthy else 503)


@administrator_required
@never_cache
@require_safe
def worker_banner(request: HttpRequest) -> HttpResponse:
    """The banner (an htmx fragment of every administrator's page), empty while a worker
    beats: loaded after the page so the page's own queries stay what they are, and once per
    page, never polled, so an open tab does not keep its session alive."""
    now = timezone.now()
    last_seen = worker_last_seen()
    context = {"silent": worker_is_silent(last_seen, now=now), "last_seen": last_seen}
    return render(request, "core/worker_banner.html", context)
