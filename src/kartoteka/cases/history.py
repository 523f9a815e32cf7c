"""The history of a case, as the printable page and the API show it.

Three sources in one time-ordered list: the records of ``Case.history`` (each compared with the
one before it), the ``CaseEvent`` rows (contacts, messages moved in or out, merges) and the
notes. A fixed number of queries whatever the length: one per source and one per related list
named anywhere in the records (statuses, priorities, users, …), none per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kartoteka.cases.models import Case, CaseEvent
from kartoteka.core.names import local_name

if TYPE_CHECKING:
    from kartoteka.customers.models import Contact
    from kartoteka.people.models import User

# A change made by a customer's email (no user) names the sender's contact as its change
# reason, by id (``services.case_update``'s ``by_sender``).
SENDER_REASON = "contact:{pk}"
SENDER_REASON_PREFIX = "contact:"

SKIPPED_FIELDS = frozenset(
    {
        "id", "number", "created_at", "created_by", "updated_at", "status_changed_at",
        "overdue_since",
    }
)  # fmt: skip


@dataclass
class FieldChange:
    """One field's change: ``old``/``new`` as shown to people, ``*_value`` as the API gives
    them (a plain value, ``{"id", "name"}`` for a related record, a list of those)."""

    field: str
    label: str
    old: str
    new: str
    old_value: Any = None
    new_value: Any = None


@dataclass
class HistoryEntry:
    """One line of a case's history."""

    kind: str  # "created", "changed", "deleted", "note" or "event"
    when: datetime
    who: User | None
    changes: list[FieldChange] = field(default_factory=list)
    text: str = ""  # the note, or what the event says
    event: str = ""  # the CaseEvent kind
    # no user, a customer's email made the change: its sender's contact
    contact: Contact | None = None

    @property
    def author(self) -> str:
        """Who made it, as people read it: the user, else the customer's contact, else ""."""
        return str(self.who or self.contact or "")


def case_history(case: Case, *, newest_first: bool = False) -> list[HistoryEntry]:
    """Every change, event and note of the case, oldest first (or newest first)."""
    entries = [
        *_record_entries(case),
        *(_event_entry(event) for event in case.events.select_related("actor")),
        *(
            HistoryEntry(kind="note", when=note.created_at, who=note.author, text=note.text)
            for note in case.notes.select_related("author")
        ),
    ]
    entries.sort(key=lambda entry: entry.when, reverse=newest_first)
    return entries


# The plain fields, from Case.history


def _tracked_fields() -> list[Any]:
    return [f for f in Case._meta.concrete_fields if f.name not in SKIPPED_FIELDS]


def _names(model: type[Model], ids: Iterable[Any]) -> dict[Any, str]:
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return {obj.pk: str(obj) for obj in model._base_manager.filter(pk__in=wanted)}


def _shown(
    value: Any, names: dict[Any, str] | None, choices: dict[Any, Any] | None = None
) -> tuple[str, Any]:
    """``value`` as people read it and as the API gives it (a choice by its label)."""
    if value is None or value == "":
        return "", value
    if choices:
        return str(choices.get(value, value)), value
    if names is not None:
        name = names.get(value)
        text = name if name is not None else _("#%(id)s (deleted)") % {"id": value}
        return text, {"id": value, "name": name}
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT"), value.isoformat()
    if isinstance(value, bool):
        return (_("yes") if value else _("no")), value
    return str(value), value


def _record_entries(case: Case) -> list[HistoryEntry]:
    records = list(
        Case.history.filter(id=case.pk)  # type: ignore[attr-defined]
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    tracked = _tracked_fields()
    by_model: dict[type[Model], list[str]] = {}
    for f in tracked:
        if f.is_relation:
            by_model.setdefault(f.related_model, []).append(f.attname)
    names: dict[str, dict[Any, str]] = {}
    for model, attnames in by_model.items():
        looked_up = _names(model, {getattr(r, a) for r in records for a in attnames})
        for attname in attnames:
            names[attname] = looked_up

    contacts = _sender_contacts(records)
    entries: list[HistoryEntry] = []
    previous: Any = None
    for record in records:
        kind = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        entry = HistoryEntry(
            kind=kind,
            when=record.history_date,
            who=record.history_user,
            contact=contacts.get(record.history_change_reason or ""),
        )
        for f in tracked:
            new = getattr(record, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if kind == "deleted" or new == old or (previous is None and new in (None, "")):
                continue
            choices = dict(f.flatchoices) if f.choices else None
            old_text, old_value = _shown(old, names.get(f.attname), choices)
            new_text, new_value = _shown(new, names.get(f.attname), choices)
            entry.changes.append(
                FieldChange(
                    field=f.name,
                    label=capfirst(str(f.verbose_name)),
                    old=old_text,
                    new=new_text,
                    old_value=old_value,
                    new_value=new_value,
                )
            )
        if entry.changes or kind != "changed":
            entries.append(entry)
        previous = record
    return entries


def _sender_contacts(records: list[Any]) -> dict[str, Contact]:
    """The contacts the records' change reasons name (one query, none without any); an erased
    contact is simply not found."""
    from kartoteka.customers.models import Contact

    wanted = {
        reason.removeprefix(SENDER_REASON_PREFIX)
        for record in records
        if (reason := record.history_change_reason or "").startswith(SENDER_REASON_PREFIX)
    }
    pks = {int(pk) for pk in wanted if pk.isdigit()}
    if not pks:
        return {}
    return {
        SENDER_REASON.format(pk=contact.pk): contact
        for contact in Contact._base_manager.filter(pk__in=pks)
    }


# Events


def _people(people: list[dict[str, Any]]) -> str:
    return ", ".join(person["name"] for person in people)


def _overdue_text(data: dict[str, Any]) -> str:
    days = data.get("days", 0)
    text = ngettext(
        "Overdue: %(days)s day in the status “%(status)s”.",
        "Overdue: %(days)s days in the status “%(status)s”.",
        days,
    ) % {"days": days, "status": local_name(data.get("status", ""))}
    told = data.get("told") or []
    if told:
        text += " " + _("Told: %(addresses)s.") % {"addresses": ", ".join(told)}
    return text


_OUTBOX_KINDS = frozenset(
    {
        CaseEvent.Kind.REPLY_RETRIED,
        CaseEvent.Kind.REPLY_CANCELLED,
        CaseEvent.Kind.STATUS_NOT_APPLIED,
    }
)


def _outbox_text(kind: str, data: dict[str, Any], subject: str) -> str:
    """The history line of a reply retried or cancelled in the outbox, or of the status it
    was to set and did not (``cases.events``)."""
    values = {"subject": subject, "status": local_name(data.get("status") or "")}
    if kind == CaseEvent.Kind.REPLY_RETRIED:
        return _("Reply “%(subject)s” sent again from the outbox.") % values
    if kind == CaseEvent.Kind.REPLY_CANCELLED:
        if values["status"]:
            return (
                _("Reply “%(subject)s” cancelled: never sent; the status “%(status)s” was not set.")
                % values
            )
        return _("Reply “%(subject)s” cancelled: never sent.") % values
    if data.get("reason") == "customer_wrote":
        return (
            _(
                "Reply “%(subject)s” sent; the status “%(status)s” was not set: the customer "
                "wrote again meanwhile."
            )
            % values
        )
    return (
        _(
            "Reply “%(subject)s” sent; the status “%(status)s” was not set: the status was "
            "changed meanwhile."
        )
        % values
    )


def _event_entry(event: CaseEvent) -> HistoryEntry:
    entry = HistoryEntry(kind="event", when=event.created_at, who=event.actor, event=event.kind)
    data = event.data
    if event.kind == CaseEvent.Kind.CONTACTS_CHANGED:
        old, new = data.get("old", []), data.get("new", [])
        label = capfirst(str(Case._meta.get_field("contacts").verbose_name))
        entry.changes.append(FieldChange("contacts", label, _people(old), _people(new), old, new))
        return entry
    if event.kind == CaseEvent.Kind.MAILBOX_CHANGED:
        default = _("the default mailbox")
        old_name, new_name = data.get("old") or default, data.get("new") or default
        entry.changes.append(
            FieldChange(
                "mailbox", _("Mailbox"), old_name, new_name, data.get("old"), data.get("new")
            )
        )
        return entry
    values = {"subject": data.get("subject") or _("(no subject)"), "number": data.get("other_case")}
    Kind = CaseEvent.Kind
    if event.kind == Kind.MESSAGE_MOVED_IN:
        entry.text = (
            _("Message “%(subject)s” moved here from case #%(number)s.")
            if values["number"] is not None
            else _("Message “%(subject)s” placed here from triage.")
        ) % values
    elif event.kind == Kind.MESSAGE_MOVED_OUT:
        entry.text = (
            _("Message “%(subject)s” moved to case #%(number)s.")
            if values["number"] is not None
            else _("Message “%(subject)s” moved to triage.")
        ) % values
    elif event.kind == Kind.CREATED_FROM_MESSAGE:
        entry.text = (
            _("Created from message “%(subject)s” of case #%(number)s.")
            if values["number"] is not None
            else _("Created from message “%(subject)s” from triage.")
        ) % values
    elif event.kind == Kind.MERGED_INTO:
        entry.text = _("Merged into case #%(number)s.") % values
    elif event.kind == Kind.MERGED_FROM:
        entry.text = _("Case #%(number)s “%(subject)s” merged into this one.") % values
    elif event.kind == Kind.OVERDUE:
        entry.text = _overdue_text(data)
    elif event.kind in _OUTBOX_KINDS:
        entry.text = _outbox_text(event.kind, data, values["subject"])
    else:
        entry.text = event.get_kind_display()
    return entry
