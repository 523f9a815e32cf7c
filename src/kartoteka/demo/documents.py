"""Demo documents: offers, invoices and orders of the customers, and one confidential contract.

Each document carries one small generated PDF naming its number, the customer, its NIP, the
items and the amounts in PLN. Everything goes through ``documents.services``: the files are
checked and stored as uploads are, and their text is extracted by the task the service
enqueues after commit (at once in the tests, by the worker ``kartoteka run`` starts). Runs
once: skipped when any document exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kartoteka.cases.models import Case
from kartoteka.customers.models import Account
from kartoteka.demo.pdf import pdf_page
from kartoteka.documents.models import Document, DocumentType
from kartoteka.documents.services import document_create, file_version_add
from kartoteka.people.models import User

CUSTOMERS = 30  # the first customers (by NIP) get documents: enough to fill the demo's files
BASE_DATE = date(2026, 11, 27)
VAT = Decimal("0.23")
CONTRACT_TITLE = "Umowa serwisowa 2027 — projekt"
CONTRACT_SHARED_WITH = "agent"

# (name, unit, net unit price in PLN)
ITEMS = (
    ("Drukarka etykiet Zebra ZD421", "szt.", Decimal("1890.00")),
    ("Czytnik kodów kreskowych Honeywell 1950g", "szt.", Decimal("749.00")),
    ("Terminal płatniczy Ingenico Move/5000", "szt.", Decimal("1290.00")),
    ("Licencja ERP – moduł magazyn (12 mies.)", "lic.", Decimal("2400.00")),
    ("Etykiety termiczne 100x150 mm (rolka)", "szt.", Decimal("18.50")),
    ("Serwis klimatyzacji – przegląd okresowy", "usł.", Decimal("450.00")),
    ("Paleta EUR nowa, 1200x800", "szt.", Decimal("62.00")),
    ("Wdrożenie oprogramowania magazynowego", "godz.", Decimal("180.00")),
    ("Taśma termotransferowa woskowa 110 mm", "szt.", Decimal("34.90")),
)


@dataclass(frozen=True)
class Kind:
    """One kind of demo document: its type (by the default type's name), how its number and
    title are written, and what its file is called."""

    type_name: str
    heading: str  # "Faktura VAT" — before the number, in the title and on the page
    prefix: str  # "FV"
    monthly: bool  # FV/2026/11/0212 or ZAM/2026/0088


KINDS = (
    Kind("Offer", "Oferta handlowa nr", "OF", monthly=True),
    Kind("Invoice", "Faktura VAT", "FV", monthly=True),
    Kind("Order", "Zamówienie", "ZAM", monthly=False),
)


@dataclass(frozen=True)
class DocumentsSummary:
    documents: int = 0
    versions: int = 0


@transaction.atomic
def demo_documents(*, seed: int) -> DocumentsSummary:
    """Add the demo's documents (once): 1-3 per customer, a few linked to one of its cases,
    a few with a corrected second version, and the confidential contract."""
    if Document.objects.exists():
        return DocumentsSummary()
    types = {t.name: t for t in DocumentType.objects.filter(name__in=_type_names())}
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    workers = [user for user in people.values() if user.can_work_with_cases]
    accounts = list(Account.objects.filter(kind=Account.Kind.CUSTOMER).order_by("nip"))
    if not workers or not accounts:
        return DocumentsSummary()
    rng = random.Random(f"{seed}-documents")
    numbers = {kind.prefix: rng.randint(20, 200) for kind in KINDS}
    documents = versions = 0
    for account in accounts[:CUSTOMERS]:
        cases = list(Case.objects.filter(account=account).order_by("number")[:3])
        for kind in rng.sample(KINDS, rng.randint(1, 3)):
            document_type = types.get(kind.type_name)
            if document_type is None:  # renamed or removed by an administrator
                continue
            numbers[kind.prefix] += 1
            author = account.manager if account.manager in workers else rng.choice(workers)
            issued = BASE_DATE - timedelta(days=rng.randint(1, 60))
            number = _number(kind, issued, numbers[kind.prefix])
            lines = _lines(kind, number, account, issued, rng)
            document = document_create(
                by=author,
                account=account,
                document_type=document_type,
                title=f"{kind.heading} {number}",
                files=[_pdf_upload(number, lines)],
                date=issued,
                case=rng.choice(cases) if cases and rng.random() < 0.4 else None,
            )
            documents += 1
            if rng.random() < 0.25:
                corrected = [*lines, "", "Wersja 2: poprawiono termin płatności na 21 dni."]
                file_version_add(
                    by=author, document=document, upload=_pdf_upload(number, corrected)
                )
                versions += 1
    documents += _confidential_contract(accounts, types, people)
    return DocumentsSummary(documents=documents, versions=versions)


def _type_names() -> list[str]:
    return [kind.type_name for kind in KINDS] + ["Contract"]


def _number(kind: Kind, issued: date, sequence: int) -> str:
    if kind.monthly:
        return f"{kind.prefix}/{issued.year}/{issued.month:02d}/{sequence:04d}"
    return f"{kind.prefix}/{issued.year}/{sequence:04d}"


def _lines(
    kind: Kind, number: str, account: Account, issued: date, rng: random.Random
) -> list[str]:
    """What the page says: header, the customer, the items with their amounts, the totals."""
    lines = [
        f"{kind.heading} {number}",
        f"Data wystawienia: {issued:%d.%m.%Y}",
        "",
        "Sprzedawca: Kartoteka Demo Sp. z o.o., ul. Prosta 20, 00-850 Warszawa, NIP 5252344078",
        f"Nabywca: {account.name}",
        f"{account.street}, {account.postal_code} {account.city}",
        f"NIP: {account.nip}",
        "",
        "Pozycje (ilość x cena netto = wartość netto):",
    ]
    net = Decimal(0)
    for position, (name, unit, price) in enumerate(rng.sample(ITEMS, rng.randint(1, 4)), 1):
        quantity = rng.choice((1, 2, 3, 5, 10, 20))
        value = price * quantity
        net += value
        lines.append(f"{position}. {name}: {quantity} {unit} x {_pln(price)} = {_pln(value)}")
    vat = (net * VAT).quantize(Decimal("0.01"))
    lines += [
        "",
        f"Razem netto: {_pln(net)}",
        f"VAT 23%: {_pln(vat)}",
        f"Razem brutto: {_pln(net + vat)}",
    ]
    return lines


def _pln(amount: Decimal) -> str:
    """1 234,50 PLN, as Polish documents write amounts."""
    return f"{amount:,.2f} PLN".replace(",", " ").replace(".", ",")


def _pdf_upload(number: str, lines: list[str]) -> SimpleUploadedFile:
    name = number.replace("/", "-") + ".pdf"
    return SimpleUploadedFile(name, pdf_page(lines), content_type="application/pdf")


def _confidential_contract(
    accounts: list[Account], types: dict[str, DocumentType], people: dict[str, User]
) -> int:
    """The manager's draft contract for the first open customer, shared with one agent."""
    manager = people.get("kierownik")
    shared_with = people.get(CONTRACT_SHARED_WITH)
    document_type = types.get("Contract")
    account = next((account for account in accounts if not account.restricted), None)
    if manager is None or shared_with is None or document_type is None or account is None:
        return 0
    lines = [
        CONTRACT_TITLE,
        "",
        f"Zleceniodawca: {account.name}, NIP: {account.nip}",
        "Zleceniobiorca: Kartoteka Demo Sp. z o.o., NIP 5252344078",
        "",
        "1. Przedmiot umowy: serwis urządzeń i oprogramowania w 2027 roku.",
        f"2. Wynagrodzenie ryczałtowe: {_pln(Decimal('4800.00'))} netto miesięcznie.",
        "3. Czas reakcji na zgłoszenie: 4 godziny robocze.",
        "Projekt do uzgodnienia - nie przekazywać klientowi bez zgody kierownika.",
    ]
    document_create(
        by=manager,
        account=account,
        document_type=document_type,
        title=CONTRACT_TITLE,
        description="Warunki jeszcze negocjowane; rabat do potwierdzenia.",
        files=[SimpleUploadedFile("umowa-serwisowa-2027-projekt.pdf", pdf_page(lines))],
        date=BASE_DATE,
        confidential=True,
        shared_users=[shared_with],
    )
    return 1
