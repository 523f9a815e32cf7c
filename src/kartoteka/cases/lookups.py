"""The case lookup lists (priorities, types, categories, groups, statuses) and the case settings.

The ``lookup_*`` and ``case_settings_update`` functions are the only code that writes them.
Each runs in one transaction and either makes the whole change or raises ``ValidationError``
keyed by the form field it concerns and changes nothing. A write to a list first locks all of
that list's rows (``select_for_update(no_key=True)``, which leaves cases free to point at
them meanwhile), so two writes to one list queue instead of interleaving. Writes that touch
the settings row lock it before the statuses, the order case creation takes them in.

Kept true by every write:

- a list that has values has exactly one default; a new default unsets the old one first
  (the partial unique constraint allows one ``is_default`` row), in the same transaction;
- positions are dense (0, 1, 2, ...);
- a value used by cases is deleted only together with moving its cases to another value of
  the same list, each moved case getting a history row;
- the statuses that a customer's message and our reply move a case to cannot be deleted;
- statuses and priorities keep at least one value (every case has both).

``lookup_values`` is the read of the administration pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.cases.models import (
    Case,
    CaseGroup,
    CaseSettings,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.cases.selectors import case_workers
from kartoteka.cases.services import case_settings
from kartoteka.core.addresses import addresses_clean
from kartoteka.core.names import names_clean
from kartoteka.core.validation import ErrorCollector
from kartoteka.people.models import User

AnyLookup = Priority | CaseType | Category | CaseGroup | Status
LookupModel = type[AnyLookup]

# The URL slug of each list and its model, in the order the settings pages show them.
LOOKUP_KINDS: dict[str, LookupModel] = {
    "statuses": Status,
    "priorities": Priority,
    "types": CaseType,
    "categories": Category,
    "groups": CaseGroup,
}
# The field of ``Case`` that holds a value of each list.
CASE_FIELD: dict[LookupModel, str] = {
    Status: "status",
    Priority: "priority",
    CaseType: "case_type",
    Category: "category",
    CaseGroup: "group",
}
# Every case has a status and a priority, so these lists never become empty.
REQUIRED_LISTS = frozenset({Status, Priority})
STATUS_FIELDS = frozenset(
    {
        "closes_case",
        "overdue_after_days",
        "notify_account_manager",
        "notify_administrator",
        "notify_addresses",
    }
)
# Prefixes that other companies' help desks use too: mail tagged [CRM#12] by them would be
# taken for a reply to our case 12 and the other way round.
GENERIC_PREFIXES = frozenset({"CRM", "TICKET", "TICKETS", "CASE", "SUPPORT", "HELPDESK"})
PREFIX_PATTERN = re.compile(r"[A-Z0-9_-]{1,16}")
MOVE_BATCH = 500


# Reads.


def lookup_values(model: LookupModel) -> QuerySet[Any]:
    """A list's values in order, each with its ``case_count`` (one query)."""
    return model.objects.annotate(case_count=Count("case")).order_by("position", "name", "pk")


def lookup_case_count(value: AnyLookup) -> int:
    return Case.objects.filter(**{CASE_FIELD[type(value)]: value}).count()


def lookup_delete_refusal(value: AnyLookup) -> str:
    """Why ``value`` cannot be deleted whatever is chosen for its cases, or ``""``."""
    model = type(value)
    if model is Status:
        row = case_settings()
        if value.pk in (row.incoming_status_id, row.reply_status_id):
            return _(
                "%(name)s is the status a customer's message or our reply moves a case to. "
                "Choose another one in the case settings first."
            ) % {"name": value.local_name}
    if model in REQUIRED_LISTS and not model.objects.exclude(pk=value.pk).exists():
        return _(
            "%(name)s is the list's only value and every case needs one. Add another first."
        ) % {"name": value.local_name}
    return ""


# Validation.


def case_prefix_clean(raw: str) -> str:
    """The prefix upper-cased; refused when empty, with other characters, or generic."""
    prefix = raw.strip().upper()
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValidationError(
            _(
                "Use 1 to 16 characters: letters A–Z, digits, dashes and underscores, "
                "for example ACME."
            ),
            code="invalid_prefix",
        )
    if prefix in GENERIC_PREFIXES:
        raise ValidationError(
            _(
                "%(prefix)s is too generic: other companies' systems tag their mail with it "
                "too, so their messages could be filed into your cases and yours into theirs. "
                "Choose something specific to your company, for example its short name."
            )
            % {"prefix": prefix},
            code="generic_prefix",
        )
    return prefix


# Writes.


def _lock(model: LookupModel) -> list[Any]:
    """Lock every value of the list and return them in order."""
    return list(model.objects.select_for_update(no_key=True).order_by("position", "name", "pk"))


def _renumber(model: LookupModel, values: list[Any]) -> None:
    changed = []
    for position, value in enumerate(values):
        if value.position != position:
            value.position = position
            changed.append(value)
    model.objects.bulk_update(changed, ["position"])


def _check_name(model: LookupModel, name: str, *, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")}, code="required")
    taken = model.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("This list already has a value named %(name)s.") % {"name": name}},
            code="name_taken",
        )
    return name


def _apply(value: AnyLookup, data: dict[str, Any]) -> None:
    """Set the extra fields of a status (other lists have none)."""
    allowed = STATUS_FIELDS if isinstance(value, Status) else frozenset()
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if "notify_addresses" in data:
        try:
            addresses = addresses_clean(data["notify_addresses"])
        except ValidationError as error:
            raise ValidationError({"notify_addresses": error.error_list}) from error
        data = {**data, "notify_addresses": addresses}
    for field, field_value in data.items():
        setattr(value, field, field_value)


def _make_default(model: LookupModel, value: AnyLookup) -> None:
    """Unset the old default, then set the new one (the constraint allows one at a time)."""
    model.objects.filter(is_default=True).exclude(pk=value.pk).update(is_default=False)
    if not value.is_default:
        value.is_default = True
        value.save(update_fields=["is_default"])


def _members_set(value: AnyLookup, members: Iterable[User] | None) -> None:
    """A group's members (whom assignment rules choose among): staff who work with cases."""
    if members is None:
        return
    if not isinstance(value, CaseGroup):
        raise TypeError("only groups have members")
    chosen = list(members)
    allowed = set(case_workers().filter(pk__in=[u.pk for u in chosen]).values_list("pk", flat=True))
    strangers = [user for user in chosen if user.pk not in allowed]
    if strangers:
        raise ValidationError(
            {
                "members": _("These users do not work with cases: %(names)s.")
                % {"names": ", ".join(map(str, strangers))}
            },
            code="not_case_worker",
        )
    value.members.set(chosen)


@transaction.atomic
def lookup_create(
    *,
    model: LookupModel,
    name: str,
    names: Mapping[str, str] | None = None,
    is_default: bool = False,
    data: dict[str, Any] | None = None,
    members: Iterable[User] | None = None,
) -> AnyLookup:
    """Append a value at the end of its list; ``names`` holds its name per language code,
    ``data`` a status's extra fields, ``members`` a group's members.

    With ``is_default`` it replaces the list's default. The first value of an empty list
    becomes the default whatever ``is_default`` says.
    """
    values = _lock(model)
    name = _check_name(model, name)
    value = model(name=name, names=names_clean(names), position=len(values), is_default=False)
    _apply(value, dict(data or {}))
    value.full_clean(validate_unique=False, validate_constraints=False)
    _renumber(model, values)
    value.save()
    _members_set(value, members)
    if is_default or not values:
        _make_default(model, value)
    return value


@transaction.atomic
def lookup_update(
    *,
    value: AnyLookup,
    name: str,
    names: Mapping[str, str] | None = None,
    is_default: bool | None = None,
    data: dict[str, Any] | None = None,
    members: Iterable[User] | None = None,
) -> AnyLookup:
    """Rename a value (``names``: per language; ``None`` leaves them) and change a status's
    extra fields (``data``) or a group's ``members`` (``None`` leaves them).

    ``is_default=True`` makes it the default (the old one is unset); ``None`` leaves it as
    it is. ``False`` on the current default is refused: a list always has a default, so
    another value has to become it instead.
    """
    model = type(value)
    _lock(model)
    stored = model.objects.get(pk=value.pk)
    errors = ErrorCollector()
    with errors.on("name"):
        stored.name = _check_name(model, name, exclude_pk=stored.pk)
    if is_default is False and stored.is_default:
        errors.add(
            "is_default",
            ValidationError(
                _(
                    "%(name)s is the default and the list needs one. Make another value the "
                    "default instead."
                )
                % {"name": stored.local_name},
                code="default_needed",
            ),
        )
    with errors.on():
        _apply(stored, dict(data or {}))
    errors.raise_if_any()
    stored.full_clean(validate_unique=False, validate_constraints=False)
    if names is not None:
        stored.names = names_clean(names)
    stored.save(update_fields=["name", "names", *(data or {})])
    _members_set(stored, members)
    if is_default:
        _make_default(model, stored)
    return stored


@transaction.atomic
def lookup_set_default(*, value: AnyLookup) -> AnyLookup:
    """Make ``value`` its list's default; the old default stops being it in this transaction."""
    model = type(value)
    _lock(model)
    stored = model.objects.get(pk=value.pk)
    _make_default(model, stored)
    return stored


@transaction.atomic
def lookup_move(*, value: AnyLookup, direction: Literal["up", "down"]) -> None:
    """Swap a value with its neighbour above or below; at either end nothing changes."""
    model = type(value)
    values = _lock(model)
    index = next((i for i, other in enumerate(values) if other.pk == value.pk), None)
    if index is None:
        return
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(values):
        values[index], values[target] = values[target], values[index]
    _renumber(model, values)


def _move_cases(*, field: str, source: AnyLookup, target: AnyLookup, by: User | None) -> int:
    """Point every case holding ``source`` at ``target``, in batches.

    Each case gets a history row by ``by`` with the reason.
    """
    now = timezone.now()
    reason = _("%(old)s was deleted; moved to %(new)s.") % {"old": source, "new": target}
    pks = list(Case.objects.filter(**{field: source}).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), MOVE_BATCH):
        batch = pks[start : start + MOVE_BATCH]
        cases = list(Case.objects.filter(pk__in=batch))
        for case in cases:
            setattr(case, field, target)
            case.updated_at = now
        Case.objects.bulk_update(cases, [field, "updated_at"])
        Case.history.bulk_history_create(
            cases, update=True, default_user=by, default_change_reason=reason, default_date=now
        )
    return len(pks)


@transaction.atomic
def lookup_delete(
    *,
    value: AnyLookup,
    by: User | None,
    move_to: AnyLookup | None = None,
    new_default: AnyLookup | None = None,
) -> int:
    """Delete a value; returns how many cases were moved from it to ``move_to``.

    Refused when the value is the incoming or reply status of the case settings, when it is
    the last value of statuses or priorities, when cases use it and ``move_to`` is not
    another value of its list, and when it is the default and ``new_default`` is not another
    value of its list (which then becomes the default).
    """
    model = type(value)
    if model is Status:
        case_settings()
        CaseSettings.objects.select_for_update().get(pk=1)
    values = _lock(model)
    stored = next((other for other in values if other.pk == value.pk), None)
    if stored is None:
        raise model.DoesNotExist
    refusal = lookup_delete_refusal(stored)
    if refusal:
        raise ValidationError(refusal, code="cannot_delete")
    others = [other for other in values if other.pk != stored.pk]
    other_pks = {other.pk for other in others}
    errors = ErrorCollector()
    count = lookup_case_count(stored)
    if count and (move_to is None or move_to.pk not in other_pks or type(move_to) is not model):
        errors.add(
            "move_to",
            ValidationError(
                ngettext(
                    "%(count)d case uses %(name)s. Choose the value to move it to.",
                    "%(count)d cases use %(name)s. Choose the value to move them to.",
                    count,
                )
                % {"count": count, "name": stored.local_name},
                code="value_in_use",
            ),
        )
    replace_default = stored.is_default and bool(others)
    if replace_default and (
        new_default is None or new_default.pk not in other_pks or type(new_default) is not model
    ):
        errors.add(
            "new_default",
            ValidationError(
                _("%(name)s is the default. Choose the value that becomes the default instead.")
                % {"name": stored.local_name},
                code="default_needed",
            ),
        )
    errors.raise_if_any()
    if count and move_to is not None:
        _move_cases(field=CASE_FIELD[model], source=stored, target=move_to, by=by)
    try:
        stored.delete()
    except ProtectedError as error:
        # A case created after the count above.
        raise ValidationError(
            _("New cases use %(name)s. Try again.") % {"name": stored.local_name},
            code="value_in_use",
        ) from error
    if replace_default and new_default is not None:
        _make_default(model, model.objects.get(pk=new_default.pk))
    _renumber(model, others)
    return count


def case_old_prefixes_clean(raw: str, *, prefix: str = "") -> str:
    """Comma-separated old prefixes, each upper-cased and checked like the prefix; repeats
    and the current ``prefix`` are dropped."""
    found: list[str] = []
    for part in raw.replace(";", ",").split(","):
        old = part.strip().upper()
        if not old or old == prefix or old in found:
            continue
        if not PREFIX_PATTERN.fullmatch(old):
            raise ValidationError(
                _(
                    "%(prefix)s: use 1 to 16 characters: letters A–Z, digits, dashes and "
                    "underscores; separate prefixes with commas."
                )
                % {"prefix": old},
                code="invalid_prefix",
            )
        found.append(old)
    return ", ".join(found)


@transaction.atomic
def case_settings_update(
    *,
    prefix: str,
    incoming_status: Status,
    reply_status: Status,
    accepted_old_prefixes: str | None = None,
) -> CaseSettings:
    """Set the case prefix (upper-cased, see ``case_prefix_clean``), the old prefixes still
    accepted in incoming subjects (``None`` leaves them) and the statuses a customer's message
    and our reply move a case to. The case counter is left alone.
    """
    case_settings()
    row = CaseSettings.objects.select_for_update().get(pk=1)
    errors = ErrorCollector()
    with errors.on("prefix"):
        row.prefix = case_prefix_clean(prefix)
    if accepted_old_prefixes is not None:
        with errors.on("accepted_old_prefixes"):
            row.accepted_old_prefixes = case_old_prefixes_clean(
                accepted_old_prefixes, prefix=row.prefix
            )
    errors.raise_if_any()
    row.incoming_status = incoming_status
    row.reply_status = reply_status
    row.full_clean(exclude=["last_number"])
    row.save(update_fields=["prefix", "accepted_old_prefixes", "incoming_status", "reply_status"])
    return row
