"""Demo cases: a support desk's last three months, with notes and status changes.

Cases go through ``cases.services`` (numbering, defaults, history), so the demo shows what
a real installation would hold. They are added once, to an installation without cases.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kartoteka.cases import services
from kartoteka.cases.models import Case, CaseGroup, CaseType, Category, Priority, Status
from kartoteka.customers.models import Account
from kartoteka.people.models import User

SUBJECTS = (
    "Reklamacja dostawy z {day}",
    "Prośba o fakturę korygującą do FV/{number}/{year}",
    "Brak dostępu do panelu klienta",
    "Zapytanie o ofertę na {product}",
    "Termin realizacji zamówienia ZAM/{number}",
    "Zmiana danych do faktury",
    "Problem z logowaniem do systemu",
    "Pytanie o warunki umowy serwisowej",
    "Zwrot towaru – zamówienie ZAM/{number}",
    "Uszkodzona przesyłka – {product}",
    "Aktualizacja cennika na {year} rok",
    "Prośba o kontakt handlowca",
    "Niezgodność ilości w dostawie WZ/{number}",
    "Przedłużenie gwarancji na {product}",
    "Awaria urządzenia – pilne",
    "Duplikat faktury za {month}",
)
PRODUCTS = (
    "drukarki etykiet", "czytniki kodów", "terminale płatnicze", "licencje ERP",
    "materiały eksploatacyjne", "serwis klimatyzacji", "palety EUR", "oprogramowanie magazynowe",
)  # fmt: skip
MONTHS = ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
          "wrzesień", "październik", "listopad", "grudzień")  # fmt: skip
DESCRIPTIONS = (
    "Dzień dobry,\nuprzejmie proszę o pilne sprawdzenie sprawy. Szczegóły w załączniku.\n"
    "Pozdrawiam",
    "Klient zgłosił telefonicznie problem, prosi o informację zwrotną do końca tygodnia.",
    "Zgłoszenie przekazane przez opiekuna klienta po spotkaniu w siedzibie firmy.",
    "Dzień dobry, w nawiązaniu do rozmowy telefonicznej przesyłam prośbę o wyjaśnienie.",
)
NOTES = (
    "Zadzwoniłem do klienta – potwierdził, że problem nadal występuje.",
    "Przekazano do działu technicznego, czekamy na diagnozę.",
    "Klient prosi o kontakt po 14:00.",
    "Wysłano ofertę mailem, przypomnienie za 3 dni.",
    "Faktura korygująca wystawiona, do wysyłki pocztą.",
    "Uzgodniono wymianę urządzenia na nowe w ramach gwarancji.",
)


def _subject(rng: random.Random) -> str:
    return rng.choice(SUBJECTS).format(
        day=f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}",
        number=rng.randint(100, 9999),
        year=rng.choice((2025, 2026)),
        product=rng.choice(PRODUCTS),
        month=rng.choice(MONTHS),
    )


@transaction.atomic
def demo_cases(*, count: int, seed: int) -> int:
    """Add ``count`` cases spread over the demo accounts; nothing when any case exists."""
    if count <= 0 or Case.objects.exists():
        return 0
    rng = random.Random(seed)
    accounts = list(Account.objects.prefetch_related("contacts").order_by("pk"))
    workers = list(User.objects.filter(can_work_with_cases=True).order_by("pk"))
    manager = User.objects.filter(role=User.Role.MANAGER).first()
    if not accounts or not workers:
        return 0
    statuses = list(Status.objects.order_by("position"))
    lists: dict[str, list[Priority | CaseType | Category | CaseGroup]] = {
        "priority": list(Priority.objects.all()),
        "case_type": list(CaseType.objects.all()),
        "category": list(Category.objects.all()),
        "group": list(CaseGroup.objects.all()),
    }
    now = timezone.now()
    for _index in range(count):
        account = rng.choice(accounts)
        people = list(account.contacts.all())
        reporter = rng.choice(people) if people else None
        author = rng.choice(workers)
        case = services.case_create(
            by=author,
            subject=_subject(rng),
            account=account,
            contacts=[reporter] if reporter else [],
            data={
                "description": rng.choice(DESCRIPTIONS),
                "reporter": reporter,
                "assignee": rng.choice(workers) if rng.random() < 0.8 else None,
                **{field: rng.choice(values) for field, values in lists.items() if values},
                "due_date": (now + timedelta(days=rng.randint(1, 20))).date()
                if rng.random() < 0.4
                else None,
            },
        )
        for _note in range(rng.choice((0, 0, 1, 2))):
            services.case_note_add(case=case, by=author, text=rng.choice(NOTES))
        if len(statuses) > 1 and rng.random() < 0.7:
            services.case_update(
                case=case, by=manager or author, data={"status": rng.choice(statuses[1:])}
            )
        created = now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 600))
        Case.objects.filter(pk=case.pk).update(created_at=created)
    return count
