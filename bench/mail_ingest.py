"""Ingesting mail: ``python -m bench.mail_ingest`` (also part of ``make bench``).

A generated corpus of ``BENCH_MAIL_MESSAGES`` (default 10,000) varied messages is written
once as .eml files under the bench dir (plain and HTML, UTF-8 / ISO-8859-2 / Windows-1250,
encoded-word subjects, 20% with attachments of a few KB; senders are known contacts and some
unknown addresses, with Polish names). 40% answer an earlier message, naming its case by our
tag ``[KART#N]`` and In-Reply-To/References, by the references only or by the tag only; 15%
of those are written by someone other than the person who opened the thread: a known
colleague or a new one of the customer's domain answering all (the opener in Cc), or someone
the thread was forwarded to (another firm, a free-mail address). 1% are forged: a stranger's
or another customer's contact's tag of an existing case, with no reference.

Each measurement that writes runs in a child process (``python -m bench.mail_ingest child
...``) on a fresh SQLite database copied from a template (migrated, with the known accounts
and contacts), with its own ``KARTOTEKA_DATA_DIR``:

(a) ``mail.receiving.importer.run`` in-process on the .eml folder: messages/s and the child's
    peak RSS, on 2,000 messages and on the whole corpus (memory must stay flat);
(b) ``mail.reading.parsing.parse`` against bare ``email.message_from_bytes(policy.default)``
    on the same files;
(c) ``kartoteka mail deliver`` as the mail server runs it, one process per message;
(d) ``fetch_mailbox`` from a real Dovecot after APPENDing ``BENCH_MAIL_IMAP`` (default 2,000)
    messages, when ``/usr/sbin/dovecot`` exists;

and the threading result: at least ``TARGET_THREADED`` of the genuine replies placed in their
case without triage (a newcomer's tag alone waits there by design), none on a wrong case,
every forged tag in triage.

Environment: ``BENCH_MAIL_MESSAGES``, ``BENCH_MAIL_IMAP``, ``BENCH_MAIL_DELIVER`` (runs of
(c), default 10), ``BENCH_DIR``.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import json
import logging
import os
import quopri
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.header import Header
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.datadir import ROOT, bench_dir, child_env, copy_migrated, migrations_key

CORPUS_VERSION = 2  # change when the generator changes: the cached corpus is written again
TEMPLATE_VERSION = 1
SEED = 1250
PREFIX = "KART"  # the default case prefix of a fresh installation
MAILBOX = "bench"
MAILBOX_ADDRESS = "pomoc@firma.pl"
ACCOUNTS = 120
CONTACTS_PER_ACCOUNT = 3
UNKNOWN_SENDERS = 400
SMALL_RUN = 2_000  # the smaller import, to compare peak memory with the whole corpus

TARGET_RATE = 150.0  # messages/s in-process on SQLite
TARGET_PARSE_RATIO = 1.5
TARGET_DELIVER_S = 0.8
TARGET_MEMORY_GROWTH = 1.15  # peak RSS on the whole corpus at most this times the small run's
TARGET_THREADED = 0.99  # of genuine replies, placed in their case without triage

WORDS = (
    "faktura", "zamówienie", "dostawa", "reklamacja", "prośba", "odpowiedź", "termin", "płatność",
    "żółć", "gęślą", "jaźń", "příloha", "děkuji", "objednávka", "zpráva", "řešení", "úterý",
    "invoice", "order", "drukarka", "serwis", "Łódź", "umowa", "ceník", "škoda", "sklep",
)  # fmt: skip
FIRST_NAMES = ("Anna", "Piotr", "Łukasz", "Żaneta", "Jiří", "Věra", "Tomasz", "Małgorzata")
LAST_NAMES = ("Kowalska", "Nowak", "Wiśniewski", "Dvořák", "Černá", "Źrebiec", "Śląski", "Bąk")
CHARSETS = ("utf-8", "iso-8859-2", "windows-1250")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the corpus ----------------------------------------------------------------------------


def known_contacts() -> list[dict[str, str]]:
    """The contacts the bench database knows: (account number, names, address)."""
    rng = random.Random(SEED + 1)
    contacts = []
    for account in range(ACCOUNTS):
        for person in range(CONTACTS_PER_ACCOUNT):
            contacts.append(
                {
                    "account": f"Firma {account:03d} sp. z o.o.",
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": rng.choice(LAST_NAMES),
                    "address": f"osoba{person}@firma{account:03d}.pl",
                }
            )
    return contacts


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _header_text(rng: random.Random, text: str) -> str:
    """A header value as clients write it: encoded words (B or Q) or plain ASCII."""
    if text.isascii() and rng.random() < 0.5:
        return text
    charset = rng.choice(("utf-8", "iso-8859-2")) if rng.random() < 0.3 else "utf-8"
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    return Header(text, charset).encode()


def _body_part(rng: random.Random, body: str, html_only: bool, alternative: bool) -> bytes:
    charset = rng.choice(CHARSETS)
    qp = rng.random() < 0.4

    def leaf(subtype: str, text: str) -> bytes:
        data = text.replace("\n", "\r\n").encode(charset, "replace")
        if qp:
            data = quopri.encodestring(data)
        encoding = "quoted-printable" if qp else "8bit"
        return (
            f"Content-Type: text/{subtype}; charset={charset}\r\n"
            f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
        ).encode() + data

    html = (
        '<html><head><meta charset="'
        + charset
        + '"><style>p{margin:0}</style></head><body>'
        + "".join(f"<p>{paragraph}</p>" for paragraph in body.split("\n\n"))
        + '<p style="color:#888">-- <br>Pozdrawiam</p></body></html>'
    )
    if html_only:
        return leaf("html", html)
    if not alternative:
        return leaf("plain", body)
    boundary = f"alt-{rng.getrandbits(48):012x}"
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\n".encode()
        + leaf("plain", body)
        + f"\r\n--{boundary}\r\n".encode()
        + leaf("html", html)
        + f"\r\n--{boundary}--\r\n".encode()
    )


# How replies name their case, with their weights: the subject tag and the Message-IDs, the
# Message-IDs only (a client that drops the tag), the tag only (a client or a gateway that
# drops In-Reply-To and References).
NAMING = (("both", 0.6), ("references", 0.3), ("tag", 0.1))
# A newcomer's tag-only reply (the thread forwarded from Outlook, which keeps no References):
# it waits in triage by design, a tag alone being something anyone can type.
NEWCOMER_TAG_ONLY = 0.03
REPLY_SHARE = 0.4
NON_OPENER_SHARE = 0.15  # of replies: someone other than the person who opened the thread
# among those: a known colleague (a contact of the customer) answering all, a colleague of the
# customer's domain nobody knows yet answering all, and someone the thread was forwarded to
NON_OPENER_KINDS = (("colleague", 0.3), ("new-colleague", 0.45), ("forward", 0.25))
FORGED_SHARE = 0.01  # of messages: a stranger's subject tag of an existing case, no references
# Polish names of the colleagues and forgers, each first name with a surname of its gender
COLLEAGUE_NAMES = (
    (("Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Bożena", "Jolanta", "Dorota", "Iwona"),
     ("Wójcik", "Kamińska", "Zielińska", "Dąbrowska", "Jankowska", "Mazur", "Piotrowska")),
    (("Grzegorz", "Krzysztof", "Paweł", "Michał", "Ryszard", "Zbigniew", "Wojciech", "Jarosław"),
     ("Wójcik", "Kamiński", "Zieliński", "Dąbrowski", "Jankowski", "Mazur", "Piotrowski")),
)  # fmt: skip
FORWARD_DOMAINS = (
    "biuro-rachunkowe.pl", "kancelaria-nowak.pl", "serwis-druk.com.pl", "gmail.com", "wp.pl",
    "o2.pl", "onet.pl", "seznam.cz",
)  # fmt: skip
REPLY_KINDS = ("opener", "colleague", "new-colleague", "forward")
_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def _weighted(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in choices], [weight for _, weight in choices])[0]


def _local_part(first: str, last: str) -> str:
    """``zaneta.slaski`` for Żaneta Śląski: Polish and Czech letters without their marks."""
    text = unicodedata.normalize("NFKD", f"{first}.{last}".translate(_ASCII).lower())
    return "".join(character for character in text if character.isascii())


def _polish_name(rng: random.Random) -> tuple[str, str]:
    first_names, last_names = rng.choice(COLLEAGUE_NAMES)
    return rng.choice(first_names), rng.choice(last_names)


def _new_person(rng: random.Random, domain: str) -> dict[str, str]:
    first, last = _polish_name(rng)
    return {
        "first_name": first,
        "last_name": last,
        "address": f"{_local_part(first, last)}{rng.randint(1, 99)}@{domain}",
        "account": "",
    }


class _Thread:
    """What the generator knows of one case: its opener, its customer and who takes part."""

    def __init__(self, number: int, opener: dict[str, str], subject: str) -> None:
        self.number = number
        self.opener = opener
        self.subject = subject
        self.extra: set[str] = {opener["address"]}  # the addresses of its conversation


def generate_corpus(count: int) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """``count`` messages in delivery order, each with what the threading check needs.

    Deterministic: a smaller corpus is the beginning of a bigger one. Case numbers are
    predictable because every message that is not a reply creates a case (the bench mailbox
    makes cases for unknown senders too), in order, in a fresh database; a message expected
    in triage (a forged tag, a newcomer's tag alone) makes none and is never answered.

    ``REPLY_SHARE`` of the messages answer an earlier one, ``NON_OPENER_SHARE`` of those by
    someone other than the opener (Polish names; reply-all with the opener in Cc, or the
    answer to a forwarded thread, whose References still name the thread); ``FORGED_SHARE``
    of the messages are a stranger's (or another customer's contact's) subject tag of an
    existing case with no reference, which must wait in triage.
    """
    rng = random.Random(SEED)
    contacts = known_contacts()
    by_account: dict[str, list[dict[str, str]]] = {}
    for contact in contacts:
        by_account.setdefault(contact["account"], []).append(contact)
    unknown = [
        {"first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES),
         "address": f"klient{n}@poczta{n % 17}.example.com", "account": ""}
        for n in range(UNKNOWN_SENDERS)
    ]  # fmt: skip
    # the addresses of each customer's people, those who joined as contacts included
    people_of: dict[str, set[str]] = {
        account: {person["address"] for person in people} for account, people in by_account.items()
    }
    threads: list[_Thread] = []
    sent: list[dict[str, Any]] = []  # what a later reply needs of each placed message
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    for index in range(count):
        date = start + timedelta(minutes=7 * index + rng.randint(0, 6))
        draw = rng.random()
        parent = rng.choice(sent[-400:]) if sent and draw < REPLY_SHARE else None
        forged = bool(threads) and parent is None and draw > 1 - FORGED_SHARE
        cc: dict[str, str] | None = None
        in_reply_to, references = "", []
        kind, naming = "original", ""
        if forged:
            thread = rng.choice(threads)
            kind = "forged"
            sender = _forger(rng, thread, contacts, people_of)
            subject = f"Re: [{PREFIX}#{thread.number}] Pilne: faktura do zapłaty"
            expect = "triage"
        elif parent is None:
            sender = rng.choice(contacts) if rng.random() < 0.8 else rng.choice(unknown)
            thread = _Thread(len(threads) + 1, sender, _sentence(rng, rng.randint(2, 8)))
            thread.subject = thread.subject.rstrip(".")
            threads.append(thread)
            subject = thread.subject
            expect = "placed"
        else:
            thread = threads[parent["case"] - 1]
            kind = "opener"
            if rng.random() < NON_OPENER_SHARE:
                kind = _weighted(rng, NON_OPENER_KINDS)
            sender = _replier(rng, kind, thread, by_account)
            if sender is not thread.opener:
                cc = thread.opener  # reply-all: the opener stays in Cc
            newcomer = not _participates(sender["address"], thread, people_of)
            if not newcomer:
                naming = _weighted(rng, NAMING)
            elif rng.random() < NEWCOMER_TAG_ONLY:
                naming = "tag"
            else:
                naming = rng.choice(("both", "references"))
            tagged = naming in ("both", "tag")
            forward = "Fwd: " if kind == "forward" else ""
            subject = f"Re: {forward}" + (
                f"[{PREFIX}#{thread.number}] {thread.subject}" if tagged else thread.subject
            )
            if naming != "tag":
                references = [*parent["references"][-9:], parent["message_id"]]
                in_reply_to = parent["message_id"]
                if kind == "forward":  # answered from the forward, which we never saw
                    forwarder = thread.opener["address"].split("@")[1]
                    in_reply_to = f"fwd{index:05d}.{rng.getrandbits(32):08x}@{forwarder}"
                    references.append(in_reply_to)
            expect = "triage" if newcomer and naming == "tag" else "placed"
            if expect == "placed" and newcomer:
                _join(sender, thread, people_of)
        name = f"{sender['first_name']} {sender['last_name']}"
        domain = sender["address"].split("@")[1]
        message_id = f"{index:05d}.{rng.getrandbits(40):010x}@{domain}"
        body = "\n\n".join(_sentence(rng, rng.randint(6, 30)) for _ in range(rng.randint(1, 5)))
        if parent is not None:
            body += (
                f"\n\nW dniu {date:%d.%m.%Y} o {date:%H:%M}, Obsługa <{MAILBOX_ADDRESS}> pisze:\n"
                + "\n".join("> " + _sentence(rng, 12) for _ in range(rng.randint(1, 4)))
            )
        headers = [
            f"Return-Path: <{sender['address']}>",
            f"Received: from mx.{domain} by mx.firma.pl; {format_datetime(date)}",
            f"From: {_header_text(rng, name)} <{sender['address']}>",
            f"To: Pomoc <{MAILBOX_ADDRESS}>",
        ]
        if cc is not None:
            cc_name = _header_text(rng, f"{cc['first_name']} {cc['last_name']}")
            headers.append(f"Cc: {cc_name} <{cc['address']}>")
        headers += [
            f"Subject: {_header_text(rng, subject)}",
            f"Date: {format_datetime(date)}",
            f"Message-ID: <{message_id}>",
            "MIME-Version: 1.0",
            "User-Agent: " + rng.choice(("Thunderbird/128.3", "Outlook 16.0", "Roundcube 1.6")),
        ]
        if in_reply_to:
            headers.append(f"In-Reply-To: <{in_reply_to}>")
            headers.append("References: " + " ".join(f"<{ref}>" for ref in references))
        kind_draw = rng.random()
        body_part = _body_part(rng, body, html_only=kind_draw < 0.15, alternative=kind_draw >= 0.55)
        head = "\r\n".join(headers).encode("ascii") + b"\r\n"
        if rng.random() < 0.2:
            boundary = f"mix-{rng.getrandbits(48):012x}"
            attachment = base64.encodebytes(rng.randbytes(rng.randint(1_500, 8_000)))
            filename = rng.choice(("faktura ż.pdf", "zdjęcie.jpg", "protokol.docx", "log.txt"))
            encoded_name = _header_text(rng, filename)
            raw = (
                head
                + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
                f"--{boundary}\r\n".encode()
                + body_part
                + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n".encode()
                + f'Content-Disposition: attachment; filename="{encoded_name}"\r\n'.encode()
                + b"Content-Transfer-Encoding: base64\r\n\r\n"
                + attachment.replace(b"\n", b"\r\n")
                + f"\r\n--{boundary}--\r\n".encode()
            )
        else:
            raw = head + body_part
        meta = {
            "message_id": message_id,
            "parent": parent["message_id"] if parent is not None else None,
            "kind": kind,
            "naming": naming,
            "case": thread.number if expect == "placed" else None,
            "named_case": thread.number,
        }
        if expect == "placed":
            sent.append(
                {
                    "message_id": message_id,
                    "case": thread.number,
                    "references": references[-10:],
                }
            )
        yield raw, meta


def _participates(address: str, thread: _Thread, people_of: dict[str, set[str]]) -> bool:
    """Whether Kartoteka counts ``address`` among the thread's case's participants."""
    account = thread.opener["account"]
    return address in thread.extra or (bool(account) and address in people_of[account])


def _join(sender: dict[str, str], thread: _Thread, people_of: dict[str, set[str]]) -> None:
    """A newcomer placed: a contact of the customer when of its domain, else of the case."""
    account = thread.opener["account"]
    if account and sender["address"].split("@")[1] == thread.opener["address"].split("@")[1]:
        people_of[account].add(sender["address"])
    else:
        thread.extra.add(sender["address"])


def _replier(
    rng: random.Random,
    kind: str,
    thread: _Thread,
    by_account: dict[str, list[dict[str, str]]],
) -> dict[str, str]:
    """Who writes a reply of ``kind`` in ``thread``."""
    opener = thread.opener
    colleagues = [c for c in by_account.get(opener["account"], []) if c is not opener]
    if kind == "colleague" and colleagues:
        return rng.choice(colleagues)
    if kind in ("colleague", "new-colleague"):
        return _new_person(rng, opener["address"].split("@")[1])
    if kind == "forward":
        return _new_person(rng, rng.choice(FORWARD_DOMAINS))
    return opener


def _forger(
    rng: random.Random,
    thread: _Thread,
    contacts: list[dict[str, str]],
    people_of: dict[str, set[str]],
) -> dict[str, str]:
    """A sender who is no participant of ``thread``: a stranger, or another customer's
    contact."""
    while True:
        if rng.random() < 0.5:
            first, last = _polish_name(rng)
            sender = {
                "first_name": first,
                "last_name": last,
                "address": f"faktury{rng.randint(1, 999)}@oszust{rng.randint(1, 50)}.example",
                "account": "",
            }
        else:
            sender = rng.choice(contacts)
        if not _participates(sender["address"], thread, people_of):
            return sender


def corpus_dir(count: int) -> Path:
    """The corpus of ``count`` messages as .eml files (written on the first run)."""
    folder = bench_dir() / f"mail-corpus-{count}-v{CORPUS_VERSION}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        return folder
    say(f"mail: writing a corpus of {count:,} messages to {folder}")
    if folder.exists():
        shutil.rmtree(folder)
    messages = folder / "messages"
    messages.mkdir(parents=True)
    metas = []
    for index, (raw, meta) in enumerate(generate_corpus(count)):
        (messages / f"{index:05d}.eml").write_bytes(raw)
        metas.append(meta)
    manifest.write_text(json.dumps(metas))
    return folder


# --- children ------------------------------------------------------------------------------


def run_child(data_dir: Path, *args: str) -> dict[str, Any]:
    child = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.mail_ingest", "child", *args],
        env=child_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    if child.returncode != 0:
        raise SystemExit(f"mail: the benchmark child {args[0]} failed")
    return json.loads(child.stdout.strip().splitlines()[-1])


def template_dir() -> Path:
    """A migrated database with the known accounts, contacts and the bench mailbox."""
    folder = bench_dir() / f"mail-template-v{TEMPLATE_VERSION}-{migrations_key()}"
    if (folder / "ready").exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    copy_migrated(folder)
    say("mail: preparing the template database")
    run_child(folder, "prepare")
    (folder / "ready").write_text("")
    return folder


def fresh_data_dir(name: str) -> Path:
    folder = bench_dir() / f"mail-run-{name}"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(template_dir(), folder)
    return folder


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.settings")
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def child_prepare() -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import transaction

    from kartoteka.customers.models import Account, Contact, EmailAddress
    from kartoteka.mail.models import Mailbox

    call_command("migrate", verbosity=0, interactive=False)
    with transaction.atomic():
        accounts: dict[str, Account] = {}
        for contact in known_contacts():
            account = accounts.get(contact["account"])
            if account is None:
                account = accounts[contact["account"]] = Account.objects.create(
                    name=contact["account"]
                )
            row = Contact.objects.create(
                account=account, first_name=contact["first_name"], last_name=contact["last_name"]
            )
            EmailAddress.objects.create(contact=row, address=contact["address"])
        Mailbox.objects.create(
            name=MAILBOX,
            address=MAILBOX_ADDRESS,
            protocol=Mailbox.Protocol.NONE,
            unknown_sender=Mailbox.UnknownSender.NEW_CASE,
        )
    return {"accounts": len(accounts)}


def threading_check(folder: Path, mailbox_name: str, limit: int | None = None) -> dict[str, int]:
    """Where each message landed against where the generator put it: every genuine reply in
    the case of its thread (automatically, no triage), none on a wrong case, every forged tag
    in triage; and how the newcomers joined."""
    from kartoteka.mail.models import Message

    metas = json.loads((folder / "manifest.json").read_text())[:limit]
    stored = {
        message_id: (case, newcomer)
        for message_id, case, newcomer in Message.objects.filter(
            mailbox__name=mailbox_name
        ).values_list("message_id", "case__number", "newcomer")
    }
    check = dict.fromkeys(
        (
            "replies", "non_opener_replies", "threaded", "replies_in_triage",
            "tag_only_newcomers", "wrong_case", "originals_without_case", "forged",
            "forged_placed", "missing", "joined_as_contact", "joined_as_address",
        ),
        0,
    )  # fmt: skip
    for meta in metas:
        if meta["message_id"] not in stored:
            check["missing"] += 1
            continue
        case, newcomer = stored[meta["message_id"]]
        if newcomer:
            check[f"joined_as_{newcomer}"] += 1
        if case is not None and case != meta["case"]:
            check["wrong_case"] += 1
        if meta["kind"] == "forged":
            check["forged"] += 1
            check["forged_placed"] += case is not None
        elif meta["kind"] == "original":
            check["originals_without_case"] += case is None
        else:
            check["replies"] += 1
            check["non_opener_replies"] += meta["kind"] != "opener"
            check["threaded"] += case is not None and case == meta["named_case"]
            check["replies_in_triage"] += case is None
            check["tag_only_newcomers"] += meta["case"] is None
    check["messages"] = len(metas)
    return check


def threaded_share(check: dict[str, int]) -> float:
    """Of the genuine replies, the share placed in their case without anyone's click."""
    return check["threaded"] / check["replies"] if check["replies"] else 1.0


def child_import(folder: str, workers: str = "") -> dict[str, Any]:
    from kartoteka.mail.receiving.importer import run
    from kartoteka.mail.receiving.preparing import default_workers

    path = Path(folder)
    parse_workers = int(workers) if workers else default_workers()
    start_mb = _peak_rss_mb()
    started = time.perf_counter()
    report = run(
        path / "messages",
        mailbox_name=MAILBOX,
        stdout=sys.stderr,
        stderr=sys.stderr,
        progress_every=2_000,
        workers=parse_workers,
    )
    seconds = time.perf_counter() - started
    peak_mb = _peak_rss_mb()  # before the threading check reads the manifest
    return {
        "messages": report.read,
        "workers": parse_workers,
        "seconds": seconds,
        "rate": report.read / seconds,
        "start_mb": start_mb,
        "peak_mb": peak_mb,
        "actions": report.actions,
        "threading": threading_check(path, MAILBOX),
    }


def child_imap(folder: str, port: str, login: str, password: str, count: str) -> dict[str, Any]:
    from kartoteka.mail.mailboxes import mailbox_create
    from kartoteka.mail.models import Mailbox
    from kartoteka.mail.receiving.fetch import fetch_mailbox

    logging.getLogger("kartoteka.mail").setLevel(logging.WARNING)  # not a line per message
    mailbox = mailbox_create(
        name="bench-imap",
        address="imap@firma.pl",
        protocol=Mailbox.Protocol.IMAP,
        security=Mailbox.Security.NONE,
        host="127.0.0.1",
        port=int(port),
        login=login,
        password=password,
        after_fetch=Mailbox.AfterFetch.MARK_SEEN,
        unknown_sender=Mailbox.UnknownSender.NEW_CASE,
    )
    started = time.perf_counter()
    report = fetch_mailbox(mailbox)
    seconds = time.perf_counter() - started
    return {
        "messages": report.fetched,
        "stored": report.stored,
        "error": report.error,
        "seconds": seconds,
        "rate": report.fetched / seconds if seconds else 0.0,
        "peak_mb": _peak_rss_mb(),
        "threading": threading_check(Path(folder), "bench-imap", limit=int(count)),
    }


def child_main(args: list[str]) -> None:
    _setup()
    kind, rest = args[0], args[1:]
    if kind != "prepare":  # the template may predate a migration
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    result = {"prepare": child_prepare, "import": child_import, "imap": child_imap}[kind](*rest)
    print(json.dumps(result, default=str))


# --- measurements in the parent ------------------------------------------------------------


def measure_import(folder: Path, name: str, workers: str = "") -> dict[str, Any]:
    say(f"mail: importing {folder.name} in-process ({workers or 'default'} parse workers)")
    return run_child(fresh_data_dir(name), "import", str(folder), workers)


def measure_parse(folder: Path) -> dict[str, Any]:
    """Parsing alone against bare ``policy.default`` parsing of the same files (best of 2)."""
    from kartoteka.mail.reading.parsing import parse

    say("mail: parsing the corpus")
    messages = [path.read_bytes() for path in sorted((folder / "messages").glob("*.eml"))]
    timings: dict[str, float] = {}
    for name, function in (
        ("bare", lambda raw: message_from_bytes(raw, policy=policy.default)),
        ("parse", parse),
    ):
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            for raw in messages:
                function(raw)
            best = min(best, time.perf_counter() - started)
        timings[name] = best
    count = len(messages)
    return {
        "messages": count,
        "bare_rate": count / timings["bare"],
        "parse_rate": count / timings["parse"],
        "ratio": timings["parse"] / timings["bare"],
    }


def measure_deliver(folder: Path, runs: int) -> dict[str, Any]:
    """``kartoteka mail deliver`` per message, process start included (one warm-up run)."""
    say(f"mail: {runs} runs of kartoteka mail deliver")
    data_dir = fresh_data_dir("deliver")
    kartoteka = str(Path(sys.executable).parent / "kartoteka")
    subprocess.run(  # noqa: S603 - the template may predate a migration
        [kartoteka, "migrate", "-v0"], env=child_env(data_dir), check=True
    )
    command = [kartoteka, "mail", "deliver"]
    command += ["--mailbox", MAILBOX]
    files = sorted((folder / "messages").glob("*.eml"))[: runs + 1]
    times = []
    actions = []
    for index, path in enumerate(files):
        started = time.perf_counter()
        child = subprocess.run(  # noqa: S603
            command,
            input=path.read_bytes(),
            env=child_env(data_dir),
            capture_output=True,
        )
        elapsed = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"mail: deliver failed: {child.stderr.decode()[-500:]}")
        if index:  # the first run warms the disk cache
            times.append(elapsed)
            actions.append(json.loads(child.stdout)["action"])
    return {
        "runs": len(times),
        "mean_s": statistics.mean(times),
        "min_s": min(times),
        "max_s": max(times),
        "actions": {action: actions.count(action) for action in set(actions)},
    }


@contextlib.contextmanager
def dovecot_running() -> Iterator[Any]:
    """A throwaway Dovecot on free loopback ports (the test fixture's start code)."""
    from kartoteka.testing.mail.dovecot import DOVECOT, DovecotServer

    if not Path(DOVECOT).exists():
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="kartoteka-bench-dovecot-"))
    root.chmod(0o755)  # Dovecot's own processes run as another user and must reach the maildir
    server = DovecotServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def measure_imap(folder: Path, count: int) -> dict[str, Any] | None:
    with dovecot_running() as server:
        if server is None:
            say("mail: no /usr/sbin/dovecot, the IMAP measurement is skipped")
            return None
        account = server.new_account()
        files = sorted((folder / "messages").glob("*.eml"))[:count]
        say(f"mail: APPENDing {len(files):,} messages to Dovecot")
        client = imaplib.IMAP4(server.host, server.imap_port, timeout=30)
        try:
            client.login(account.login, account.password)
            for path in files:
                raw = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                status, data = client.append("INBOX", None, None, raw)
                if status != "OK":
                    raise SystemExit(f"mail: APPEND failed: {data}")
        finally:
            with contextlib.suppress(Exception):
                client.logout()
        say("mail: fetching them through IMAP")
        return run_child(
            fresh_data_dir("imap"),
            "imap",
            str(folder),
            str(server.imap_port),
            account.login,
            account.password,
            str(len(files)),
        )


def threading_ok(check: dict[str, int]) -> bool:
    return not (
        check["wrong_case"]
        or check["missing"]
        or check["originals_without_case"]
        or check["forged_placed"]
        or threaded_share(check) < TARGET_THREADED
    )


def problems(results: dict[str, Any]) -> list[str]:
    """What the measurements got wrong, whatever their speed: threading, lost messages."""
    found = []
    for name in ("import_small", "import", "import_alone", "imap"):
        result = results.get(name)
        if result is None:
            continue
        check = result["threading"]
        if result["messages"] != check["messages"] or not threading_ok(check):
            found.append(f"mail {name}: {result['messages']:,} messages read, threading {check}")
        if result.get("error"):
            found.append(f"mail {name}: {result['error']}")
    return found


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def print_results(results: dict[str, Any]) -> None:
    full = results["import"]
    print(f"\nMail ingest on SQLite, generated corpus of {full['messages']:,} messages")
    rate_ok = full["rate"] >= TARGET_RATE
    print(
        f"  {mark(rate_ok)} kartoteka mail import (in-process)  {full['rate']:7.1f} messages/s"
        f"  ({full['seconds']:.1f} s, {full['workers']} parse worker(s) beside the database "
        f"process; target ≥ {TARGET_RATE:.0f}/s)"
    )
    alone = results.get("import_alone")
    if alone is not None:
        print(
            f"    the same in one process (--workers 0)  {alone['rate']:7.1f} messages/s  "
            f"({alone['messages']:,} messages)"
        )
    actions = ", ".join(f"{count} {action}" for action, count in full["actions"].items() if count)
    print(f"      {actions}")
    small = results.get("import_small")
    if small is not None:
        growth = full["peak_mb"] / small["peak_mb"]
        print(
            f"  {mark(growth <= TARGET_MEMORY_GROWTH)} peak RSS  {small['peak_mb']:.1f} MB at "
            f"{small['messages']:,} messages, {full['peak_mb']:.1f} MB at "
            f"{full['messages']:,} (×{growth:.2f}; flat: ≤ ×{TARGET_MEMORY_GROWTH})"
        )
    else:
        print(f"    peak RSS  {full['peak_mb']:.1f} MB")
    parse = results["parse"]
    print(
        f"  {mark(parse['ratio'] <= TARGET_PARSE_RATIO)} parsing alone  "
        f"{parse['parse_rate']:7.1f}/s vs bare policy.default {parse['bare_rate']:.1f}/s: "
        f"×{parse['ratio']:.2f} (target ≤ ×{TARGET_PARSE_RATIO})"
    )
    deliver = results["deliver"]
    print(
        f"  {mark(deliver['mean_s'] < TARGET_DELIVER_S)} kartoteka mail deliver  "
        f"{deliver['mean_s']:.3f} s per message (min {deliver['min_s']:.3f}, max "
        f"{deliver['max_s']:.3f}, {deliver['runs']} runs, process start included; "
        f"target < {TARGET_DELIVER_S} s)"
    )
    imap = results.get("imap")
    if imap is not None:
        error = f"  error: {imap['error']}" if imap["error"] else ""
        print(
            f"    IMAP from Dovecot (fetch_mailbox)  {imap['rate']:7.1f} messages/s  "
            f"({imap['messages']:,} in {imap['seconds']:.1f} s, peak {imap['peak_mb']:.1f} MB)"
            f"{error}"
        )
    for name, label in (("import", "import"), ("imap", "IMAP")):
        if results.get(name) is None:
            continue
        check = results[name]["threading"]
        print(
            f"  {mark(threading_ok(check))} threading ({label}): {check['replies']:,} genuine "
            f"replies ({check['non_opener_replies']:,} by someone other than the opener), "
            f"{threaded_share(check):.1%} threaded automatically (target ≥ "
            f"{TARGET_THREADED:.0%}), {check['wrong_case']} on a wrong case, "
            f"{check['replies_in_triage']} in triage ({check['tag_only_newcomers']} a "
            f"newcomer's tag alone, by design)"
        )
        print(
            f"      newcomers joined: {check['joined_as_contact']} as contacts of the "
            f"customer, {check['joined_as_address']} as addresses of the case; forged tags: "
            f"{check['forged'] - check['forged_placed']} of {check['forged']} in triage; "
            f"{check['originals_without_case']} first messages without a case, "
            f"{check['missing']} not stored"
        )


def run() -> dict[str, Any]:
    """Measure everything and print the table; returns the results."""
    count = int(os.environ.get("BENCH_MAIL_MESSAGES", "10000"))
    imap_count = min(count, int(os.environ.get("BENCH_MAIL_IMAP", "2000")))
    deliver_runs = int(os.environ.get("BENCH_MAIL_DELIVER", "10"))
    folder = corpus_dir(count)
    results: dict[str, Any] = {}
    if count > SMALL_RUN:
        results["import_small"] = measure_import(corpus_dir(SMALL_RUN), "small")
    results["import"] = measure_import(folder, "full")
    results["import_alone"] = measure_import(
        corpus_dir(min(count, SMALL_RUN)), "alone", workers="0"
    )
    results["parse"] = measure_parse(folder)
    results["deliver"] = measure_deliver(folder, deliver_runs)
    results["imap"] = measure_imap(folder, imap_count)
    print_results(results)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child_main(sys.argv[2:])
    else:
        run()
