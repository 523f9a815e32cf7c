"""Case numbers: unique, increasing and never reused, also when many cases are made at once.

The concurrent tests commit for real: on PostgreSQL, threads each with their own connection
(``transaction=True``); on SQLite, separate processes on a temporary database file, because
the suite's in-memory SQLite test database is shared between threads in SQLite's shared-cache
mode, which answers a second writer with "database table is locked" at once instead of
queueing it on the busy timeout the way a real database file does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from kartoteka.cases import services
from kartoteka.cases.models import Case, CaseSettings

THREADS = 8
CASES_PER_THREAD = 25
PROCESSES = 4
CASES_PER_PROCESS = 25


def last_number() -> int:
    return CaseSettings.objects.values_list("last_number", flat=True).get(pk=1)


# Both databases


def test_numbers_follow_the_counter_one_by_one(db: None) -> None:
    # given
    CaseSettings.objects.filter(pk=1).update(last_number=99)
    # when
    numbers = [services.case_create(by=None, subject=f"Sprawa {i}").number for i in range(3)]
    # then
    assert numbers == [100, 101, 102]
    assert last_number() == 102


def test_a_deleted_cases_number_is_never_given_again(admin) -> None:
    # given
    first = services.case_create(by=admin, subject="Pierwsza")
    newest = services.case_create(by=admin, subject="Najnowsza")
    services.case_delete(case=newest, by=admin)
    # when
    after = services.case_create(by=admin, subject="Po usunięciu")
    # then
    assert (newest.number, after.number) == (first.number + 1, first.number + 2)
    assert list(Case.objects.values_list("number", flat=True)) == [after.number, first.number]


def test_a_creation_refused_after_taking_a_number_gives_the_number_back(db: None) -> None:
    # given
    first = services.case_create(by=None, subject="Pierwsza")
    # when
    with pytest.raises(ValidationError) as refused:
        # The annotation is checked after the number is taken: the whole creation rolls back.
        services.case_create(by=None, subject="Za długa adnotacja", data={"annotation": "x" * 256})
    second = services.case_create(by=None, subject="Druga")
    # then
    assert list(refused.value.message_dict) == ["annotation"]
    assert second.number == first.number + 1
    assert last_number() == second.number
    assert list(Case.objects.values_list("number", flat=True)) == [second.number, first.number]


def _create_in_a_failing_transaction() -> None:
    with transaction.atomic():
        services.case_create(by=None, subject="Wycofana")
        raise RuntimeError("the caller's transaction fails after the case was created")


def test_a_rolled_back_transaction_leaves_no_duplicate_and_no_gap(db: None) -> None:
    # given
    first = services.case_create(by=None, subject="Pierwsza")
    # when
    with pytest.raises(RuntimeError):
        _create_in_a_failing_transaction()
    second = services.case_create(by=None, subject="Druga")
    # then
    assert second.number == first.number + 1
    assert list(Case.objects.values_list("subject", "number")) == [
        ("Druga", first.number + 1),
        ("Pierwsza", first.number),
    ]


# At once, on PostgreSQL


def _create_cases_from_threads(threads: int, per_thread: int) -> list[int]:
    """Create cases from ``threads`` threads started together, each on its own connection."""
    start = threading.Barrier(threads)
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(worker: int) -> None:
        try:
            start.wait(timeout=30)
            for index in range(per_thread):
                case = services.case_create(by=None, subject=f"Wątek {worker}, sprawa {index}")
                with lock:
                    numbers.append(case.number)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(worker,)) for worker in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert [thread.is_alive() for thread in workers] == [False] * threads
    assert errors == []
    return numbers


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (DATABASE_URL=postgres://…): the suite's in-memory SQLite test "
    "database cannot take writers from several threads; SQLite is tested with processes below",
)
@pytest.mark.django_db(transaction=True)
def test_cases_created_at_once_on_postgresql_get_every_number_once() -> None:
    # given
    before = last_number()
    # when
    numbers = _create_cases_from_threads(THREADS, CASES_PER_THREAD)
    # then
    expected = list(range(before + 1, before + THREADS * CASES_PER_THREAD + 1))
    assert sorted(numbers) == expected
    assert len(set(numbers)) == len(numbers)
    assert sorted(Case.objects.values_list("number", flat=True)) == expected
    assert last_number() == expected[-1]


# At once, on SQLite (separate processes on a database file)

WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path

    import django

    django.setup()
    from kartoteka.cases import services

    gate, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    (gate / f"ready-{name}").touch()
    while not (gate / "go").exists():
        time.sleep(0.005)
    numbers = [
        services.case_create(by=None, subject=f"{name}-{index}").number
        for index in range(count)
    ]
    print(json.dumps(numbers))
    """
)


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="kartoteka.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'kartoteka.sqlite3'}",
        KARTOTEKA_DATA_DIR=str(tmp_path),
        LANGUAGE_CODE="en",
    )
    return env


def test_cases_created_at_once_by_processes_on_sqlite_get_every_number_once(
    tmp_path: Path,
) -> None:
    # given
    env = _environment(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "kartoteka", "migrate", "--verbosity", "0"],
        env=env,
        check=True,
        timeout=120,
    )
    gate = tmp_path / "gate"
    gate.mkdir()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(gate), f"p{worker}", str(CASES_PER_PROCESS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while len(list(gate.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    # when
    (gate / "go").touch()
    outputs = [worker.communicate(timeout=120) for worker in workers]
    # then
    assert [
        (worker.returncode, err) for worker, (_out, err) in zip(workers, outputs, strict=True)
    ] == [(0, "")] * PROCESSES
    numbers = [number for out, _err in outputs for number in json.loads(out)]
    assert sorted(numbers) == list(range(1, PROCESSES * CASES_PER_PROCESS + 1))
