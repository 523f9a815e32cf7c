"""A scheduled rule for a big segment: ``python -m bench.rules CUSTOMERS`` (a child of
``python -m bench``).

The child gets a fresh data dir (SQLite) or a fresh database (PostgreSQL), a segment of
``CUSTOMERS`` customers (``BENCH_RULE_CUSTOMERS``, default 2,000; the smoke 100) and a monthly
rule creating a case for each of them, then runs the periodic job once at the occurrence, as
the worker does (the follow-up of each new case is queued, not run). It reports the job's
time, the time per case (target < 50 ms), and the longest chunk, each chunk being one write
transaction (target < 2 s: SQLite has one writer, whom every other writer waits for). A case
count other than one per customer, or a second look that creates anything, is a wrong result.
The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from datetime import datetime
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import django

TARGETS = {"per_case_ms": 50, "longest_chunk_s": 2}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kartoteka.cases.models import Case
    from kartoteka.customers.models import Account, Segment
    from kartoteka.workflows import scheduled
    from kartoteka.workflows.models import Rule
    from kartoteka.workflows.services import rule_save

    customers = int(sys.argv[1])
    call_command("migrate", verbosity=0)
    segment = Segment.objects.create(name="Kotłownie")
    accounts = Account.objects.bulk_create(
        Account(name=f"Kotłownia {n:05d}", kind=Account.Kind.CUSTOMER) for n in range(customers)
    )
    segment.accounts.add(*accounts)
    rule = rule_save(
        rule=None,
        by=None,
        name="Przegląd miesięczny",
        active=True,
        trigger=Rule.Trigger.SCHEDULED,
        schedule={"frequency": "monthly", "day": 1, "at": clock_time(7, 0)},
        conditions=[],
        actions=[
            {"kind": "create_case", "case_subject": "Przegląd — {customer}", "segment": segment}
        ],
    )
    warsaw = ZoneInfo("Europe/Warsaw")
    Rule.objects.filter(pk=rule.pk).update(schedule_from=datetime(2027, 1, 15, tzinfo=warsaw))
    claims: list[float] = []
    claim = scheduled._chunk_claim

    def timed_claim(run: Any, **moved: int) -> bool:
        claims.append(time.perf_counter())
        return claim(run, **moved)

    scheduled._chunk_claim = timed_claim  # type: ignore[assignment]
    now = datetime(2027, 2, 1, 7, 1, tzinfo=warsaw)
    started = time.perf_counter()
    scheduled.scheduled_rules_run(now=now)
    elapsed = time.perf_counter() - started
    chunks = [later - earlier for earlier, later in itertools.pairwise(claims)]
    created = Case.objects.count()
    scheduled.scheduled_rules_run(now=now)
    again = Case.objects.count() - created
    problems = []
    if created != customers:
        problems.append(f"{created} cases for {customers} customers")
    if again:
        problems.append(f"a second look created {again} cases")
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "customers": customers,
                "cases": created,
                "seconds": round(elapsed, 2),
                "per_case_ms": round(elapsed * 1000 / max(created, 1), 1),
                "chunks": len(chunks),
                "longest_chunk_s": round(max(chunks, default=0), 2),
                "problems": problems,
            }
        )
    )


def run() -> list[str]:
    """Run the child on each database and print the table; the wrong results."""
    from bench.datadir import fresh_children

    customers = os.environ.get("BENCH_RULE_CUSTOMERS", "2000")
    reports = fresh_children(
        "rules", [customers], what=f"a scheduled rule for a segment of {customers} customers"
    )
    print_table(reports)
    return problems(reports)


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    print("\nA scheduled rule: one case for each customer of a segment")
    header = (
        f"{'vendor':<10} {'customers':>9} {'cases':>7} {'seconds':>8} {'per case':>10} "
        f"{'chunks':>7} {'longest chunk':>14}"
    )
    print(header)
    print("-" * len(header))
    for vendor, report in reports.items():
        if report.get("failed"):
            print(f"{vendor:<10} FAILED")
            continue
        slow = "!" if report["per_case_ms"] > TARGETS["per_case_ms"] else " "
        long = "!" if report["longest_chunk_s"] > TARGETS["longest_chunk_s"] else " "
        print(
            f"{vendor:<10} {report['customers']:>9} {report['cases']:>7} "
            f"{report['seconds']:>8.1f} {report['per_case_ms']:>7.1f}{slow}ms "
            f"{report['chunks']:>7} {report['longest_chunk_s']:>12.2f}{long}s"
        )
    print(
        f"(! = over the target: {TARGETS['per_case_ms']} ms a case, "
        f"{TARGETS['longest_chunk_s']} s a chunk's transaction)"
    )


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for vendor, report in reports.items():
        if report.get("failed"):
            found.append(f"{vendor}: the scheduled rule failed")
            continue
        found += [f"{vendor}: scheduled rule: {problem}" for problem in report["problems"]]
    return found


if __name__ == "__main__":
    main()
