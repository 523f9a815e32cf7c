"""Display of staged import rows: a value as it will be stored, a cell as it was read."""

from __future__ import annotations

from typing import Any

from django import template

from kartoteka.imports.columns import FIELDS, field_by_key
from kartoteka.imports.models import ImportRow

register = template.Library()

LABELS = {spec.key: spec.label for spec in FIELDS}
# Values stored as keys of other records: the cell as read says more than the key.
SHOWN_AS_READ = ("account_manager", "team")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


@register.simple_tag
def stored_value(row: ImportRow, key: str) -> str:
    if key in SHOWN_AS_READ or key.startswith("dict:"):
        return raw_value(row, key)
    if key in row.values:
        return _text(row.values[key])
    return raw_value(row, key)


@register.simple_tag
def raw_value(row: ImportRow, key: str) -> str:
    return _text(row.raw.get(key, ""))


@register.simple_tag
def field_label(key: str) -> str:
    if key in LABELS:
        return str(LABELS[key])
    spec = field_by_key(key)
    return str(spec.label) if spec else key
