"""Rules for values chosen from admin-defined dictionaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kartoteka.core.models import Dictionary, DictionaryEntry


def validate_classifications(entries: Iterable[DictionaryEntry], applies_to: str) -> None:
    """Entries must belong to dictionaries for ``applies_to``; single-choice ones at most once."""
    chosen = list(entries)
    for entry in chosen:
        if entry.dictionary.applies_to != applies_to:
            raise ValidationError(
                _("%(entry)s belongs to a dictionary for %(target)s.")
                % {"entry": entry.label, "target": entry.dictionary.get_applies_to_display()},
                code="dictionary_target",
            )
    per_dictionary = Counter(entry.dictionary for entry in chosen)
    for dictionary, count in per_dictionary.items():
        if count > 1 and not dictionary.multiple:
            raise ValidationError(
                _("Choose at most one value of %(dictionary)s.") % {"dictionary": dictionary.name},
                code="dictionary_single",
            )


def dictionaries_for(applies_to: str) -> list[Dictionary]:
    """The dictionaries for one kind of record with their entries, in admin order."""
    return list(
        Dictionary.objects.filter(applies_to=applies_to)
        .prefetch_related("entries")
        .order_by("position", "name")
    )
