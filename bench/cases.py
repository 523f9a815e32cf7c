"""Measure the case list on one database: ``python -m bench.cases COUNT``.

Runs with the settings of the database under test (``DATABASE_URL`` / ``KARTOTEKA_DATA_DIR``
set by ``python -m bench``): migrates, generates COUNT cases unless they are already there,
times every scenario and the CSV export, and prints one JSON document on stdout (progress
goes to stderr).

A scenario is the list's first page with one filter, fetched with ``django.test.Client`` as a
manager through the whole stack. When the list view does not answer 200, the selector path is
timed instead: ``case_list(...)`` sliced to 50 rows and evaluated, plus the count of
``CappedPaginator``; ``python -m bench`` then reports the view as failed and exits non-zero.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import django

PER_PAGE = 50
EXPORT_ROWS = 100_000
MISMATCH = 3  # the exit status that asks ``python -m bench`` to recreate the database


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(count: int) -> dict[str, Any]:
    """Migrate and make sure the database holds what the generator writes for ``count`` cases
    and the sizes of the environment (``bench.generate.Sizes``), and the activities on top
    (``bench.activities_data``); return the generator's marker (the activities' under
    ``activities``). A database of other case sizes or of an older generator exits with
    ``MISMATCH``; other activity sizes only have the activities written again."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from bench.activities_data import activities_ensure
    from bench.generate import Sizes, analyze, generate, marker, marker_read, shared_file_ensure
    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

    sizes = Sizes.from_env(count)
    started = time.monotonic()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0, interactive=False)
    say(f"  migrated in {time.monotonic() - started:.1f} s")
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    expected = marker(sizes)
    found = marker_read()
    if found is not None and {key: found.get(key) for key in expected} == expected:
        say(f"  reusing the generated data: {expected}")
        shared_file_ensure()
        if pending:  # new indexes (or columns) have no statistics yet
            analyze()
        generated = found
    # An interrupted generation leaves its first rows (the bench users) and no marker.
    elif found is not None or User.objects.exists() or Case.objects.exists():
        say(f"  the database holds other generated data ({found or 'an older generator'})")
        raise SystemExit(MISMATCH)
    else:
        generated = generate(sizes, say=say)
    # The activities go on top of the cases, with a marker of their own (bench.activities_data).
    generated["activities"] = activities_ensure(say)
    return generated


def scenarios(count: int) -> list[tuple[str, dict[str, Any]]]:
    """Each filter on its most frequent value (the heaviest count), plus a few rare ones."""
    from django.db.models import Count

    from kartoteka.cases.models import Case

    def most_common(field: str) -> Any:
        row = (
            Case.objects.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        return row[field] if row else ""

    def least_common(field: str) -> Any:
        row = Case.objects.values(field).annotate(n=Count("pk")).order_by("n").first()
        return row[field] if row else ""

    newest = Case.objects.order_by("-number").values_list("created_at", flat=True).first()
    assert newest is not None
    year_ago = (newest - timedelta(days=365)).date()
    return [
        ("default (no filter)", {}),
        ("status (most common)", {"status": most_common("status")}),
        ("status (rarest)", {"status": least_common("status")}),
        ("priority", {"priority": most_common("priority")}),
        ("type", {"case_type": most_common("case_type")}),
        ("category", {"category": most_common("category")}),
        ("group", {"group": most_common("group")}),
        ("customer (biggest)", {"account": most_common("account")}),
        ("created by", {"created_by": most_common("created_by")}),
        ("assignee", {"assignee": most_common("assignee")}),
        (
            "created range (a month, 1 y ago)",
            {"created_from": year_ago, "created_to": year_ago + timedelta(days=30)},
        ),
        ("created this week", {"created": "week"}),
        ("overdue", {"overdue": "yes"}),
        ("subject frequent: faktur", {"subject": "faktur"}),
        ("subject city: łódź", {"subject": "łódź"}),
        ("subject rare: tachograf", {"subject": "tachograf"}),
        ("subject 2 letters: ół", {"subject": "ół"}),
        ("subject no match: zeppelin", {"subject": "zeppelin"}),
        ("number: 39", {"number": "39"}),
        ("number: 4321", {"number": "4321"}),
        ("number: exact newest", {"number": str(count)}),
    ]


def view_works(client: Any, url: str) -> bool:
    """Whether the view answers 200 (it may still be on its way: 404, or a missing template)."""
    try:
        status = client.get(url).status_code
    except Exception:
        say(traceback.format_exc())
        return False
    if status != 200:
        say(f"  {url} answered {status}")
    return status == 200


def use_capped_paginator_in_view() -> bool:
    """Give the list view ``CappedPaginator`` if it still counts every row (reported)."""
    from django.core.paginator import Paginator

    from kartoteka.cases.views import lists
    from kartoteka.core.pagination import CappedPaginator

    if getattr(lists, "Paginator", None) is not Paginator:
        return False
    lists.Paginator = CappedPaginator  # type: ignore[attr-defined]
    return True


def measure(count: int, repeat: int) -> dict[str, Any]:
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kartoteka.cases.selectors import case_list
    from kartoteka.core.pagination import CappedPaginator
    from kartoteka.people.models import User

    user = User.objects.get(username="bench-manager")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    list_url = reverse("cases:case-list")
    # BENCH_PAGINATOR=django keeps Django's Paginator (an exact count) in the view and selector.
    exact = os.environ.get("BENCH_PAGINATOR") == "django"
    paginator_class = Paginator if exact else CappedPaginator
    patched = not exact and use_capped_paginator_in_view()
    http = view_works(client, list_url)
    say(f"  measuring through {'the list view' if http else 'the selector (no list view yet)'}")

    def through_view(filters: dict[str, Any]) -> int:
        response = client.get(list_url, {k: str(v) for k, v in filters.items()})
        assert response.status_code == 200, response.status_code
        return 0

    def through_selector(filters: dict[str, Any]) -> int:
        paginator = paginator_class(case_list(user=user, filters=filters), PER_PAGE)
        page = paginator.page(1)
        list(page.object_list)
        return paginator.count

    def timed(run: Any, filters: dict[str, Any]) -> list[float]:
        run(filters)  # warm the caches
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run(filters)
            times.append((time.perf_counter() - started) * 1000)
        return sorted(times)

    run = through_view if http else through_selector
    results = []
    for name, filters in scenarios(count):
        with CaptureQueriesContext(connection) as queries:
            run(filters)
        sql = [query["sql"] for query in queries.captured_queries]
        times = timed(run, filters)
        selector_times = timed(through_selector, filters) if http else times
        results.append(
            {
                "scenario": name,
                "query": urlencode({k: str(v) for k, v in filters.items()}),
                "median_ms": statistics.median(times),
                "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                "selector_median_ms": statistics.median(selector_times),
                "queries": len(sql),
                "matched": through_selector(filters),
                "sql": sql,
            }
        )
        say(
            f"  {name:<36} {results[-1]['median_ms']:8.1f} ms"
            f"  (selector {results[-1]['selector_median_ms']:.1f} ms)"
        )
    return {"http": http, "patched": patched, "scenarios": results}


# The customer file's rows: (name, the GET parameters given what ``file_customer`` found).
FILE_SCENARIOS: list[tuple[str, Callable[[dict[str, Any]], dict[str, str]]]] = [
    ("first page (header + timeline)", lambda c: {}),
    ("timeline, an older page", lambda c: {"before": c["older"]}),
    ("cases tab", lambda c: {"tab": "cases"}),
    ("correspondence tab", lambda c: {"tab": "correspondence"}),
    ("documents tab", lambda c: {"tab": "documents"}),
    ("contacts tab", lambda c: {"tab": "contacts"}),
    ("history tab", lambda c: {"tab": "history"}),
    ("type: internal notes", lambda c: {"kind": "internal_note"}),
    ("type: emails received", lambda c: {"kind": "email_in"}),
    ("contact", lambda c: {"contact": str(c["contact"])}),
    ("case", lambda c: {"case": str(c["case"])}),
    ("user", lambda c: {"user": str(c["user"])}),
    ("dates: a month a year ago", lambda c: {"since": c["since"], "until": c["until"]}),
    ("search, common word: faktur", lambda c: {"q": "faktur"}),
    ("search, rare word: tachograf", lambda c: {"q": "tachograf"}),
]


def file_customer(client: Any, account_id: int) -> dict[str, Any]:
    """What the scenarios of one customer's file need: its URL, a contact, a case in the
    middle of its history, the cursor of its first page's last entry."""
    import re

    from kartoteka.cases.models import Case
    from kartoteka.customers.models import Contact

    url = f"/customers/{account_id}/"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    older = re.search(r'before=([^"&]+)', first.text)
    numbers = Case.objects.filter(account_id=account_id).order_by("number")
    middle = numbers.values_list("number", flat=True)[numbers.count() // 2]
    newest = numbers.order_by("-number").values_list("created_at", flat=True).first()
    assert newest is not None
    since = (newest - timedelta(days=365)).date()
    return {
        "pk": account_id,
        "url": url,
        "older": unquote(older.group(1)) if older else "",
        "contact": Contact.objects.filter(account_id=account_id).order_by("pk").first().pk,  # type: ignore[union-attr]
        "case": middle,
        "since": since.isoformat(),
        "until": (since + timedelta(days=30)).isoformat(),
    }


def found_in_file(client: Any, customer: dict[str, Any], word: str) -> bool:
    """Whether the file's search box shows an entry, or the customer's emails lack ``word``
    (the generated data may hold no rare word at small sizes)."""
    from kartoteka.mail.models import Message

    if 'class="timeline-entry ' in client.get(customer["url"], {"q": word}).text:
        return True
    emails = Message.objects.filter(account_id=customer["pk"])
    return not emails.filter(text_new__icontains=word).exists()


def measure_file(repeat: int, generated: dict[str, Any]) -> dict[str, Any]:
    """The customer file of the biggest customer: each scenario timed, its queries counted and
    compared with the same request on the small customer's file (the count must not grow with
    the rows)."""
    from django.db import connection
    from django.test import Client

    from bench.search import index_ensure
    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

    index_ensure()  # the file's search box reads the customer's part of the search index
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench-manager"))
    user = User.objects.get(username="bench-agent-00").pk

    def queries_of(url: str, params: dict[str, str]) -> int:
        """The queries of one request, counted by an execute wrapper (the debug log that
        CaptureQueriesContext reads came back empty here after the list's requests)."""
        executed: list[str] = []

        def counted(execute: Any, sql: str, *args: Any) -> Any:
            executed.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(counted):
            assert client.get(url, params).status_code == 200
        return len(executed)

    biggest = {**file_customer(client, generated["biggest"]), "user": user}
    small = {**file_customer(client, generated["small"]), "user": user}
    rows = []
    problems = []
    for name, build in FILE_SCENARIOS:
        params = build(biggest)
        if "before" in params and not params["before"]:
            problems.append("the biggest customer's file has no 'Older' link")
            continue
        client.get(biggest["url"], params)  # warm: a process reads some statistics once
        queries = queries_of(biggest["url"], params)
        if "q" in params and not found_in_file(client, biggest, params["q"]):
            problems.append(f"customer file, {name}: the search missed the customer's emails")
        small_params = build(small)
        if small_params.get("before", "-"):
            small_queries = queries_of(small["url"], small_params)
            if small_queries != queries:
                problems.append(
                    f"customer file, {name}: {queries} queries for the biggest customer, "
                    f"{small_queries} for a small one"
                )
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(biggest["url"], params)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        rows.append(
            {
                "scenario": name,
                "median_ms": statistics.median(times),
                "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                "queries": queries,
            }
        )
        say(f"  file {name:<31} {rows[-1]['median_ms']:8.1f} ms  {queries} queries")
    return {
        "cases": Case.objects.filter(account_id=generated["biggest"]).count(),
        "messages": generated["customer_messages"],
        "documents": generated["customer_documents"],
        "rows": rows,
        "problems": problems,
    }


def export_filter(count: int) -> dict[str, str]:
    """A creation-date filter that matches about EXPORT_ROWS of the newest cases."""
    from kartoteka.cases.models import Case

    if count <= EXPORT_ROWS:
        return {}
    edge = (
        Case.objects.order_by("-number")
        .values_list("created_at", flat=True)[EXPORT_ROWS - 1 : EXPORT_ROWS]
        .get()
    )
    return {"created_from": (edge + timedelta(days=1)).date().isoformat()}


def measure_export(count: int) -> dict[str, Any]:
    query = urlencode(export_filter(count))
    started = time.perf_counter()
    child = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.export", query],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result = json.loads(child.stdout)
    result["seconds"] = time.perf_counter() - started
    result["query"] = query
    return result


def main() -> None:
    count = int(sys.argv[1])
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from django.db import connection

    generated = prepare(count)
    report = measure(count, repeat)
    say("  the customer file of the biggest customer…")
    report["file"] = measure_file(repeat, generated)
    say("  exporting CSV in a child process…")
    report["export"] = measure_export(count)
    report["vendor"] = connection.vendor
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
