"""Checking one imported row: every cell normalised to what would be stored, or refused with
a reason the user can act on.

``RowChecker`` loads what the rows are checked against (active staff users, teams, the
account dictionaries) once, in four queries, and then checks any number of rows without a
query. ``check`` takes the row as field key → cell text (a list for a field read from several
columns, see ``columns``) and returns a ``CheckedRow``:

- ``values`` holds the normalised value of every field the row has: text fields stripped;
  ``kind`` ``"customer"``/``"lead"`` (``""`` when blank: the import's default applies);
  ``nip`` ten digits and ``regon`` nine or fourteen (``customers.identifiers``);
  ``phone`` and ``email`` lists (E.164 numbers, lower-cased addresses), ``contact_email``
  and ``contact_phone`` one string each; ``website`` with its scheme; ``country`` a two-letter
  code; ``account_manager`` and ``team`` primary keys (or ``None``); ``dict:<pk>`` a list of
  entry primary keys. ``building`` and ``apartment`` are joined into ``street`` and
  ``contact_name`` is split into ``contact_first_name``/``contact_last_name`` (which win
  when the row has them too); those three keys do not appear in ``values``.
- ``errors`` field key → why the cell cannot be stored; a row with errors is not imported.
- ``warnings`` field key → what was changed or may be wrong, the row still imports. A text cell
  starting like a spreadsheet formula (``=``, ``+``, ``-``, ``@``) is kept as text as it is and
  warned about; every CSV export neutralises such cells (``cases.export.neutralise``).

Every value is JSON-serialisable (``ImportRow`` stores them).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.translation import gettext as _

from kartoteka.cases.export import FORMULA_STARTS
from kartoteka.core.addresses import address_entries
from kartoteka.customers.identifiers import (
    normalise_email,
    normalise_nip,
    normalise_phone,
    normalise_regon,
)
from kartoteka.imports.columns import DICTIONARY_PREFIX

# Longest value each text field may have (the model fields' max_length).
MAX_LENGTHS = {
    "name": 255,
    "short_name": 100,
    "street": 255,
    "postal_code": 16,
    "city": 100,
    "contact_first_name": 100,
    "contact_last_name": 100,
    "contact_position": 100,
    "website": 200,
}
TEXT_FIELDS = (
    "name",
    "short_name",
    "street",
    "building",
    "apartment",
    "postal_code",
    "city",
    "notes",
    "contact_name",
    "contact_first_name",
    "contact_last_name",
    "contact_position",
)
CONTACT_FIELDS = (
    "contact_name",
    "contact_first_name",
    "contact_last_name",
    "contact_position",
    "contact_email",
    "contact_phone",
)
SEPARATORS = re.compile(r"[;,|\n]+")
# A bare address as most cells hold it, in a form Django's validator always accepts (what
# ``normalise_email`` comes to for it): checked without parsing a display name.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
PLAIN_ADDRESS = re.compile(rf"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:{_LABEL}\.)+[a-z]{{2,63}}")
# A web address of plain host labels, which Django's URL validator always accepts.
PLAIN_URL = re.compile(rf"https?://(?:{_LABEL}\.)+[a-z]{{2,63}}(?:[/?#]\S*)?")
URL_VALIDATOR = URLValidator(schemes=["http", "https"])
PHONE_REGIONS = ("PL", "CZ")

# Words for the kinds, compared folded (no case, no diacritics), with the kinds' labels in
# every language added at start.
KIND_WORDS = {
    "customer": (
        "customer", "client", "klient", "klienci", "kontrahent", "odbiorca", "zakaznik",
        "odberatel", "customers",
    ),
    "lead": (
        "lead", "leads", "prospect", "potencjalny", "potencjalny klient", "prospekt",
        "potencialni zakaznik", "zajemce", "sales lead",
    ),
}  # fmt: skip

# Country names a spreadsheet may hold instead of a code, folded.
COUNTRY_NAMES = {
    "polska": "PL", "poland": "PL", "polsko": "PL", "rzeczpospolita polska": "PL",
    "czechy": "CZ", "czech republic": "CZ", "czechia": "CZ", "cesko": "CZ",
    "ceska republika": "CZ", "republika czeska": "CZ",
    "slowacja": "SK", "slovakia": "SK", "slovensko": "SK",
    "niemcy": "DE", "germany": "DE", "nemecko": "DE", "deutschland": "DE",
    "austria": "AT", "rakousko": "AT", "osterreich": "AT",
    "wegry": "HU", "hungary": "HU", "madarsko": "HU",
    "litwa": "LT", "lithuania": "LT", "litva": "LT",
    "ukraina": "UA", "ukraine": "UA",
    "wielka brytania": "GB", "united kingdom": "GB", "velka britanie": "GB",
    "francja": "FR", "france": "FR", "francie": "FR",
    "wlochy": "IT", "italy": "IT", "italie": "IT",
    "hiszpania": "ES", "spain": "ES", "spanelsko": "ES",
    "holandia": "NL", "netherlands": "NL", "nizozemsko": "NL",
    "stany zjednoczone": "US", "united states": "US", "usa": "US",
}  # fmt: skip


def fold(text: str) -> str:
    """Text as compared: lower case, no diacritics (ł is l), single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(bare.split())


@dataclass(frozen=True)
class CheckedRow:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Dictionary:
    pk: int
    name: str
    multiple: bool
    entries: dict[str, int]  # folded label → entry pk
    labels: tuple[str, ...]


class RowChecker:
    """Checks rows against the users, teams and account dictionaries loaded once."""

    def __init__(self) -> None:
        from kartoteka.core.dictionaries import dictionaries_for
        from kartoteka.core.models import Dictionary
        from kartoteka.people.models import Team, User

        self.users: dict[str, set[int]] = defaultdict(set)
        self.usernames: dict[int, str] = {}
        staff = User.objects.filter(is_active=True).exclude(role=User.Role.PORTAL)
        for pk, username, email, first, last in staff.values_list(
            "pk", "username", "email", "first_name", "last_name"
        ):
            self.usernames[pk] = username
            for name in (username, email, f"{first} {last}", f"{last} {first}"):
                if fold(name):
                    self.users[fold(name)].add(pk)
        self.teams: dict[str, int] = {
            fold(name): pk for pk, name in Team.objects.values_list("pk", "name")
        }
        self.dictionaries: dict[str, _Dictionary] = {}
        for dictionary in dictionaries_for(Dictionary.AppliesTo.ACCOUNT):
            entries = list(dictionary.entries.all())
            self.dictionaries[f"{DICTIONARY_PREFIX}{dictionary.pk}"] = _Dictionary(
                dictionary.pk,
                dictionary.name,
                dictionary.multiple,
                {fold(entry.label): entry.pk for entry in entries},
                tuple(entry.label for entry in entries),
            )
        self.kinds: dict[str, str] = {}
        for kind, words in KIND_WORDS.items():
            for word in words:
                self.kinds[fold(word)] = kind
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                self.kinds.setdefault(fold(str(_("Customer"))), "customer")
                self.kinds.setdefault(fold(str(_("Lead"))), "lead")

    def check(self, raw: dict[str, Any], *, require_name: bool = True) -> CheckedRow:
        """The row normalised, with its errors and warnings (see the module's docstring).
        ``require_name=False`` checks a row of a contacts file, which needs no name."""
        row = _Row({key: _cells(value) for key, value in raw.items()})
        self._texts(row)
        self._address(row)
        self._identifiers(row)
        self._kind(row)
        self._country(row)
        self._postal_code(row)
        self._phones(row)
        self._emails(row)
        self._website(row)
        self._people(row)
        self._contact(row)
        self._classifications(row)
        if require_name and not row.values.get("name"):
            row.errors.setdefault("name", _("The name is empty; every account needs one."))
        return CheckedRow(row.values, row.errors, row.warnings)

    # Each step reads the cells it knows and writes values, errors and warnings.

    def _texts(self, row: _Row) -> None:
        for key in TEXT_FIELDS:
            if key not in row.cells:
                continue
            text = "\n".join(filter(None, row.cells[key])) if key == "notes" else row.first(key)
            row.values[key] = text
            if text.startswith(FORMULA_STARTS) and key not in ("postal_code",):
                row.warnings[key] = _(
                    "Starts with “%(sign)s”, which a spreadsheet takes for a formula: it is "
                    "stored as text and neutralised in exports."
                ) % {"sign": text[0]}

    def _address(self, row: _Row) -> None:
        building = row.values.pop("building", "")
        apartment = row.values.pop("apartment", "")
        number = f"{building}/{apartment}" if building and apartment else building or apartment
        if number:
            street = row.values.get("street", "")
            row.values["street"] = f"{street} {number}".strip()
        for part in ("building", "apartment"):
            warning = row.warnings.pop(part, None)
            if warning:
                row.warnings.setdefault("street", warning)
        for key, limit in MAX_LENGTHS.items():
            value = row.values.get(key)
            if isinstance(value, str) and len(value) > limit:
                row.errors[key] = _("%(count)d characters is too long; at most %(limit)d fit.") % {
                    "count": len(value),
                    "limit": limit,
                }

    def _identifiers(self, row: _Row) -> None:
        if "nip" in row.cells:
            value = row.first("nip")
            try:
                row.values["nip"] = normalise_nip(value)
            except ValidationError as error:
                row.values["nip"] = value
                row.errors["nip"] = error.messages[0]
        if "regon" in row.cells:
            value = row.first("regon")
            try:
                row.values["regon"] = normalise_regon(value)
            except ValidationError as error:
                restored = _regon_with_leading_zero(value)
                if restored:
                    row.values["regon"] = restored
                    row.warnings["regon"] = _(
                        "A leading zero, lost in the spreadsheet, was put back: %(regon)s."
                    ) % {"regon": restored}
                else:
                    row.values["regon"] = value
                    row.errors["regon"] = error.messages[0]

    def _kind(self, row: _Row) -> None:
        if "kind" not in row.cells:
            return
        value = row.first("kind")
        kind = self.kinds.get(fold(value), "") if value else ""
        row.values["kind"] = kind
        if value and not kind:
            row.values["kind"] = ""
            row.errors["kind"] = _(
                "“%(value)s” is not a kind; write “%(customer)s” or “%(lead)s”."
            ) % {"value": value, "customer": _("Customer"), "lead": _("Lead")}

    def _country(self, row: _Row) -> None:
        if "country" not in row.cells:
            return
        value = row.first("country")
        code = _country_code(value)
        row.values["country"] = code or ""
        if value and code is None:
            row.errors["country"] = _(
                "“%(value)s” is not a country; write its two-letter code, such as PL or CZ."
            ) % {"value": value}

    def _postal_code(self, row: _Row) -> None:
        value = row.values.get("postal_code", "")
        if not value:
            return
        country = row.values.get("country") or settings.PHONE_REGION
        digits = re.sub(r"\D", "", value)
        if country == "PL" and not re.fullmatch(r"\d\d-\d\d\d", value):
            if value.isdigit() and 3 <= len(value) <= 5:
                fixed = value.zfill(5)
                row.values["postal_code"] = f"{fixed[:2]}-{fixed[2:]}"
                if len(value) < 5:
                    row.warnings["postal_code"] = _(
                        "Leading zeros, lost in the spreadsheet, were put back: %(code)s."
                    ) % {"code": row.values["postal_code"]}
            else:
                row.warnings["postal_code"] = _(
                    "%(value)s is not a Polish postal code (NN-NNN)."
                ) % {"value": value}
        elif country == "CZ" and not re.fullmatch(r"\d{3} \d\d", value):
            if len(digits) == 5 and re.fullmatch(r"[\d ]+", value):
                row.values["postal_code"] = f"{digits[:3]} {digits[3:]}"
            else:
                row.warnings["postal_code"] = _(
                    "%(value)s is not a Czech postal code (NNN NN)."
                ) % {"value": value}

    def _phones(self, row: _Row) -> None:
        country = row.values.get("country") or None
        for key, many in (("phone", True), ("contact_phone", False)):
            if key not in row.cells:
                continue
            numbers: list[str] = []
            home = country or settings.PHONE_REGION
            for part in row.parts(key, SEPARATORS):
                try:
                    number, region = _phone(part, country)
                except ValidationError as error:
                    row.errors.setdefault(key, error.messages[0])
                    continue
                if region != home and not part.startswith(("+", "00")):
                    row.warnings.setdefault(
                        key,
                        _("%(value)s is not a number of %(home)s; it was read as %(number)s.")
                        % {"value": part, "home": home, "number": number},
                    )
                if number not in numbers:
                    numbers.append(number)
            if many:
                row.values[key] = numbers
            else:
                row.values[key] = numbers[0] if numbers else ""
                if len(numbers) > 1:
                    row.errors.setdefault(
                        key,
                        _(
                            "A contact takes one phone number here; put the others in the "
                            "account's phone columns."
                        ),
                    )

    def _emails(self, row: _Row) -> None:
        for key, many in (("email", True), ("contact_email", False)):
            if key not in row.cells:
                continue
            addresses: list[str] = []
            for part in (entry for cell in row.cells[key] for entry in address_entries(cell)):
                try:
                    address = _email(part)
                except ValidationError as error:
                    row.errors.setdefault(key, error.messages[0])
                    continue
                if address not in addresses:
                    addresses.append(address)
            if many:
                row.values[key] = addresses
            else:
                row.values[key] = addresses[0] if addresses else ""
                if len(addresses) > 1:
                    row.errors.setdefault(
                        key,
                        _(
                            "A contact takes one email address here; put the others in the "
                            "account's email columns."
                        ),
                    )

    def _website(self, row: _Row) -> None:
        if "website" not in row.cells:
            return
        value = row.first("website")
        row.values["website"] = value
        if not value:
            return
        url = value if re.match(r"(?i)https?://", value) else f"https://{value}"
        scheme, _sep, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        url = f"{scheme.lower()}://{host.lower()}{slash}{path}"
        try:
            if not PLAIN_URL.fullmatch(url):
                URL_VALIDATOR(url)
        except ValidationError:
            row.errors["website"] = _("%(value)s is not a web address.") % {"value": value}
            return
        if len(url) > MAX_LENGTHS["website"]:
            row.errors["website"] = _(
                "%(count)d characters is too long; at most %(limit)d fit."
            ) % {"count": len(url), "limit": MAX_LENGTHS["website"]}
            return
        row.values["website"] = url

    def _people(self, row: _Row) -> None:
        if "account_manager" in row.cells:
            value = row.first("account_manager")
            row.values["account_manager"] = None
            if value:
                found = self.users.get(fold(value), set())
                if len(found) == 1:
                    row.values["account_manager"] = next(iter(found))
                elif found:
                    row.errors["account_manager"] = _(
                        "“%(value)s” fits several users (%(users)s); write the username."
                    ) % {
                        "value": value,
                        "users": ", ".join(sorted(self.usernames[pk] for pk in found)),
                    }
                else:
                    row.errors["account_manager"] = _(
                        "There is no active user “%(value)s”; write a username, an email "
                        "address or a full name."
                    ) % {"value": value}
        if "team" in row.cells:
            value = row.first("team")
            row.values["team"] = self.teams.get(fold(value)) if value else None
            if value and row.values["team"] is None:
                row.errors["team"] = _("There is no team “%(value)s”.") % {"value": value}

    def _contact(self, row: _Row) -> None:
        full = row.values.pop("contact_name", "")
        if full:
            warning = row.warnings.pop("contact_name", None)
            first, _space, last = full.rpartition(" ")
            if not row.values.get("contact_last_name"):
                row.values["contact_last_name"] = last
                if warning:
                    row.warnings["contact_last_name"] = warning
            if not row.values.get("contact_first_name"):
                row.values["contact_first_name"] = first
        has_contact = any(
            row.values.get(key) for key in CONTACT_FIELDS if key != "contact_last_name"
        )
        if has_contact and not row.values.get("contact_last_name"):
            row.errors.setdefault(
                "contact_last_name", _("The contact's last name is empty; a contact needs one.")
            )

    def _classifications(self, row: _Row) -> None:
        for key in row.cells:
            if not key.startswith(DICTIONARY_PREFIX):
                continue
            dictionary = self.dictionaries.get(key)
            if dictionary is None:
                row.errors[key] = _("This dictionary no longer exists.")
                continue
            chosen: list[int] = []
            unknown: list[str] = []
            for cell in row.cells[key]:
                if not cell:
                    continue
                whole = dictionary.entries.get(fold(cell))
                parts = [cell] if whole is not None else SEPARATORS.split(cell)
                for part in (p.strip() for p in parts):
                    if not part:
                        continue
                    pk = dictionary.entries.get(fold(part))
                    if pk is None:
                        unknown.append(part)
                    elif pk not in chosen:
                        chosen.append(pk)
            row.values[key] = chosen
            if unknown:
                known = ", ".join(dictionary.labels[:30]) + (
                    "…" if len(dictionary.labels) > 30 else ""
                )
                row.errors[key] = _(
                    "“%(value)s” is not a value of %(dictionary)s; the known values are: %(known)s."
                ) % {"value": unknown[0], "dictionary": dictionary.name, "known": known or "—"}
            elif len(chosen) > 1 and not dictionary.multiple:
                row.errors[key] = _("%(dictionary)s takes one value; this cell has %(count)d.") % {
                    "dictionary": dictionary.name,
                    "count": len(chosen),
                }


class _Row:
    """A row being checked: its cells per field and what the steps found."""

    def __init__(self, cells: dict[str, list[str]]) -> None:
        self.cells = cells
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.warnings: dict[str, str] = {}

    def first(self, key: str) -> str:
        return next((cell for cell in self.cells.get(key, []) if cell), "")

    def parts(self, key: str, separators: re.Pattern[str]) -> list[str]:
        return [
            part.strip()
            for cell in self.cells.get(key, [])
            for part in separators.split(cell)
            if part.strip()
        ]


def _cells(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item).strip() for item in value if item is not None]
    return [str(value).strip()]


def _regon_with_leading_zero(value: str) -> str:
    """A REGON whose leading zero a spreadsheet dropped (it was a number), if adding it back
    makes a valid one."""
    if not value.isdigit() or len(value) not in (8, 13):
        return ""
    try:
        return normalise_regon("0" + value)
    except ValidationError:
        return ""


def _email(value: str) -> str:
    address = value.strip().lower()
    if len(address) <= 254 and PLAIN_ADDRESS.fullmatch(address):
        return address
    return normalise_email(value)


def _country_code(value: str) -> str | None:
    if not value:
        return ""
    import phonenumbers

    if len(value) == 2 and value.isalpha():
        code = value.upper()
        return code if code in phonenumbers.SUPPORTED_REGIONS else None
    return COUNTRY_NAMES.get(fold(value))


def _phone(value: str, country: str | None) -> tuple[str, str]:
    """``value`` in E.164 form and the region it was read as: read as a number of
    ``country`` (or the installation's region), then of the other regions the product
    serves, then as an international number that lost its ``+`` (a spreadsheet number such
    as 48601234567)."""
    import phonenumbers

    regions: list[str] = []
    for region in (country, settings.PHONE_REGION, *PHONE_REGIONS):
        if region and region in phonenumbers.SUPPORTED_REGIONS and region not in regions:
            regions.append(region)
    first_error: ValidationError | None = None
    for region in regions:
        try:
            return normalise_phone(value, region), region
        except ValidationError as error:
            first_error = first_error or error
    digits = re.sub(r"\D", "", value)
    if value.lstrip().startswith("00") and len(digits) > 4:
        digits = digits[2:]
    if len(digits) >= 11:
        try:
            number = normalise_phone("+" + digits)
        except ValidationError:
            pass
        else:
            return number, phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    raise first_error or ValidationError(
        _("%(value)s is not a phone number.") % {"value": value}, code="phone_parse"
    )
