"""Fill the benchmark database with realistic cases, mail, documents and notes, fast.

Runs inside a process whose Django settings point at the benchmark database. The rows go in
with raw ``executemany`` on SQLite and ``COPY`` on PostgreSQL, 10,000 at a time, bypassing
the services on purpose: the benchmark needs millions of rows in minutes, not history rows.
The big tables are filled without their secondary indexes, which are built again afterwards
(sorting once is much faster than keeping a B-tree in order row by row), and without
foreign-key checks (the generator only writes keys it made).

The shape of the data (``Sizes``, from the environment): ~5,000 accounts (a few big ones, a
long tail), ~30 staff users, lookup values weighted like a real help desk (most cases closed,
most of normal priority), creation times spread over three years in number order, and
subjects built from a Polish vocabulary with frequent words ("faktura", "awaria", "Łódź") and
rare ones (each in ~0.01 % of cases), so substring searches have realistic selectivity. A
case entered its status a few days after it was created, and one whose status has an overdue
period that has run out carries ``overdue_since`` as the overdue job would have set it.

One customer, *the biggest* (the first account), has exactly ``customer_cases`` cases (every
k-th number), ``customer_messages`` messages in them, ``customer_documents`` documents, about
one comment or internal note per case, and a dozen contacts linked to its cases; one from the
long tail, *the small one*, has twenty cases, their mail and notes, three documents and two
contacts, so the customer file can be measured on both.
The rest of the mail (``messages`` in all), of the documents and of the notes is spread over
the other cases and accounts. Every message belongs to a case and carries the case's account;
one in ten has a file attached, one in fifty an inline image.

``DATA_VERSION`` and the sizes are written into a table of the benchmark's own
(``bench_generated``) once everything is in: ``bench.cases`` reuses a database whose marker
matches and asks for a new one otherwise (a database of an older generator has no marker).
Every column a generator does not fill takes its field's default, so a new column with a
default needs nothing here.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from kartoteka.cases.models import (
    Case,
    CaseGroup,
    CaseNote,
    CaseSettings,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.documents.models import Document, DocumentFile, DocumentType
from kartoteka.mail.models import Attachment, Message
from kartoteka.people.models import User

# Raise whenever what the generator writes changes: a database of another version is rebuilt.
DATA_VERSION = 2
MARKER_TABLE = "bench_generated"
SEED = 2026
BATCH = 10_000
ACCOUNTS = 5_000
USERS = 30
SPAN = timedelta(days=3 * 365)
MANAGER_USERNAME = "bench-manager"
CUSTOMER_CONTACTS = 12
SUPPORT_ADDRESS = "pomoc@kartoteka-bench.example.pl"
SHARED_FILE = "documents/bench/dokument.pdf"
# A one-page PDF's bytes are not needed: the benchmark lists and searches, it never renders.
SHARED_FILE_BYTES = b"%PDF-1.4\n% Kartoteka bench\n%%EOF\n"

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
# Each rare word ends up in about one case in ten thousand (and in one message in ten thousand).
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
# The sentences of mail, notes and documents' text: a small vocabulary, as in a help desk.
GREETINGS = ["Dzień dobry,", "Witam,", "Szanowni Państwo,", "Dzień dobry Pani Anno,"]
SENTENCES = [
    "W nawiązaniu do rozmowy przesyłam brakujące dane do faktury.",
    "Drukarka w biurze nadal zgłasza błąd podajnika papieru.",
    "Proszę o informację, kiedy technik może przyjechać do Łodzi.",
    "Zamówienie zostało wysłane kurierem, numer przesyłki w załączniku.",
    "Faktura korygująca powinna uwzględniać rabat z umowy serwisowej.",
    "Nie możemy zalogować się do systemu od wczorajszego popołudnia.",
    "Płatność została zaksięgowana, dziękujemy za szybką reakcję.",
    "Czy mogą Państwo potwierdzić termin dostawy do magazynu w Poznaniu?",
    "Router po aktualizacji gubi połączenie co kilka godzin.",
    "Przesyłam zdjęcia uszkodzonej paczki, proszę o zwrot kosztów.",
    "Zgłoszenie przekazaliśmy do działu księgowości, odpowiedź jutro.",
    "Certyfikat wygasa w przyszłym tygodniu, prosimy o odnowienie.",
    "Licencja obejmuje pięć stanowisk, szósta instalacja się nie powiodła.",
    "Cennik na przyszły rok wyślemy do końca miesiąca.",
    "Technik wymienił zasilacz, urządzenie działa poprawnie.",
    "Kopia zapasowa z piątku nie zakończyła się powodzeniem.",
    "Reklamacja została uznana, nowa część wyjdzie z magazynu w środę.",
    "Proszę o przesłanie raportu miesięcznego w formacie PDF.",
    "Gwarancja obejmuje naprawę, ale nie dojazd serwisanta.",
    "Dziękujemy za cierpliwość, problem z pocztą e-mail został usunięty.",
    "Aplikacja mobilna nie synchronizuje zamówień od poniedziałku.",
    "Zmiana hasła wymaga potwierdzenia przez administratora po Państwa stronie.",
    "Faktura za grudzień zawiera błędny numer NIP, prosimy o korektę.",
    "Integracja z ERP zwraca błąd przy imporcie kontrahentów.",
]
SIGNATURES = [
    "Pozdrawiam serdecznie",
    "Z poważaniem",
    "Pozdrawiam, dział obsługi klienta",
]
NOTE_SENTENCES = [
    "Klient prosi o kontakt telefoniczny po 14:00.",
    "Sprawdziłem w systemie: faktura wysłana, czekamy na płatność.",
    "Do uzgodnienia z księgowością przed odpowiedzią.",
    "Technik umówiony na czwartek, potwierdzone mailowo.",
    "Klient niezadowolony z czasu reakcji — proszę o priorytet.",
    "Część zamówiona u dostawcy, termin 5 dni roboczych.",
    "Po rozmowie: zgłoszenie można zamknąć po weryfikacji.",
    "Uwaga: umowa serwisowa kończy się w przyszłym miesiącu.",
]
DOCUMENT_TITLES = [
    (0, "Oferta na {object}"), (0, "Oferta serwisowa – {city}"),
    (1, "Faktura VAT FV/{year}/{serial:05}"), (1, "Faktura korygująca FK/{year}/{serial:04}"),
    (2, "Zamówienie ZAM/{year}/{serial:05}"), (3, "Umowa serwisowa {year}"),
    (3, "Aneks do umowy nr {serial}"), (4, "Protokół odbioru – {object}"),
]  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    """How much the generator writes (environment: see ``bench.__main__``)."""

    cases: int
    customer_cases: int
    messages: int
    customer_messages: int
    customer_documents: int

    @classmethod
    def from_env(cls, cases: int) -> Sizes:
        def number(name: str, default: int) -> int:
            return int(os.environ.get(name) or default)

        sizes = cls(
            cases=cases,
            customer_cases=number("BENCH_CUSTOMER_CASES", 20_000),
            messages=number("BENCH_MESSAGES", 3_000_000),
            customer_messages=number("BENCH_CUSTOMER_MESSAGES", 200_000),
            customer_documents=number("BENCH_CUSTOMER_DOCUMENTS", 5_000),
        )
        if not 0 < sizes.customer_cases <= cases // 2:
            raise SystemExit("BENCH_CUSTOMER_CASES must be between 1 and half of BENCH_CASES")
        if not 0 <= sizes.customer_messages <= sizes.messages:
            raise SystemExit("BENCH_CUSTOMER_MESSAGES must be between 0 and BENCH_MESSAGES")
        return sizes

    @property
    def documents(self) -> int:
        """Documents in all: the biggest customer's and four times as many elsewhere."""
        return 5 * self.customer_documents

    @property
    def notes(self) -> int:
        """Comments and notes in all: one per case of the biggest, one per five elsewhere."""
        return self.customer_cases + (self.cases - self.customer_cases) // 5


def marker(sizes: Sizes) -> dict[str, Any]:
    return {"version": DATA_VERSION, **asdict(sizes)}


def marker_read() -> dict[str, Any] | None:
    """What the generator wrote into this database when it finished (None: nothing, or an
    older generator's database)."""
    tables = connection.introspection.table_names()
    if MARKER_TABLE not in tables:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = 'data'")  # noqa: S608
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _marker_write(data: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name varchar(40) PRIMARY KEY, value text)"
        )
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name, value) VALUES ('data', %s)",  # noqa: S608
            [json.dumps(data)],
        )


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
    accounts = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    return {
        "users": list(
            User.objects.filter(username__startswith="bench-agent-").values_list("pk", flat=True)
        ),
        "accounts": accounts,
        "biggest": accounts[0],
        "small": accounts[-1],
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
        "document_types": list(
            DocumentType.objects.order_by("position").values_list("pk", flat=True)
        ),
    }


def ensure_contacts(refs: dict[str, Any], rng: random.Random) -> None:
    """A dozen contacts of the biggest customer and two of the small one, with addresses,
    through the ORM (so their history holds their creation, as the History tab shows)."""
    for account_id, count in ((refs["biggest"], CUSTOMER_CONTACTS), (refs["small"], 2)):
        for index in range(count):
            first, last = FIRST_NAMES[index % 8], LAST_NAMES[(index * 3 + account_id) % 7]
            contact = Contact.objects.create(
                account_id=account_id, first_name=first, last_name=last, position="Specjalista"
            )
            EmailAddress.objects.create(contact=contact, address=_address(first, last, account_id))
            if index % 4 == 0:
                contact.position = "Kierownik działu"
                contact.save()
    refs["contacts"] = {
        account_id: list(
            Contact.objects.filter(account_id=account_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for account_id in (refs["biggest"], refs["small"])
    }
    refs["contact_addresses"] = dict(
        EmailAddress.objects.filter(contact__isnull=False).values_list("contact_id", "address")
    )


_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def _address(first: str, last: str, account_id: int) -> str:
    return f"{first}.{last}@klient{account_id}.example.pl".lower().translate(_ASCII)


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


@dataclass
class CaseFacts:
    """What the later tables need of each case (index = number - 1; the case's pk is its
    number)."""

    account: list[int | None]
    subject: list[str]
    created: list[datetime]
    assignee: list[int | None]
    end: datetime


def customer_every(sizes: Sizes) -> int:
    """Every how many numbers a case is the biggest customer's."""
    return sizes.cases // sizes.customer_cases


def is_customer_case(number: int, sizes: Sizes) -> bool:
    every = customer_every(sizes)
    return number % every == 0 and number // every <= sizes.customer_cases


SMALL_CASES = 20


def is_small_case(number: int, sizes: Sizes) -> bool:
    """Whether the small customer has case ``number``: twenty, spread over the period."""
    every = sizes.cases // SMALL_CASES
    return number % every == customer_every(sizes) // 2 and not is_customer_case(number, sizes)


def case_rows(
    sizes: Sizes,
    refs: dict[str, Any],
    rng: random.Random,
    stamp: Callable[[datetime], Any],
    facts: CaseFacts,
) -> Iterator[tuple[Any, ...]]:
    """The rows in ``GENERATED`` order: numbers 1..count, creation time growing with the number;
    what later tables need goes into ``facts``.

    ``stamp`` turns an aware datetime into what the database's insert takes.
    """
    count = sizes.cases
    end = facts.end
    start = end - SPAN
    step = SPAN / count
    biggest = refs["biggest"]
    others = refs["accounts"][1:]
    # A few big customers and a long tail: account k gets weight 1 / (k + 11).
    account_weights = [1 / (k + 11) for k in range(len(others))]
    users = refs["users"]
    statuses, status_w = refs["statuses"], pad(STATUS_WEIGHTS, refs["statuses"])
    overdue_days = refs["overdue_days"]
    priorities, priority_w = refs["priorities"], pad(PRIORITY_WEIGHTS, refs["priorities"])
    types, type_w = [*refs["types"], None], [*pad(TYPE_WEIGHTS, refs["types"]), 5]
    categories = [*refs["categories"], None]
    category_w = [30, 25, 20, *[3] * (len(categories) - 4), 5][: len(categories)]
    groups = [*refs["groups"], None]
    group_w = [45, 25, *[5] * (len(groups) - 3), 5][: len(groups)]
    # The status times draw from a stream of their own.
    timing = random.Random(SEED + 1)
    chunk = 1000
    for first in range(1, count + 1, chunk):
        size = min(chunk, count - first + 1)
        picked = {
            "account": rng.choices(others, account_weights, k=size),
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
            if is_customer_case(number, sizes):
                account = biggest
            elif is_small_case(number, sizes):
                account = refs["small"]
            elif account == refs["small"]:
                account = None
            assignee = rng.choice(users) if rng.random() < 0.9 else None
            text = subject(rng)
            facts.account.append(account)
            facts.subject.append(text)
            facts.created.append(created)
            facts.assignee.append(assignee)
            yield (
                number,
                number,
                text,
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
MESSAGE_COLUMNS = (
    "id", "case_id", "account_id", "direction", "state", "message_id", "in_reply_to", "subject",
    "from_name", "from_address", "to", "date", "text", "text_new", "raw_sha256", "size",
    "author_id", "created_at", "sent_at", "source",
)  # fmt: skip
NOTE_COLUMNS = ("id", "case_id", "account_id", "author_id", "text", "internal", "created_at")
DOCUMENT_COLUMNS = (
    "id", "account_id", "case_id", "document_type_id", "title", "description", "date",
    "author_id", "created_at", "confidential",
)  # fmt: skip
FILE_COLUMNS = (
    "id", "document_id", "name", "version", "file", "size", "content_type", "sha256",
    "uploaded_by_id", "uploaded_at", "text", "text_state",
)  # fmt: skip


def column_defaults(model: type[models.Model], generated: Sequence[str]) -> dict[str, Any]:
    """The columns not in ``generated``, each with its field's default as the database takes it.

    A NOT NULL column without a default stops the generator by name before any row is written.
    """
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.column in generated:
            continue
        value = field.get_default()
        if value is None and not field.null:
            raise SystemExit(
                f"bench.generate: {model._meta.db_table}.{field.column} is NOT NULL without a "
                "default: add it to the generator's columns"
            )
        value = field.get_db_prep_save(value, connection)
        if connection.vendor == "postgresql" and isinstance(field, models.JSONField):
            value = json.dumps(field.get_default())  # COPY takes the JSON text
        defaults[field.column] = value
    return defaults


def sqlite_stamp(moment: datetime) -> str:
    """Django stores aware datetimes on SQLite as naive UTC text."""
    return moment.replace(tzinfo=None).isoformat(" ")


@contextmanager
def _without_indexes(table: str) -> Iterator[None]:
    """``table``'s secondary indexes dropped for the block and built again after it (those
    that back a constraint stay)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (values of ``columns``, the other columns take their defaults) into
    ``model``'s table, its secondary indexes built afterwards."""
    table = model._meta.db_table
    defaults = column_defaults(model, columns)
    names = [*columns, *defaults]
    constant = tuple(defaults.values())
    full = (row + constant for row in rows)
    quoted = ", ".join(f'"{name}"' for name in names)
    with _without_indexes(table), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in full:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'  # noqa: S608
            while batch := list(itertools.islice(full, BATCH)):
                cursor.executemany(sql, batch)
    _sequence_catch_up(model)


def insert_pairs(table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows of a many-to-many table (its ids numbered by the database)."""
    quoted = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
            iterator = iter(rows)
            while batch := list(itertools.islice(iterator, BATCH)):
                cursor.executemany(sql, batch)


def _sequence_catch_up(model: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: E501, S608
        cursor.execute(sql)


def spread(total: int, count: int, rng: random.Random) -> Iterator[int]:
    """``count`` numbers that add up to ``total`` exactly, uneven: each pair of neighbours
    shares the two's even parts at random."""
    base, extra = divmod(total, count)
    index = 0
    while index < count:
        first = base + (index < extra)
        if index + 1 == count:
            yield first
            return
        second = base + (index + 1 < extra)
        moved = rng.randint(0, first)
        yield first - moved
        yield second + moved
        index += 2


class Texts:
    """Pools of mail and note texts drawn once, picked per row (fast, still varied)."""

    def __init__(self, rng: random.Random, size: int = 4000):
        def body(sentences: int) -> str:
            return " ".join(rng.choice(SENTENCES) for _ in range(sentences))

        self.new = [
            f"{rng.choice(GREETINGS)}\n\n{body(rng.randint(2, 4))}\n\n{rng.choice(SIGNATURES)}"
            for _ in range(size)
        ]
        self.quotes = ["> " + body(rng.randint(1, 3)) for _ in range(size)]
        self.notes = [
            " ".join(rng.choice(NOTE_SENTENCES) for _ in range(rng.randint(1, 2)))
            for _ in range(size)
        ]
        self.names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]


def message_rows(
    sizes: Sizes, refs: dict[str, Any], facts: CaseFacts, stamp: Callable[[datetime], Any]
) -> Iterator[tuple[Any, ...]]:
    """The messages of every case in number order: the customer writes first, then the two
    sides take turns, hours apart (never later than the end of the generated period)."""
    rng = random.Random(SEED + 2)
    texts = Texts(rng)
    users = refs["users"]
    biggest = refs["biggest"]
    contacts = refs["contacts"]
    addresses = refs["contact_addresses"]
    customer = spread(sizes.customer_messages, sizes.customer_cases, rng)
    others = spread(
        sizes.messages - sizes.customer_messages, sizes.cases - sizes.customer_cases, rng
    )
    pool = len(texts.new)
    message_id = 0
    for index in range(sizes.cases):
        number = index + 1
        account = facts.account[index]
        count = (
            next(customer)
            if account == biggest and is_customer_case(number, sizes)
            else next(others)
        )
        if not count:
            continue
        case_subject = facts.subject[index]
        tagged = f"Re: [BENCH#{number}] {case_subject}"
        if account in contacts:
            contact = contacts[account][number % len(contacts[account])]
            address = addresses[contact]
            name = address.split("@")[0].replace(".", " ").title()
        else:
            first, last = texts.names[number % len(texts.names)]
            name = f"{first} {last}"
            address = _address(first, last, account or 0)
        customer_to = json.dumps([{"name": name, "address": address}])
        support_to = json.dumps([{"name": "Pomoc", "address": SUPPORT_ADDRESS}])
        assignee = facts.assignee[index] or users[number % len(users)]
        at = facts.created[index]
        previous = ""
        for turn in range(count):
            message_id += 1
            if turn:
                at = min(facts.end, at + timedelta(minutes=rng.randint(20, 3000)))
            inbound = turn % 2 == 0
            pick = rng.randrange(pool)
            new = texts.new[pick]
            if rng.random() < RARE_SHARE:
                new += f"\nPS. Dotyczy też urządzenia: {rng.choice(RARE_WORDS)}."
            text = f"{new}\n\n{texts.quotes[pick]}" if turn else new
            own_id = f"<{message_id}.bench@kartoteka.example.pl>"
            moment = stamp(at)
            if inbound:
                state, author, sent_at = Message.State.PLACED, None, None
                from_name, from_address, to = name, address, support_to
            else:
                state = Message.State.SENT if rng.random() < 0.98 else Message.State.FAILED
                author = assignee if rng.random() < 0.8 else rng.choice(users)
                sent_at = moment if state == Message.State.SENT else None
                from_name, from_address, to = "Pomoc", SUPPORT_ADDRESS, customer_to
            yield (
                message_id,
                number,
                account,
                "in" if inbound else "out",
                state,
                own_id,
                previous,
                tagged if turn else case_subject,
                from_name,
                from_address,
                to,
                moment,
                text,
                new,
                f"{message_id:064x}",
                len(text) + 600,
                author,
                moment,
                sent_at,
                "bench",
            )
            previous = own_id


ATTACHMENT_NAMES = [
    ("faktura_FV_{serial:05}.pdf", "application/pdf"),
    ("zamówienie_{serial:05}.pdf", "application/pdf"),
    ("zdjęcie_{serial}.jpg", "image/jpeg"),
    ("protokół_odbioru.docx", "application/msword"),
    ("zestawienie_{serial}.xlsx", "application/vnd.ms-excel"),
]
ATTACHMENT_COLUMNS = (
    "id", "message_id", "filename", "content_type", "size", "sha256", "inline", "content_id",
)  # fmt: skip


def attachment_rows(sizes: Sizes) -> Iterator[tuple[Any, ...]]:
    """A file on one message in ten, and an inline image on one in fifty (the bytes are never
    read by the benchmark)."""
    rng = random.Random(SEED + 6)
    attachment_id = 0
    for message_id in range(1, sizes.messages + 1):
        draw = rng.random()
        if draw >= 0.12:
            continue
        attachment_id += 1
        if draw < 0.02:
            name, content_type, inline = f"image{message_id}.png", "image/png", True
        else:
            pattern, content_type = rng.choice(ATTACHMENT_NAMES)
            name, inline = pattern.format(serial=rng.randint(1, 99999)), False
        yield (
            attachment_id,
            message_id,
            name,
            content_type,
            rng.randint(2_000, 2_000_000),
            f"{attachment_id:064x}",
            inline,
            f"image{message_id}@bench" if inline else "",
        )


def note_rows(
    sizes: Sizes, refs: dict[str, Any], facts: CaseFacts, stamp: Callable[[datetime], Any]
) -> Iterator[tuple[Any, ...]]:
    """About one comment or internal note per case of the biggest customer, one per five
    cases elsewhere; most of them internal."""
    rng = random.Random(SEED + 3)
    texts = Texts(rng, size=500)
    users = refs["users"]
    customer = spread(sizes.customer_cases, sizes.customer_cases, rng)
    others = spread(sizes.notes - sizes.customer_cases, sizes.cases - sizes.customer_cases, rng)
    note_id = 0
    for index in range(sizes.cases):
        number = index + 1
        ours = facts.account[index] == refs["biggest"] and is_customer_case(number, sizes)
        for _ in range(next(customer) if ours else next(others)):
            note_id += 1
            at = min(facts.end, facts.created[index] + timedelta(minutes=rng.randint(30, 9000)))
            yield (
                note_id,
                number,
                facts.account[index],
                facts.assignee[index] or rng.choice(users),
                rng.choice(texts.notes),
                rng.random() < 0.8,
                stamp(at),
            )


def document_rows(
    sizes: Sizes,
    refs: dict[str, Any],
    facts: CaseFacts,
    stamp: Callable[[datetime], Any],
    shared: list[tuple[int, int]],
    linked: list[tuple[int, int]],
) -> Iterator[tuple[Any, ...]]:
    """The biggest customer's documents, then the others' (on accounts of the long tail);
    one in a hundred confidential, shared with one user (into ``shared``); a third of the
    biggest customer's name one of its contacts (into ``linked``)."""
    rng = random.Random(SEED + 4)
    users = refs["users"]
    types = refs["document_types"]
    objects = [name for name, _ in OBJECTS]
    cities = [name for name, _ in CITIES]
    every = customer_every(sizes)
    biggest, small = refs["biggest"], refs["small"]
    others = refs["accounts"][1:]
    start = facts.end - SPAN
    for document_id in range(1, sizes.documents + 1):
        if document_id <= sizes.customer_documents:
            account = biggest
            number = every * rng.randint(1, sizes.customer_cases)
        elif document_id <= sizes.customer_documents + 3:
            account, number = small, None
        else:
            account, number = rng.choice(others), None
        created = (
            facts.created[number - 1] + timedelta(hours=rng.randint(1, 200))
            if number is not None
            else start + SPAN * rng.random()
        )
        created = min(facts.end, created)
        kind, pattern = rng.choice(DOCUMENT_TITLES)
        title = pattern.format(
            object=rng.choice(objects),
            city=rng.choice(cities),
            year=created.year,
            serial=rng.randint(1, 99999),
        )
        confidential = rng.random() < 0.01
        if confidential:
            shared.append((document_id, rng.choice(users)))
        if account == biggest and rng.random() < 0.33:
            linked.append((document_id, rng.choice(refs["contacts"][biggest])))
        yield (
            document_id,
            account,
            number if number is not None and rng.random() < 0.6 else None,
            types[kind % len(types)],
            title,
            " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(0, 2))),
            created.date(),
            rng.choice(users),
            stamp(created),
            confidential,
        )


def file_rows(
    sizes: Sizes, refs: dict[str, Any], stamp: Callable[[datetime], Any], end: datetime
) -> Iterator[tuple[Any, ...]]:
    """One file per document (a tenth with a second version), all pointing at one tiny stored
    file, each with a few sentences of extracted text."""
    rng = random.Random(SEED + 5)
    users = refs["users"]
    file_id = 0
    moment = stamp(end)
    for document_id in range(1, sizes.documents + 1):
        for version in range(1, 3 if rng.random() < 0.1 else 2):
            file_id += 1
            text = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(3, 8)))
            if rng.random() < RARE_SHARE:
                text += f" Dotyczy: {rng.choice(RARE_WORDS)}."
            yield (
                file_id,
                document_id,
                "dokument.pdf",
                version,
                SHARED_FILE,
                len(SHARED_FILE_BYTES),
                "application/pdf",
                "0" * 64,
                rng.choice(users),
                moment,
                text,
                DocumentFile.TextState.DONE,
            )


def shared_file_ensure() -> None:
    """The one stored file every generated document version points at."""
    path = Path(settings.MEDIA_ROOT) / SHARED_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(SHARED_FILE_BYTES)


def bulk_steps(say: Any) -> Callable[[str, Callable[[], None]], None]:
    """Set this connection up for bulk writes (on SQLite: no foreign-key checks, no syncing,
    a big cache) and return ``step(what, work)``: ``work`` in one transaction (on PostgreSQL
    without foreign-key triggers), its time said."""
    postgresql = connection.vendor == "postgresql"
    if not postgresql:
        with connection.cursor() as cursor:  # outside a transaction, or it has no effect
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")

    def step(what: str, work: Callable[[], None]) -> None:
        began = time.monotonic()
        with transaction.atomic():
            if postgresql:  # no foreign-key triggers for keys the generator made itself
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            work()
        say(f"  {what} in {time.monotonic() - began:.0f} s")

    return step


def generate(sizes: Sizes, *, say: Any = print) -> dict[str, Any]:
    """Fill an empty database (numbers 1..cases); return the marker written at the end."""
    started = time.monotonic()
    rng = random.Random(SEED)
    postgresql = connection.vendor == "postgresql"
    stamp: Callable[[datetime], Any] = (lambda moment: moment) if postgresql else sqlite_stamp
    with transaction.atomic():
        refs = ensure_people_and_lookups(rng)
        ensure_contacts(refs, rng)
    shared_file_ensure()
    facts = CaseFacts([], [], [], [], end=datetime.now(tz=UTC).replace(microsecond=0))
    step = bulk_steps(say)

    step(
        f"{sizes.cases:,} cases",
        lambda: insert(Case, GENERATED, case_rows(sizes, refs, rng, stamp, facts)),
    )
    step("the case contacts", lambda: _case_contacts(sizes, refs, facts))
    step(
        f"{sizes.messages:,} messages",
        lambda: insert(Message, MESSAGE_COLUMNS, message_rows(sizes, refs, facts, stamp)),
    )
    step("the attachments", lambda: insert(Attachment, ATTACHMENT_COLUMNS, attachment_rows(sizes)))
    step(
        f"{sizes.notes:,} notes",
        lambda: insert(CaseNote, NOTE_COLUMNS, note_rows(sizes, refs, facts, stamp)),
    )

    def documents() -> None:
        shared: list[tuple[int, int]] = []
        linked: list[tuple[int, int]] = []
        insert(Document, DOCUMENT_COLUMNS, document_rows(sizes, refs, facts, stamp, shared, linked))
        insert(DocumentFile, FILE_COLUMNS, file_rows(sizes, refs, stamp, facts.end))
        insert_pairs(
            Document.shared_users.through._meta.db_table, ("document_id", "user_id"), shared
        )
        insert_pairs(
            Document.contacts.through._meta.db_table, ("document_id", "contact_id"), linked
        )

    step(f"{sizes.documents:,} documents", documents)
    data = {**marker(sizes), "biggest": refs["biggest"], "small": refs["small"]}
    with transaction.atomic():
        CaseSettings.objects.update_or_create(pk=1, defaults={"last_number": sizes.cases})
        _marker_write(data)
    analyze()
    if postgresql:
        with connection.cursor() as cursor:
            # Index-only scans need the visibility map that VACUUM sets.
            cursor.execute("VACUUM")
    say(f"  generated in {time.monotonic() - started:.0f} s")
    return data


def analyze() -> None:
    """Fresh statistics for the query planner: on SQLite as the installation's daily job
    writes them (whole tables: a sample of 2,000 rows per index made every column look as
    selective as a case's assignee, and the planner read a status's 250,000 cases instead)."""
    from kartoteka.core.tasks import refresh_planner_statistics

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            refresh_planner_statistics.call()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("ANALYZE")


def _case_contacts(sizes: Sizes, refs: dict[str, Any], facts: CaseFacts) -> None:
    """Each case of the biggest and of the small customer names one of its contacts."""
    rows = (
        (index + 1, refs["contacts"][account][(index + 1) % len(refs["contacts"][account])])
        for index, account in enumerate(facts.account)
        if account in refs["contacts"]
    )
    insert_pairs(Case.contacts.through._meta.db_table, ("case_id", "contact_id"), rows)
