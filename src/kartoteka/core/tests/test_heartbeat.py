from __future__ import annotations

from datetime import timedelta

import pytest

from kartoteka.core.heartbeat import heartbeat_write, worker_is_silent, worker_last_seen
from kartoteka.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_a_workers_first_beat_makes_its_row(frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now)

    assert list(WorkerHeartbeat.objects.values_list("name", "started_at", "beat_at")) == [
        ("host:101", frozen_now, frozen_now)
    ]


def test_a_later_beat_is_one_update_of_its_row(frozen_now, django_assert_num_queries) -> None:
    heartbeat_write(name="host:101", now=frozen_now - timedelta(seconds=10))

    with django_assert_num_queries(1):
        heartbeat_write(name="host:101", now=frozen_now)

    row = WorkerHeartbeat.objects.get()
    assert (row.started_at, row.beat_at) == (frozen_now - timedelta(seconds=10), frozen_now)


def test_a_new_worker_removes_the_rows_of_workers_gone_for_a_day(frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now - timedelta(days=2))
    heartbeat_write(name="host:102", now=frozen_now - timedelta(hours=3))

    heartbeat_write(name="host:103", now=frozen_now)

    assert sorted(WorkerHeartbeat.objects.values_list("name", flat=True)) == [
        "host:102",
        "host:103",
    ]


def test_the_newest_beat_of_any_worker_is_when_a_worker_was_last_seen(frozen_now) -> None:
    heartbeat_write(name="host:101", now=frozen_now - timedelta(minutes=10))
    heartbeat_write(name="host:102", now=frozen_now - timedelta(seconds=5))

    assert worker_last_seen() == frozen_now - timedelta(seconds=5)


def test_a_worker_is_silent_after_three_minutes_without_a_beat(frozen_now) -> None:
    assert worker_is_silent(frozen_now - timedelta(minutes=3), now=frozen_now) is False
    assert worker_is_silent(frozen_now - timedelta(minutes=3, seconds=1), now=frozen_now) is True
    assert worker_is_silent(None, now=frozen_now) is True
