"""One room, two bookings at the same instant: exactly one wins, the other is told the clash.

On PostgreSQL the exclusion constraint ``event_resource_no_overlap`` is the guarantee, so the
tests let both bookings pass the check before either inserts (a barrier after the check) and
see the constraint refuse the second, which the service turns into the named clash. On SQLite
the check is the guarantee because the booking's transaction holds the write lock from its
start (``BEGIN IMMEDIATE``): two processes on a database file, each pausing after its check,
still cannot both pass it.

The concurrent tests commit for real: threads with their own connections on PostgreSQL
(``transaction=True``), separate processes on a temporary database file on SQLite (see
``cases/tests/test_numbering.py`` for why not threads there).
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
from django.db import IntegrityError, connection, transaction

from kartoteka.activities import services
from kartoteka.activities.booking import resource_check_free
from kartoteka.activities.models import Event
from kartoteka.activities.services import _event_insert, event_record
from kartoteka.testing.activities import ResourceFactory, at, event_type
from kartoteka.testing.customers import AccountFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the exclusion constraint exists on PostgreSQL only (DATABASE_URL=postgres://…)",
)


def clash_message(room: str, author: object) -> str:
    return (
        f"{room} is already booked on 12/07/2026 from 10:00 to 11:00 by {author}. "
        "Choose another time or resource."
    )


# PostgreSQL: the constraint


def booked(by, room) -> Event:
    """``room`` booked by ``by`` for a meeting 10:00-11:00 on 7 December, through the service."""
    return event_record(
        by=by,
        account=AccountFactory(),
        event_type=event_type("Meeting"),
        starts_at=at(7, 10),
        resource=room,
    )


def unchecked(beside: Event, *, by, starts_at, ends_at, resource=None) -> Event:
    """An event in ``beside``'s thread, not yet saved: written without the service's check."""
    return Event(
        account=beside.account,
        thread=beside.thread,
        event_type=beside.event_type,
        author=by,
        starts_at=starts_at,
        ends_at=ends_at,
        resource=resource,
    )


@on_postgresql
@pytest.mark.django_db
def test_the_database_refuses_an_overlapping_booking_that_skips_the_check(agent) -> None:
    # given: the room taken 10:00-11:00
    room = ResourceFactory(name="Sala Odra")
    first = booked(agent, room)
    # when: a row for 10:30-11:30 is written straight to the table
    overlapping = unchecked(
        first, by=agent, starts_at=at(7, 10, 30), ends_at=at(7, 11, 30), resource=room
    )
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        overlapping.save()
    # then
    assert refused.value.__cause__.diag.constraint_name == "event_resource_no_overlap"
    assert Event.objects.filter(resource=room).count() == 1


@on_postgresql
@pytest.mark.django_db
def test_the_constraint_leaves_back_to_back_and_other_rooms_alone(agent) -> None:
    # given
    room, other_room = ResourceFactory(), ResourceFactory()
    first = booked(agent, room)
    # when: 11:00-12:00 in the same room, 10:00-11:00 in another, and two without a room
    for resource, starts_at, ends_at in [
        (room, at(7, 11), at(7, 12)),
        (other_room, at(7, 10), at(7, 11)),
        (None, at(7, 10), at(7, 11)),
        (None, at(7, 10), at(7, 11)),
    ]:
        unchecked(first, by=agent, starts_at=starts_at, ends_at=ends_at, resource=resource).save()
    # then
    assert Event.objects.count() == 5


@on_postgresql
@pytest.mark.django_db
def test_a_refusal_by_the_constraint_reads_as_the_named_clash(agent, supervisor) -> None:
    # given: the room taken 10:00-11:00 by the supervisor
    room = ResourceFactory(name="Sala Warta")
    first = booked(supervisor, room)
    late = unchecked(first, by=agent, starts_at=at(7, 10, 45), ends_at=at(7, 11, 45), resource=room)
    # when: the insert that follows a check it raced past
    with pytest.raises(ValidationError) as refused:
        _event_insert(late)
    # then
    assert refused.value.message_dict == {"resource": [clash_message("Sala Warta", supervisor)]}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_bookings_racing_past_the_check_on_postgresql_one_wins(
    agent, supervisor, monkeypatch
) -> None:
    # given: a room, and two bookings whose checks both find it free before either inserts
    room = ResourceFactory(name="Sala Wisła")
    account = AccountFactory()
    meeting = event_type("Meeting")
    both_checked = threading.Barrier(2, timeout=30)

    def check_then_wait(*args: object, **kwargs: object) -> None:
        resource_check_free(*args, **kwargs)  # type: ignore[arg-type]
        both_checked.wait()

    monkeypatch.setattr(services, "resource_check_free", check_then_wait)
    won: list[str] = []
    refused: list[dict[str, list[str]]] = []
    errors: list[BaseException] = []

    def book(by) -> None:
        try:
            event_record(
                by=by, account=account, event_type=meeting, starts_at=at(7, 10), resource=room
            )
            won.append(by.username)
        except ValidationError as error:
            refused.append(error.message_dict)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=book, args=(user,)) for user in (agent, supervisor)]
    # when
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    # then: one booking stands, the other names it
    assert errors == []
    assert len(won) == 1
    winner = agent if won == ["agent"] else supervisor
    assert refused == [{"resource": [clash_message("Sala Wisła", winner)]}]
    assert list(Event.objects.filter(resource=room).values_list("author__username", flat=True)) == [
        winner.username
    ]


# SQLite: the serialised check, between processes

SETUP = textwrap.dedent(
    """
    import json

    import django

    django.setup()
    from kartoteka.testing.activities import ResourceFactory
    from kartoteka.testing.customers import AccountFactory
    from kartoteka.testing.people import UserFactory

    users = [
        UserFactory(username=name, first_name=name.title(), last_name="Nowak").pk
        for name in ("ala", "ola")
    ]
    print(json.dumps({
        "users": users,
        "account": AccountFactory().pk,
        "room": ResourceFactory(name="Sala Wisła").pk,
    }))
    """
)

WORKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path

    import django

    django.setup()
    from django.core.exceptions import ValidationError

    from kartoteka.activities import services
    from kartoteka.activities.booking import resource_check_free
    from kartoteka.activities.models import Resource
    from kartoteka.customers.models import Account
    from kartoteka.people.models import User
    from kartoteka.testing.activities import at, event_type

    gate, user_pk, account_pk, room_pk = Path(sys.argv[1]), *map(int, sys.argv[2:5])

    def check_then_linger(*args, **kwargs):
        # Time for the other process to run its own check, if it could.
        resource_check_free(*args, **kwargs)
        time.sleep(0.5)

    services.resource_check_free = check_then_linger
    by, account = User.objects.get(pk=user_pk), Account.objects.get(pk=account_pk)
    room, meeting = Resource.objects.get(pk=room_pk), event_type("Meeting")
    (gate / f"ready-{user_pk}").touch()
    while not (gate / "go").exists():
        time.sleep(0.002)
    try:
        event = services.event_record(
            by=by, account=account, event_type=meeting, starts_at=at(7, 10), resource=room
        )
    except ValidationError as error:
        print(json.dumps({"refused": error.message_dict}))
    else:
        print(json.dumps({"won": event.pk}))
    """
)


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="kartoteka.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'kartoteka.sqlite3'}",
        KARTOTEKA_DATA_DIR=str(tmp_path),
        LANGUAGE_CODE="en",
        TIME_ZONE="Europe/Warsaw",
    )
    return env


def test_two_processes_booking_one_room_on_sqlite_one_wins(tmp_path: Path) -> None:
    # given: a migrated database file with two users, a customer and a room
    env = _environment(tmp_path)
    run = {"env": env, "check": True, "timeout": 120, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "-m", "kartoteka", "migrate", "--verbosity", "0"], **run)
    rows = json.loads(subprocess.run([sys.executable, "-c", SETUP], **run).stdout)
    gate = tmp_path / "gate"
    gate.mkdir()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(gate),
                str(user),
                str(rows["account"]),
                str(rows["room"]),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in rows["users"]
    ]
    deadline = time.monotonic() + 60
    while len(list(gate.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # when: both book 10:00-11:00 at the same instant
    (gate / "go").touch()
    outputs = [worker.communicate(timeout=120) for worker in workers]
    # then: one booking stands, the other names it
    assert [
        (worker.returncode, err) for worker, (_o, err) in zip(workers, outputs, strict=True)
    ] == [(0, "")] * 2
    results = [json.loads(out) for out, _err in outputs]
    won = [result for result in results if "won" in result]
    assert len(won) == 1
    winner = ("Ala Nowak", "Ola Nowak")[results.index(won[0])]
    assert [result for result in results if "refused" in result] == [
        {"refused": {"resource": [clash_message("Sala Wisła", winner)]}}
    ]
