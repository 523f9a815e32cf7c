"""Validation and normal forms of Polish company identifiers, phone numbers and emails.

Each ``normalise_*`` function returns the stored form or raises ``ValidationError`` with a
message that says what is wrong, so forms, the API and imports give the same answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kartoteka.core.addresses import address_parse

# phonenumbers and stdnum are imported in the functions that use them: together they take
# 30 ms to import, and the mail pipeline (a process per message) needs only normalise_email.


def normalise_nip(value: str) -> str:
    """``"PL 123-456-32-18"`` → ``"1234563218"``; empty stays empty."""
    if not value.strip():
        return ""
    from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
    from stdnum.pl import nip as stdnum_nip

    compact = stdnum_nip.compact(value)
    try:
        return str(stdnum_nip.validate(compact))
    except InvalidLength as error:
        raise ValidationError(
            _("NIP must have 10 digits; %(value)s has %(count)d.")
            % {"value": value.strip(), "count": sum(c.isdigit() for c in compact)},
            code="nip_length",
        ) from error
    except InvalidFormat as error:
        raise ValidationError(
            _("NIP may contain only digits (and the PL prefix, spaces or dashes)."),
            code="nip_format",
        ) from error
    except InvalidChecksum as error:
        raise ValidationError(
            _("NIP %(value)s has a wrong check digit; check it for a typo.")
            % {"value": value.strip()},
            code="nip_checksum",
        ) from error


def normalise_regon(value: str) -> str:
    """A 9- or 14-digit REGON with valid check digits; empty stays empty."""
    if not value.strip():
        return ""
    from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
    from stdnum.pl import regon as stdnum_regon

    compact = stdnum_regon.compact(value)
    try:
        return str(stdnum_regon.validate(compact))
    except InvalidLength as error:
        raise ValidationError(_("REGON must have 9 or 14 digits."), code="regon_length") from error
    except InvalidFormat as error:
        raise ValidationError(_("REGON may contain only digits."), code="regon_format") from error
    except InvalidChecksum as error:
        raise ValidationError(
            _("REGON %(value)s has a wrong check digit; check it for a typo.")
            % {"value": value.strip()},
            code="regon_checksum",
        ) from error


def normalise_phone(value: str, region: str | None = None) -> str:
    """A phone number in E.164 form (``+48601234567``); national numbers use ``region``."""
    if not value.strip():
        return ""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(value, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("%(value)s is not a phone number.") % {"value": value.strip()}, code="phone_parse"
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("%(value)s is not a valid phone number; include the country code, e.g. +48.")
            % {"value": value.strip()},
            code="phone_invalid",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A stored number for display: national form at home, international abroad."""
    if not e164:
        return ""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(parsed)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == settings.PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def normalise_email(value: str) -> str:
    """A syntactically valid address, lower-cased and stripped (refused as every typed
    address is, by ``core.addresses``)."""
    if not value.strip():
        raise ValidationError(_("Enter an email address."), code="email_empty")
    return address_parse(value.strip())[1]
