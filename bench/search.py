"""Global search on the case benchmark's databases: ``python -m bench.search COUNT`` (a child).

``python -m bench`` runs it after the case part, on the same databases (``BENCH_ONLY=search``
for this part alone). The child prepares the database as ``bench.cases`` does (migrated,
generated data reused or written), makes sure the search index holds exactly one entry
per object of every kind (``kartoteka search_rebuild`` otherwise, timed), adds through the
services one customer with a NIP and one contact with a phone number if the generated data
has none, then times the search page (``/search/?q=…`` through ``django.test.Client`` as the
bench manager, the whole stack) for six queries: a common word, a rare word, a name with
Polish letters typed without them, a NIP, a phone number and a case tag. It prints one JSON
document on stdout (progress on stderr), and each scenario says whether its hit was right
(the exact object first for the identifiers).

Target: under 200 ms median for each, on 1,000,000 cases and 3,000,000 messages.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any

import django

TARGET_MS = 200
NIP = "5260250274"
PHONE = "+48601234567"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def index_ensure() -> dict[str, Any]:
    """Rebuild the kinds whose entry count differs from their object count."""
    from kartoteka.core.search_index import index_count, index_rebuild, sources

    stale = [source.kind for source in sources() if index_count(source.kind) != source.count()]
    if not stale:
        say(f"  search index in step ({index_count():,} entries)")
        return {"rebuilt": [], "seconds": 0.0, "entries": index_count()}
    started = time.monotonic()
    written = index_rebuild(kinds=stale, say=lambda line: say(f"  indexed {line}"))
    seconds = time.monotonic() - started
    say(f"  rebuilt {', '.join(stale)}: {written:,} entries in {seconds:.1f} s")
    return {"rebuilt": stale, "seconds": seconds, "entries": index_count(), "written": written}


def targets_ensure() -> tuple[Any, Any]:
    """The customer with a NIP and the contact with a phone that the identifier queries find."""
    from kartoteka.customers.models import Account, Contact
    from kartoteka.customers.services import account_create, contact_create
    from kartoteka.people.models import User

    by = User.objects.get(username="bench-manager")
    account = Account.objects.filter(nip=NIP).first() or account_create(
        by=by, data={"name": "Hurtownia Wiśniowa", "nip": NIP}
    )
    contact = Contact.objects.filter(phones__number=PHONE).first() or contact_create(
        by=by,
        data={"first_name": "Grażyna", "last_name": "Żółkiewska", "account": account},
        phones=[(PHONE, "mobile")],
    )
    return account, contact


def scenarios() -> list[tuple[str, str, str, int | None]]:
    """(name, query, kind expected first, its object id if one must come first)."""
    from kartoteka.cases.models import Case
    from kartoteka.core.text_search import fold

    account, contact = targets_ensure()
    number = Case.objects.order_by("-number").values_list("number", flat=True).first() or 1
    middle = Case.objects.filter(number__lte=number // 2 + 1).order_by("-number").first()
    assert middle is not None
    return [
        ("common word: faktura", "faktura", "", None),
        ("rare word: tachograf", "tachograf", "", None),
        ("name without Polish letters: zolkiewska", fold(contact.last_name), "contact", None),
        ("NIP: PL 526-025-02-74", "PL 526-025-02-74", "account", account.pk),
        ("phone: 0048 601 234 567", "0048 601 234 567", "contact", contact.pk),
        (f"case tag: [KART#{middle.number}]", f"[KART#{middle.number}]", "case", middle.pk),
    ]


def measure(repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from kartoteka.people.models import User
    from kartoteka.search.selectors import global_search

    user = User.objects.get(username="bench-manager")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    rows = []
    for name, text, kind, object_id in scenarios():

        def search(text: str = text) -> None:
            response = client.get("/search/", {"q": text})
            assert response.status_code == 200, response.status_code

        statements: list[str] = []

        def counted(
            execute: Any,
            sql: str,
            params: Any,
            many: bool,
            context: Any,
            seen: list[str] = statements,
        ) -> Any:
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            search()
        # What the page showed, from the selector it calls (a response outside the test
        # runner carries no template context).
        result = global_search(user=user, text=text)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            search()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        first = result.groups[0] if result.groups else None
        # A word may be missing from small data; an identifier's object must come first.
        right = not kind or (
            first is not None
            and first.kind == kind
            and (object_id is None or first.hits[0].hit.object_id == object_id)
        )
        rows.append(
            {
                "scenario": name,
                "median_ms": statistics.median(times),
                "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
                "queries": len(statements),
                "hits": result.total,
                "right": right,
            }
        )
        say(f"  {name}: {rows[-1]['median_ms']:.1f} ms, {result.total} hits")
    return {"rows": rows}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    django.setup()
    from bench.cases import prepare
    from kartoteka.cases.models import Case
    from kartoteka.mail.models import Message

    prepare(int(sys.argv[1]))
    index = index_ensure()
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    report = measure(repeat)
    report.update(index=index, cases=Case.objects.count(), messages=Message.objects.count())
    print(json.dumps(report))


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    vendors = list(reports)
    sizes = ", ".join(
        f"{v} {reports[v]['cases']:,} cases / {reports[v]['messages']:,} messages" for v in vendors
    )
    print(f"\nGlobal search, the page as the manager sees it ({sizes}), target < {TARGET_MS} ms")
    for vendor, report in reports.items():
        index = report["index"]
        if index["rebuilt"]:
            print(
                f"  {vendor}: index rebuilt ({', '.join(index['rebuilt'])}): "
                f"{index['written']:,} entries in {index['seconds']:.1f} s"
            )
        else:
            print(f"  {vendor}: index in step, {index['entries']:,} entries")
    header = f"{'query':<44}" + "".join(
        f" | {v[:10]:<10} {'med ms':>7} {'p95 ms':>7} {'q':>3} {'hits':>4}" for v in vendors
    )
    print(header)
    print("-" * len(header))
    for index, row in enumerate(reports[vendors[0]]["rows"]):
        line = f"{row['scenario']:<44}"
        for vendor in vendors:
            own = reports[vendor]["rows"][index]
            flag = "!" if own["median_ms"] > TARGET_MS else " "
            line += (
                f" | {'':>10} {own['median_ms']:6.1f}{flag} {own['p95_ms']:7.1f}"
                f" {own['queries']:>3} {own['hits']:>4}"
            )
        print(line)
    print("-" * len(header))
    print(f"(! = median over {TARGET_MS} ms; q = queries of one request; hits = shown)\n")


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    return [
        f"{vendor}: search {row['scenario']} did not find its object first"
        for vendor, report in reports.items()
        for row in report["rows"]
        if not row["right"]
    ]


if __name__ == "__main__":
    main()
