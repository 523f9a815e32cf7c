"""A web form flooded: ``python -m bench.webforms SECONDS`` (a child of ``python -m bench``).

The child gets a fresh data dir (SQLite) or a fresh database (PostgreSQL), makes a default
mailbox and a form allowing 5 submissions per address in 10 minutes, then posts the public
form from one address at 50 submissions a second for ``SECONDS`` (``BENCH_WEBFORM_SECONDS``,
default 5; the smoke 1) through ``django.test.Client``, each post a browser's (a fresh token,
the robot trap empty), paced by the clock. It reports how many were accepted (exactly the
form's rate, else a wrong result), how many refused (429, else a wrong result), and the median
and p95 time of a refusal (target < 20 ms: 50 a second on one core) and of an accepted
submission (target < 300 ms: the case, the contact and the confirmation in one transaction).
The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import django

RATE_PER_SECOND = 50
ALLOWED = 5
TARGETS_MS = {"refused": 20, "accepted": 300}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    import logging

    # Every refusal would log a warning line; the table says how many there were.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from kartoteka.cases.models import Case
    from kartoteka.mail.models import Mailbox
    from kartoteka.webforms.services import webform_create
    from kartoteka.webforms.tokens import token_issue

    seconds = float(sys.argv[1])
    call_command("migrate", verbosity=0)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    Mailbox.objects.create(
        name="serwis", address="serwis@firma.example", protocol=Mailbox.Protocol.NONE,
        is_default=True,
    )  # fmt: skip
    form = webform_create(
        data={"name": "Zgłoszenie serwisowe", "rate_limit_count": ALLOWED, "rate_limit_minutes": 10}
    )
    client = Client(HTTP_HOST="localhost")
    client.get(form.public_path())  # warm the templates
    timings: dict[str, list[float]] = {"accepted": [], "refused": []}
    others: dict[int, int] = {}
    total = int(seconds * RATE_PER_SECOND)
    started = time.perf_counter()
    for n in range(total):
        due = started + n / RATE_PER_SECOND
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        data = {
            "name": f"Jan Kowalski {n}",
            "email": f"jan.kowalski{n}@klient.example",
            "subject": "Awaria drukarki",
            "message": "Drukarka w biurze nie drukuje.",
            "website": "",
            "token": token_issue(form.key),
        }
        before = time.perf_counter()
        response = client.post(form.public_path(), data, REMOTE_ADDR="203.0.113.50")
        took = (time.perf_counter() - before) * 1000
        if response.status_code == 302:
            timings["accepted"].append(took)
        elif response.status_code == 429:
            timings["refused"].append(took)
        else:
            others[response.status_code] = others.get(response.status_code, 0) + 1
    elapsed = time.perf_counter() - started
    cases = Case.objects.count()
    problems = []
    if len(timings["accepted"]) != ALLOWED or cases != ALLOWED:
        problems.append(f"{len(timings['accepted'])} accepted and {cases} cases, not {ALLOWED}")
    if others:
        problems.append(f"other answers: {others}")
    report: dict[str, Any] = {
        "vendor": connection.vendor,
        "posted": total,
        "seconds": round(elapsed, 2),
        "rate_per_second": round(total / elapsed, 1),
        "accepted": len(timings["accepted"]),
        "refused": len(timings["refused"]),
        "problems": problems,
    }
    for kind, values in timings.items():
        report[f"{kind}_median_ms"] = statistics.median(values) if values else None
        report[f"{kind}_p95_ms"] = percentile(values, 0.95)
    print(json.dumps(report))


def run() -> list[str]:
    """Run the child on each database and print the table; the wrong results."""
    from bench.datadir import fresh_children

    seconds = os.environ.get("BENCH_WEBFORM_SECONDS", "5")
    reports = fresh_children(
        "webforms", [seconds], what=f"a web form flooded at {RATE_PER_SECOND}/s for {seconds} s"
    )
    print_table(reports)
    return problems(reports)


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    print(f"\nWeb form flooded from one address at {RATE_PER_SECOND}/s (allowed {ALLOWED})")
    header = (
        f"{'vendor':<10} {'posted':>7} {'accepted':>9} {'refused':>8} "
        f"{'refusal median':>15} {'p95':>7} {'accepted median':>16} {'p95':>7}"
    )
    print(header)
    print("-" * len(header))
    for vendor, report in reports.items():
        if report.get("failed"):
            print(f"{vendor:<10} FAILED")
            continue

        def shown(kind: str, measure: str, report: dict[str, Any] = report) -> str:
            value = report[f"{kind}_{measure}_ms"]
            if value is None:
                return "—"
            flag = "!" if value > TARGETS_MS[kind] else " "
            return f"{value:.1f}{flag}"

        print(
            f"{vendor:<10} {report['posted']:>7} {report['accepted']:>9} {report['refused']:>8} "
            f"{shown('refused', 'median'):>14}ms {shown('refused', 'p95'):>6}ms "
            f"{shown('accepted', 'median'):>15}ms {shown('accepted', 'p95'):>6}ms"
        )


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for vendor, report in reports.items():
        if report.get("failed"):
            found.append(f"{vendor}: the web form flood failed")
            continue
        found += [f"{vendor}: web form flood: {problem}" for problem in report["problems"]]
    return found


if __name__ == "__main__":
    main()
