"""A case's changes told in words, as a happening carries them (``{field: [old, new]}``,
relations by primary key, dates as ISO text): for notifications and notification emails."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case

if TYPE_CHECKING:
    from django.db.models import Field

VALUE_MAX_LENGTH = 60


class ChangeDescription:
    """A case's changes (``{field: [old, new]}``, relations by primary key) told in words:
    "Priority: Normal → High; Assignee: — → Anna Nowak".

    Related rows are read once, one query per related model; ``text()`` is called in each
    recipient's language and time zone (labels, dates, yes/no).
    """

    def __init__(self, changes: dict[str, list[Any]]) -> None:
        self.changes = changes
        self.fields: dict[str, Field[Any, Any] | None] = {}
        wanted: dict[type[models.Model], set[Any]] = {}
        for name, values in changes.items():
            try:
                field = Case._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            self.fields[name] = field  # type: ignore[assignment]
            if field is not None and field.is_relation and field.related_model is not None:
                model = field.related_model
                for value in values:
                    for pk in value if isinstance(value, list) else [value]:
                        if pk is not None:
                            wanted.setdefault(model, set()).add(pk)  # type: ignore[arg-type]
        self.rows = {model: model._default_manager.in_bulk(pks) for model, pks in wanted.items()}

    def lines(self, names: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
        """(field, old, new) as people read them, for the changed fields of ``names`` (all
        when None) in that order; a long text field gives ("", "") for "changed"."""
        wanted = self.changes if names is None else [n for n in names if n in self.changes]
        shown: list[tuple[str, str, str]] = []
        for name in wanted:
            old, new = self.changes[name]
            field = self.fields[name]
            if isinstance(field, models.TextField):
                shown.append((name, "", ""))
            else:
                shown.append((name, self._value(field, old), self._value(field, new)))
        return shown

    def text(self) -> str:
        parts: list[str] = []
        for name, old, new in self.lines():
            field = self.fields[name]
            label = str(capfirst(field.verbose_name)) if field is not None else name
            parts.append(f"{label}: {old} → {new}" if new else f"{label}: {_('changed')}")
        return "; ".join(parts)

    def _value(self, field: Field[Any, Any] | None, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if field is not None and field.is_relation and field.related_model is not None:
            rows = self.rows.get(field.related_model, {})  # type: ignore[call-overload]
            pks = value if isinstance(value, list) else [value]
            return ", ".join(str(rows[pk]) if pk in rows else f"#{pk}" for pk in pks)
        if isinstance(field, models.BooleanField):
            return _("yes") if value else _("no")
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            moment = datetime.fromisoformat(value)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
        if isinstance(field, models.DateField) and isinstance(value, str):
            return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        text = " ".join(str(value).split())
        if len(text) > VALUE_MAX_LENGTH:
            text = text[: VALUE_MAX_LENGTH - 1].rstrip() + "…"
        return f"“{text}”"
