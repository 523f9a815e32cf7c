"""Search-as-you-type pickers: a form field and widget for choosing among very many rows.

A picker stands where a ``<select>`` of every customer, contact or user would be. Each kind of
row is described once by its app (``PickerKind``: the endpoint that answers the typing, how to
search a queryset, how to label a row); the field takes the form's queryset, which the form
has already narrowed through the model's ``visible_to(user)``, so whatever the field accepts or
shows, the user may see. An id outside that queryset (someone else's customer, a deleted one,
a forged one) is refused with the same message.

The widget renders three things (``core/widgets/picker.html``):

- a text input with the ARIA combobox role, its listbox and a live region;
- a ``<select>`` holding only the chosen rows (and, after a search without JavaScript, the
  candidates): this is what the form posts;
- ``static/kartoteka/picker.js`` makes the input search the endpoint as the user types,
  hides the select and keeps it in step with the choice (keyboard: arrows, Enter, Escape,
  Tab).

Without JavaScript the text input searches when the form is submitted (its text is posted as
``<name>__q``): one match is chosen at once, several are offered in the select with an error
asking to choose one, none says so. A select of the first N rows was the other way: it
works only while the rows are few, and these lists are the ones that are not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PICKS_LIMIT = 20  # rows an endpoint answers and a search without JavaScript offers
QUERY_MAX = 100  # characters of the typed text that are read
SEARCH_SUFFIX = "__q"  # the posted name of the text typed without JavaScript
TYPE_TO_SEARCH = _("Type to search…")


def picker_text(raw: str | None) -> str:
    """The typed text as a search reads it: no NUL or other control characters, at most
    ``QUERY_MAX`` characters, without surrounding spaces."""
    text = "".join(ch if ch.isprintable() else " " for ch in (raw or "")[: QUERY_MAX * 2])
    return text[:QUERY_MAX].strip()


@dataclass(frozen=True)
class PickerKind:
    """One kind of row a picker chooses (customers, contacts, users), described by its app.

    ``search(rows, text, limit)`` returns at most ``limit`` of ``rows`` (already visible to the
    user) matching ``text``, best first, in a few statements whatever the number of rows.
    ``narrow`` names another field of the same form whose value the endpoint receives as a
    parameter of that name (a customer's contacts).
    """

    url_name: str
    search: Callable[[QuerySet[Any], str, int], Sequence[Any]]
    label: Callable[[Any], str] = str
    detail: Callable[[Any], str] = lambda row: ""
    placeholder: str | Promise = TYPE_TO_SEARCH
    narrow: str = ""

    def answer(self, rows: QuerySet[Any], raw: str | None) -> list[dict[str, Any]]:
        """The endpoint's matches as JSON-ready items."""
        text = picker_text(raw)
        found = self.search(rows, text, PICKS_LIMIT)[:PICKS_LIMIT]
        return [
            {"id": row.pk, "label": self.label(row), "detail": self.detail(row)} for row in found
        ]


def picker_response(request: HttpRequest, kind: PickerKind, rows: QuerySet[Any]) -> JsonResponse:
    """An endpoint's answer to ``?q=``: ``{"results": [{"id", "label", "detail"}]}``. The view
    passes ``rows`` through ``visible_to(request.user)`` (and any narrowing) first."""
    response = JsonResponse({"results": kind.answer(rows, request.GET.get("q"))})
    response["Cache-Control"] = "private, no-store"
    return response


@dataclass
class PickerInput:
    """What a picker posted when its text box was used without JavaScript: the text and the
    ids the select still held."""

    text: str
    ids: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text


def _ids(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    values = value if isinstance(value, list | tuple) else [value]
    return [str(v.pk if isinstance(v, Model) else v) for v in values if v not in (None, "")]


class PickerWidget(forms.Widget):
    """The combobox (see the module's docstring). ``hx-*`` attributes go to the select, whose
    ``change`` event the script fires when the choice changes; the others to the text input."""

    template_name = "core/widgets/picker.html"

    def __init__(self, kind: PickerKind, *, multiple: bool = False, attrs: Any = None) -> None:
        super().__init__(attrs)
        self.kind = kind
        self.multiple = multiple
        self.rows: QuerySet[Any] | None = None  # the field's queryset, set by the field
        self._searched: dict[str, list[Any]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> PickerWidget:
        result = super().__deepcopy__(memo)
        result._searched = {}
        return result

    def use_required_attribute(self, initial: Any) -> bool:
        # The text box stays empty when something is chosen: ``required`` would block it.
        return False

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        ids = data.getlist(name) if self.multiple and hasattr(data, "getlist") else data.get(name)
        text = picker_text(data.get(name + SEARCH_SUFFIX))
        if text:
            return PickerInput(text, _ids(ids))
        return ids

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + SEARCH_SUFFIX not in data

    def candidates(self, text: str) -> list[Any]:
        """The rows a search without JavaScript found for ``text`` (searched once per form)."""
        if text not in self._searched:
            found = self.kind.search(self.rows, text, PICKS_LIMIT) if self.rows is not None else []
            self._searched[text] = list(found)[:PICKS_LIMIT]
        return self._searched[text]

    def chosen(self, value: Any) -> list[Any]:
        """The chosen rows: given as rows (an edit form's initial), or ids read with one
        query through the field's queryset (so an id the user may not see shows nothing)."""
        values = value.ids if isinstance(value, PickerInput) else value
        if values in (None, ""):
            return []
        values = list(values) if isinstance(values, list | tuple | QuerySet) else [values]
        rows = [v for v in values if isinstance(v, Model)]
        ids = [str(v) for v in values if not isinstance(v, Model) and str(v).isdigit()]
        if ids and self.rows is not None:
            found = {str(row.pk): row for row in self.rows.filter(pk__in=ids)}
            rows += [found[pk] for pk in dict.fromkeys(ids) if pk in found]
        return rows

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = self.chosen(value)
        chosen_ids = {str(row.pk) for row in chosen}
        offered = []
        if isinstance(value, PickerInput):
            offered = [row for row in self.candidates(value.text) if str(row.pk) not in chosen_ids]
        widget = context["widget"]
        attrs = widget["attrs"]
        attrs.setdefault("id", f"picker_{name}")
        widget["input"] = {"attrs": {k: v for k, v in attrs.items() if not k.startswith("hx-")}}
        widget["input"]["attrs"].setdefault("placeholder", self.kind.placeholder)
        widget["select"] = {"attrs": {k: v for k, v in attrs.items() if k.startswith("hx-")}}
        widget["id"] = attrs["id"]
        widget["search_name"] = name + SEARCH_SUFFIX
        widget["multiple"] = self.multiple
        widget["url"] = reverse(self.kind.url_name)
        widget["narrow"] = self.kind.narrow
        widget["chosen"] = [self._option(row) for row in chosen]
        widget["offered"] = [self._option(row) for row in offered]
        return context

    def _option(self, row: Any) -> dict[str, Any]:
        return {"id": row.pk, "label": self.kind.label(row), "detail": self.kind.detail(row)}


class _PickerMixin:
    """What the single and the multiple picker field share."""

    kind: PickerKind
    _queryset: QuerySet[Any] | None
    widget: PickerWidget
    error_messages: dict[str, Any]

    def _get_queryset(self) -> QuerySet[Any] | None:
        return self._queryset

    def _set_queryset(self, queryset: QuerySet[Any] | None) -> None:
        # Unlike a select, a picker never lists its queryset: it only reads the chosen rows.
        self._queryset = None if queryset is None else queryset.all()
        self.widget.rows = self._queryset

    def _one_found(self, value: PickerInput) -> str:
        """The id of the one visible row the typed text finds (a form sent without
        JavaScript); an error that says whether it found none or several."""
        found = self.widget.candidates(value.text)
        if len(found) == 1:
            return str(found[0].pk)
        code = "several" if found else "no_match"
        raise ValidationError(self.error_messages[code], code=code, params={"text": value.text})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple | QuerySet):
            return [row.pk if isinstance(row, Model) else row for row in value]
        return value.pk if isinstance(value, Model) else value

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(data, PickerInput):
            return True
        return sorted(_ids(initial)) != sorted(_ids(data))


PICKER_ERRORS = {
    "no_match": _("Nothing matches “%(text)s”."),
    "several": _("Several match “%(text)s”: choose one in the list below."),
}


class PickerField(_PickerMixin, forms.ModelChoiceField):
    """One row, chosen by typing. ``queryset`` is what the user may choose (visible rows)."""

    def __init__(self, kind: PickerKind, *, queryset: QuerySet[Any], **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("widget", PickerWidget(kind))
        kwargs["error_messages"] = {**PICKER_ERRORS, **kwargs.get("error_messages", {})}
        kwargs.pop("empty_label", None)
        super().__init__(queryset=queryset, empty_label=None, **kwargs)

    queryset = property(_PickerMixin._get_queryset, _PickerMixin._set_queryset)

    def clean(self, value: Any) -> Any:
        if isinstance(value, PickerInput):
            value = self._one_found(value)
        return super().clean(value)


class PickerMultipleField(_PickerMixin, forms.ModelMultipleChoiceField):
    """Several rows, chosen by typing one after another."""

    def __init__(self, kind: PickerKind, *, queryset: QuerySet[Any], **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("widget", PickerWidget(kind, multiple=True))
        kwargs["error_messages"] = {**PICKER_ERRORS, **kwargs.get("error_messages", {})}
        super().__init__(queryset=queryset, **kwargs)

    queryset = property(_PickerMixin._get_queryset, _PickerMixin._set_queryset)

    def clean(self, value: Any) -> Any:
        if isinstance(value, PickerInput):
            value = list(dict.fromkeys([*value.ids, self._one_found(value)]))
        return super().clean(value)
