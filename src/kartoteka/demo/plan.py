"""The demo world as plain data, drawn from a seeded generator (nothing touches the database).

The same seed and sizes always give the same plan, which is what makes ``demo_load``
idempotent: it writes only the planned rows whose natural keys are not stored yet.
Accounts and contacts come from separate random streams, so the first N accounts are the
same whatever the total.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers
from faker import Faker
from phonenumbers import PhoneNumberType
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import regon as stdnum_regon

from kartoteka.demo.catalogue import (
    CITIES,
    DECISION_ROLES,
    DEMO_USERS,
    INDUSTRIES,
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    POSITIONS,
    PUBLIC_BODIES,
    SALES_TEAM,
    SOURCES,
)

POLISH_LETTERS = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
DOMAIN_SUFFIX = ".example"  # reserved (RFC 2606): demo mail can never reach a real company


@dataclass
class AccountPlan:
    kind: str
    name: str
    short_name: str
    nip: str
    regon: str
    street: str
    postal_code: str
    city: str
    phone: str
    domain: str
    manager: str  # a demo username, or "" for none
    restricted: bool
    segments: list[str]
    classifications: dict[str, str]  # dictionary name -> entry label

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"

    @property
    def shared_email(self) -> str:
        return f"biuro@{self.domain}"


@dataclass
class ContactPlan:
    account_nip: str
    first_name: str
    last_name: str
    position: str
    emails: list[str]
    phones: list[str]
    decision_roles: list[str] = field(default_factory=list)


def ascii_slug(text: str) -> str:
    """``"Łódź Trans Sp. z o.o."`` → ``"lodz-trans-sp-z-o-o"``."""
    text = unicodedata.normalize("NFKD", text.translate(POLISH_LETTERS))
    text = text.encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return "-".join(words)


def _nip(rng: random.Random) -> str:
    while True:
        body = f"{rng.randint(101, 999)}{rng.randint(0, 999999):06d}"
        check = sum(w * int(d) for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), body, strict=True)) % 11
        if check < 10 and stdnum_nip.is_valid(body + str(check)):
            return body + str(check)


def _regon(rng: random.Random) -> str:
    body = f"{rng.randint(10, 99)}{rng.randint(0, 999999):06d}"
    return body + stdnum_regon.calc_check_digit(body)


def _phone(
    rng: random.Random, prefix: str, digits: int, kind: int = PhoneNumberType.FIXED_LINE
) -> str:
    """A valid Polish number of ``kind`` in E.164 form starting with ``prefix``."""
    while True:
        national = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
        parsed = phonenumbers.parse(f"+48{national}")
        if phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) == kind:
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mobile_number(rng: random.Random) -> str:
    """+48 5xx/6xx/7xx/8xx, only from the blocks that phonenumbers knows as mobile."""
    return _phone(rng, rng.choice("5678"), 8, PhoneNumberType.MOBILE)


def _unique(candidate: str, taken: set[str]) -> str:
    value, n = candidate, 2
    while value in taken:
        value, n = f"{candidate}{n}", n + 1
    taken.add(value)
    return value


def plan_accounts(count: int, seed: int) -> list[AccountPlan]:
    rng = random.Random(f"accounts-{seed}")
    fake = Faker("pl_PL")
    fake.seed_instance(seed)
    agents = [user.username for user in DEMO_USERS if user.role == "agent"]
    sales = [user.username for user in DEMO_USERS if user.team == SALES_TEAM]
    nips: set[str] = set()
    regons: set[str] = set()
    domains: set[str] = set()
    plans = []
    for _ in range(count):
        city = rng.choice(CITIES)
        industry = rng.choice(INDUSTRIES)
        public = rng.random() < 0.07
        if public:
            body = rng.choice(PUBLIC_BODIES)
            name = body.format(city=city.locative)
            short_name = body.split(" w ")[0]
            domain_base = ascii_slug(f"{short_name} {city.name}")
            industry = "Usługi"
        else:
            surname = fake.last_name_male()
            word = rng.choice(INDUSTRY_WORDS[industry])
            style = rng.random()
            if style < 0.4:
                short_name = f"{surname} {word}"
            elif style < 0.65:
                short_name = (
                    f"{word}{surname[:3].lower()}" if len(word) <= 6 else f"{word} {city.name}"
                )
            elif style < 0.85:
                short_name = f"PHU {surname}"
            else:
                short_name = f"{surname}-{fake.last_name_male()}"
            name = f"{short_name} {rng.choice(LEGAL_FORMS)}"
            domain_base = ascii_slug(short_name)
        kind = "customer" if rng.random() < 0.75 else "lead"
        manager = ""
        if rng.random() < 0.9:
            manager = rng.choice(sales if kind == "lead" else agents)
        segments = []
        if public:
            segments.append("Administracja publiczna")
        elif rng.random() < 0.55:
            segments.append("MŚP")
        if kind == "customer" and rng.random() < 0.15:
            segments.append("Kluczowi klienci")
        if rng.random() < 0.08:
            segments.append("Partnerzy")
        classifications = {"Branża": industry, "Region": city.voivodeship}
        if rng.random() < 0.8:
            classifications["Źródło pozyskania"] = rng.choice(SOURCES)
        plans.append(
            AccountPlan(
                kind=kind,
                name=name,
                short_name=short_name,
                nip=_unique_value(_nip, rng, nips),
                regon=_unique_value(_regon, rng, regons),
                street=f"ul. {fake.street_name()} {rng.randint(1, 140)}"
                + (f"/{rng.randint(1, 30)}" if rng.random() < 0.3 else ""),
                postal_code=f"{city.postal_prefix}-{rng.randint(0, 999):03d}",
                city=city.name,
                phone=_phone(rng, city.area_code + str(rng.randint(2, 8)), 6),
                domain=_unique(domain_base, domains) + DOMAIN_SUFFIX,
                manager=manager,
                restricted=bool(manager) and rng.random() < 0.05,
                segments=segments,
                classifications=classifications,
            )
        )
    return plans


def _unique_value(make: Callable[[random.Random], str], rng: random.Random, taken: set[str]) -> str:
    while True:
        value = make(rng)
        if value not in taken:
            taken.add(value)
            return value


def plan_contacts(count: int, accounts: list[AccountPlan], seed: int) -> list[ContactPlan]:
    """People spread over the accounts: each account one first, then at random."""
    if not accounts:
        return []
    rng = random.Random(f"contacts-{seed}")
    fake = Faker("pl_PL")
    fake.seed_instance(seed + 1)
    addresses = {account.shared_email for account in accounts}
    phones: set[str] = set()
    plans = []
    for index in range(count):
        account = accounts[index] if index < len(accounts) else rng.choice(accounts)
        if rng.random() < 0.5:
            first, last = fake.first_name_female(), fake.last_name_female()
        else:
            first, last = fake.first_name_male(), fake.last_name_male()
        first_slug, last_slug = ascii_slug(first), ascii_slug(last)
        emails = [_email(f"{first_slug}.{last_slug}", account.domain, addresses)]
        if rng.random() < 0.3:
            emails.append(_email(f"{first_slug[0]}{last_slug}", account.domain, addresses))
        numbers = [_unique_value(mobile_number, rng, phones)]
        if rng.random() < 0.25:
            numbers.append(_unique_value(mobile_number, rng, phones))
        roles = rng.sample(DECISION_ROLES, k=rng.choice((0, 1, 1, 2)))
        plans.append(
            ContactPlan(
                account_nip=account.nip,
                first_name=first,
                last_name=last,
                position=rng.choice(POSITIONS),
                emails=emails,
                phones=numbers,
                decision_roles=roles,
            )
        )
    return plans


def _email(local: str, domain: str, taken: set[str]) -> str:
    address, n = f"{local}@{domain}", 2
    while address in taken:
        address, n = f"{local}{n}@{domain}", n + 1
    taken.add(address)
    return address
