"""The supervisor of ``kartoteka run``'s worker, with real child processes."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from kartoteka.server.backoff import Backoff
from kartoteka.server.supervision import Supervisor


def child(code: str) -> Callable[[], subprocess.Popen[bytes]]:
    return lambda: subprocess.Popen([sys.executable, "-c", code])


EXITS_AT_ONCE = child("raise SystemExit(3)")
RUNS_A_MINUTE = child("import time; time.sleep(60)")


@pytest.fixture
def supervisors() -> Iterator[list[Supervisor]]:
    started: list[Supervisor] = []
    yield started
    for supervisor in started:
        supervisor.stop(timeout=5)


def wait_for_starts(supervisor: Supervisor, starts: int) -> None:
    deadline = time.monotonic() + 10
    while supervisor.starts < starts:
        assert time.monotonic() < deadline, f"{supervisor.starts} starts"
        time.sleep(0.01)


def restart_waits(caplog: pytest.LogCaptureFixture) -> list[tuple[object, ...]]:
    """(how the child ended, wait) of each restart the supervisor logged."""
    return [
        (record.args[2], record.args[3])
        for record in caplog.records
        if record.name == "kartoteka.supervisor" and isinstance(record.args, tuple)
    ]


def test_a_child_that_keeps_dying_is_started_again_after_doubling_waits(
    supervisors, caplog
) -> None:
    # given
    caplog.set_level(logging.ERROR, logger="kartoteka.supervisor")
    supervisor = Supervisor(EXITS_AT_ONCE, name="worker", backoff=Backoff(first=0.05, most=0.2))
    supervisors.append(supervisor)
    # when
    supervisor.start()
    wait_for_starts(supervisor, 5)
    supervisor.stop(timeout=5)
    # then
    assert restart_waits(caplog)[:4] == [
        ("code 3", 0.05),
        ("code 3", 0.1),
        ("code 3", 0.2),
        ("code 3", 0.2),
    ]


def test_a_child_that_ran_steadily_is_started_again_after_the_shortest_wait(
    supervisors, caplog
) -> None:
    # given: every run counts as steady
    caplog.set_level(logging.ERROR, logger="kartoteka.supervisor")
    supervisor = Supervisor(
        EXITS_AT_ONCE, name="worker", backoff=Backoff(first=0.05, most=0.2), steady_seconds=0
    )
    supervisors.append(supervisor)
    # when
    supervisor.start()
    wait_for_starts(supervisor, 4)
    supervisor.stop(timeout=5)
    # then
    assert restart_waits(caplog)[:3] == [("code 3", 0.05)] * 3


def test_a_killed_child_is_started_again(supervisors, caplog) -> None:
    # given
    caplog.set_level(logging.ERROR, logger="kartoteka.supervisor")
    supervisor = Supervisor(RUNS_A_MINUTE, name="worker", backoff=Backoff(first=0.05, most=1))
    supervisors.append(supervisor)
    supervisor.start()
    first = supervisor.process
    assert first is not None
    # when
    first.kill()
    wait_for_starts(supervisor, 2)
    # then
    assert supervisor.process is not first
    assert supervisor.process is not None
    assert supervisor.process.poll() is None
    assert restart_waits(caplog) == [("signal SIGKILL", 0.05)]


def test_stop_ends_the_child_and_starts_no_other(supervisors) -> None:
    # given
    supervisor = Supervisor(RUNS_A_MINUTE, name="worker", backoff=Backoff(first=0.01, most=0.01))
    supervisors.append(supervisor)
    supervisor.start()
    # when
    supervisor.stop(timeout=5)
    time.sleep(0.2)
    # then
    assert supervisor.process is not None
    assert supervisor.process.returncode == -signal.SIGTERM
    assert supervisor.starts == 1
