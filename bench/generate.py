"""Fill the benchmark database with realistic cases, fast.

Runs inside a process whose Django settings point at the benchmark database. The rows go in
with raw ``executemany`` on SQLite and ``COPY`` on PostgreSQL, 10,000 at a time, bypassing
the services on purpose: the benchmark needs a million cases in seconds, not history rows.

The shape of the data: ~5,000 accounts (a few big ones, a long tail), ~30 staff users, lookup
values weighted like a real help desk (most cases closed, most of normal priority), creation
times spread over three years in number order, and subjects built from a Polish vocabulary
with frequent words ("faktura", "awaria", "Łódź") and rare ones (each in ~0.01 % of cases),
so substring searches have realistic selectivity. A case entered its status a few days after
it was created, and one whose status has an overdue period that has run out carries
``overdue_since`` as the overdue job would have set it. Every other column takes its field's
default, so a new column with a default needs nothing here.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from kartoteka.cases.models import (
    Case,
    CaseGroup,
    CaseSettings,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.customers.models import Account
from kartoteka.people.models import User

SEED = 2026
BATCH = 10_000
ACCOUNTS = 5_000
USERS = 30
SPAN = timedelta(days=3 * 365)
MANAGER_USERNAME = "bench-manager"

OPENINGS = [
    ("Awaria", 12), ("Problem z", 14), ("Prośba o", 6), ("Reklamacja", 7), ("Pytanie o", 8),
    ("Brak", 6), ("Nie działa", 9), ("Zgłoszenie:", 5), ("Błąd", 6), ("Zmiana", 4),
    ("Faktura", 8), ("Zwrot", 3), ("Pilne:", 2), ("Korekta", 2),
]  # fmt: skip
OBJECTS = [
    ("faktury", 12), ("drukarki", 6), ("poczty e-mail", 7), ("logowania do systemu", 6),
    ("dostawy", 8), ("zamówienia", 9), ("płatności", 7), ("umowy serwisowej", 4),
    ("licencji", 3), ("routera", 3), ("aplikacji mobilnej", 4), ("hasła", 5),
    ("konta klienta", 4), ("przesyłki kurierskiej", 4), ("faktury korygującej", 3),
    ("serwera plików", 2), ("raportu miesięcznego", 2), ("cennika", 2), ("gwarancji", 3),
    ("integracji z ERP", 1), ("certyfikatu SSL", 1), ("kopii zapasowej", 2),
]  # fmt: skip
CITIES = [
    ("Warszawa", 17), ("Kraków", 9), ("Łódź", 6), ("Wrocław", 7), ("Poznań", 6),
    ("Gdańsk", 5), ("Szczecin", 4), ("Bydgoszcz", 3), ("Lublin", 3), ("Białystok", 2),
    ("Katowice", 4), ("Gdynia", 2), ("Częstochowa", 2), ("Radom", 1), ("Toruń", 2),
    ("Kielce", 1), ("Rzeszów", 2), ("Olsztyn", 1), ("Zielona Góra", 1), ("Opole", 1),
]  # fmt: skip
# Each rare word ends up in about one case in ten thousand.
RARE_WORDS = [
    "tachograf", "kompresor", "wózek widłowy", "klimatyzator", "ekspres do kawy", "skaner 3D",
    "agregat prądotwórczy", "kasa fiskalna", "terminal płatniczy", "żaluzje", "winda towarowa",
    "spektrometr", "centrala telefoniczna", "zmywarka przemysłowa", "dron", "kocioł gazowy",
    "paleciak", "falownik", "rejestrator", "ploter", "niszczarka", "etykieciarka",
    "wagoskanery", "źródło UPS", "łuparka", "śrutownica", "żuraw", "gęśnik", "pompa ciepła",
    "fotowoltaika", "hulajnoga", "gaśnica", "sejf", "bramofon", "drukarka 3D", "kserokopiarka",
    "projektor", "czytnik RFID", "tablet graficzny", "monitor dotykowy", "serwerownia",
    "światłowód", "anteny", "kamera IP", "piec konwekcyjny", "zgrzewarka", "tokarka",
    "frezarka", "szlifierka", "wiertarka", "spawarka", "prasa hydrauliczna", "chłodnia",
]  # fmt: skip
RARE_SHARE = len(RARE_WORDS) / 10_000
STATUS_WEIGHTS = [3, 8, 4, 85]  # new, open, waiting, closed (in list order)
PRIORITY_WEIGHTS = [15, 70, 12, 3]
TYPE_WEIGHTS = [40, 35, 15, 10]
EXTRA_CATEGORIES = ["Reklamacje", "Dostawy", "Umowy", "Sprzęt", "Oprogramowanie", "Szkolenia"]
EXTRA_GROUPS = ["Serwis", "Księgowość", "Logistyka", "Wdrożenia"]
FIRST_NAMES = ["Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Łukasz"]
LAST_NAMES = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zieliński"]
COMPANY_WORDS = ["Pol", "Tech", "Bud", "Trans", "Med", "Agro", "Info", "Stal", "Drew", "Elektro"]
COMPANY_FORMS = ["sp. z o.o.", "S.A.", "s.c.", "sp.j.", ""]


def weighted(pairs: Sequence[tuple[str, int]]) -> tuple[list[str], list[int]]:
    return [value for value, _ in pairs], [weight for _, weight in pairs]


def ensure_people_and_lookups(rng: random.Random) -> dict[str, Any]:
    """The users, accounts and lookup values the cases point at (created once)."""
    User.objects.get_or_create(
        username=MANAGER_USERNAME,
        defaults={"role": User.Role.MANAGER, "first_name": "Bench", "last_name": "Manager"},
    )
    for index in range(USERS - User.objects.filter(username__startswith="bench-agent-").count()):
        User.objects.create(
            username=f"bench-agent-{index:02}",
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            role=User.Role.AGENT,
            can_work_with_cases=True,
        )
    for position, name in enumerate(EXTRA_CATEGORIES, start=10):
        Category.objects.get_or_create(name=name, defaults={"position": position})
    for position, name in enumerate(EXTRA_GROUPS, start=10):
        CaseGroup.objects.get_or_create(name=name, defaults={"position": position})
    missing = ACCOUNTS - Account.objects.count()
    if missing > 0:
        Account.objects.bulk_create(
            [
                Account(
                    name=f"{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS).lower()} "
                    f"{index} {rng.choice(COMPANY_FORMS)}".strip(),
                    city=rng.choice(CITIES)[0],
                    restricted=rng.random() < 0.05,
                )
                for index in range(missing)
            ],
            batch_size=BATCH,
        )
    return {
        "users": list(
            User.objects.filter(username__startswith="bench-agent-").values_list("pk", flat=True)
        ),
        "accounts": list(Account.objects.order_by("pk").values_list("pk", flat=True)),
        "statuses": list(Status.objects.values_list("pk", flat=True)),
        "overdue_days": dict(
            Status.objects.filter(closes_case=False, overdue_after_days__isnull=False).values_list(
                "pk", "overdue_after_days"
            )
        ),
        "priorities": list(Priority.objects.values_list("pk", flat=True)),
        "types": list(CaseType.objects.values_list("pk", flat=True)),
        "categories": list(Category.objects.values_list("pk", flat=True)),
        "groups": list(CaseGroup.objects.values_list("pk", flat=True)),
    }


def pad(weights: list[int], values: list[int]) -> list[int]:
    """Weights for ``values``: the given ones first, then a small weight for any extra value."""
    return [*weights[: len(values)], *[2] * (len(values) - len(weights))]


def subject(rng: random.Random) -> str:
    openings, opening_weights = weighted(OPENINGS)
    objects, object_weights = weighted(OBJECTS)
    cities, city_weights = weighted(CITIES)
    parts = [rng.choices(openings, opening_weights)[0], rng.choices(objects, object_weights)[0]]
    if rng.random() < 0.4:
        parts.append("– " + rng.choices(cities, city_weights)[0])
    if rng.random() < RARE_SHARE:
        parts.append(f"({rng.choice(RARE_WORDS)})")
    if rng.random() < 0.15:
        parts.append(f"nr ZAM/{rng.randint(2023, 2026)}/{rng.randint(1, 99999):05}")
    return " ".join(parts)


def case_rows(
    count: int, refs: dict[str, Any], rng: random.Random, stamp: Callable[[datetime], Any]
) -> Iterator[tuple[Any, ...]]:
    """The rows in ``GENERATED`` order: numbers 1..count, creation time growing with the number.

    ``stamp`` turns an aware datetime into what the database's insert takes.
    """
    end = datetime.now(tz=UTC).replace(microsecond=0)
    start = end - SPAN
    step = SPAN / count
    accounts = refs["accounts"]
    # A few big customers and a long tail: account k gets weight 1 / (k + 10).
    account_weights = [1 / (k + 10) for k in range(len(accounts))]
    users = refs["users"]
    statuses, status_w = refs["statuses"], pad(STATUS_WEIGHTS, refs["statuses"])
    overdue_days = refs["overdue_days"]
    priorities, priority_w = refs["priorities"], pad(PRIORITY_WEIGHTS, refs["priorities"])
    types, type_w = [*refs["types"], None], [*pad(TYPE_WEIGHTS, refs["types"]), 5]
    categories = [*refs["categories"], None]
    category_w = [30, 25, 20, *[3] * (len(categories) - 4), 5][: len(categories)]
    groups = [*refs["groups"], None]
    group_w = [45, 25, *[5] * (len(groups) - 3), 5][: len(groups)]
    # The status times draw from a stream of their own: the other columns stay as they were
    # generated before there were status times, so older benchmark numbers remain comparable.
    timing = random.Random(SEED + 1)
    chunk = 1000
    for first in range(1, count + 1, chunk):
        size = min(chunk, count - first + 1)
        picked = {
            "account": rng.choices(accounts, account_weights, k=size),
            "status": rng.choices(statuses, status_w, k=size),
            "priority": rng.choices(priorities, priority_w, k=size),
            "type": rng.choices(types, type_w, k=size),
            "category": rng.choices(categories, category_w, k=size),
            "group": rng.choices(groups, group_w, k=size),
        }
        for offset in range(size):
            number = first + offset
            created = start + step * number + timedelta(seconds=rng.randint(0, 59))
            status = picked["status"][offset]
            delay = timedelta(hours=timing.expovariate(1 / 48))
            status_changed = max(created, min(end, created + delay))
            days = overdue_days.get(status)
            overdue = None if days is None else status_changed + timedelta(days=days)
            account = picked["account"][offset] if rng.random() < 0.9 else None
            assignee = rng.choice(users) if rng.random() < 0.9 else None
            yield (
                number,
                number,
                subject(rng),
                stamp(created),
                stamp(created),
                stamp(status_changed),
                stamp(overdue) if overdue is not None and overdue <= end else None,
                "VIP" if rng.random() < 0.02 else "",
                account,
                assignee,
                rng.choice(users),
                status,
                picked["priority"][offset],
                picked["type"][offset],
                picked["category"][offset],
                picked["group"][offset],
            )


# The columns case_rows() fills; every other column of the table takes its field's default.
GENERATED = (
    "id", "number", "subject", "created_at", "updated_at", "status_changed_at", "overdue_since",
    "annotation", "account_id", "assignee_id", "created_by_id", "status_id", "priority_id",
    "case_type_id", "category_id", "group_id",
)  # fmt: skip


def column_defaults() -> dict[str, Any]:
    """The columns not in ``GENERATED``, each with its field's default as the database takes it.

    A NOT NULL column without a default stops the generator by name before any row is written.
    """
    defaults = {}
    for field in Case._meta.concrete_fields:
        if field.column in GENERATED:
            continue
        value = field.get_default()
        if value is None and not field.null:
            raise SystemExit(
                f"bench.generate: cases_case.{field.column} is NOT NULL without a default: "
                "add it to GENERATED"
            )
        defaults[field.column] = field.get_db_prep_save(value, connection)
    return defaults


def sqlite_stamp(moment: datetime) -> str:
    """Django stores aware datetimes on SQLite as naive UTC text."""
    return moment.replace(tzinfo=None).isoformat(" ")


def _insert_sqlite(columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO cases_case ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, BATCH)):
            cursor.executemany(sql, batch)


def _insert_postgresql(columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY cases_case ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
            "(SELECT max(id) FROM cases_case))"
        )


def generate(count: int, *, say: Any = print) -> None:
    """Insert ``count`` cases (numbers 1..count) into an empty case table."""
    started = time.monotonic()
    rng = random.Random(SEED)
    with transaction.atomic():
        refs = ensure_people_and_lookups(rng)
    defaults = column_defaults()
    columns = (*GENERATED, *defaults)
    constant = tuple(defaults.values())
    postgresql = connection.vendor == "postgresql"
    say(f"  inserting {count:,} cases…")
    generated = case_rows(
        count, refs, rng, stamp=(lambda moment: moment) if postgresql else sqlite_stamp
    )
    rows = (row + constant for row in generated)
    with transaction.atomic():
        (_insert_postgresql if postgresql else _insert_sqlite)(columns, rows)
        CaseSettings.objects.update_or_create(pk=1, defaults={"last_number": count})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "postgresql":
            # Index-only scans need the visibility map that VACUUM sets.
            cursor.execute("VACUUM (ANALYZE) cases_case")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    say(f"  {Case.objects.count():,} cases in {time.monotonic() - started:.0f} s")
