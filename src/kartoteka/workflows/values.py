"""The values a rule may name: channels, mailboxes, the case lists, segments, classifications,
staff. Each is kept as text (a channel's value or a primary key); here it is offered to the
form, checked before it is saved, and read back as an object or a label.

A form's select carries ``"<field>:<value>"`` so that a value of one list posted for another
(``"group:7"`` where a priority is asked) is refused instead of being taken for a priority.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.cases.models import Case, CaseGroup, CaseType, Category, Priority, Status
from kartoteka.cases.selectors import case_workers
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.customers.models import Segment
from kartoteka.mail.models import Mailbox

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The fields whose values are rows, with the label of their list.
LISTS: dict[str, StrPromise] = {
    "channel": gettext_lazy("Channel"),
    "mailbox": gettext_lazy("Mailbox"),
    "status": gettext_lazy("Status"),
    "priority": gettext_lazy("Priority"),
    "case_type": gettext_lazy("Type"),
    "category": gettext_lazy("Category"),
    "group": gettext_lazy("Group"),
    "assignee": gettext_lazy("Assignee"),
    "account_segment": gettext_lazy("Customer's segment"),
    "dictionary_entry": gettext_lazy("Customer's classification"),
}
# Case fields a rule may leave empty (every case keeps a status and a priority).
CLEARABLE = frozenset({"case_type", "category", "group", "assignee"})


def _queryset(field: str) -> QuerySet[Any]:
    lists: dict[str, QuerySet[Any]] = {
        "mailbox": Mailbox.objects.order_by("name", "pk"),
        "status": Status.objects.order_by("position", "name", "pk"),
        "priority": Priority.objects.order_by("position", "name", "pk"),
        "case_type": CaseType.objects.order_by("position", "name", "pk"),
        "category": Category.objects.order_by("position", "name", "pk"),
        "group": CaseGroup.objects.order_by("position", "name", "pk"),
        "assignee": case_workers(),
        "account_segment": Segment.objects.order_by("name", "pk"),
        "dictionary_entry": DictionaryEntry.objects.filter(
            dictionary__applies_to=Dictionary.AppliesTo.ACCOUNT
        )
        .select_related("dictionary")
        .order_by("dictionary__position", "dictionary__name", "position", "label", "pk"),
    }
    return lists[field]


def _label(field: str, row: Any) -> str:
    if field == "dictionary_entry":
        return f"{row.dictionary.name}: {row.label}"
    return str(row)


def value_choices(fields: list[str], *, clearable: bool = False) -> list[tuple[Any, Any]]:
    """Grouped choices ``(list label, [("field:value", label), ...])`` for a select; with
    ``clearable``, the lists that may be empty offer ``"field:"`` (nothing) first."""
    choices: list[tuple[Any, Any]] = [("", "—")]
    for field in fields:
        options: list[tuple[str, str]] = []
        if clearable and field in CLEARABLE:
            options.append((f"{field}:", _("(none)")))
        if field == "channel":
            options += [(f"channel:{value}", str(label)) for value, label in Case.Channel.choices]
        else:
            options += [(f"{field}:{row.pk}", _label(field, row)) for row in _queryset(field)]
        choices.append((str(LISTS[field]).capitalize(), options))
    return choices


def value_split(code: str, field: str) -> str:
    """The value of ``"field:value"`` chosen in a select, refused when it is another list's."""
    prefix = f"{field}:"
    if not code.startswith(prefix):
        raise ValidationError(
            _("Choose a value of the list chosen in this row."), code="wrong_list"
        )
    return code[len(prefix) :]


def value_check(field: str, value: str, *, allow_empty: bool = False) -> str:
    """``value`` if it names an existing value of ``field``'s list, else ``ValidationError``.

    ``allow_empty`` accepts ``""`` (nothing) for the lists a case may leave empty.
    """
    if field not in LISTS:
        raise ValidationError(_("Unknown field."), code="unknown_field")
    if value == "" and allow_empty and field in CLEARABLE:
        return ""
    if field == "channel":
        known = value in Case.Channel.values
    else:
        is_pk = value.isascii() and value.isdigit() and len(value) <= 18
        known = is_pk and _queryset(field).filter(pk=int(value)).exists()
    if known:
        return value
    raise ValidationError(
        _("That %(list)s does not exist (any more); choose one from the list.")
        % {"list": str(LISTS[field]).lower()},
        code="unknown_value",
    )


def value_object(field: str, value: str) -> Any:
    """The row ``value`` names in ``field``'s list, or ``None`` when it is gone or empty."""
    if not value or not value.isdigit() or field == "channel":
        return None
    return _queryset(field).filter(pk=int(value)).first()
