"""Importing customers: ``python -m bench.imports ROWS`` (a child of ``python -m bench``).

The child gets a fresh data dir (SQLite) or a fresh database (PostgreSQL) and writes a
Windows-1250 CSV of ``ROWS`` rows (``BENCH_IMPORT_ROWS``, default 100,000): believable Polish
names with diacritics, valid NIPs, 20% of the rows with a contact person (name, position,
email, phone), 2% duplicates (half of them the NIP of an account already in the database,
half a NIP of an earlier row). It then runs the import as a user does, in this process:

- end to end: upload and sniff, map the columns as proposed, check every row and find the
  duplicates (claim and ``check_in_worker``, what the worker does for the page), then the run
  (claim and ``import_run``, what the worker does), target < 60 s;
- peak memory of the process (``ru_maxrss``), target < 250 MB;
- the progress: a thread reads the progress file every 20 ms during the check and during the
  run; the largest gap between two changes of "rows done", from the claim until the bar is
  full, target < 1 s for each (the commit that follows, with SQLite's checkpoint, is shown
  beside it);
- the duplicate review page (``imports:duplicates``, 50 rows a page) with ~2,000 duplicates,
  first and a middle page through ``django.test.Client``, before the run, target < 200 ms.

A run that does not end ``done`` with every accepted row created, or a page that does not
answer 200, is a wrong result. The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
import resource
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import django

ROWS = (
    ("end to end: check and import", 60_000),
    ("duplicate review page", 200),
)
LIMIT_MB = 250
LIMIT_GAP_S = 1.0
FIRST = ["Anna", "Łukasz", "Zofia", "Grzegorz", "Małgorzata", "Paweł", "Jędrzej", "Żaneta"]
LAST = ["Nowak", "Wiśniewska", "Dąbrowski", "Żółkiewska", "Kaczmarczyk", "Wójcik", "Bąk"]
WORDS = ["Przędzalnia", "Łąka", "Źródło", "Gęś", "Żuraw", "Świetlik", "Kłos", "Miód", "Bór"]
FORMS = ["Sp. z o.o.", "S.A.", "Sp.j.", "s.c.", ""]
CITIES = ["Łódź", "Kraków", "Gdańsk", "Poznań", "Wrocław", "Zielona Góra", "Białystok"]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _nips(rng: random.Random, count: int) -> list[str]:
    from stdnum.pl import nip

    found: list[str] = []
    seen: set[str] = set()
    while len(found) < count:
        body = f"{rng.randint(1, 9)}{rng.randint(0, 99_999_999):08d}"
        for check in "0123456789":
            if nip.is_valid(body + check):
                if body + check not in seen:
                    seen.add(body + check)
                    found.append(body + check)
                break
    return found


def write_file(path: Path, rows: int, existing: list[str]) -> int:
    """The CSV; returns how many rows repeat an identifier."""
    rng = random.Random(1250)
    nips = _nips(rng, rows)
    duplicates = 0
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["Nazwa", "NIP", "Ulica", "Kod pocztowy", "Miejscowość", "Telefon", "E-mail",
         "Imię", "Nazwisko", "Stanowisko", "E-mail osoby kontaktowej",
         "Telefon osoby kontaktowej"]
    )  # fmt: skip
    with path.open("wb") as out:
        for n in range(rows):
            number = nips[n]
            if n % 100 == 50 and existing:
                number = existing[(n // 100) % len(existing)]
                duplicates += 1
            elif n % 100 == 99 and n > 100:
                number = nips[n - 77]
                duplicates += 1
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n} {rng.choice(FORMS)}".strip()
            contact = ["", "", "", "", ""]
            if n % 5 == 0:
                first, last = rng.choice(FIRST), rng.choice(LAST)
                contact = [first, last, "kierownik", f"osoba{n}@firma{n}.pl",
                           f"+48 6{n % 100:02d} {n // 1000 % 1000:03d} {n % 1000:03d}"]  # fmt: skip
            writer.writerow(
                [name, number, f"ul. Długa {n % 200 + 1}", f"{n % 90 + 10:02d}-{n % 900 + 100}",
                 rng.choice(CITIES), "", f"biuro{n}@firma{n}.pl", *contact]
            )  # fmt: skip
            if n % 1000 == 999:
                out.write(text.getvalue().encode("cp1250"))
                text.seek(0)
                text.truncate()
        out.write(text.getvalue().encode("cp1250"))
    return duplicates


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ProgressWatch(threading.Thread):
    """Reads the progress file every 20 ms; the largest gap between two changes of it."""

    def __init__(self, import_id: int) -> None:
        super().__init__(daemon=True)
        self.import_id = import_id
        self.stop = threading.Event()
        self.changes: list[tuple[float, int]] = []

    def run(self) -> None:
        from kartoteka.imports.progress import progress_read

        last = None
        while not self.stop.is_set():
            progress = progress_read(self.import_id)
            if progress is not None and progress.done != last:
                last = progress.done
                self.changes.append((time.monotonic(), progress.done))
            time.sleep(0.02)

    def largest_gap(self, started: float) -> float:
        """The longest wait for the bar to move, from the start until it is full."""
        moments = [started] + [moment for moment, _done in self.changes]
        return max((b - a for a, b in itertools.pairwise(moments)), default=0.0)


def review_row(batch: Any, repeat: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="localhost")
    client.force_login(batch.created_by)
    url = reverse("imports:duplicates", args=[batch.pk])
    pages = max(1, batch.duplicate_rows // 50)
    times: list[float] = []
    problem = ""
    for page in (1, pages // 2 or 1):
        response = client.get(url, {"page": page})
        if response.status_code != 200:
            problem = f"{url}?page={page} answered {response.status_code}"
            break
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url, {"page": page})
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "scenario": "duplicate review page",
        "median_ms": statistics.median(times) if times else None,
        "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else None,
        "size": f"{batch.duplicate_rows:,} duplicates, 50 a page",
        "problem": problem,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from kartoteka.customers.models import Account
    from kartoteka.imports import services
    from kartoteka.imports.checking import check_claim, check_in_worker
    from kartoteka.imports.models import Import
    from kartoteka.imports.running import import_claim, import_run
    from kartoteka.people.models import User

    rows = int(sys.argv[1])
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    call_command("migrate", verbosity=0)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    user = User.objects.create_user(
        "bench-importer",
        password="x",  # noqa: S106 - a bench user
        role=User.Role.ADMINISTRATOR,
    )
    rng = random.Random(7)
    existing = _nips(random.Random(99), max(1, rows // 200))
    Account.objects.bulk_create(
        Account(name=f"Istniejąca {n}", nip=nip, city=rng.choice(CITIES))
        for n, nip in enumerate(existing)
    )
    path = Path(settings.DATA_DIR) / "import-cp1250.csv"
    duplicates = write_file(path, rows, existing)
    say(f"  {rows:,} rows, {duplicates:,} duplicates, {path.stat().st_size / 1e6:.1f} MB")
    started = time.perf_counter()
    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        upload.size = path.stat().st_size
        batch = services.import_create(by=user, upload=upload, segment_name="Bench")
    mapping = {int(index): key for index, key in batch.mapping.items()}
    services.import_map(batch=batch, by=user, mapping=mapping)
    check_claim(batch=batch, scope=Import.CheckScope.ALL)
    check_watch = ProgressWatch(batch.pk)
    check_watch.start()
    check_claimed = time.monotonic()
    batch = check_in_worker(import_id=batch.pk)
    check_watch.stop.set()
    check_watch.join()
    checked = time.perf_counter()
    check_gap = check_watch.largest_gap(check_claimed)
    say(
        f"  checked in {checked - started:.1f} s: {batch.duplicate_rows:,} duplicates, "
        f"largest progress gap {check_gap:.2f} s"
    )
    review = review_row(batch, repeat)
    say(f"  review page {review['median_ms']} ms")
    run_started = time.perf_counter()
    import_claim(batch=batch)
    watch = ProgressWatch(batch.pk)
    watch.start()
    claimed = time.monotonic()
    batch = import_run(import_id=batch.pk, by=user)
    ended = time.monotonic()
    watch.stop.set()
    watch.join()
    finished = time.perf_counter()
    total_s = (finished - started) - (run_started - checked)  # the review's timing left out
    gap = watch.largest_gap(claimed)
    # After the bar is full: the commit (and SQLite's checkpoint of its log), then "done".
    finishing = ended - (watch.changes[-1][0] if watch.changes else claimed)
    problem = ""
    if batch.state != Import.State.DONE and batch.error and not batch.total_rows:
        problem = f"the check failed: {batch.error}"
    elif batch.state != Import.State.DONE:
        problem = f"the import ended {batch.state}: {batch.error}"
    elif batch.created_count != rows - batch.invalid_rows:
        problem = f"{batch.created_count:,} created of {rows - batch.invalid_rows:,}"
    say(f"  imported in {finished - run_started:.1f} s, largest progress gap {gap:.2f} s")
    report = {
        "vendor": connection.vendor,
        "rows_in_file": rows,
        "duplicates": batch.duplicate_rows,
        "rows": [
            {
                "scenario": "end to end: check and import",
                "median_ms": total_s * 1000,
                "p95_ms": total_s * 1000,
                "size": (
                    f"check {checked - started:.1f} s, run {finished - run_started:.1f} s, "
                    f"{batch.created_count:,} accounts"
                ),
                "problem": problem,
            },
            review,
        ],
        "peak_mb": peak_mb(),
        "progress_gap_s": gap,
        "check_progress_gap_s": check_gap,
        "check_progress_changes": len(check_watch.changes),
        "finishing_s": finishing,
        "progress_changes": len(watch.changes),
    }
    print(json.dumps(report))


def run() -> list[str]:
    """Run the child on each database and print the table; the wrong results."""
    from bench.datadir import fresh_children

    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    reports = fresh_children("imports", [str(rows)], what=f"importing {rows:,} rows")
    print_table(reports)
    return problems(reports)


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    print("\nImport of customers (Windows-1250 CSV, 20% with contacts, 2% duplicates)")
    header = f"{'scenario':<30} {'target':>8} | {'vendor':<10} {'median':>10} {'p95':>10}"
    print(header)
    print("-" * len(header))
    for vendor, report in reports.items():
        if report.get("failed"):
            print(f"{'':<30} {'':>8} | {vendor:<10} {'FAILED':>10}")
            continue
        for own, (_name, target) in zip(report["rows"], ROWS, strict=True):
            median = own["median_ms"]
            flag = "!" if median is None or median > target else " "
            shown = "FAILED" if median is None else f"{median:9.0f}{flag}"
            print(
                f"{own['scenario']:<30} {target:>6}ms | {vendor:<10} {shown:>10}"
                f" {own['p95_ms'] or 0:10.0f}  {own['size']}"
            )
        memory_flag = "!" if report["peak_mb"] > LIMIT_MB else " "
        gap_flag = "!" if report["progress_gap_s"] > LIMIT_GAP_S else " "
        check_gap = report.get("check_progress_gap_s", 0.0)
        check_flag = "!" if check_gap > LIMIT_GAP_S else " "
        print(
            f"  {vendor}: peak memory {report['peak_mb']:.0f} MB{memory_flag} (< {LIMIT_MB}); "
            f"largest progress gap {report['progress_gap_s']:.2f} s{gap_flag} "
            f"(< {LIMIT_GAP_S:.0f}; {report['progress_changes']} updates; the commit after "
            f"the bar was full {report['finishing_s']:.1f} s); while checking "
            f"{check_gap:.2f} s{check_flag} ({report.get('check_progress_changes', 0)} updates)"
        )
    print("(! = over the target)\n")


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for vendor, report in reports.items():
        if report.get("failed"):
            found.append(f"{vendor}: imports: the child failed")
            continue
        found += [
            f"{vendor}: imports, {own['scenario']}: {own['problem']}"
            for own in report["rows"]
            if own["problem"]
        ]
    return found


if __name__ == "__main__":
    main()
