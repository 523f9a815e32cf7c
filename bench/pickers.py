"""The customer picker's endpoint: ``python -m bench.pickers ACCOUNTS`` (a child of ``python -m
bench``, ``BENCH_ONLY=pickers``).

The child gets a fresh data dir (SQLite) or a fresh database (PostgreSQL), writes ``ACCOUNTS``
customers (``BENCH_PICKER_ACCOUNTS``, default 1,000,000: names of a Polish surname-like word
and a trade, e.g. "Kowalczyk Transport 1234", cities, NIPs; a tenth restricted to another
team) with ``bulk_create``, and builds their search index entries (``index_rebuild``). Then the
endpoint ``/customers/pick/accounts/?q=`` is asked through the test client by an agent, each
query ``BENCH_REPEAT`` times: three letters of a common name, of a rare one, of a city, three
digits of a NIP, and a whole word with a second one begun; target median < 150 ms. A query
that answers something else than 200 and up to 20 rows, or lists a restricted customer of the
other team, is a wrong result.

The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from typing import Any

TARGET_MS = 150
STEMS = (
    "Kowal", "Nowak", "Wiśniew", "Wójcik", "Kamiń", "Lewandow", "Zieliń", "Szymań", "Woźniak",
    "Dąbrow", "Kozłow", "Jankow", "Mazur", "Krawczyk", "Piotrow", "Grabow", "Nowakow", "Pawłow",
    "Michal", "Król", "Wieczor", "Jabłoń", "Wróbel", "Majewski", "Olszew", "Stępień", "Malinow",
    "Jaworsk", "Adamczyk", "Dudek", "Nowicki", "Pawlak", "Górski", "Witkow", "Walczak", "Sikora",
)  # fmt: skip
ENDINGS = ("", "ski", "czyk", "ak", "ewicz", "owski", "ka")
TRADES = (
    "Transport", "Handel", "Usługi", "Budownictwo", "Serwis", "Meble", "Drukarnia", "Piekarnia",
    "Ogrody", "Technika", "Instalacje", "Spedycja", "Apteka", "Hurtownia", "Kancelaria",
)  # fmt: skip
CITIES = (
    "Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Bydgoszcz",
    "Lublin", "Białystok", "Katowice", "Gdynia", "Częstochowa", "Radom", "Toruń", "Kielce",
)  # fmt: skip
QUERIES = (
    ("three letters, common name", "kow"),
    ("three letters, rare name", "dud"),
    ("three letters, city", "lub"),
    ("three digits of a NIP", "726"),
    ("a word and a beginning", "kowalski tra"),
)
BATCH = 10_000


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generate(count: int, other_team: Any) -> float:
    """``count`` customers and their index entries; returns the seconds it took."""
    from kartoteka.core.search_index import index_rebuild
    from kartoteka.customers.models import Account

    rng = random.Random(2026)
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        rows = []
        for n in range(start, min(count, start + BATCH)):
            stem = rng.choice(STEMS) + rng.choice(ENDINGS)
            restricted = n % 10 == 9
            rows.append(
                Account(
                    name=f"{stem} {rng.choice(TRADES)} {n}",
                    city=rng.choice(CITIES),
                    nip=f"{rng.randint(100, 999)}{n:07d}",
                    restricted=restricted,
                    team=other_team if restricted else None,
                )
            )
        Account.objects.bulk_create(rows)
        say(f"  {start + len(rows):,} customers")
    index_rebuild(kinds=["account"], say=say)
    return time.perf_counter() - started


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("kartoteka").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kartoteka.customers.models import Account
    from kartoteka.people.models import Team, User

    count = int(sys.argv[1])
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    call_command("migrate", verbosity=0, interactive=False)
    other_team = Team.objects.create(name="Bench other team")
    own_team = Team.objects.create(name="Bench own team")
    agent = User.objects.create_user(
        "bench-agent",
        password="x",  # noqa: S106 (a benchmark user)
        team=own_team,
        can_work_with_cases=True,
    )
    say(f"writing {count:,} customers")
    seconds = generate(count, other_team)
    hidden = set(
        Account.objects.filter(restricted=True).values_list("pk", flat=True)[: count // 10 + 1]
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    url = reverse("customers:pick-accounts")
    rows, problems = [], []
    for name, text in QUERIES:
        response = client.get(url, {"q": text})
        results = response.json()["results"] if response.status_code == 200 else []
        if response.status_code != 200 or not 0 < len(results) <= 20:
            problems.append(f"{name}: {response.status_code}, {len(results)} rows")
        if any(row["id"] in hidden for row in results):
            problems.append(f"{name}: a restricted customer of another team is listed")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url, {"q": text})
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, {"q": text})
        timings.sort()
        rows.append(
            {
                "scenario": f"{name} ({text!r})",
                "median_ms": statistics.median(timings),
                "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
                "queries": len(queries),
                "rows": len(results),
                "first": results[0]["label"] if results else "",
            }
        )
    report = {
        "vendor": connection.vendor,
        "accounts": count,
        "generate_s": seconds,
        "runs": repeat,
        "scenarios": rows,
        "problems": problems,
    }
    print(json.dumps(report))


# --- the parent --------------------------------------------------------------------------


def run() -> list[str]:
    """Run the child on each database and print the table; the wrong results."""
    from bench.datadir import fresh_children

    count = int(os.environ.get("BENCH_PICKER_ACCOUNTS", "1000000"))
    reports = fresh_children("pickers", [str(count)], what=f"the customer picker, {count:,}")
    print_table(reports)
    return problems(reports)


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    print("\nCustomer picker (endpoint through the test client, an agent who sees 90%)")
    header = f"{'query':<44} | {'db':<10} {'med ms':>7} {'p95 ms':>7} {'q':>3} {'rows':>4}  target"
    print(header)
    print("-" * len(header))
    for vendor, report in reports.items():
        if report.get("failed"):
            print(f"{'(all)':<44} | {vendor:<10} FAILED")
            continue
        for row in report["scenarios"]:
            flag = "ok" if row["median_ms"] < TARGET_MS else "OVER"
            print(
                f"{row['scenario']:<44} | {vendor:<10} {row['median_ms']:7.1f} "
                f"{row['p95_ms']:7.1f} {row['queries']:>3} {row['rows']:>4}  "
                f"< {TARGET_MS} ms: {flag}"
            )
        print(
            f"  ({report['accounts']:,} customers written and indexed in "
            f"{report['generate_s']:.0f} s)"
        )


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for vendor, report in reports.items():
        if report.get("failed"):
            found.append(f"{vendor}: the picker benchmark failed")
            continue
        found += [f"{vendor}: pickers: {problem}" for problem in report["problems"]]
    return found


if __name__ == "__main__":
    child()
