"""The fields an import fills, and which column of a file goes to which field.

Each ``FieldSpec`` names a field by its ``key`` (what ``checks.RowChecker`` reads and
returns), its label (a column header of the template) and the header names that mean it in
Polish, Czech and English. Headers are compared without case, diacritics, spaces and
punctuation ("Kod pocztowy", "KOD_POCZTOWY" and "kod-pocztowy" are one), and each field's
label in every language also counts, so the template's own headers always match.

Fields map to an ``Account`` (``customers.models``) and its first ``Contact``:
``kind`` → ``Account.kind``; ``name``, ``short_name``, ``nip``, ``regon``, ``street``,
``postal_code``, ``city``, ``country``, ``website``, ``notes`` → the account's fields of that
name; ``building`` and ``apartment`` are joined into ``street`` by the checks
("Polna 12/3"); ``phone`` (several columns allowed: the first number is ``Account.phone``)
and ``email`` (several: the account's shared addresses); ``account_manager`` →
``Account.manager``, ``team`` → ``Account.team``; ``contact_*`` → one contact of the account
(``contact_name`` is a full name the checks split into first and last); ``dict:<pk>`` → the
account's classifications from that dictionary.

Czech company identifiers are not Polish ones: "IČO" and "DIČ" columns are left unmapped, so
that they are not refused as invalid REGONs and NIPs; the mapping screen may still send such
a column to a field (``notes``, say) by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Promise | str
    aliases: tuple[str, ...]
    multiple: bool = False  # several columns (and several values in a cell) allowed
    group: str = "account"  # "account" or "contact": how the mapping screen groups it
    required: bool = False


def _names(text: str) -> tuple[str, ...]:
    """Header names written as one string, separated by ``|``."""
    return tuple(name.strip() for name in text.split("|"))


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "kind",
        _("Kind"),
        _names(
            "Kind | Type | Account type | Customer type | Customer or lead | Rodzaj | Typ | "
            "Typ kontrahenta | Rodzaj kontrahenta | Klient/Lead | Druh | Typ zákazníka | "
            "Typ subjektu"
        ),
    ),
    FieldSpec(
        "name",
        _("Name"),
        _names(
            "Name | Company | Company name | Account | Account name | Customer | Customer name | "
            "Organisation | Organization | Business name | Nazwa | Nazwa firmy | Firma | "
            "Pełna nazwa | Nazwa pełna | Kontrahent | Nazwa kontrahenta | Klient | "
            "Nazwa klienta | Název | Název firmy | Obchodní jméno | Obchodní název | Zákazník | "
            "Název zákazníka | Společnost"
        ),
        required=True,
    ),
    FieldSpec(
        "short_name",
        _("Short name"),
        _names(
            "Short name | Abbreviation | Short | Skrót | Nazwa skrócona | Skrócona nazwa | "
            "Nazwa krótka | Zkratka | Zkrácený název | Krátký název"
        ),
    ),
    FieldSpec(
        "nip",
        _("NIP"),
        _names(
            "NIP | Numer NIP | Nr NIP | NIP firmy | NIP UE | Tax ID | Tax number | "
            "Tax identification number | VAT ID | VAT number | VAT | TIN"
        ),
    ),
    FieldSpec(
        "regon",
        _("REGON"),
        _names("REGON | Numer REGON | Nr REGON | Statistical number"),
    ),
    FieldSpec(
        "street",
        _("Street"),
        _names(
            "Street | Address | Street address | Address line | Address 1 | Ulica | Adres | "
            "Ulica i numer | Ulice | Adresa | Ulice a číslo"
        ),
    ),
    FieldSpec(
        "building",
        _("Building number"),
        _names(
            "Building number | House number | Building | Nr domu | Numer domu | Nr budynku | "
            "Numer budynku | Číslo popisné | Č.p. | Číslo domu"
        ),
    ),
    FieldSpec(
        "apartment",
        _("Apartment number"),
        _names(
            "Apartment number | Apartment | Flat | Suite | Nr lokalu | Numer lokalu | Lokal | "
            "Nr mieszkania | Číslo bytu | Byt"
        ),
    ),
    FieldSpec(
        "postal_code",
        _("Postal code"),
        _names(
            "Postal code | Postcode | Post code | ZIP | ZIP code | Kod pocztowy | Kod poczt. | "
            "PSČ | Poštovní směrovací číslo"
        ),
    ),
    FieldSpec(
        "city",
        _("City"),
        _names("City | Town | Locality | Miejscowość | Miasto | Město | Obec"),
    ),
    FieldSpec(
        "country",
        _("Country"),
        _names("Country | Country code | Kraj | Państwo | Země | Stát"),
    ),
    FieldSpec(
        "phone",
        _("Phone"),
        _names(
            "Phone | Telephone | Phone number | Tel | Tel. | Mobile | Telefon | Nr telefonu | "
            "Numer telefonu | Telefon komórkowy | Komórka | Telefon stacjonarny | "
            "Telefonní číslo | Mobil"
        ),
        multiple=True,
    ),
    FieldSpec(
        "email",
        _("Email"),
        _names(
            "Email | E-mail | Email address | E-mail address | Mail | Adres e-mail | "
            "Adres email | E-mailová adresa"
        ),
        multiple=True,
    ),
    FieldSpec(
        "website",
        _("Website"),
        _names(
            "Website | Web | WWW | URL | Homepage | Web site | Strona | Strona WWW | "
            "Strona internetowa | Adres WWW | Webové stránky | Web"
        ),
    ),
    FieldSpec(
        "account_manager",
        _("Account manager"),
        _names(
            "Account manager | Manager | Owner | Account owner | Sales rep | Salesperson | "
            "Opiekun | Opiekun klienta | Handlowiec | Przedstawiciel | Správce | "
            "Správce zákazníka | Obchodník | Obchodní zástupce | Vlastník"
        ),
    ),
    FieldSpec(
        "team",
        _("Team"),
        _names("Team | Sales team | Zespół | Dział | Tým | Oddělení"),
    ),
    FieldSpec(
        "notes",
        _("Notes"),
        _names(
            "Notes | Note | Comments | Comment | Remarks | Description | Uwagi | Notatki | "
            "Notatka | Opis | Komentarz | Poznámka | Poznámky | Popis | Komentář"
        ),
    ),
    FieldSpec(
        "contact_name",
        _("Contact person"),
        _names(
            "Contact | Contact person | Contact name | Contact full name | Osoba kontaktowa | "
            "Kontakt | Osoba do kontaktu | Kontaktní osoba"
        ),
        group="contact",
    ),
    FieldSpec(
        "contact_first_name",
        _("Contact first name"),
        _names(
            "First name | Given name | Contact first name | Imię | Imię osoby kontaktowej | "
            "Jméno | Křestní jméno | Jméno kontaktní osoby"
        ),
        group="contact",
    ),
    FieldSpec(
        "contact_last_name",
        _("Contact last name"),
        _names(
            "Last name | Surname | Family name | Contact last name | Nazwisko | "
            "Nazwisko osoby kontaktowej | Příjmení | Příjmení kontaktní osoby"
        ),
        group="contact",
    ),
    FieldSpec(
        "contact_position",
        _("Contact position"),
        _names(
            "Position | Job title | Title | Role | Contact position | Stanowisko | Funkcja | "
            "Stanowisko osoby kontaktowej | Pozice | Funkce | Pracovní pozice"
        ),
        group="contact",
    ),
    FieldSpec(
        "contact_email",
        _("Contact email"),
        _names(
            "Contact email | Contact e-mail | E-mail osoby kontaktowej | "
            "Email osoby kontaktowej | E-mail kontaktu | Email kontaktu | "
            "E-mail kontaktní osoby | Email kontaktní osoby"
        ),
        group="contact",
    ),
    FieldSpec(
        "contact_phone",
        _("Contact phone"),
        _names(
            "Contact phone | Contact mobile | Telefon osoby kontaktowej | Telefon kontaktu | "
            "Telefon kontaktní osoby | Mobil kontaktní osoby"
        ),
        group="contact",
    ),
)

FIELD_KEYS = tuple(spec.key for spec in FIELDS)
DICTIONARY_PREFIX = "dict:"


def normalise_header(text: str) -> str:
    """A header as compared: lower case, no diacritics (ł is l), letters and digits only."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def dictionary_fields() -> list[FieldSpec]:
    """One field per account dictionary (``dict:<pk>``), in admin order; one query."""
    from kartoteka.core.models import Dictionary

    return [
        FieldSpec(
            f"{DICTIONARY_PREFIX}{pk}",
            name,
            (name,),
            multiple=multiple,
            group="classification",
        )
        for pk, name, multiple in Dictionary.objects.filter(applies_to=Dictionary.AppliesTo.ACCOUNT)
        .order_by("position", "name")
        .values_list("pk", "name", "multiple")
    ]


def all_fields(dictionaries: Sequence[FieldSpec] | None = None) -> list[FieldSpec]:
    """``FIELDS`` and the dictionary fields (read from the database when not given)."""
    if dictionaries is None:
        dictionaries = dictionary_fields()
    return [*FIELDS, *dictionaries]


def field_by_key(key: str, dictionaries: Sequence[FieldSpec] | None = None) -> FieldSpec | None:
    for spec in FIELDS:
        if spec.key == key:
            return spec
    if key.startswith(DICTIONARY_PREFIX):
        for spec in dictionary_fields() if dictionaries is None else dictionaries:
            if spec.key == key:
                return spec
    return None


@lru_cache(maxsize=4)
def _static_aliases(languages: tuple[str, ...]) -> dict[str, str]:
    """Normalised header → field key, for the fixed fields: their aliases and their labels
    in every language."""
    table: dict[str, str] = {}
    for spec in FIELDS:
        for alias in spec.aliases:
            table.setdefault(normalise_header(alias), spec.key)
    for language in languages:
        with translation.override(language):
            for spec in FIELDS:
                table.setdefault(normalise_header(str(spec.label)), spec.key)
    return table


def columns_match(
    headers: Iterable[str], *, dictionaries: Sequence[FieldSpec] | None = None
) -> dict[int, str]:
    """Column index → field key for the headers that name a field; others are left out.

    A single-valued field takes the first column naming it; a field with ``multiple`` takes
    every one, also with a number after the name ("Telefon 2", "E-mail3"). The fixed fields'
    names win over a dictionary of the same name. ``dictionaries`` are the dictionary fields
    (``dictionary_fields()``, one query, when ``None``; pass ``[]`` to match without them).
    """
    if dictionaries is None:
        dictionaries = dictionary_fields()
    table = dict(_static_aliases(tuple(code for code, _name in settings.LANGUAGES)))
    for spec in dictionaries:
        for alias in (str(spec.label), *spec.aliases):
            table.setdefault(normalise_header(alias), spec.key)
    multiple = {spec.key for spec in (*FIELDS, *dictionaries) if spec.multiple}
    matched: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        normal = normalise_header(header)
        key = table.get(normal)
        if key is None:
            numbered = table.get(normal.rstrip("0123456789"))
            key = numbered if numbered in multiple else None
        if key is None or (key in taken and key not in multiple):
            continue
        matched[index] = key
        taken.add(key)
    return matched
