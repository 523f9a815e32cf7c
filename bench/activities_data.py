"""Add the activities to a benchmark database: events in threads, done and open tasks, among a
hundred sales users in ten teams, on top of the generated cases.

``activities_ensure`` runs inside ``bench.cases.prepare`` once the case data is there, so every
part of ``make bench`` (the customer file too) sees the same data. It is keyed by a marker row
of its own (``activities`` in ``bench_generated``: ``ACTIVITY_VERSION`` and the sizes), so a
database whose cases were generated before the activities existed gets them added without
generating the cases again; a database with other activity sizes has its activities replaced.

The shape (sizes from the environment, see ``ActivitySizes``): ``events`` events in ``events / 4``
threads (1 to ~10 events each, days apart) over the three years of the cases, on the
generated accounts that are not restricted (a few big customers, a long tail); 80 % of threads
open, most with one open task planned by their last event, the rest closed by a signed contract
or a refusal; every event after a thread's first completes the task its predecessor planned (a
done task); open tasks alone (outside any thread) make up ``open_tasks`` open tasks in all, due
from a year ago (a backlog, overdue) to four months ahead (rescheduled), each with its reminder
(already sent when its time is past). One meeting in 25 books one of six rooms, on the hour,
never two at once (PostgreSQL's exclusion constraint checks it as the rows go in); one in ten
has a colleague taking part; offers and contracts carry an amount and a product; one event in
fifty is confidential.

Two users are special: ``bench-sales-001`` (a member of the first team) has about
``open_tasks / 99`` open tasks, like everyone, and the last user, the *feed user*, has exactly
``feed_events`` events, all within the iCalendar feed's window (a month back to two months
ahead of the generation), in closed threads, and no open task: the feed holds their events.

Rows go in with ``bench.generate.insert`` (``executemany`` / ``COPY``, secondary indexes
rebuilt afterwards), with explicit ids from 1.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from bench.generate import (
    ACCOUNTS,
    MARKER_TABLE,
    SPAN,
    analyze,
    bulk_steps,
    insert,
    insert_pairs,
    spread,
)
from kartoteka.activities.models import (
    Event,
    EventType,
    Participation,
    PendingReminder,
    Product,
    Resource,
    Task,
    Thread,
)
from kartoteka.customers.models import Account
from kartoteka.people.models import Team, User

# Raise whenever what this generator writes changes: the activities are then written again.
ACTIVITY_VERSION = 2
MARKER_NAME = "activities"
SEED = 2027
USER_PREFIX = "bench-sales-"
TEAM_PREFIX = "Bench sprzedaż "
TEAM_SIZE = 10
MY_WORK_USER = f"{USER_PREFIX}001"
DAY = 86_400
OPEN_SHARE = 0.8  # of threads
PLANNED_SHARE = 0.95  # of open threads: the rest have no next step
BOOKING_EVERY = 25  # one meeting in this many books a resource
RESOURCES = [f"Bench sala {n}" for n in range(1, 7)]
PRODUCTS = [
    ("BENCH-ERP", "Licencja ERP (12 mies.)", Decimal("2400.00")),
    ("BENCH-WDR", "Wdrożenie (pakiet 40 h)", Decimal("7200.00")),
    ("BENCH-TERM", "Terminal płatniczy", Decimal("1290.00")),
    ("BENCH-DRUK", "Drukarka etykiet", Decimal("1890.00")),
    ("BENCH-SERW", "Abonament serwisowy", Decimal("4800.00")),
    ("BENCH-SZK", "Szkolenie (1 dzień)", Decimal("1500.00")),
]
TITLES = [
    "Wdrożenie systemu magazynowego", "Terminale płatnicze", "Drukarki etykiet",
    "Przedłużenie umowy serwisowej", "Szkolenie pracowników", "Modernizacja sieci",
    "Dostawa czytników kodów", "Abonament serwisowy 2027", "Licencje ERP", "Rozbudowa floty",
]  # fmt: skip
DESCRIPTIONS = [
    "Rozmowa z kierownikiem zakupów o potrzebach na przyszły kwartał.",
    "Klient pyta o termin dostawy i warunki płatności.",
    "Przedstawienie oferty, omówienie rabatu przy umowie na 2 lata.",
    "Prezentacja systemu u klienta, obecny dyrektor finansowy.",
    "SMS z przypomnieniem o spotkaniu w przyszłym tygodniu.",
    "Wysłano ofertę z cennikiem i harmonogramem wdrożenia w Łodzi.",
    "Negocjacje warunków umowy serwisowej, klient prosi o korektę.",
]
RESULTS = [
    "Klient zainteresowany, prosi o ofertę.",
    "Oddzwonić po naradzie zarządu.",
    "Umówione spotkanie w naszym biurze.",
    "Brak decyzji, budżet w przyszłym roku.",
    "",
    "",
]
CLOSE_REASONS = ["Umowa podpisana", "Klient zrezygnował", "Brak budżetu"]
# Event type names (``activities.defaults``) and how often each follows in a thread.
FIRST_TYPES = [("Phone call", 60), ("Meeting", 20), ("Text message", 10), ("Other", 10)]
NEXT_TYPES = [
    ("Phone call", 45), ("Offer sent", 20), ("Meeting", 20), ("Text message", 10), ("Other", 5),
]  # fmt: skip
CLOSING_TYPES = [("Contract signed", 40), ("Phone call", 60)]

THREAD_COLUMNS = (
    "id", "account_id", "title", "state", "owner_id", "created_at", "closed_at", "closed_by_id",
    "close_reason",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "account_id", "thread_id", "event_type_id", "starts_at", "ends_at", "description",
    "result", "author_id", "amount", "currency", "resource_id", "case_id", "confidential",
    "created_at",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "account_id", "thread_id", "event_type_id", "due_at", "assignee_id", "note", "case_id",
    "state", "planned_by_event_id", "done_event_id", "created_by_id", "created_at", "closed_at",
    "remind_at",
)  # fmt: skip
REMIND_BEFORE = 15 * 60


@dataclass(frozen=True)
class ActivitySizes:
    """How much is written: ``BENCH_EVENTS`` (default 2,000,000), ``BENCH_OPEN_TASKS``
    (500,000), ``BENCH_ACTIVITY_USERS`` (100, in teams of ten), ``BENCH_FEED_EVENTS`` (the
    feed user's, 5,000)."""

    events: int
    open_tasks: int
    users: int
    feed_events: int

    @classmethod
    def from_env(cls) -> ActivitySizes:
        def number(name: str, default: int) -> int:
            return int(os.environ.get(name) or default)

        sizes = cls(
            events=number("BENCH_EVENTS", 2_000_000),
            open_tasks=number("BENCH_OPEN_TASKS", 500_000),
            users=number("BENCH_ACTIVITY_USERS", 100),
            feed_events=number("BENCH_FEED_EVENTS", 5_000),
        )
        if sizes.users < 2 * TEAM_SIZE or sizes.users % TEAM_SIZE:
            raise SystemExit(f"BENCH_ACTIVITY_USERS must be a multiple of {TEAM_SIZE}, >= 20")
        if not 4 <= sizes.feed_events <= sizes.events // 10:
            raise SystemExit("BENCH_FEED_EVENTS must be between 4 and a tenth of BENCH_EVENTS")
        return sizes


def activities_marker(sizes: ActivitySizes) -> dict[str, Any]:
    return {"version": ACTIVITY_VERSION, **asdict(sizes)}


def activities_marker_read() -> dict[str, Any] | None:
    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT value FROM {MARKER_TABLE} WHERE name = %s",  # noqa: S608
            [MARKER_NAME],
        )
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _marker_write(data: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(40) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE} WHERE name = %s", [MARKER_NAME])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name, value) VALUES (%s, %s)",  # noqa: S608
            [MARKER_NAME, json.dumps(data)],
        )


def activities_ensure(say: Callable[[str], None]) -> dict[str, Any]:
    """The activities of the environment's sizes, written unless the marker says they are
    there; returns the marker (with ``end``, the moment the data was generated at)."""
    sizes = ActivitySizes.from_env()
    expected = activities_marker(sizes)
    found = activities_marker_read()
    if found is not None and {key: found.get(key) for key in expected} == expected:
        say(f"  reusing the generated activities: {expected}")
        return found
    if found is not None or Event.objects.exists() or Task.objects.exists():
        say(f"  replacing the activities ({found or 'no marker'})")
        _clear()
    return _generate(sizes, say)


def _clear() -> None:
    tables = [
        Participation._meta.db_table,
        Event.contacts.through._meta.db_table,
        Event.products.through._meta.db_table,
        Event.documents.through._meta.db_table,
        Event.classifications.through._meta.db_table,
        Event.shared_users.through._meta.db_table,
        Event.shared_teams.through._meta.db_table,
        PendingReminder._meta.db_table,
        Task._meta.db_table,
        Event._meta.db_table,
        Thread._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        else:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608


@dataclass
class Plan:
    """Threads and events as compact arrays (seconds since the epoch): what the row passes
    read, so that no table's rows are held in memory."""

    users: list[int]
    accounts: list[int]
    types: dict[str, int]
    durations: dict[int, int]
    end: int
    thread_owner: array[int]
    thread_account: array[int]
    thread_state: array[int]  # 0 closed, 1 open with a task, 2 open without a next step
    thread_first: array[int]  # the id of its first event
    thread_count: array[int]
    thread_due: array[int]  # the open task's due time (state 1)
    event_start: array[int]
    event_type: array[int]


def _people() -> list[int]:
    """The sales users (ids), in teams of ten, each team supervised by its first member."""
    sizes = ActivitySizes.from_env()
    names = [f"{USER_PREFIX}{n:03}" for n in range(sizes.users)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    rng = random.Random(SEED)
    first_names = ["Anna", "Piotr", "Ewa", "Marek", "Joanna", "Paweł", "Beata", "Łukasz"]
    last_names = ["Nowak", "Wójcik", "Kamińska", "Zieliński", "Szymańska", "Woźniak"]
    User.objects.bulk_create(
        User(
            username=name,
            first_name=rng.choice(first_names),
            last_name=rng.choice(last_names),
            role=User.Role.AGENT,
            can_work_with_cases=True,
        )
        for name in names
        if name not in have
    )
    users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    ids = [users[name] for name in names]
    for team_index in range(sizes.users // TEAM_SIZE):
        members = ids[team_index * TEAM_SIZE : (team_index + 1) * TEAM_SIZE]
        team, _created = Team.objects.get_or_create(
            name=f"{TEAM_PREFIX}{team_index + 1}", defaults={"supervisor_id": members[0]}
        )
        User.objects.filter(pk__in=members).update(team=team)
    return ids


def _lookups() -> tuple[dict[str, int], dict[int, int]]:
    types = {t.name: t for t in EventType.objects.all()}
    missing = {name for name, _w in NEXT_TYPES + CLOSING_TYPES + FIRST_TYPES} - set(types)
    if missing:
        raise SystemExit(f"bench.activities_data: event types missing: {sorted(missing)}")
    for name in RESOURCES:
        Resource.objects.get_or_create(name=name, defaults={"kind": Resource.Kind.ROOM})
    for code, name, price in PRODUCTS:
        Product.objects.get_or_create(code=code, defaults={"name": name, "unit_price": price})
    return (
        {name: t.pk for name, t in types.items()},
        {t.pk: int(t.default_duration.total_seconds()) for t in types.values()},
    )


def _plan(sizes: ActivitySizes, users: list[int], rng: random.Random) -> Plan:
    types, durations = _lookups()
    # Accounts the sales users see (a restricted one belongs to a team's manager).
    accounts = list(
        Account.objects.filter(restricted=False)
        .order_by("pk")
        .values_list("pk", flat=True)[: ACCOUNTS * 2]
    )
    end = int(datetime.now(tz=UTC).replace(microsecond=0).timestamp())
    span_days = SPAN.days
    midnight = end - end % DAY - span_days * DAY  # day 0; day span_days is today
    plan = Plan(
        users=users,
        accounts=accounts,
        types=types,
        durations=durations,
        end=end,
        thread_owner=array("i"),
        thread_account=array("i"),
        thread_state=array("b"),
        thread_first=array("i"),
        thread_count=array("i"),
        thread_due=array("q"),
        event_start=array("q"),
        event_type=array("i"),
    )
    weights = account_weights(len(accounts))
    first_names, first_w = _cumulative(FIRST_TYPES)
    next_names, next_w = _cumulative(NEXT_TYPES)
    closing_names, closing_w = _cumulative(CLOSING_TYPES)
    feed_user = users[-1]
    others = users[:-1]
    feed_threads = sizes.feed_events // 4
    threads = sizes.events // 4
    rest = threads - feed_threads
    counts = [
        *[4] * (feed_threads - 1),
        sizes.feed_events - 4 * (feed_threads - 1),
        *(1 + n for n in spread(sizes.events - sizes.feed_events - rest, rest, rng)),
    ]
    open_threads = round(OPEN_SHARE * rest)
    planned = min(sizes.open_tasks, round(PLANNED_SHARE * open_threads))
    # Which of the other threads are open (and planned): chosen at random, exact in number.
    states = [1] * planned + [2] * (open_threads - planned) + [0] * (rest - open_threads)
    rng.shuffle(states)
    event_id = 1
    for index, count in enumerate(counts):
        feed = index < feed_threads
        if feed:  # a month back to two months ahead, a day apart
            day = span_days - 30 + rng.randint(0, 86)
            owner, state = feed_user, 0
        else:
            last_start = max(0, span_days - count * 7)
            day = rng.randint(0, last_start)
            owner, state = rng.choice(others), states[index - feed_threads]
        plan.thread_owner.append(owner)
        plan.thread_account.append(rng.choices(accounts, cum_weights=weights)[0])
        plan.thread_state.append(state)
        plan.thread_first.append(event_id)
        plan.thread_count.append(count)
        for position in range(count):
            if position:
                day += 1 if feed else 1 + int(rng.expovariate(1 / 6))
                day = day if feed else min(day, span_days)
            if position == 0:
                name = rng.choices(first_names, cum_weights=first_w)[0]
            elif position == count - 1 and state == 0:
                name = rng.choices(closing_names, cum_weights=closing_w)[0]
            else:
                name = rng.choices(next_names, cum_weights=next_w)[0]
            start = midnight + day * DAY + 7 * 3600 + rng.randrange(36) * 900
            plan.event_start.append(start)
            plan.event_type.append(types[name])
            event_id += 1
        last = plan.event_start[-1]
        plan.thread_due.append(max(last + 3600, _due(end, rng)) if state == 1 else 0)
    return plan


def account_weights(count: int) -> list[float]:
    """Cumulative weights of the accounts: a few big customers and a long tail (account k
    weighs 1 / (k + 11)), as the cases are spread."""
    return list(itertools.accumulate(1 / (k + 11) for k in range(count)))


def _cumulative(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [name for name, _w in pairs], list(itertools.accumulate(w for _n, w in pairs))


def _due(end: int, rng: random.Random) -> int:
    """An open task's due time: 40 % overdue within the past year, the rest within 4 months."""
    if rng.random() < 0.4:
        return end - rng.randrange(365 * DAY)
    return end + rng.randrange(120 * DAY)


def _moment(seconds: int, stamp: Callable[[datetime], Any]) -> Any:
    return stamp(datetime.fromtimestamp(seconds, tz=UTC))


def _thread_rows(plan: Plan, stamp: Callable[[datetime], Any]) -> Iterator[tuple[Any, ...]]:
    for index in range(len(plan.thread_owner)):
        thread_id = index + 1
        first = plan.thread_first[index] - 1
        last = first + plan.thread_count[index] - 1
        state = plan.thread_state[index]
        closed = state == 0
        owner = plan.thread_owner[index]
        yield (
            thread_id,
            plan.thread_account[index],
            f"{TITLES[thread_id % len(TITLES)]} ({thread_id})",
            Thread.State.CLOSED if closed else Thread.State.OPEN,
            owner,
            _moment(plan.event_start[first], stamp),
            _moment(plan.event_start[last], stamp) if closed else None,
            owner if closed else None,
            CLOSE_REASONS[thread_id % len(CLOSE_REASONS)] if closed else "",
        )


def _event_rows(
    plan: Plan, stamp: Callable[[datetime], Any], resources: list[int], booked: set[int]
) -> Iterator[tuple[Any, ...]]:
    """The events; ``booked`` collects the (resource, hour) keys taken, so that none is taken
    twice."""
    meeting = plan.types["Meeting"]
    priced = {plan.types["Offer sent"], plan.types["Contract signed"]}
    for index in range(len(plan.thread_owner)):
        thread_id = index + 1
        account = plan.thread_account[index]
        owner = plan.thread_owner[index]
        first = plan.thread_first[index]
        for event_id in range(first, first + plan.thread_count[index]):
            kind = plan.event_type[event_id - 1]
            start = plan.event_start[event_id - 1]
            length = plan.durations[kind]
            resource = None
            if kind == meeting and event_id % BOOKING_EVERY == 0:
                hour = start - start % 3600
                for offset in range(len(resources)):
                    choice = resources[(event_id // BOOKING_EVERY + offset) % len(resources)]
                    key = hour * 64 + choice
                    if key not in booked:
                        booked.add(key)
                        resource, start, length = choice, hour, 3600
                        break
            amount = (
                Decimal(500 + (event_id * 7919) % 49_500) + Decimal("0.50")
                if kind in priced
                else None
            )
            moment = _moment(start, stamp)
            yield (
                event_id,
                account,
                thread_id,
                kind,
                moment,
                _moment(start + length, stamp),
                DESCRIPTIONS[event_id % len(DESCRIPTIONS)],
                RESULTS[event_id % len(RESULTS)],
                owner,
                amount,
                "PLN",
                resource,
                None,
                event_id % 50 == 0,
                moment,
            )


def _task_rows(
    plan: Plan, sizes: ActivitySizes, stamp: Callable[[datetime], Any], rng: random.Random
) -> Iterator[tuple[Any, ...]]:
    """Done tasks (each planned by an event, done by the next), the open tasks of the
    planned threads, then open tasks alone until there are ``open_tasks`` open ones."""
    call = plan.types["Phone call"]
    end = plan.end
    task_id = 0
    open_count = 0

    for index in range(len(plan.thread_owner)):
        thread_id = index + 1
        account = plan.thread_account[index]
        owner = plan.thread_owner[index]
        first = plan.thread_first[index]
        last = first + plan.thread_count[index] - 1
        for event_id in range(first + 1, last + 1):
            task_id += 1
            due = plan.event_start[event_id - 1]
            yield (
                task_id, account, thread_id, plan.event_type[event_id - 1],
                _moment(due, stamp), owner, "", None, Task.State.DONE, event_id - 1, event_id,
                owner, _moment(plan.event_start[event_id - 2], stamp), _moment(due, stamp),
                _moment(due - REMIND_BEFORE, stamp),
            )  # fmt: skip
        if plan.thread_state[index] == 1:
            task_id += 1
            open_count += 1
            due = plan.thread_due[index]
            yield (
                task_id, account, thread_id, call, _moment(due, stamp), owner,
                "Zapytać o decyzję w sprawie oferty.", None, Task.State.OPEN, last, None, owner,
                _moment(plan.event_start[last - 1], stamp), None,
                _moment(due - REMIND_BEFORE, stamp),
            )  # fmt: skip
    weights = account_weights(len(plan.accounts))
    others = plan.users[:-1]
    for _ in range(sizes.open_tasks - open_count):
        task_id += 1
        due = _due(end, rng)
        owner = rng.choice(others)
        account = rng.choices(plan.accounts, cum_weights=weights)[0]
        yield (
            task_id, account, None, call, _moment(due, stamp), owner, "Oddzwonić do klienta.",
            None, Task.State.OPEN, None, None, owner,
            _moment(min(due, end) - 2 * DAY, stamp), None, _moment(due - REMIND_BEFORE, stamp),
        )  # fmt: skip


def _pending_reminders(end: int, stamp: Callable[[datetime], Any]) -> None:
    """The reminders of open tasks that were still ahead when the data was generated (those
    before went out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PendingReminder._meta.db_table} (task_id, remind_at) "  # noqa: S608
            f"SELECT id, remind_at FROM {Task._meta.db_table} "
            "WHERE state = %s AND remind_at > %s",
            [Task.State.OPEN, _moment(end, stamp)],
        )


def _participant_pairs(
    plan: Plan, stamp: Callable[[datetime], Any]
) -> Iterator[tuple[int, int, Any]]:
    """One meeting in ten has a colleague of the owner's team (never the feed user)."""
    meeting = plan.types["Meeting"]
    users = plan.users
    position = {user: n for n, user in enumerate(users)}
    for index in range(len(plan.thread_owner)):
        owner = position[plan.thread_owner[index]]
        team = owner - owner % TEAM_SIZE
        first = plan.thread_first[index]
        for event_id in range(first, first + plan.thread_count[index]):
            if plan.event_type[event_id - 1] == meeting and event_id % 10 == 3:
                colleague = team + (owner - team + 1 + event_id % (TEAM_SIZE - 1)) % TEAM_SIZE
                if colleague != owner and colleague < len(users) - 1:
                    yield event_id, users[colleague], _moment(plan.event_start[event_id - 1], stamp)


def _product_pairs(plan: Plan, products: list[int]) -> Iterator[tuple[int, int]]:
    priced = {plan.types["Offer sent"], plan.types["Contract signed"]}
    for event_id, kind in enumerate(plan.event_type, start=1):
        if kind in priced:
            yield event_id, products[event_id % len(products)]


def _generate(sizes: ActivitySizes, say: Callable[[str], None]) -> dict[str, Any]:
    from bench.generate import sqlite_stamp

    started = time.monotonic()
    postgresql = connection.vendor == "postgresql"
    stamp: Callable[[datetime], Any] = (lambda moment: moment) if postgresql else sqlite_stamp
    rng = random.Random(SEED)
    with transaction.atomic():
        users = _people()
        plan = _plan(sizes, users, rng)
    resources = list(
        Resource.objects.filter(name__in=RESOURCES).order_by("pk").values_list("pk", flat=True)
    )
    products = list(
        Product.objects.filter(code__in=[code for code, _n, _p in PRODUCTS])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    say(f"  planned {len(plan.thread_owner):,} threads in {time.monotonic() - started:.0f} s")
    step = bulk_steps(say)

    booked: set[int] = set()
    step(
        f"{len(plan.thread_owner):,} threads",
        lambda: insert(Thread, THREAD_COLUMNS, _thread_rows(plan, stamp)),
    )
    step(
        f"{sizes.events:,} events",
        lambda: insert(Event, EVENT_COLUMNS, _event_rows(plan, stamp, resources, booked)),
    )
    step(
        f"the tasks ({sizes.open_tasks:,} open)",
        lambda: insert(Task, TASK_COLUMNS, _task_rows(plan, sizes, stamp, rng)),
    )
    step("their pending reminders", lambda: _pending_reminders(plan.end, stamp))

    def pairs() -> None:
        insert_pairs(
            Participation._meta.db_table,
            ("event_id", "user_id", "starts_at"),
            _participant_pairs(plan, stamp),
        )
        insert_pairs(
            Event.products.through._meta.db_table,
            ("event_id", "product_id"),
            _product_pairs(plan, products),
        )

    step("the participants and products", pairs)
    data = {**activities_marker(sizes), "end": plan.end, "bookings": len(booked)}
    with transaction.atomic():
        _marker_write(data)
    analyze()
    if postgresql:
        with connection.cursor() as cursor:
            for model in (Thread, Event, Task):
                cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    say(f"  activities generated in {time.monotonic() - started:.0f} s")
    return data


def activity_refs() -> dict[str, Any]:
    """The users and team the benchmark's rows request as."""
    sizes = ActivitySizes.from_env()
    users = dict(
        User.objects.filter(username__startswith=USER_PREFIX).values_list("username", "pk")
    )
    feed_user = f"{USER_PREFIX}{sizes.users - 1:03}"
    supervisor = f"{USER_PREFIX}000"
    team = Team.objects.get(name=f"{TEAM_PREFIX}1")
    return {
        "my_work_user": users[MY_WORK_USER],
        "feed_user": users[feed_user],
        "supervisor": users[supervisor],
        "team": team.pk,
    }


def iso_day(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
