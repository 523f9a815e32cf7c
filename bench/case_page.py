"""The case page of a long conversation: ``python -m bench.case_page`` (also in ``make bench``).

A child process (``python -m bench.case_page child``) gets a fresh SQLite database and data
dir under the bench dir, migrates, and receives ``BENCH_CASE_MESSAGES`` (default 300) messages
into one case through the real pipeline (``kartoteka.mail.receiving.inbound.message_receive``): the
customer's messages and our replies in turn, plain text with an HTML alternative of a few KB,
each quoting the one before, and ``BENCH_CASE_ATTACHMENTS`` (default 50) attachments spread
over them (PDFs and inline PNGs referenced by ``cid:``). It then times ``BENCH_REPEAT``
(default 20) GETs of the case page through ``django.test.Client`` as a manager (the whole
stack: middleware, templates, CSP), after three warm-up requests, and counts the queries.

Target: median under 300 ms on the server, and a query count that does not depend on the
number of messages (the tests pin it; here it is printed).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.datadir import ROOT, bench_dir, child_env, copy_migrated

TARGET_MS = 300
CUSTOMER = "anna.kowalska@klient.example.com"
SUPPORT = "pomoc@firma.example.com"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
PARAGRAPH = (
    "Dzień dobry, w nawiązaniu do zamówienia przesyłam uwagi dotyczące dostawy i faktury. "
    "Drukarka w biurze w Łodzi nadal zgłasza błąd podajnika, a serwis prosił o numer seryjny. "
    "Proszę o informację, kiedy technik może przyjechać i czy części są na magazynie. "
)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the child ---------------------------------------------------------------------------


def _inbound(index: int) -> bool:
    return index % 2 == 0


def _raw_message(index: int, case_number: int | None, attachments: int) -> bytes:
    """One message of the thread: a few paragraphs, a quote of the earlier one, a signature."""
    from datetime import UTC, datetime, timedelta

    inbound = _inbound(index)
    message = EmailMessage()
    message["From"] = f"Anna Kowalska <{CUSTOMER}>" if inbound else f"Pomoc <{SUPPORT}>"
    message["To"] = SUPPORT if inbound else CUSTOMER
    message["Cc"] = "Jan Nowak <jan.nowak@klient.example.com>"
    tag = f"[KART#{case_number}] " if case_number else ""
    message["Subject"] = f"Re: {tag}Awaria drukarki w biurze" if index else "Awaria drukarki"
    message["Message-ID"] = f"<bench-{index}@klient.example.com>"
    if index:
        message["In-Reply-To"] = f"<bench-{index - 1}@klient.example.com>"
    date = datetime(2026, 1, 5, 8, 0, tzinfo=UTC) + timedelta(hours=index)
    message["Date"] = format_datetime(date)
    new = "\n\n".join(f"{n + 1}. {PARAGRAPH}" for n in range(3))
    quote = "\n".join(f"> {PARAGRAPH}" for _ in range(8))
    signature = "-- \nAnna Kowalska\ntel. 600 100 200"
    text = f"{new}\n\nW dniu {date:%d.%m.%Y} ktoś napisał:\n{quote}\n\n{signature}"
    message.set_content(text)
    images = "".join(
        f'<img src="cid:img{index}-{n}@bench" alt="zrzut">' for n in range(attachments)
    )
    html = (
        "<html><body>"
        + "".join(f"<p>{n + 1}. <b>{PARAGRAPH}</b></p>" for n in range(3))
        + images
        + '<p><img src="https://tracker.example.com/open.gif" width="1" height="1"></p>'
        + "<blockquote>"
        + "".join(f"<p>{PARAGRAPH}</p>" for _ in range(8))
        + "</blockquote><p>-- <br>Anna Kowalska<br>tel. 600 100 200</p></body></html>"
    )
    message.add_alternative(html, subtype="html")
    related = message.get_payload()[1]
    for n in range(attachments):
        if n % 2 == 0:
            related.add_related(PNG, maintype="image", subtype="png", cid=f"<img{index}-{n}@bench>")
        else:
            message.add_attachment(
                b"%PDF-1.4\n" + PARAGRAPH.encode() * 20,
                maintype="application",
                subtype="pdf",
                filename=f"protokół-{index}-{n}.pdf",
            )
    return message.as_bytes()


def _our_reply(raw: bytes, number: int | None, mailbox: Any) -> None:
    """Our reply as the outbox stores a sent message (the pipeline ignores our own mail)."""
    from kartoteka.cases.models import Case
    from kartoteka.mail.blobstore import blob_store
    from kartoteka.mail.models import Attachment, Message
    from kartoteka.mail.reading.parsing import parse

    parsed = parse(raw)
    message = Message.objects.create(
        case=Case.objects.get(number=number),
        mailbox=mailbox,
        direction=Message.Direction.OUTBOUND,
        state=Message.State.SENT,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        subject=parsed.subject,
        from_name=parsed.from_.name if parsed.from_ else "",
        from_address=parsed.from_.address if parsed.from_ else "",
        to=[{"name": a.name, "address": a.address} for a in parsed.to],
        cc=[{"name": a.name, "address": a.address} for a in parsed.cc],
        date=parsed.date,
        sent_at=parsed.date,
        text=parsed.text,
        text_new=parsed.text_new,
        html=parsed.html,
        raw_sha256=parsed.sha256,
        size=parsed.size,
    )
    Attachment.objects.bulk_create(
        Attachment(
            message=message,
            filename=part.filename,
            content_type=part.content_type,
            size=len(part.content),
            sha256=blob_store(part.content),
            inline=part.inline,
            content_id=part.content_id,
        )
        for part in parsed.attachments
    )


def _prepare(messages: int, attachments: int) -> int:
    """Migrate, make the customer and the mailbox, receive the thread; the case's number."""
    from django.conf import settings
    from django.core.management import call_command

    from kartoteka.customers.models import Account, Contact, EmailAddress
    from kartoteka.mail.models import Attachment, Mailbox, Message
    from kartoteka.mail.receiving.inbound import message_receive
    from kartoteka.people.models import User

    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    account = Account.objects.create(name="Klient Bench sp. z o.o.")
    contact = Contact.objects.create(account=account, first_name="Anna", last_name="Kowalska")
    EmailAddress.objects.create(contact=contact, address=CUSTOMER)
    mailbox = Mailbox.objects.create(name="bench", address=SUPPORT, protocol=Mailbox.Protocol.NONE)
    User.objects.create_user("bench-manager", role=User.Role.MANAGER)  # signed in by force_login
    # The attachments go to every n-th message, a few at a time.
    with_files = max(1, messages // max(1, attachments))
    left = attachments
    number = None
    started = time.perf_counter()
    for index in range(messages):
        count = min(2, left) if index % with_files == 0 else 0
        left -= count
        raw = _raw_message(index, number, count)
        if _inbound(index):
            receipt = message_receive(raw=raw, mailbox=mailbox)
            number = number or receipt.case_number
        else:
            _our_reply(raw, number, mailbox)
    say(f"  received {messages} messages in {time.perf_counter() - started:.1f} s")
    stored = Message.objects.filter(case__number=number).count()
    if stored != messages:
        raise SystemExit(f"only {stored} of {messages} messages landed in case #{number}")
    files = Attachment.objects.filter(message__case__number=number).count()
    if files != attachments - left:
        raise SystemExit(f"{files} of {attachments - left} attachments landed in case #{number}")
    return number


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

    from kartoteka.mail.models import Attachment
    from kartoteka.people.models import User

    messages = int(os.environ.get("BENCH_CASE_MESSAGES", "300"))
    attachments = int(os.environ.get("BENCH_CASE_ATTACHMENTS", "50"))
    repeat = int(os.environ.get("BENCH_REPEAT", "20"))
    number = _prepare(messages, attachments)
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench-manager"))
    url = reverse("desk:case-detail", args=[number])
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"the case page answered {response.status_code}")
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    timings.sort()
    report = {
        "messages": messages,
        "attachments": Attachment.objects.filter(message__case__number=number).count(),
        "median_ms": statistics.median(timings),
        "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
        "queries": len(queries),
        "kb": len(response.content) / 1024,
        "runs": repeat,
        "vendor": connection.vendor,
    }
    print(json.dumps(report))


# --- the parent --------------------------------------------------------------------------


def run() -> dict[str, Any]:
    data_dir = bench_dir() / "case-page"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    copy_migrated(data_dir)
    say("case page: preparing a case with a long conversation")
    process = subprocess.run(
        [sys.executable, "-m", "bench.case_page", "child"],
        env=child_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.returncode != 0:
        raise SystemExit("case page: the benchmark child failed")
    report = json.loads(process.stdout.strip().splitlines()[-1])
    print_table(report)
    return report


def print_table(report: dict[str, Any]) -> None:
    header = f"{'scenario':<44} | {'db':<7} {'med ms':>7} {'p95 ms':>7} {'q':>3} {'KB':>6}  target"
    flag = "ok" if report["median_ms"] < TARGET_MS else "OVER"
    scenario = f"case page, {report['messages']} messages, {report['attachments']} attachments"
    print(f"\nCase page (test client GET, {report['runs']} runs after 3 warm-up)")
    print(header)
    print("-" * len(header))
    print(
        f"{scenario:<44} | {report['vendor']:<7} {report['median_ms']:7.1f} "
        f"{report['p95_ms']:7.1f} {report['queries']:>3} {report['kb']:6.0f}  "
        f"< {TARGET_MS} ms: {flag}"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["child"]:
        child()
    else:
        run()
