"""Benchmark the case list and the CSV export on SQLite and PostgreSQL: ``make bench``.

For each database a child process (``python -m bench.cases``) is started with its own
``DATABASE_URL`` and ``KARTOTEKA_DATA_DIR``, so the settings are read fresh. It generates
(``bench.generate``) the cases, the mail, the documents and the notes, among them one customer
with 20,000 cases, 200,000 messages and 5,000 documents whose file (``bench.cases``) is timed
against a target of 150 ms per page, its query count compared with a small customer's. The
databases are kept between runs and reused when the generator's marker (its data version and
sizes) matches; a database of other sizes or of an older generator is rebuilt:

- SQLite: ``$BENCH_DIR/sqlite-COUNT/kartoteka.sqlite3``;
- PostgreSQL: the database ``kartoteka_bench`` (``kartoteka_bench_COUNT`` for other sizes) on
  the server of ``BENCH_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/``).

After the case tables come the mail tables: parsing against bare ``email`` parsing
(``bench.mail_parse``) and ingesting a generated corpus (``bench.mail_ingest``: import, IMAP,
``kartoteka mail deliver``, threading), and the case page of a long conversation
(``bench.case_page``: 300 messages, 50 attachments, target under 300 ms).

Then global search on the same databases (``bench.search``: six queries, target under 200 ms,
the index rebuilt first when it is out of step with the data).

Last the activities on the same databases (``bench.activities``: "my work", a team's week in
the calendar, the reminder job with 10,000 due, a user's iCalendar feed), on the events and
tasks that ``bench.activities_data`` adds on top of the cases (``BENCH_EVENTS``, default
2,000,000; ``BENCH_OPEN_TASKS``, 500,000; ``BENCH_ACTIVITY_USERS``, 100;
``BENCH_FEED_EVENTS``, 5,000; ``BENCH_REMINDERS_DUE``, 10,000), with a marker of their own:
a database of other activity sizes keeps its cases and has only its activities written again.

Environment: ``BENCH_ONLY`` (``cases``, ``search``, ``mail``, ``case_page`` or ``activities``:
only that part),
``BENCH_CASES`` (default 1,000,000), ``BENCH_MESSAGES`` (messages in all, default 3,000,000),
``BENCH_CUSTOMER_CASES``, ``BENCH_CUSTOMER_MESSAGES`` and ``BENCH_CUSTOMER_DOCUMENTS`` (the
biggest customer's, default 20,000, 200,000 and 5,000; four times as many documents go to
other customers, notes are one per case of the biggest and one per five elsewhere),
``BENCH_DATABASES`` (default ``sqlite,postgresql``),
``BENCH_REPEAT`` (timed runs per scenario, default 15; 20 for the case page), ``BENCH_DIR``
(default ``$TMPDIR/kartoteka-bench``), ``BENCH_CASE_MESSAGES`` and ``BENCH_CASE_ATTACHMENTS``
(see ``bench.case_page``), ``BENCH_MAIL_MESSAGES`` (see ``bench.mail_ingest``), ``BENCH_SQL=1``
to print each scenario's SQL,
``BENCH_PAGINATOR=django`` to time Django's exact-count ``Paginator`` instead of
``kartoteka.core.pagination.CappedPaginator`` (which is patched into a list view still using
the former).

Speed only shows in the tables; the exit status is non-zero when a scenario fails or gets a
wrong result (a view that does not answer 200, a count that is off, a reply threaded into the
wrong case), listed at the end.

``python -m bench --smoke`` (part of ``make test``) runs every part once at small sizes, so the
benchmark cannot rot: SQLite only, 2,000 cases (the biggest customer's 200, with 1,000 of
the 3,000 messages and 50 documents; 4,000 events and 1,000 open tasks), 300 mail messages
(IMAP only where Dovecot is installed), a case page of 30 messages, each scenario timed
once, in a temporary bench dir that is deleted afterwards. It takes under a minute on two
idle cores; its times say nothing about the targets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

import psycopg

from bench.datadir import ROOT, bench_dir, child_env, copy_migrated

FILE_LIMIT_MS = 150
LIMIT_MS = 150
LIMIT_MB = 200
MISMATCH = 3  # the exit status of a child whose database holds other generated data
COUNTED = 10_000  # the list counts matching cases up to here (``CappedPaginator``)
SMOKE = {
    "BENCH_CASES": "2000",
    "BENCH_MESSAGES": "3000",
    "BENCH_CUSTOMER_CASES": "200",
    "BENCH_CUSTOMER_MESSAGES": "1000",
    "BENCH_CUSTOMER_DOCUMENTS": "50",
    "BENCH_DATABASES": "sqlite",
    "BENCH_REPEAT": "1",
    "BENCH_MAIL_MESSAGES": "300",
    "BENCH_MAIL_DELIVER": "1",
    "BENCH_CASE_MESSAGES": "30",
    "BENCH_CASE_ATTACHMENTS": "6",
    "BENCH_EVENTS": "4000",
    "BENCH_OPEN_TASKS": "1000",
    "BENCH_FEED_EVENTS": "200",
    "BENCH_REMINDERS_DUE": "300",
    "BENCH_IMPORT_ROWS": "2000",
    "BENCH_WEBFORM_SECONDS": "1",
    "BENCH_KB_ARTICLES": "500",
    "BENCH_PORTAL_CASES": "200",
    "BENCH_PORTAL_OTHERS": "1",
    "BENCH_PORTAL_CONVERSATION": "10",
    "BENCH_RULE_CUSTOMERS": "100",
    "BENCH_PICKER_ACCOUNTS": "2000",
}


def postgres_name(count: int) -> str:
    return "kartoteka_bench" if count == 1_000_000 else f"kartoteka_bench_{count}"


def postgres_server() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/").rstrip("/")


def postgres_create(name: str, *, drop: bool = False) -> None:
    with psycopg.connect(f"{postgres_server()}/postgres", autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def run_child(vendor: str, count: int, module: str = "bench.cases") -> dict[str, Any]:
    data_dir = bench_dir() / f"{vendor}-{count}"
    database_url = f"{postgres_server()}/{postgres_name(count)}" if vendor == "postgresql" else ""
    for attempt in range(2):
        if vendor == "postgresql":
            postgres_create(postgres_name(count), drop=attempt > 0)
            data_dir.mkdir(parents=True, exist_ok=True)
        else:
            if attempt > 0:
                shutil.rmtree(data_dir)
            if not data_dir.exists():
                copy_migrated(data_dir)
        child = subprocess.run(  # noqa: S603
            [sys.executable, "-m", module, str(count)],
            env=child_env(data_dir, database_url),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        if child.returncode == 0:
            return json.loads(child.stdout)
        if child.returncode != MISMATCH:
            raise SystemExit(f"{vendor}: the benchmark failed")
        print(f"{vendor}: recreating the database", file=sys.stderr)
    raise SystemExit(f"{vendor}: could not prepare the database")


def print_file_table(reports: dict[str, dict[str, Any]]) -> None:
    """The customer file of the customer with the most cases (target: under 150 ms)."""
    vendors = [vendor for vendor, report in reports.items() if report.get("file")]
    if not vendors:
        return
    file = reports[vendors[0]]["file"]
    print(
        f"Customer file of the biggest customer ({file['cases']:,} cases, "
        f"{file['messages']:,} messages, {file['documents']:,} documents), "
        f"target < {FILE_LIMIT_MS} ms"
    )
    header = f"{'page':<36}" + "".join(
        f" | {v[:10]:<10} {'med ms':>7} {'p95 ms':>7} {'q':>3}" for v in vendors
    )
    print(header)
    print("-" * len(header))
    names = [row["scenario"] for row in reports[vendors[0]]["file"]["rows"]]
    for name in names:
        line = f"{name:<36}"
        for vendor in vendors:
            row = next((r for r in reports[vendor]["file"]["rows"] if r["scenario"] == name), None)
            if row is None:
                line += f" | {'':>10} {'—':>7} {'':>7} {'':>3}"
                continue
            flag = "!" if row["median_ms"] > FILE_LIMIT_MS else " "
            median, p95, queries = row["median_ms"], row["p95_ms"], row["queries"]
            line += f" | {'':>10} {median:6.1f}{flag} {p95:7.1f} {queries:>3}"
        print(line)
    print("-" * len(header))
    print(
        f"(! = median over {FILE_LIMIT_MS} ms; q = queries of one request, the same as on a "
        "small customer's file unless listed under wrong results)\n"
    )


def print_table(count: int, reports: dict[str, dict[str, Any]]) -> None:
    vendors = list(reports)
    header = f"{'scenario':<36}" + "".join(
        f" | {v[:10]:<10} {'med ms':>7} {'p95 ms':>7} {'q':>3} {'sel ms':>7} {'rows':>6}"
        for v in vendors
    )
    print(f"\nCase list, first page of 50, {count:,} cases")
    for vendor, report in reports.items():
        path = "list view (test client)" if report["http"] else "selector + paginator"
        if report.get("patched"):
            path += ", with CappedPaginator patched into the view"
        print(f"  {vendor}: measured through the {path}")
    print(header)
    print("-" * len(header))
    names = [s["scenario"] for s in next(iter(reports.values()))["scenarios"]]
    for index, name in enumerate(names):
        line = f"{name:<36}"
        for vendor in vendors:
            row = reports[vendor]["scenarios"][index]
            flag = "!" if row["median_ms"] > LIMIT_MS else " "
            rows = f"{row['matched']:,}" if row["matched"] <= COUNTED else "10k+"
            line += (
                f" | {'':>10} {row['median_ms']:6.1f}{flag} {row['p95_ms']:7.1f}"
                f" {row['queries']:>3} {row['selector_median_ms']:7.1f} {rows:>6}"
            )
        print(line)
    print("-" * len(header))
    print(
        f"(! = median over {LIMIT_MS} ms; q = queries of one request; sel ms = the selector "
        "alone: 50 rows + the count; rows = matching cases, counted up to 10,000)\n"
    )
    print_file_table(reports)
    print(f"CSV export ({'child process peak RSS'})")
    for vendor, report in reports.items():
        export = report["export"]
        flag = "  over the limit!" if export["peak_mb"] > LIMIT_MB else ""
        path = "export view" if export["http"] else "selector + csv.writer"
        print(
            f"  {vendor:<11} {export['rows']:>9,} rows  peak {export['peak_mb']:6.1f} MB "
            f"(at start {export['start_mb']:.1f} MB)  {export['seconds']:.1f} s  "
            f"via {path}  ?{export['query']}{flag}"
        )
    if os.environ.get("BENCH_SQL"):
        for vendor, report in reports.items():
            print(f"\nSQL on {vendor}")
            for row in report["scenarios"]:
                print(f"-- {row['scenario']}")
                for sql in row["sql"]:
                    print(f"   {sql}")


def case_problems(vendor: str, count: int, report: dict[str, Any]) -> list[str]:
    """What the case list and export of one database got wrong, whatever their speed."""
    from bench.cases import EXPORT_ROWS

    problems = []
    if not report["http"]:
        problems.append(f"{vendor}: the case list view failed (the selector was timed instead)")
    if not report["export"]["http"]:
        problems.append(f"{vendor}: the CSV export view failed (the selector was streamed)")
    known = {
        "default (no filter)": count,
        "subject no match: zeppelin": 0,
        "number: exact newest": 1,
    }
    for row in report["scenarios"]:
        expected = known.get(row["scenario"])
        if expected is not None and min(row["matched"], COUNTED) != min(expected, COUNTED):
            problems.append(
                f"{vendor}: {row['scenario']} matched {row['matched']:,}, not {expected:,}"
            )
    rows = report["export"]["rows"]
    if count <= EXPORT_ROWS and rows != count:
        problems.append(f"{vendor}: the CSV export has {rows:,} rows, not {count:,}")
    problems += [f"{vendor}: {problem}" for problem in report["file"]["problems"]]
    return problems


def main() -> None:
    """Run the parts; exit non-zero, after every table, if any got a wrong result."""
    args = sys.argv[1:]
    if args not in ([], ["--smoke"]):
        raise SystemExit("usage: python -m bench [--smoke]")
    only = os.environ.get("BENCH_ONLY", "")
    if only not in (
        "",
        "cases",
        "search",
        "mail",
        "case_page",
        "activities",
        "imports",
        "webforms",
        "kb",
        "portal",
        "rules",
        "pickers",
    ):
        raise SystemExit(
            f"BENCH_ONLY={only}: use cases, search, mail, case_page, activities, imports, "
            "webforms, kb, portal, rules or pickers (or leave it unset for all)"
        )
    smoke = args == ["--smoke"]
    if smoke:
        os.environ.update(SMOKE, BENCH_DIR=tempfile.mkdtemp(prefix="kartoteka-bench-smoke-"))
    problems = []
    try:
        if only in ("", "cases"):
            problems += main_cases()
        if only in ("", "search"):
            problems += main_search()
        if only in ("", "mail"):
            problems += main_mail()
        if only in ("", "case_page"):
            main_case_page()
        if only in ("", "activities"):
            problems += main_activities()
        if only in ("", "imports"):
            from bench import imports  # the import of customers (see ``bench.imports``)

            problems += imports.run()
        if only in ("", "webforms"):
            from bench import webforms  # a web form flooded (see ``bench.webforms``)

            problems += webforms.run()
        if only in ("", "kb"):
            from bench import kb  # knowledge base suggestions (see ``bench.kb``)

            problems += kb.run()
        if only in ("", "portal"):
            from bench import portal  # the customer portal's cases (see ``bench.portal``)

            problems += portal.run()
        if only in ("", "rules"):
            from bench import rules  # a scheduled rule for a big segment (see ``bench.rules``)

            problems += rules.run()
        if only in ("", "pickers"):
            from bench import pickers  # the customer picker's endpoint (see ``bench.pickers``)

            problems += pickers.run()
    finally:
        if smoke:
            shutil.rmtree(bench_dir(), ignore_errors=True)
    if problems:
        print("\nWrong results:", *problems, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)


def main_case_page() -> None:
    """The case page with 300 messages and 50 attachments (see ``bench.case_page``)."""
    from bench import case_page

    case_page.run()


def main_mail() -> list[str]:
    """Mail parsing against bare ``email`` parsing, then ingesting (see ``bench.mail_ingest``)."""
    from bench import mail_ingest, mail_parse

    mail_parse.run()
    return mail_ingest.problems(mail_ingest.run())


def main_activities() -> list[str]:
    """The activities' pages and jobs on the case part's databases (see ``bench.activities``)."""
    from bench import activities

    reports = on_case_databases("bench.activities", "activities")
    if reports:
        activities.print_table(reports)
    return activities.problems(reports)


def main_search() -> list[str]:
    """Global search on the case part's databases (see ``bench.search``), target < 200 ms."""
    from bench import search

    reports = on_case_databases("bench.search", "search")
    if reports:
        search.print_table(reports)
    return search.problems(reports)


def on_case_databases(module: str, what: str) -> dict[str, dict[str, Any]]:
    """The reports of ``module`` run as a child on each database of the case part (a
    PostgreSQL server that does not answer is skipped)."""
    count = int(os.environ.get("BENCH_CASES", "1000000"))
    reports = {}
    for vendor in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(","):
        print(f"{vendor}: {what} over {count:,} cases", file=sys.stderr, flush=True)
        if vendor == "postgresql":
            try:
                postgres_create(postgres_name(count))
            except psycopg.OperationalError as error:
                print(f"{vendor}: skipped, the server is not reachable ({error})", file=sys.stderr)
                continue
        reports[vendor] = run_child(vendor, count, module)
    return reports


def main_cases() -> list[str]:
    count = int(os.environ.get("BENCH_CASES", "1000000"))
    vendors = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    reports = {}
    for vendor in vendors:
        print(f"{vendor}: {count:,} cases", file=sys.stderr, flush=True)
        if vendor == "postgresql":
            try:
                postgres_create(postgres_name(count))
            except psycopg.OperationalError as error:
                print(f"{vendor}: skipped, the server is not reachable ({error})", file=sys.stderr)
                continue
        reports[vendor] = run_child(vendor, count)
    if reports:
        print_table(count, reports)
    return [
        problem
        for vendor, report in reports.items()
        for problem in case_problems(vendor, count, report)
    ]


if __name__ == "__main__":
    main()
