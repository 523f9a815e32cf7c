"""The only code that writes dictionaries and their entries.

Every function runs in one transaction and either makes the whole change or raises
``ValidationError`` (keyed by the form field it concerns) and changes nothing. Entry
positions of a dictionary are kept dense (0, 1, 2, ...) by every entry write, which holds
the dictionary's row lock (``select_for_update``) so concurrent moves cannot interleave.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.selectors import dictionary_records_with_several_values, dictionary_usage


def _usage_text(usage: dict[str, int]) -> str:
    return ", ".join(f"{kind}: {count}" for kind, count in usage.items())


def _check_name_free(*, name: str, applies_to: str, exclude_pk: int | None = None) -> None:
    taken = Dictionary.objects.filter(applies_to=applies_to, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "name": _("A dictionary named %(name)s already exists for %(target)s.")
                % {"name": name, "target": Dictionary.AppliesTo(applies_to).label}
            },
            code="dictionary_name_taken",
        )


@transaction.atomic
def dictionary_create(*, name: str, applies_to: str, multiple: bool, position: int) -> Dictionary:
    """Create an empty dictionary; the name is unique (ignoring case) per ``applies_to``."""
    name = name.strip()
    _check_name_free(name=name, applies_to=applies_to)
    dictionary = Dictionary(name=name, applies_to=applies_to, multiple=multiple, position=position)
    dictionary.full_clean(validate_constraints=False)
    dictionary.save()
    return dictionary


@transaction.atomic
def dictionary_update(
    *, dictionary: Dictionary, name: str, applies_to: str, multiple: bool, position: int
) -> Dictionary:
    """Change a dictionary's properties under its row lock.

    Refused with ``ValidationError``: switching to single choice while some record holds two
    or more of its values (``multiple``), and moving it to other records while any record
    holds one of its values (``applies_to``).
    """
    locked = Dictionary.objects.select_for_update().get(pk=dictionary.pk)
    name = name.strip()
    _check_name_free(name=name, applies_to=applies_to, exclude_pk=locked.pk)
    if locked.multiple and not multiple:
        several = dictionary_records_with_several_values(locked)
        if several:
            raise ValidationError(
                {
                    "multiple": _(
                        "Some records hold more than one value of this dictionary (%(usage)s). "
                        "Leave at most one value on each before making it single choice."
                    )
                    % {"usage": _usage_text(several)}
                },
                code="dictionary_several_values",
            )
    if locked.applies_to != applies_to:
        usage = dictionary_usage(locked)
        if usage:
            raise ValidationError(
                {
                    "applies_to": _(
                        "Its values are in use (%(usage)s), so it cannot move to other records. "
                        "Create a new dictionary instead."
                    )
                    % {"usage": _usage_text(usage)}
                },
                code="dictionary_in_use",
            )
    locked.name = name
    locked.applies_to = applies_to
    locked.multiple = multiple
    locked.position = position
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["name", "applies_to", "multiple", "position"])
    return locked


@transaction.atomic
def dictionary_delete(*, dictionary: Dictionary) -> None:
    """Delete a dictionary with its entries; records holding its values lose them."""
    dictionary.delete()


def _lock(dictionary: Dictionary) -> list[DictionaryEntry]:
    """Lock the dictionary and return its entries in order."""
    Dictionary.objects.select_for_update().filter(pk=dictionary.pk).first()
    return list(dictionary.entries.order_by("position", "label", "pk"))


def _check_label_free(*, dictionary: Dictionary, label: str, exclude_pk: int | None = None) -> str:
    label = label.strip()
    if not label:
        raise ValidationError({"label": _("Enter a value.")}, code="required")
    taken = dictionary.entries.filter(label__iexact=label)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "label": _("%(dictionary)s already has the value %(label)s.")
                % {"dictionary": dictionary.name, "label": label}
            },
            code="entry_label_taken",
        )
    return label


def _renumber(entries: list[DictionaryEntry]) -> None:
    changed = []
    for position, entry in enumerate(entries):
        if entry.position != position:
            entry.position = position
            changed.append(entry)
    DictionaryEntry.objects.bulk_update(changed, ["position"])


@transaction.atomic
def dictionary_entry_add(*, dictionary: Dictionary, label: str) -> DictionaryEntry:
    """Append a value at the end of the dictionary; labels are unique ignoring case."""
    entries = _lock(dictionary)
    label = _check_label_free(dictionary=dictionary, label=label)
    _renumber(entries)
    last = dictionary.entries.aggregate(last=Max("position"))["last"]
    entry = DictionaryEntry(
        dictionary=dictionary, label=label, position=0 if last is None else last + 1
    )
    entry.full_clean(validate_constraints=False)
    entry.save()
    return entry


@transaction.atomic
def dictionary_entry_rename(*, entry: DictionaryEntry, label: str) -> DictionaryEntry:
    """Change a value's label; every record holding it shows the new label."""
    _lock(entry.dictionary)
    entry.label = _check_label_free(dictionary=entry.dictionary, label=label, exclude_pk=entry.pk)
    entry.full_clean(validate_constraints=False)
    entry.save(update_fields=["label"])
    return entry


@transaction.atomic
def dictionary_entry_delete(*, entry: DictionaryEntry) -> None:
    """Delete a value; records holding it lose it. The others close up their positions."""
    entries = _lock(entry.dictionary)
    remaining = [other for other in entries if other.pk != entry.pk]
    entry.delete()
    _renumber(remaining)


@transaction.atomic
def dictionary_entry_move(*, entry: DictionaryEntry, direction: Literal["up", "down"]) -> None:
    """Swap a value with its neighbour above or below; at either end nothing changes."""
    entries = _lock(entry.dictionary)
    index = next((i for i, other in enumerate(entries) if other.pk == entry.pk), None)
    if index is None:
        return
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(entries):
        entries[index], entries[target] = entries[target], entries[index]
    _renumber(entries)
