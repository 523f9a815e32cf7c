"""The only code that writes accounts, contacts and their addresses.

Every function runs in one transaction: it either saves everything it was given or raises
``ValidationError`` and saves nothing. Email addresses are unique: checked first for a clear
message and enforced by a database constraint against races. NIP and REGON may be shared by
several accounts, but only when the caller confirms it (``confirm_duplicate``). Merging two
accounts is in ``customers.merge``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.core.dictionaries import validate_classifications
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.search_index import index_remove
from kartoteka.core.sentences import single_stop
from kartoteka.core.validation import ErrorCollector
from kartoteka.customers import selectors
from kartoteka.customers.identifiers import (
    normalise_email,
    normalise_nip,
    normalise_phone,
    normalise_regon,
)
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment
from kartoteka.customers.search_entries import account_index, contact_index

if TYPE_CHECKING:
    from kartoteka.people.models import User

ACCOUNT_FIELDS = frozenset(
    {
        "kind", "name", "short_name", "nip", "regon", "street", "postal_code", "city",
        "country", "phone", "website", "manager", "team", "restricted", "notes", "legal_hold",
    }
)  # fmt: skip
CONTACT_FIELDS = frozenset(
    {"account", "first_name", "last_name", "position", "salutation", "notes"}
)


def _holder_name(account: Account, user: User) -> str:
    """The name of an account for a message, unless the user may not see it."""
    if Account.objects.visible_to(user).filter(pk=account.pk).exists():
        return account.name
    return _("an account you cannot see")


def account_identifiers_check(*, nip: str, regon: str) -> dict[str, str]:
    """Normalised NIP and REGON, or ``ValidationError`` per field for an invalid one."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for field, normalise, raw in (("nip", normalise_nip, nip), ("regon", normalise_regon, regon)):
        try:
            clean[field] = normalise(raw)
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return clean


def _duplicates_check(clean: dict[str, str], *, user: User, exclude_pk: int | None = None) -> None:
    """``ValidationError`` (code ``duplicate``) per field whose value another account holds.

    The holders the user may not see are not named. The caller asks for confirmation and
    calls again with ``confirm_duplicate``: a shared NIP or REGON is allowed, never silent.
    """
    found = selectors.account_duplicates(
        nip=clean["nip"], regon=clean["regon"], exclude_pk=exclude_pk
    )
    if not found:
        return
    holders = [account for accounts in found.values() for account in accounts]
    visible = set(
        Account.objects.visible_to(user)
        .filter(pk__in=[account.pk for account in holders])
        .values_list("pk", flat=True)
    )
    errors: dict[str, list[ValidationError]] = {}
    for field, accounts in found.items():
        names = [
            account.name if account.pk in visible else _("an account you cannot see")
            for account in accounts[: selectors.DUPLICATES_NAMED]
        ]
        if len(accounts) > selectors.DUPLICATES_NAMED:
            names.append(_("more"))
        label = "NIP" if field == "nip" else "REGON"
        errors[field] = [
            ValidationError(
                single_stop(
                    _("%(label)s %(value)s is already used by %(holders)s.")
                    % {"label": label, "value": clean[field], "holders": ", ".join(names)}
                ),
                code="duplicate",
            )
        ]
    raise ValidationError(errors)


def has_duplicate_warning(error: ValidationError) -> bool:
    """Whether a service's refusal includes an already used NIP or REGON (to confirm)."""
    if hasattr(error, "error_dict"):
        errors = [e for field in error.error_dict.values() for e in field]
    else:
        errors = error.error_list
    return any(e.code == "duplicate" for e in errors)


def email_addresses_check(
    addresses: Iterable[str],
    *,
    user: User,
    field: str,
    contact: Contact | None = None,
    account: Account | None = None,
) -> list[str]:
    """Normalised, de-duplicated addresses, none held by another owner.

    Errors are keyed by ``field`` (the form or API field the addresses came from).
    """
    clean: list[str] = []
    errors: list[ValidationError] = []
    for raw in addresses:
        if not raw.strip():
            continue
        try:
            address = normalise_email(raw)
        except ValidationError as error:
            errors.append(error)
            continue
        if address not in clean:
            clean.append(address)
    taken = EmailAddress.objects.filter(address__in=clean)
    if contact is not None and contact.pk:
        taken = taken.exclude(contact=contact)
    if account is not None and account.pk:
        taken = taken.exclude(account=account)
    # Almost always none is taken: only then are their owners read (with their names).
    if held_pks := list(taken.values_list("pk", flat=True)):
        errors += [
            ValidationError(_email_taken_message(held, user), code="email_taken")
            for held in EmailAddress.objects.filter(pk__in=held_pks).select_related(
                "contact__account", "account"
            )
        ]
    if errors:
        raise ValidationError({field: errors})
    return clean


def _email_taken_message(held: EmailAddress, user: User) -> str:
    if held.account is not None:
        owner = _holder_name(held.account, user)
    else:
        visible = Contact.objects.visible_to(user).filter(emails=held).exists()
        owner = str(held.contact) if visible else _("a contact you cannot see")
    return single_stop(
        _("%(address)s already belongs to %(owner)s.") % {"address": held.address, "owner": owner}
    )


def _add_emails(owner: Contact | Account, addresses: Sequence[str]) -> None:
    """The addresses of a new contact or account (``email_addresses_check`` found them free;
    a concurrent owner of one makes the insert fail, see ``_save_guarded``)."""
    owner_field = "contact" if isinstance(owner, Contact) else "account"
    EmailAddress.objects.bulk_create(
        EmailAddress(address=address, position=position, **{owner_field: owner})
        for position, address in enumerate(addresses)
    )


def _set_emails(owner: Contact | Account, addresses: Sequence[str]) -> None:
    owner_field = "contact" if isinstance(owner, Contact) else "account"
    EmailAddress.objects.filter(**{owner_field: owner}).exclude(address__in=addresses).delete()
    for position, address in enumerate(addresses):
        EmailAddress.objects.update_or_create(
            address=address, defaults={owner_field: owner, "position": position}
        )


def account_restriction_changeable(*, by: User, manager: User | None) -> bool:
    """Whether ``by`` may restrict an account managed by ``manager`` or lift its restriction.

    Administrators, managers and that account manager may; other members of the account's team
    may not, since the restriction is what keeps everyone else out. On an existing account
    ``manager`` is the one it has before the change; on a new one, the one it is given.
    """
    return by.sees_everything or (manager is not None and manager.pk == by.pk)


def _restriction_check(*, by: User, manager: User | None, restricted: bool, was: bool) -> None:
    if restricted != was and not account_restriction_changeable(by=by, manager=manager):
        raise ValidationError(
            _(
                "Only managers, administrators and the account manager may restrict an account "
                "or lift its restriction."
            ),
            code="restriction_not_allowed",
        )


def _pk(value: Any) -> Any:
    """A relation given as an object or as its key, as its key."""
    return getattr(value, "pk", value)


def _check_fields(data: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def _save_guarded(save: Any) -> None:
    """Run a save; a constraint lost to a concurrent writer becomes a ValidationError."""
    try:
        with transaction.atomic():
            save()
    except IntegrityError as error:
        raise ValidationError(
            _("Someone saved the same NIP, REGON or email address a moment ago; reload and check."),
            code="conflict",
        ) from error


@transaction.atomic
def account_create(
    *,
    by: User,
    data: dict[str, Any],
    segments: Iterable[Segment] = (),
    classifications: Iterable[DictionaryEntry] = (),
    shared_emails: Iterable[str] = (),
    confirm_duplicate: bool = False,
) -> Account:
    """Create an account with its segments, classifications and shared email addresses.

    A NIP or REGON that another account already has is refused (code ``duplicate``) unless
    ``confirm_duplicate``: branches of one company share them, but a typo must not pass silently.

    Only administrators, managers and its own account manager create it restricted: an agent
    may do so only when naming themselves its manager (see ``account_restriction_changeable``).
    """
    _check_fields(data, ACCOUNT_FIELDS)
    data = dict(data)
    entries = list(classifications)
    errors = ErrorCollector()
    with errors.on("restricted"):
        _restriction_check(
            by=by,
            manager=data.get("manager"),
            restricted=bool(data.get("restricted", False)),
            was=False,
        )
    with errors.on():
        data.update(account_identifiers_check(nip=data.get("nip", ""), regon=data.get("regon", "")))
        if not confirm_duplicate:
            _duplicates_check(data, user=by)
    with errors.on("phone"):
        data["phone"] = normalise_phone(data.get("phone", ""))
    with errors.on("classifications"):
        validate_classifications(entries, Dictionary.AppliesTo.ACCOUNT)
    with errors.on():
        addresses = email_addresses_check(shared_emails, user=by, field="shared_emails")
    errors.raise_if_any()
    account = Account(**data, created_by=by, updated_by=by)
    account._history_user = by  # type: ignore[attr-defined]
    account.full_clean(exclude=["nip", "regon"], validate_unique=False, validate_constraints=False)
    _save_guarded(account.save)
    account.segments.set(segments)
    account.classifications.add(*entries)
    _save_guarded(lambda: _add_emails(account, addresses))
    account_index(account)
    return account


@transaction.atomic
def account_update(
    *,
    account: Account,
    by: User,
    data: dict[str, Any],
    segments: Iterable[Segment] | None = None,
    classifications: Iterable[DictionaryEntry] | None = None,
    shared_emails: Iterable[str] | None = None,
    confirm_duplicate: bool = False,
) -> Account:
    """Change the given fields; ``None`` for a relation leaves it as it is.

    A NIP or REGON changed to one another account has is refused (code ``duplicate``) unless
    ``confirm_duplicate``.

    Only administrators, managers and the account's current manager change ``restricted``, or
    the manager and team of a restricted account, which decide who sees it (see
    ``account_restriction_changeable``); anyone who may edit the account may send them
    unchanged.
    """
    _check_fields(data, ACCOUNT_FIELDS)
    data = dict(data)
    entries = None if classifications is None else list(classifications)
    addresses = None
    errors = ErrorCollector()
    if "restricted" in data:
        with errors.on("restricted"):
            _restriction_check(
                by=by,
                manager=account.manager,
                restricted=bool(data["restricted"]),
                was=account.restricted,
            )
    if data.get("legal_hold", account.legal_hold) != account.legal_hold and not by.is_administrator:
        errors.add(
            "legal_hold",
            ValidationError(
                _("Only administrators may set or lift a legal hold."), code="legal_hold_admin"
            ),
        )
    if account.restricted and not account_restriction_changeable(by=by, manager=account.manager):
        # Its manager and team decide who sees a restricted account: changing them is lifting
        # the restriction for someone.
        for field in ("manager", "team"):
            if field in data and _pk(data[field]) != getattr(account, f"{field}_id"):
                errors.add(
                    field,
                    ValidationError(
                        _(
                            "Only managers, administrators and the account manager may change "
                            "who sees a restricted account."
                        ),
                        code="restriction_not_allowed",
                    ),
                )
    if "nip" in data or "regon" in data:
        with errors.on():
            data.update(
                account_identifiers_check(
                    nip=data.get("nip", account.nip), regon=data.get("regon", account.regon)
                )
            )
            # Only a changed value is checked: a shared one was confirmed when it was saved.
            changed = {
                field: data[field] if data[field] != getattr(account, field) else ""
                for field in ("nip", "regon")
            }
            if not confirm_duplicate:
                _duplicates_check(changed, user=by, exclude_pk=account.pk)
    if "phone" in data:
        with errors.on("phone"):
            data["phone"] = normalise_phone(data["phone"])
    if entries is not None:
        with errors.on("classifications"):
            validate_classifications(entries, Dictionary.AppliesTo.ACCOUNT)
    if shared_emails is not None:
        with errors.on():
            addresses = email_addresses_check(
                shared_emails, user=by, field="shared_emails", account=account
            )
    errors.raise_if_any()
    for field, value in data.items():
        setattr(account, field, value)
    account.updated_by = by
    account._history_user = by  # type: ignore[attr-defined]
    account.full_clean(exclude=["nip", "regon"], validate_unique=False, validate_constraints=False)
    _save_guarded(account.save)
    if segments is not None:
        account.segments.set(segments)
    if entries is not None:
        account.classifications.set(entries)
    if addresses is not None:
        _save_guarded(lambda: _set_emails(account, addresses))
    account_index(account)
    return account


@transaction.atomic
def account_delete(*, account: Account, by: User) -> None:
    """Delete an account with its contacts and addresses (history keeps the record).

    An account that has cases is kept: its cases are the company's record of the work.
    """
    case_count = account.cases.count()
    if case_count:
        raise ValidationError(
            ngettext(
                "%(name)s has %(count)d case; it cannot be deleted while the case exists.",
                "%(name)s has %(count)d cases; it cannot be deleted while they exist.",
                case_count,
            )
            % {"name": account.name, "count": case_count},
            code="account_has_cases",
        )
    account._history_user = by  # type: ignore[attr-defined]
    contact_ids = []
    for contact in account.contacts.all():
        contact._history_user = by  # type: ignore[attr-defined]
        contact_ids.append(contact.pk)
        contact.delete()
    index_remove("contact", contact_ids)
    index_remove("account", [account.pk])
    account.delete()


def _phones_check(phones: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    clean: list[tuple[str, str]] = []
    errors: list[ValidationError] = []
    for number, kind in phones:
        if not number.strip():
            continue
        try:
            e164 = normalise_phone(number)
        except ValidationError as error:
            errors.append(error)
            continue
        if kind not in PhoneNumber.Kind.values:
            kind = PhoneNumber.Kind.OTHER
        if e164 not in {n for n, _k in clean}:
            clean.append((e164, kind))
    if errors:
        raise ValidationError({"phones": errors})
    return clean


def _set_phones(contact: Contact, phones: Sequence[tuple[str, str]]) -> None:
    contact.phones.all().delete()
    _add_phones(contact, phones)


def _add_phones(contact: Contact, phones: Sequence[tuple[str, str]]) -> None:
    PhoneNumber.objects.bulk_create(
        PhoneNumber(contact=contact, number=number, kind=kind, position=position)
        for position, (number, kind) in enumerate(phones)
    )


@transaction.atomic
def contact_create(
    *,
    by: User,
    data: dict[str, Any],
    emails: Iterable[str] = (),
    phones: Iterable[tuple[str, str]] = (),
    classifications: Iterable[DictionaryEntry] = (),
) -> Contact:
    """Create a contact with its email addresses, phones (number, kind) and classifications."""
    _check_fields(data, CONTACT_FIELDS)
    entries = list(classifications)
    errors = ErrorCollector()
    with errors.on():
        addresses = email_addresses_check(emails, user=by, field="emails")
    with errors.on():
        numbers = _phones_check(phones)
    with errors.on("classifications"):
        validate_classifications(entries, Dictionary.AppliesTo.CONTACT)
    errors.raise_if_any()
    contact = Contact(**data, created_by=by, updated_by=by)
    contact._history_user = by  # type: ignore[attr-defined]
    contact.full_clean()
    contact.save()
    contact.classifications.add(*entries)
    _save_guarded(lambda: _add_emails(contact, addresses))
    _add_phones(contact, numbers)
    contact_index(contact)
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    by: User,
    data: dict[str, Any],
    emails: Iterable[str] | None = None,
    phones: Iterable[tuple[str, str]] | None = None,
    classifications: Iterable[DictionaryEntry] | None = None,
) -> Contact:
    """Change the given fields; ``None`` for a list leaves it as it is."""
    _check_fields(data, CONTACT_FIELDS)
    entries = None if classifications is None else list(classifications)
    addresses = numbers = None
    errors = ErrorCollector()
    if emails is not None:
        with errors.on():
            addresses = email_addresses_check(emails, user=by, field="emails", contact=contact)
    if phones is not None:
        with errors.on():
            numbers = _phones_check(phones)
    if entries is not None:
        with errors.on("classifications"):
            validate_classifications(entries, Dictionary.AppliesTo.CONTACT)
    errors.raise_if_any()
    for field, value in data.items():
        setattr(contact, field, value)
    contact.updated_by = by
    contact._history_user = by  # type: ignore[attr-defined]
    contact.full_clean()
    contact.save()
    if entries is not None:
        contact.classifications.set(entries)
    if addresses is not None:
        _save_guarded(lambda: _set_emails(contact, addresses))
    if numbers is not None:
        _set_phones(contact, numbers)
    contact_index(contact)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, by: User) -> None:
    contact._history_user = by  # type: ignore[attr-defined]
    index_remove("contact", [contact.pk])
    contact.delete()


def _segment_name_check(name: str, *, exclude_pk: int | None = None) -> str:
    """The stripped name, unless another segment has it (in any letter case)."""
    name = name.strip()
    others = Segment.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(
            {"name": _("A segment named %(name)s already exists.") % {"name": name}},
            code="segment_taken",
        )
    return name


@transaction.atomic
def segment_create(*, by: User, name: str) -> Segment:
    """Create a segment; its name is unique regardless of letter case."""
    segment = Segment(name=_segment_name_check(name))
    segment.full_clean(validate_unique=False)
    _save_guarded(segment.save)
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, by: User, name: str) -> Segment:
    """Rename a segment; its accounts keep it."""
    segment.name = _segment_name_check(name, exclude_pk=segment.pk)
    segment.full_clean(validate_unique=False)
    _save_guarded(lambda: segment.save(update_fields=["name"]))
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, by: User) -> None:
    """Delete a segment; its accounts simply lose it."""
    segment.delete()


@transaction.atomic
def email_address_clear_undeliverable(*, address: EmailAddress, by: User) -> EmailAddress:
    """Clear the mark a permanent bounce left on ``address``: automatic mail to it resumes."""
    address.undeliverable_since = None
    address.undeliverable_reason = ""
    address.save(update_fields=["undeliverable_since", "undeliverable_reason"])
    return address
