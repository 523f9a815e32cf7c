"""Demo activities: the sales team's calls, offers, meetings and contracts, with the tasks they
planned — so that "my work", the calendar, the threads and the supervisor's view have
something to show.

Everything is dated from the moment the demo is loaded (``timezone.now()``): tasks planned for
"yesterday" are overdue and those for "tomorrow" upcoming on whatever day the demo runs. Events
go through ``activities.services.event_record`` (threads continued, tasks completed and planned,
rooms checked for clashes) exactly as a user's would; the bookings are laid out so that none
clashes. The story:

- Bartłomiej's warehouse deal: a call, an offer with products and an amount, a follow-up call,
  and a meeting tomorrow in the "Wisła" room, followed at once by another team's meeting there;
- Zofia's closed deal: a call, an offer, a meeting in the "Odra" room, the contract signed;
- Tomasz's offer whose follow-up call is three days overdue, and a call due this afternoon;
- a customer visit with the company car, after which nothing was planned (a thread without a
  next step), and a confidential note on a discount only its author and the supervisor see;
- the support agent's call about a case, with a call back planned for tomorrow, and an overdue
  call of their own;
- Jan Nowicki, who left the sales team: his customers, open threads and tasks handed over to
  Zofia by the team's supervisor (``activities.handover``), his account deactivated.

Runs once: skipped when any thread or hand-over exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kartoteka.activities.handover import handover_do
from kartoteka.activities.models import (
    Event,
    EventType,
    Handover,
    PendingReminder,
    Product,
    Resource,
    Task,
    Thread,
)
from kartoteka.activities.services import NextTask, event_record, task_create
from kartoteka.cases.models import Case
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers.models import Account, Contact
from kartoteka.customers.services import account_update
from kartoteka.demo.catalogue import SALES_TEAM
from kartoteka.people.models import Team, User
from kartoteka.people.services import user_set_active

LEAVER = "jan"
SUCCESSOR = "zofia"
ROOM_WISLA = "Sala konferencyjna „Wisła”"
ROOM_ODRA = "Sala „Odra”"
CAR = "Samochód służbowy WX 12345"
PROJECTOR = "Projektor"
RESOURCES = (
    (ROOM_WISLA, Resource.Kind.ROOM),
    (ROOM_ODRA, Resource.Kind.ROOM),
    (CAR, Resource.Kind.CAR),
    (PROJECTOR, Resource.Kind.EQUIPMENT),
)
# (code, name, net unit price in PLN)
PRODUCTS = (
    ("ERP-MAG-12", "Licencja ERP – moduł magazyn (12 mies.)", Decimal("2400.00")),
    ("WDR-MAG-40", "Wdrożenie oprogramowania magazynowego (pakiet 40 h)", Decimal("7200.00")),
    ("TERM-M5000", "Terminal płatniczy Ingenico Move/5000", Decimal("1290.00")),
    ("DRUK-ZD421", "Drukarka etykiet Zebra ZD421", Decimal("1890.00")),
    ("CZYT-1950G", "Czytnik kodów kreskowych Honeywell 1950g", Decimal("749.00")),
    ("SERW-ABO", "Serwis urządzeń – abonament miesięczny", Decimal("4800.00")),
    ("SZKOL-1D", "Szkolenie stanowiskowe (1 dzień)", Decimal("1500.00")),
)
# (name, multiple, entries): the events' own dictionaries, beside "Wynik rozmowy".
DICTIONARIES = (
    (
        "Źródło kontaktu",
        False,
        ("Polecenie", "Strona internetowa", "Targi branżowe", "Telefon przychodzący", "Mailing"),
    ),
    (
        "Etap sprzedaży",
        False,
        ("Pierwszy kontakt", "Analiza potrzeb", "Oferta", "Negocjacje", "Zamknięcie"),
    ),
)
CALL_OUTCOMES = "Wynik rozmowy"  # ``catalogue.DICTIONARIES``
# The default event types the stories use (``activities.defaults``).
TYPES = ("Phone call", "Meeting", "Text message", "Offer sent", "Contract signed", "Other")
# A type the administrator added, named for each language its colleagues read.
SERVICE_VISIT = "Wizyta serwisowa"
SERVICE_VISIT_NAMES = {"cs": "Servisní návštěva", "en": "Service visit"}


@dataclass(frozen=True)
class ActivitiesSummary:
    threads: int = 0
    events: int = 0
    tasks: int = 0
    handed_over: bool = False


@dataclass
class World:
    """What the stories draw on: people, types, products, rooms, dictionary entries, and the
    customers in turn."""

    now: datetime
    people: dict[str, User]
    types: dict[str, EventType]
    products: dict[str, Product]
    resources: dict[str, Resource]
    entries: dict[tuple[str, str], DictionaryEntry]
    accounts: list[Account]
    taken: int = 0

    def account(self) -> Account:
        account = self.accounts[self.taken % len(self.accounts)]
        self.taken += 1
        return account

    def at(self, days: int, hour: int, minute: int = 0) -> datetime:
        """``days`` from today (negative: ago) at a local time of day."""
        day: date = timezone.localdate(self.now) + timedelta(days=days)
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def tags(self, *keys: tuple[str, str]) -> list[DictionaryEntry]:
        return [self.entries[key] for key in keys if key in self.entries]

    def plan(self, type_name: str, due: datetime, who: str, note: str = "") -> NextTask:
        return NextTask(
            event_type=self.types[type_name], due_at=due, assignee=self.people[who], note=note
        )


@transaction.atomic
def demo_activities() -> ActivitiesSummary:
    """Add the demo's activities (once)."""
    if Thread.objects.exists() or Handover.objects.exists():
        return ActivitiesSummary()
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    sales = [people[name] for name in ("tomasz", "bartek", SUCCESSOR) if name in people]
    if len(sales) < 3 or "agent" not in people:
        return ActivitiesSummary()
    accounts = _accounts(sales)
    types = {t.name: t for t in EventType.objects.filter(name__in=TYPES)}
    if not accounts or len(types) < len(TYPES):  # types renamed or removed by an administrator
        return ActivitiesSummary()
    types[SERVICE_VISIT] = _service_visit_type()
    people[LEAVER] = _leaver(people["tomasz"])
    world = World(
        now=timezone.now(),
        people=people,
        types=types,
        products=_products(),
        resources=_resources(),
        entries=_dictionaries(),
        accounts=accounts,
    )
    _warehouse_deal(world)
    _signed_contract(world)
    _overdue_offer(world)
    _car_visit_without_next_step(world)
    _confidential_discount(world)
    _training_next_week(world)
    _support_agent(world)
    _leavers_work(world)
    handed_over = _hand_over(world)
    # Reminders of tasks due long before the demo was loaded went out back then.
    PendingReminder.objects.filter(remind_at__lt=world.now - timedelta(days=2)).delete()
    return ActivitiesSummary(
        threads=Thread.objects.count(),
        events=Event.objects.count(),
        tasks=Task.objects.count(),
        handed_over=handed_over,
    )


def _service_visit_type() -> EventType:
    return EventType.objects.get_or_create(
        name=SERVICE_VISIT,
        defaults={
            "names": SERVICE_VISIT_NAMES,
            "kind": EventType.Kind.MEETING,
            "icon": "🔧",
            "default_duration": timedelta(hours=2),
            "position": len(TYPES),
        },
    )[0]


# The stories


def _warehouse_deal(world: World) -> None:
    """Bartłomiej: a call, an offer, a follow-up call, a meeting tomorrow in "Wisła"."""
    account, by = world.account(), world.people["bartek"]
    contacts = _contacts(account, 2)
    call = event_record(
        by=by,
        account=account,
        event_type=world.types["Phone call"],
        starts_at=world.at(-12, 10, 15),
        thread_title="Wdrożenie systemu magazynowego",
        description="Telefon od kierownika logistyki: szukają systemu WMS dla dwóch magazynów.",
        result="Prośba o ofertę na licencje i wdrożenie do końca tygodnia.",
        contacts=contacts[:1],
        classifications=world.tags(
            ("Źródło kontaktu", "Polecenie"),
            ("Etap sprzedaży", "Pierwszy kontakt"),
            (CALL_OUTCOMES, "Prośba o ofertę"),
        ),
        next_task=world.plan("Offer sent", world.at(-10, 12), "bartek", "Oferta: 4 licencje."),
    )
    offer = event_record(
        by=by,
        account=account,
        event_type=world.types["Offer sent"],
        starts_at=world.at(-10, 11, 30),
        completes=_planned(call),
        description="Oferta OF/2026/118: 4 licencje ERP (moduł magazyn) i pakiet wdrożenia.",
        amount=4 * world.products["ERP-MAG-12"].unit_price
        + world.products["WDR-MAG-40"].unit_price,
        products=[world.products["ERP-MAG-12"], world.products["WDR-MAG-40"]],
        contacts=contacts[:1],
        classifications=world.tags(("Etap sprzedaży", "Oferta")),
        next_task=world.plan(
            "Phone call", world.at(-8, 10), "bartek", "Czy oferta dotarła? Zapytać o budżet."
        ),
    )
    follow_up = event_record(
        by=by,
        account=account,
        event_type=world.types["Phone call"],
        starts_at=world.at(-8, 10, 5),
        completes=_planned(offer),
        description="Rozmowa o ofercie z kierownikiem logistyki i dyrektorem finansowym.",
        result="Porównują nas z konkurencją; chcą zobaczyć demo na swoich danych.",
        contacts=contacts,
        classifications=world.tags(
            ("Etap sprzedaży", "Analiza potrzeb"), (CALL_OUTCOMES, "Umówione spotkanie")
        ),
        next_task=world.plan("Meeting", world.at(-7, 9), "bartek", "Umówić prezentację."),
    )
    event_record(
        by=by,
        account=account,
        event_type=world.types["Meeting"],
        starts_at=world.at(1, 10),
        ends_at=world.at(1, 11, 30),
        completes=_planned(follow_up),
        description="Prezentacja modułu magazynowego na danych klienta; po stronie klienta "
        "kierownik logistyki i dyrektor finansowy.",
        participants=[world.people["tomasz"]],
        contacts=contacts,
        resource=world.resources[ROOM_WISLA],
        classifications=world.tags(("Etap sprzedaży", "Negocjacje")),
        next_task=world.plan(
            "Phone call", world.at(3, 10), "bartek", "Podsumować spotkanie, zapytać o decyzję."
        ),
    )
    # Right after it, another meeting in the same room: [10:00, 11:30) and [11:30, 12:30).
    event_record(
        by=world.people[SUCCESSOR],
        account=world.account(),
        event_type=world.types["Meeting"],
        starts_at=world.at(1, 11, 30),
        ends_at=world.at(1, 12, 30),
        thread_title="Przedłużenie umowy serwisowej",
        description="Omówienie warunków przedłużenia serwisu na 2027 rok.",
        resource=world.resources[ROOM_WISLA],
        products=[world.products["SERW-ABO"]],
        amount=12 * world.products["SERW-ABO"].unit_price,
        next_task=world.plan("Offer sent", world.at(2, 14), SUCCESSOR, "Oferta na 12 miesięcy."),
    )


def _signed_contract(world: World) -> None:
    """Zofia: a call, an offer of terminals, a meeting in "Odra", the contract signed."""
    account, by = world.account(), world.people[SUCCESSOR]
    contacts = _contacts(account, 1)
    call = event_record(
        by=by,
        account=account,
        event_type=world.types["Phone call"],
        starts_at=world.at(-21, 9, 30),
        thread_title="Terminale płatnicze dla sieci sklepów",
        description="Klient wymienia terminale w 10 sklepach.",
        result="Zainteresowani, proszą o ofertę z montażem.",
        contacts=contacts,
        classifications=world.tags(
            ("Źródło kontaktu", "Targi branżowe"),
            ("Etap sprzedaży", "Pierwszy kontakt"),
            (CALL_OUTCOMES, "Zainteresowany"),
        ),
        next_task=world.plan("Offer sent", world.at(-20, 12), SUCCESSOR),
    )
    offer = event_record(
        by=by,
        account=account,
        event_type=world.types["Offer sent"],
        starts_at=world.at(-19, 14),
        completes=_planned(call),
        description="Oferta OF/2026/112: 10 terminali Ingenico Move/5000 z montażem.",
        amount=10 * world.products["TERM-M5000"].unit_price,
        products=[world.products["TERM-M5000"]],
        contacts=contacts,
        classifications=world.tags(("Etap sprzedaży", "Oferta")),
        next_task=world.plan("Phone call", world.at(-17, 10), SUCCESSOR),
    )
    call = event_record(
        by=by,
        account=account,
        event_type=world.types["Phone call"],
        starts_at=world.at(-17, 10, 20),
        completes=_planned(offer),
        result="Negocjacje rabatu; spotkanie w naszym biurze.",
        contacts=contacts,
        classifications=world.tags(("Etap sprzedaży", "Negocjacje")),
        next_task=world.plan("Meeting", world.at(-8, 13), SUCCESSOR),
    )
    meeting = event_record(
        by=by,
        account=account,
        event_type=world.types["Meeting"],
        starts_at=world.at(-8, 13),
        ends_at=world.at(-8, 14, 30),
        completes=_planned(call),
        description="Uzgodnienie warunków: rabat 10%, płatność 21 dni.",
        result="Klient akceptuje; umowa do podpisu w przyszłym tygodniu.",
        participants=[world.people["tomasz"]],
        contacts=contacts,
        resource=world.resources[ROOM_ODRA],
        next_task=world.plan("Contract signed", world.at(-3, 12), SUCCESSOR),
    )
    event_record(
        by=by,
        account=account,
        event_type=world.types["Contract signed"],
        starts_at=world.at(-3, 12),
        completes=_planned(meeting),
        description="Umowa UM/2026/041 podpisana: 10 terminali z montażem, rabat 10%.",
        amount=(10 * world.products["TERM-M5000"].unit_price * Decimal("0.90")).quantize(
            Decimal("0.01")
        ),
        products=[world.products["TERM-M5000"]],
        contacts=contacts,
        classifications=world.tags(("Etap sprzedaży", "Zamknięcie")),
        close_thread=True,
        close_reason="Umowa podpisana",
    )


def _overdue_offer(world: World) -> None:
    """Tomasz: an offer whose follow-up call is three days overdue; a call due this afternoon."""
    account, by = world.account(), world.people["tomasz"]
    call = event_record(
        by=by,
        account=account,
        event_type=world.types["Phone call"],
        starts_at=world.at(-6, 11),
        thread_title="Drukarki etykiet do magazynu",
        result="Potrzebują 3 drukarek i czytników; prośba o ofertę.",
        contacts=_contacts(account, 1),
        classifications=world.tags(
            ("Źródło kontaktu", "Strona internetowa"), (CALL_OUTCOMES, "Prośba o ofertę")
        ),
        next_task=world.plan("Offer sent", world.at(-5, 12), "tomasz"),
    )
    event_record(
        by=by,
        account=account,
        event_type=world.types["Offer sent"],
        starts_at=world.at(-5, 11),
        completes=_planned(call),
        description="Oferta OF/2026/121: 3 drukarki Zebra ZD421 i 3 czytniki Honeywell.",
        amount=3
        * (world.products["DRUK-ZD421"].unit_price + world.products["CZYT-1950G"].unit_price),
        products=[world.products["DRUK-ZD421"], world.products["CZYT-1950G"]],
        classifications=world.tags(("Etap sprzedaży", "Oferta")),
        next_task=world.plan(
            "Phone call", world.at(-3, 10), "tomasz", "Zapytać, czy oferta dotarła."
        ),
    )
    account = world.account()
    event_record(
        by=by,
        account=account,
        event_type=world.types["Text message"],
        starts_at=world.at(-1, 16),
        thread_title="Szkolenie dla nowych magazynierów",
        description="SMS: proszę o telefon w sprawie terminu szkolenia.",
        next_task=world.plan("Phone call", world.at(0, 15), "tomasz", "Ustalić termin szkolenia."),
    )


def _car_visit_without_next_step(world: World) -> None:
    """Bartłomiej took the company car to a customer; nothing planned since."""
    account, by = world.account(), world.people["bartek"]
    event_record(
        by=by,
        account=account,
        event_type=world.types["Meeting"],
        starts_at=world.at(-4, 8),
        ends_at=world.at(-4, 14),
        thread_title="Modernizacja punktów sprzedaży",
        description="Wizyta u klienta: przegląd stanowisk kasowych w dwóch sklepach.",
        result="Klient rozważa wymianę sprzętu w przyszłym roku.",
        contacts=_contacts(account, 1),
        resource=world.resources[CAR],
        classifications=world.tags(("Etap sprzedaży", "Analiza potrzeb")),
    )


def _confidential_discount(world: World) -> None:
    """A note on a special discount: its author, the supervisor and administrators see it."""
    account = world.account()
    event_record(
        by=world.people["bartek"],
        account=account,
        event_type=world.types["Other"],
        starts_at=world.at(-2, 17),
        thread_title="Warunki cenowe 2027",
        description="Klient grozi odejściem do konkurencji. Zgoda prezesa na rabat 18% "
        "przy umowie na 3 lata — nie przekazywać innym handlowcom.",
        amount=Decimal("38500.00"),
        confidential=True,
        next_task=world.plan("Phone call", world.at(2, 9), "bartek", "Przedstawić nowe warunki."),
    )


def _training_next_week(world: World) -> None:
    """A training next week in "Odra", with the projector booked for a demo the day before."""
    account = world.account()
    event_record(
        by=world.people["tomasz"],
        account=account,
        event_type=world.types["Meeting"],
        starts_at=world.at(7, 9),
        ends_at=world.at(7, 15),
        thread_title="Szkolenie z obsługi systemu",
        description="Szkolenie stanowiskowe dla 8 pracowników klienta.",
        participants=[world.people["bartek"]],
        contacts=_contacts(account, 2),
        resource=world.resources[ROOM_ODRA],
        products=[world.products["SZKOL-1D"]],
        amount=world.products["SZKOL-1D"].unit_price,
        next_task=world.plan("Phone call", world.at(9, 10), "tomasz", "Ankieta po szkoleniu."),
    )
    event_record(
        by=world.people["bartek"],
        account=world.account(),
        event_type=world.types["Meeting"],
        starts_at=world.at(6, 13),
        ends_at=world.at(6, 15),
        thread_title="Prezentacja nowej wersji systemu",
        resource=world.resources[PROJECTOR],
        next_task=world.plan("Phone call", world.at(8, 11), "bartek"),
    )


def _support_agent(world: World) -> None:
    """The printed agent login: a call about a case with a call back tomorrow, and an overdue
    call on their list."""
    agent = world.people["agent"]
    case = (
        Case.objects.filter(
            account__restricted=False, status__closes_case=False, merged_into__isnull=True
        )
        .select_related("account")
        .order_by("number")
        .first()
    )
    account = case.account if case is not None and case.account else world.account()
    call = event_record(
        by=agent,
        account=account,
        event_type=world.types["Phone call"],
        starts_at=world.at(-1, 11),
        case=case,
        thread_title="Awaria drukarki w biurze klienta",
        description="Klient dzwonił: drukarka zgłasza błąd podajnika po wymianie tonera.",
        result="Zdalna diagnoza bez skutku; serwis sprawdzi części.",
        contacts=_contacts(account, 1),
        classifications=world.tags(("Źródło kontaktu", "Telefon przychodzący")),
        next_task=world.plan(
            "Phone call", world.at(1, 9, 30), "agent", "Oddzwonić z terminem wizyty serwisu."
        ),
    )
    event_record(
        by=agent,
        account=account,
        event_type=world.types[SERVICE_VISIT],
        starts_at=world.at(3, 10),
        ends_at=world.at(3, 12),
        case=case,
        thread=call.thread,
        description="Wymiana podajnika papieru; technik zabiera części z magazynu.",
        resource=world.resources[CAR],
    )
    task_create(
        by=agent,
        account=world.account(),
        plan=world.plan(
            "Phone call", world.at(-1, 14), "agent", "Wyjaśnić z klientem dopłatę do faktury."
        ),
    )


def _leavers_work(world: World) -> None:
    """Jan's customers (he manages them), with an open thread and tasks overdue and upcoming."""
    jan, admin = world.people[LEAVER], world.people.get("admin")
    first, second = world.account(), world.account()
    for account in (first, second):
        if admin is not None:
            account_update(account=account, by=admin, data={"manager": jan, "team": jan.team})
    event_record(
        by=jan,
        account=first,
        event_type=world.types["Phone call"],
        starts_at=world.at(-9, 12),
        thread_title="Dostawa czytników kodów",
        result="Chcą 20 czytników; czekają na budżet na przyszły kwartał.",
        contacts=_contacts(first, 1),
        classifications=world.tags((CALL_OUTCOMES, "Oddzwonić później")),
        next_task=world.plan("Phone call", world.at(-2, 10), LEAVER, "Zapytać o budżet."),
    )
    event_record(
        by=jan,
        account=second,
        event_type=world.types["Offer sent"],
        starts_at=world.at(-5, 15),
        thread_title="Abonament serwisowy",
        description="Oferta OF/2026/119: serwis urządzeń, abonament na 12 miesięcy.",
        amount=12 * world.products["SERW-ABO"].unit_price,
        products=[world.products["SERW-ABO"]],
        next_task=world.plan("Phone call", world.at(4, 10), LEAVER, "Decyzja zarządu."),
    )


def _hand_over(world: World) -> bool:
    """Jan leaves: the team's supervisor hands his customers, open threads and tasks to Zofia,
    and his account is deactivated; his events stay his."""
    leaver, successor = world.people[LEAVER], world.people[SUCCESSOR]
    handover_do(by=world.people["tomasz"], predecessor=leaver, successor=successor)
    user_set_active(user=leaver, active=False)
    return True


# Ingredients


def _accounts(sales: Sequence[User]) -> list[Account]:
    """The customers the stories visit: open (not restricted) ones, the sales team's first."""
    accounts = list(Account.objects.filter(restricted=False).order_by("nip")[:200])
    ours = {user.pk for user in sales}
    return sorted(accounts, key=lambda account: account.manager_id not in ours)


def _leaver(supervisor: User) -> User:
    """Jan Nowicki of the sales team, who is leaving (the demo's shared password)."""
    team = Team.objects.filter(name=SALES_TEAM).first()
    user, _created = User.objects.get_or_create(
        username=LEAVER,
        defaults={
            "first_name": "Jan",
            "last_name": "Nowicki",
            "email": f"{LEAVER}@kartoteka.example",
            "role": User.Role.AGENT,
            "team": team,
            "password": supervisor.password,
        },
    )
    return user


def _products() -> dict[str, Product]:
    return {
        code: Product.objects.get_or_create(
            code=code, defaults={"name": name, "unit_price": price}
        )[0]
        for code, name, price in PRODUCTS
    }


def _resources() -> dict[str, Resource]:
    return {
        name: Resource.objects.get_or_create(name=name, defaults={"kind": kind})[0]
        for name, kind in RESOURCES
    }


def _dictionaries() -> dict[tuple[str, str], DictionaryEntry]:
    """The events' dictionaries (with the catalogue's "Wynik rozmowy"), keyed by (name, label)."""
    start = Dictionary.objects.count()
    for offset, (name, multiple, labels) in enumerate(DICTIONARIES):
        dictionary, _created = Dictionary.objects.get_or_create(
            applies_to=Dictionary.AppliesTo.EVENT,
            name=name,
            defaults={"multiple": multiple, "position": start + offset},
        )
        for position, label in enumerate(labels):
            DictionaryEntry.objects.get_or_create(
                dictionary=dictionary, label=label, defaults={"position": position}
            )
    return {
        (entry.dictionary.name, entry.label): entry
        for entry in DictionaryEntry.objects.filter(
            dictionary__applies_to=Dictionary.AppliesTo.EVENT
        ).select_related("dictionary")
    }


def _contacts(account: Account, count: int) -> list[Contact]:
    return list(Contact.objects.filter(account=account).order_by("pk")[:count])


def _planned(event: Event) -> Task:
    """The task ``event`` planned (each story's event plans exactly one)."""
    return Task.objects.get(planned_by_event=event)
