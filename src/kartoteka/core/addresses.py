"""Email addresses as people type them: the one parser of a typed address list.

Every field that takes addresses (a reply's recipients, a case's and a status's extra
notification addresses, a workflow's email action, a customer's addresses) reads them here,
so they split alike and a bad one is refused with one message that names it as typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import getaddresses

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

SEPARATORS = frozenset(",;\r\n")


def address_entries(value: str) -> list[str]:
    """The entries of a typed field, as typed: split on commas, on semicolons (Outlook's
    separator, which people paste) and on line breaks, but not inside quotes or angle
    brackets (``"Kowalski, Jan" <jan@firma.pl>`` is one entry); an entry of bare addresses
    separated by spaces (``a@firma.pl b@firma.pl``) is one entry per address."""
    entries: list[str] = []
    current: list[str] = []
    quoted = angled = escaped = False
    for character in value:
        if escaped:
            escaped = False
        elif character == "\\" and quoted:
            escaped = True  # ``\"`` inside a quoted name is a quote of the name
        elif character == '"' and not angled:
            quoted = not quoted
        elif character == "<" and not quoted:
            angled = True
        elif character == ">" and not quoted:
            angled = False
        elif character in SEPARATORS and not (quoted or angled):
            entries.append("".join(current).strip())
            current = []
            continue
        current.append(character)
    entries.append("".join(current).strip())
    return [part for entry in entries if entry for part in _bare_addresses_apart(entry)]


def _bare_addresses_apart(entry: str) -> list[str]:
    """``entry`` split on spaces when every word of it is an address (no name has an "@")."""
    words = entry.split()
    if len(words) > 1 and '"' not in entry and "<" not in entry and all("@" in w for w in words):
        return words
    return [entry]


def address_invalid(typed: str) -> ValidationError:
    """The refusal of an entry that is not one address, naming it as typed."""
    return ValidationError(
        _("“%(address)s” is not an email address.") % {"address": typed.strip()},
        code="invalid_address",
    )


def address_parse(entry: str) -> tuple[str, str]:
    """One typed entry (``a@b.pl`` or ``Name <a@b.pl>``) as ``(name, address)``, the address
    lower-cased; ``address_invalid`` when it is not exactly one valid address."""
    parsed = getaddresses([entry])
    name, address = parsed[0] if len(parsed) == 1 else ("", "")
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise address_invalid(entry) from None
    return name.strip(), address


def addresses_parse(values: str | Iterable[str]) -> list[tuple[str, str]]:
    """Every entry of the typed ``values`` as ``(name, address)``, each address once (the
    first name wins). Raises one ``ValidationError`` with a message per bad entry."""
    found: dict[str, str] = {}
    errors: list[ValidationError] = []
    for entry in address_entries(values) if isinstance(values, str) else _all(values):
        try:
            name, address = address_parse(entry)
        except ValidationError as error:
            errors.append(error)
            continue
        found.setdefault(address, name)
    if errors:
        raise ValidationError(errors)
    return [(name, address) for address, name in found.items()]


def addresses_clean(value: str) -> str:
    """A typed address list in its stored form: addresses only, lower-cased, each once,
    joined by ``", "``; empty stays empty."""
    return ", ".join(address for _name, address in addresses_parse(value))


def _all(values: Iterable[str]) -> list[str]:
    return [entry for value in values for entry in address_entries(value)]
