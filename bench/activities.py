"""Activities on the case benchmark's databases: ``python -m bench.activities COUNT`` (a child).

``python -m bench`` runs it after the other parts, on the same databases (``BENCH_ONLY=
activities`` for this part alone). The child prepares the database as ``bench.cases`` does
(cases, then the activities of ``bench.activities_data``: 2,000,000 events and 500,000 open
tasks among 100 users by default) and times, through ``django.test.Client`` (the whole
stack) or a direct call:

- "my work" (``desk:my-work``) of a user with ~5,000 open tasks, target < 150 ms;
- a week of a team's calendar (``activities:calendar?view=week&team=…&date=…``, the week of
  the generation) as the team's supervisor, target < 150 ms;
- the reminder job: 10,000 tasks' reminders made due (``BENCH_REMINDERS_DUE``),
  ``reminders_claim`` called at the moment the data was generated (when nothing else is due)
  and its result checked, then the tasks reset; target < 200 ms;
- the iCalendar feed (``activities:feed``) of the user with 5,000 events, target < 300 ms.

A URL name that does not resolve, a page that does not answer 200, or a claim that returns
another number than 10,000 is a wrong result: the row says so and ``python -m bench`` exits
non-zero. The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import django

# How many reminders are made due at once (``BENCH_REMINDERS_DUE``; fewer at smoke sizes).
DUE = int(os.environ.get("BENCH_REMINDERS_DUE") or 10_000)
ROWS = (
    ("my work page", 150),
    ("team calendar, a week", 150),
    ("reminder job, N due", 200),
    ("iCal feed, a user's events", 300),
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def counted_queries(run: Callable[[], Any]) -> tuple[int, Any]:
    """The queries of one call, counted by an execute wrapper."""
    from django.db import connection

    executed: list[str] = []

    def counted(execute: Any, sql: str, *args: Any) -> Any:
        executed.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(counted):
        result = run()
    return len(executed), result


def timed(
    run: Callable[[], Any], repeat: int, *, before: Callable[[], None] | None = None
) -> list[float]:
    times = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def row(
    name: str, times: list[float], queries: int, size: str, problem: str = ""
) -> dict[str, Any]:
    return {
        "scenario": name,
        "median_ms": statistics.median(times) if times else None,
        "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else None,
        "queries": queries,
        "size": size,
        "problem": problem,
    }


def failed(name: str, problem: str) -> dict[str, Any]:
    say(f"  {name}: {problem}")
    return row(name, [], 0, "", problem)


def page_row(
    name: str, client: Any, url_name: str, params: dict[str, str], repeat: int, size: str,
    args: tuple[Any, ...] = (),
) -> dict[str, Any]:  # fmt: skip
    """GET the page: warm once, count the queries of one request, time ``repeat`` more."""
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return failed(name, f"the URL name {url_name} does not resolve")

    def fetch() -> tuple[int, bytes]:
        """The status and the whole body (a streamed one read to its end, as a client would)."""
        response = client.get(url, params)
        body = b"".join(response) if response.streaming else response.content
        return response.status_code, body

    try:
        status, body = fetch()
    except Exception:
        say(traceback.format_exc())
        return failed(name, f"{url} raised an exception")
    if status != 200:
        return failed(name, f"{url} answered {status}")
    queries, _response = counted_queries(fetch)
    times = timed(fetch, repeat)
    result = row(name, times, queries, size)
    result["bytes"] = len(body)
    result["vevents"] = body.count(b"BEGIN:VEVENT")
    say(f"  {name:<28} {result['median_ms']:8.1f} ms  {queries} queries  {size}")
    return result


def reminder_row(repeat: int, generated_at: int) -> dict[str, Any]:
    """Make ``DUE`` reminders due at the generation moment, claim them, reset them."""
    name = f"reminder job, {DUE:,} due"
    try:
        from kartoteka.activities.reminders import reminders_claim
    except ImportError:
        return failed(name, "kartoteka.activities.reminders.reminders_claim does not exist")
    from kartoteka.activities.models import PendingReminder, Task

    moment = datetime.fromtimestamp(generated_at, tz=UTC)
    # Open tasks whose reminder lay ahead when generated: reset is "pending at remind_at".
    chosen = list(
        PendingReminder.objects.filter(remind_at__gt=moment)
        .order_by("task_id")
        .values_list("task_id", "remind_at")[:DUE]
    )
    if len(chosen) < DUE:
        return failed(name, f"only {len(chosen):,} open tasks to remind, not {DUE:,}")

    def pending(remind_at: datetime | None = None) -> list[PendingReminder]:
        return [PendingReminder(task_id=task, remind_at=remind_at or when) for task, when in chosen]

    def replace(rows: list[PendingReminder]) -> None:
        ids = [row.task_id for row in rows]
        for start in range(0, len(ids), 500):
            PendingReminder.objects.filter(task_id__in=ids[start : start + 500]).delete()
        PendingReminder.objects.bulk_create(rows, batch_size=500)

    def make_due() -> None:
        replace(pending(moment - timedelta(minutes=1)))

    def reset() -> None:
        replace(pending())

    claimed: list[int] = []

    def claim() -> None:
        claimed.append(len(reminders_claim(moment)))

    try:
        make_due()
        queries, _none = counted_queries(claim)
        times = timed(claim, repeat, before=make_due)
    except Exception:
        say(traceback.format_exc())
        return failed(name, "reminders_claim raised an exception")
    finally:
        reset()
    problem = ""
    if set(claimed) != {DUE}:
        problem = f"reminders_claim claimed {sorted(set(claimed))}, not {DUE:,} each time"
    result = row(name, times, queries, f"{DUE:,} of {Task.objects.open().count():,} open", problem)
    say(f"  {name:<28} {result['median_ms']:8.1f} ms  {queries} queries")
    return result


def measure(repeat: int, generated: dict[str, Any]) -> dict[str, Any]:
    import secrets

    from django.test import Client

    from bench.activities_data import activity_refs, iso_day
    from kartoteka.activities.models import CalendarFeed, Event, Task
    from kartoteka.people.models import User

    refs = activity_refs()
    activities = generated["activities"]
    end = activities["end"]

    def client_of(user_id: int) -> Client:
        client = Client(HTTP_HOST="localhost")
        client.force_login(User.objects.get(pk=user_id))
        return client

    rows = []
    tasks = Task.objects.open().filter(assignee_id=refs["my_work_user"]).count()
    rows.append(
        page_row(
            ROWS[0][0], client_of(refs["my_work_user"]), "desk:my-work", {}, repeat,
            f"{tasks:,} open tasks",
        )
    )  # fmt: skip
    members = User.objects.filter(team_id=refs["team"]).count()
    rows.append(
        page_row(
            ROWS[1][0], client_of(refs["supervisor"]), "activities:calendar",
            {"view": "week", "team": str(refs["team"]), "date": iso_day(end)}, repeat,
            f"{members} members",
        )
    )  # fmt: skip
    rows.append(reminder_row(repeat, end))
    events = Event.objects.filter(author_id=refs["feed_user"]).count()
    name = f"iCal feed, {events:,} events"
    try:
        feed, _created = CalendarFeed.objects.get_or_create(
            user_id=refs["feed_user"], defaults={"token": secrets.token_urlsafe(32)}
        )
    except Exception:
        say(traceback.format_exc())
        rows.append(failed(name, "no calendar feed could be made (CalendarFeed)"))
        return {"rows": rows}
    feed_row = page_row(
        name, Client(HTTP_HOST="localhost"), "activities:feed", {}, repeat,
        f"{events:,} events", args=(feed.token,),
    )  # fmt: skip
    if not feed_row["problem"] and feed_row["vevents"] != events:
        feed_row["size"] += f", {feed_row['vevents']:,} in the feed"
    rows.append(feed_row)
    return {"rows": rows}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from django.db import connection

    from bench.cases import prepare
    from kartoteka.activities.models import Event, Task

    generated = prepare(int(sys.argv[1]))
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    report = measure(repeat, generated)
    report.update(
        vendor=connection.vendor,
        events=Event.objects.count(),
        open_tasks=Task.objects.open().count(),
    )
    print(json.dumps(report))


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    vendors = list(reports)
    sizes = ", ".join(
        f"{v} {reports[v]['events']:,} events / {reports[v]['open_tasks']:,} open tasks"
        for v in vendors
    )
    print(f"\nActivities ({sizes})")
    header = f"{'scenario':<28} {'target':>6}" + "".join(
        f" | {v[:10]:<10} {'med ms':>7} {'p95 ms':>7} {'q':>3}" for v in vendors
    )
    print(header)
    print("-" * len(header))
    for index, (_name, target) in enumerate(ROWS):
        line = f"{reports[vendors[0]]['rows'][index]['scenario']:<28} {target:>6}"
        for vendor in vendors:
            own = reports[vendor]["rows"][index]
            if own["median_ms"] is None:
                line += f" | {'':>10} {'FAILED':>7} {'':>7} {'':>3}"
                continue
            flag = "!" if own["median_ms"] > target else " "
            line += (
                f" | {'':>10} {own['median_ms']:6.1f}{flag} {own['p95_ms']:7.1f}"
                f" {own['queries']:>3}"
            )
        print(line)
    print("-" * len(header))
    for vendor in vendors:
        details = "; ".join(
            f"{own['scenario']}: {own['size']}" for own in reports[vendor]["rows"] if own["size"]
        )
        print(f"  {vendor}: {details}")
    print("(! = median over the target in ms; q = queries of one request or claim)\n")


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"{vendor}: activities, {own['scenario']}: {own['problem']}"
        for vendor, report in reports.items()
        for own in report["rows"]
        if own["problem"]
    ]


if __name__ == "__main__":
    main()
