"""The customer portal's cases side: ``python -m bench.portal`` (a child of ``python -m bench``).

For each database a child (``python -m bench.portal child``) gets a fresh data dir (SQLite) or
a fresh database (PostgreSQL), and writes, in bulk: a company with ``BENCH_PORTAL_CASES``
(default 5,000) cases, each with a conversation (the customer's email, our reply, a forward to
a supplier, a public comment and an internal note), among ``BENCH_PORTAL_OTHERS`` (default 4)
other customers with as many cases each; one case of the company has a long conversation
(``BENCH_PORTAL_CONVERSATION``, default 40 emails and 20 comments). A contact of the company
with a portal login and the company role then asks through ``django.test.Client`` (the whole
stack: middleware, templates, CSP), ``BENCH_REPEAT`` times (default 15) after three warm-ups:

- the case list (open cases, page 1), and the list searched by subject;
- the case page of an ordinary case and of the long conversation.

Target: median under 100 ms each. Wrong results (the exit status says): a page that does not
answer 200, a list that does not show the company's 25 newest open cases, a case page that
shows an internal note or the forward. The JSON document goes to stdout, progress to stderr.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

TARGET_MS = 100
SECRET = "NOTATKA-WEWNETRZNA-BENCH"  # noqa: S105 - a note's text, not a password
FORWARD = "DO-DOSTAWCY-BENCH"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the child ---------------------------------------------------------------------------


def _generate(cases: int, others: int, conversation: int) -> dict[str, Any]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from kartoteka.cases.models import Case, CaseNote, CaseSettings, Priority, Status
    from kartoteka.customers.models import Account, Contact, EmailAddress, PortalRole
    from kartoteka.mail.models import Message
    from kartoteka.people.models import User

    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    statuses = list(Status.objects.order_by("position"))
    open_statuses = [s for s in statuses if not s.closes_case]
    closed = next(s for s in statuses if s.closes_case)
    priority = Priority.objects.get(is_default=True)
    staff = User.objects.create_user("bench-agent", role=User.Role.AGENT, can_work_with_cases=True)
    role = PortalRole.objects.create(name="Bench company", sees_company_cases=True)
    now = timezone.now()
    number = 0
    company_id = 0
    portal_user = None
    with transaction.atomic():
        for customer in range(others + 1):
            account = Account.objects.create(name=f"Klient {customer} sp. z o.o.")
            contacts = Contact.objects.bulk_create(
                Contact(account=account, first_name="Osoba", last_name=f"Nr {n}") for n in range(20)
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(contact=c, address=f"osoba{n}@klient{customer}.example")
                for n, c in enumerate(contacts)
            )
            if customer == 0:
                company_id = account.pk
                portal_user = User.objects.create_user(
                    "bench-portal", email="osoba0@klient0.example", role=User.Role.PORTAL
                )
                Contact.objects.filter(pk=contacts[0].pk).update(
                    portal_user=portal_user, portal_role=role
                )
            rows = []
            for n in range(cases):
                number += 1
                rows.append(
                    Case(
                        number=number,
                        subject=f"Awaria drukarki {n} w oddziale {customer}",
                        description="Drukarka nie drukuje.",
                        status=closed if n % 3 == 0 else open_statuses[n % len(open_statuses)],
                        priority=priority,
                        account=account,
                        reporter=contacts[n % 20],
                        channel=Case.Channel.EMAIL,
                    )
                )
            created = Case.objects.bulk_create(rows, batch_size=1000)
            customer_address = f"osoba1@klient{customer}.example"
            messages = []
            notes = []
            for case in created:
                messages += [
                    Message(
                        case=case, account=account, direction="in", state="placed",
                        message_id=f"in-{case.number}@bench", subject=case.subject,
                        from_address=customer_address,
                        to=[{"name": "", "address": "pomoc@firma.example"}],
                        text="Dzień dobry, drukarka nie drukuje.",
                    ),
                    Message(
                        case=case, account=account, direction="out", state="sent",
                        message_id=f"out-{case.number}@bench", subject=f"Re: {case.subject}",
                        from_address="pomoc@firma.example",
                        to=[{"name": "", "address": customer_address}],
                        text="Technik przyjedzie jutro.",
                    ),
                    Message(
                        case=case, account=account, direction="out", state="sent",
                        message_id=f"fwd-{case.number}@bench", subject=f"Fwd: {case.subject}",
                        from_address="pomoc@firma.example",
                        to=[{"name": "", "address": "serwis@dostawca.example"}],
                        text=FORWARD,
                    ),
                ]  # fmt: skip
                notes += [
                    CaseNote(
                        case=case, account=account, author=staff, text="Jutro.", internal=False
                    ),
                    CaseNote(case=case, account=account, author=staff, text=SECRET),
                ]
            Message.objects.bulk_create(messages, batch_size=2000)
            CaseNote.objects.bulk_create(notes, batch_size=2000)
        long_case = Case.objects.filter(account_id=company_id, status__closes_case=False).first()
        assert long_case is not None
        extra = []
        for n in range(conversation):
            inbound = n % 2 == 0
            theirs, ours = "osoba1@klient0.example", "pomoc@firma.example"
            extra.append(
                Message(
                    case=long_case, account_id=company_id,
                    direction="in" if inbound else "out", state="placed" if inbound else "sent",
                    message_id=f"long-{n}@bench", subject=f"Re: {long_case.subject}",
                    from_address=theirs if inbound else ours,
                    to=[{"name": "", "address": ours if inbound else theirs}],
                    text="Odpowiedź " * 40,
                    html="<p>" + "Odpowiedź <b>pogrubiona</b> " * 40 + "</p>",
                )
            )  # fmt: skip
        Message.objects.bulk_create(extra)
        CaseNote.objects.bulk_create(
            CaseNote(
                case=long_case,
                account_id=company_id,
                author=staff,
                text=f"Komentarz {n}",
                internal=n % 2 == 1,
            )
            for n in range(conversation // 2)
        )
        CaseSettings.objects.filter(pk=1).update(last_number=number)
        Case.objects.filter(pk=long_case.pk).update(updated_at=now + timedelta(seconds=1))
    say(f"  wrote {number:,} cases with conversations in {time.perf_counter() - started:.1f} s")
    assert portal_user is not None
    ordinary = (
        Case.objects.filter(account_id=company_id, status__closes_case=False)
        .exclude(pk=long_case.pk)
        .order_by("-number")
        .first()
    )
    assert ordinary is not None
    return {
        "portal_user": portal_user.pk,
        "company": company_id,
        "ordinary": ordinary.number,
        "long": long_case.number,
    }


def child() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("kartoteka").setLevel(logging.WARNING)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kartoteka.cases.models import Case
    from kartoteka.people.models import User

    cases = int(os.environ.get("BENCH_PORTAL_CASES", "5000"))
    others = int(os.environ.get("BENCH_PORTAL_OTHERS", "4"))
    conversation = int(os.environ.get("BENCH_PORTAL_CONVERSATION", "40"))
    repeat = int(os.environ.get("BENCH_REPEAT", "15"))
    made = _generate(cases, others, conversation)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=made["portal_user"]))
    expected_list = list(
        Case.objects.filter(account_id=made["company"], status__closes_case=False)
        .order_by("-number")
        .values_list("number", flat=True)[:25]
    )
    scenarios = [
        ("case list, open cases", reverse("portal:case-list")),
        ("case list, searched", reverse("portal:case-list") + "?state=all&q=oddziale+0"),
        ("case page", reverse("portal:case-detail", args=[made["ordinary"]])),
        (f"case page, {conversation} emails", reverse("portal:case-detail", args=[made["long"]])),
    ]
    rows = []
    problems = []
    for name, url in scenarios:
        for _ in range(3):
            response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{name} answered {response.status_code}")
            continue
        page = response.content.decode()
        if SECRET in page or FORWARD in page:
            problems.append(f"{name} shows an internal note or the forward")
        if name == "case list, open cases":
            shown = [int(found) for found in re.findall(r">#(\d+)</a>", page)]
            if shown != expected_list:
                problems.append("the case list does not show the company's newest open cases")
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timings.sort()
        rows.append(
            {
                "scenario": name,
                "median_ms": statistics.median(timings),
                "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
                "queries": len(queries),
            }
        )
    report = {
        "vendor": connection.vendor,
        "cases": cases,
        "all_cases": cases * (others + 1),
        "runs": repeat,
        "scenarios": rows,
        "problems": problems,
    }
    print(json.dumps(report))


# --- the parent --------------------------------------------------------------------------


def run() -> list[str]:
    """Run the child on each database and print the table; the wrong results."""
    from bench.datadir import fresh_children

    reports = fresh_children("portal", ["child"], what="the portal's case list and case page")
    print_table(reports)
    return problems(reports)


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    print("\nCustomer portal (test client GET as a portal user of the company)")
    header = f"{'scenario':<32} | {'db':<10} {'med ms':>7} {'p95 ms':>7} {'q':>3}  target"
    print(header)
    print("-" * len(header))
    for vendor, report in reports.items():
        if report.get("failed"):
            print(f"{'(all)':<32} | {vendor:<10} FAILED")
            continue
        for row in report["scenarios"]:
            flag = "ok" if row["median_ms"] < TARGET_MS else "OVER"
            print(
                f"{row['scenario']:<32} | {vendor:<10} {row['median_ms']:7.1f} "
                f"{row['p95_ms']:7.1f} {row['queries']:>3}  < {TARGET_MS} ms: {flag}"
            )
        print(f"  ({report['cases']:,} cases of the company among {report['all_cases']:,})")


def problems(reports: dict[str, dict[str, Any]]) -> list[str]:
    found = []
    for vendor, report in reports.items():
        if report.get("failed"):
            found.append(f"{vendor}: the portal benchmark failed")
            continue
        found += [f"{vendor}: portal: {problem}" for problem in report["problems"]]
    return found


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        child()
    else:
        run()
