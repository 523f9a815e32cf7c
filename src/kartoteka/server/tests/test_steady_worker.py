"""How the worker tells of a database outage: once as it begins, once as it ends. (The worker
outlasting one is shown with a real process in ``test_worker_outage``.)"""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError

from kartoteka.server.steady_worker import Outage


@pytest.fixture
def worker_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="kartoteka.worker")
    return caplog


def test_an_outage_is_logged_once_however_many_tries_fail(worker_log) -> None:
    outage = Outage()

    for _ in range(5):
        outage.begin(OperationalError("database is locked"))

    assert [(r.levelname, r.getMessage()) for r in worker_log.records] == [
        (
            "ERROR",
            "The database is unavailable (OperationalError: database is locked);"
            " the worker keeps trying.",
        )
    ]


def test_the_end_of_an_outage_is_logged_once(worker_log) -> None:
    outage = Outage()
    outage.begin(OperationalError("database is locked"))

    outage.end()
    outage.end()

    assert [(r.levelname, r.getMessage()) for r in worker_log.records][1:] == [
        ("WARNING", "The database is available again after 0 s; the worker goes on.")
    ]


def test_without_an_outage_nothing_is_logged(worker_log) -> None:
    Outage().end()

    assert worker_log.records == []
