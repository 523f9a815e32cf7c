"""Reads of dictionaries for the administrator's pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Count

from kartoteka.core.models import Dictionary, DictionaryEntry


@dataclass(frozen=True)
class DictionaryGroup:
    applies_to: str
    label: str
    dictionaries: list[Dictionary]


def dictionary_groups() -> list[DictionaryGroup]:
    """Every dictionary with its ``entry_count``, grouped by what it applies to (one query)."""
    dictionaries = Dictionary.objects.annotate(entry_count=Count("entries")).order_by(
        "applies_to", "position", "name"
    )
    by_target: dict[str, list[Dictionary]] = {value: [] for value in Dictionary.AppliesTo.values}
    for dictionary in dictionaries:
        by_target[dictionary.applies_to].append(dictionary)
    return [
        DictionaryGroup(applies_to=value, label=str(label), dictionaries=by_target[value])
        for value, label in Dictionary.AppliesTo.choices
    ]


def classification_fields() -> Iterator[
    tuple[type[models.Model], models.ManyToManyField[DictionaryEntry, models.Model]]
]:
    """Every many-to-many field of any model that holds dictionary entries (its values)."""
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            if field.remote_field.model is DictionaryEntry:
                yield model, field


def _through(field: models.ManyToManyField[DictionaryEntry, models.Model]) -> tuple[Any, str, str]:
    """The through model of a classification field, its record column and its entry column."""
    return field.remote_field.through, field.m2m_field_name(), field.m2m_reverse_field_name()


def dictionary_usage(dictionary: Dictionary) -> dict[str, int]:
    """How many records of each kind (plural verbose name) hold a value of the dictionary."""
    usage: dict[str, int] = {}
    for model, field in classification_fields():
        through, record, entry = _through(field)
        count = (
            through.objects.filter(**{f"{entry}__dictionary": dictionary})
            .values(record)
            .distinct()
            .count()
        )
        if count:
            usage[str(model._meta.verbose_name_plural)] = count
    return usage


def dictionary_records_with_several_values(dictionary: Dictionary) -> dict[str, int]:
    """How many records of each kind hold more than one value of the dictionary."""
    usage: dict[str, int] = {}
    for model, field in classification_fields():
        through, record, entry = _through(field)
        count = (
            through.objects.filter(**{f"{entry}__dictionary": dictionary})
            .values(record)
            .annotate(values=Count("pk"))
            .filter(values__gt=1)
            .count()
        )
        if count:
            usage[str(model._meta.verbose_name_plural)] = count
    return usage
