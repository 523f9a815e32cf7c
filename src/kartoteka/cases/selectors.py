"""Reads of cases; every one starts from ``Case.objects.visible_to(user)``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kartoteka.cases.filters import CaseFilter
from kartoteka.cases.models import Case, CaseAttachment, CaseNote
from kartoteka.customers.models import Account, Contact
from kartoteka.mail.models import Message
from kartoteka.people.models import User

LIST_RELATIONS = ("status", "priority", "case_type", "category", "group", "account", "assignee")
# The lookup lists are tiny: fetched once per page instead of joined, which keeps PostgreSQL's
# planning time down on the million-row list (seven joins cost more to plan than to run).
LIST_JOINS = ("account", "assignee")
LIST_LOOKUPS = ("status", "priority", "case_type", "category", "group")


def case_filterset(*, user: User, filters: Mapping[str, Any]) -> CaseFilter:
    """The bound filter of the case list; its ``qs`` is what the list, export and API show."""
    base = Case.objects.visible_to(user).select_related(*LIST_JOINS).prefetch_related(*LIST_LOOKUPS)
    filterset = CaseFilter(filters, queryset=base)
    # A customer filter may only name customers the user can see.
    filterset.filters["account"].queryset = Account.objects.visible_to(user)
    return filterset


def case_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Case]:
    """Visible cases matching the filters; an invalid filter matches nothing."""
    filterset = case_filterset(user=user, filters=filters or {})
    return filterset.qs if filterset.is_valid() else Case.objects.none()


def case_messages_prefetch() -> Prefetch:
    """A case's emails, oldest first, with their attachments: for the conversation on its page."""
    return Prefetch(
        "messages",
        queryset=Message.objects.order_by("created_at", "pk").prefetch_related("attachments"),
    )


def case_get_for_user(
    user: User, number: int, *, write: bool = False, with_messages: bool = False
) -> Case:
    """The case with this number if the user may see it (else 404).

    ``with_messages`` also fetches its emails with their attachments (two queries, whatever
    their number) for the case page; other callers do not pay for them.
    """
    queryset = Case.objects.visible_to(user)
    if with_messages:
        queryset = queryset.prefetch_related(case_messages_prefetch())
    case = (
        queryset.select_related(*LIST_RELATIONS, "reporter", "created_by")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("last_name", "first_name")),
            Prefetch("notes", queryset=CaseNote.objects.select_related("author")),
            "attachments",
        )
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404
    if write and not user.works_with_cases:
        raise PermissionDenied
    return case


def case_can_delete(user: User) -> bool:
    """Deleting cases is for administrators and managers."""
    return user.sees_everything


def case_attachment_get_for_user(user: User, number: int, pk: int) -> CaseAttachment:
    """An attachment of a case the user may see (else 404)."""
    attachment = (
        CaseAttachment.objects.filter(case__in=Case.objects.visible_to(user))
        .filter(case__number=number, pk=pk)
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def case_workers() -> QuerySet[User]:
    """Active users who work with cases: whom a case may be assigned to."""
    return User.objects.filter(is_active=True).filter(
        Q(role__in=[User.Role.ADMINISTRATOR, User.Role.MANAGER])
        | Q(is_superuser=True)
        | (Q(can_work_with_cases=True) & ~Q(role=User.Role.PORTAL))
    )


# The history of a case


HISTORY_SKIPPED = frozenset({"id", "number", "created_at", "created_by", "updated_at"})


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One line of a case's history: a change of its fields, or a note."""

    kind: str  # "created", "changed", "deleted" or "note"
    when: datetime
    who: User | None
    changes: list[FieldChange] = field(default_factory=list)
    note: str = ""


def _tracked_fields() -> list[Any]:
    return [f for f in Case._meta.concrete_fields if f.name not in HISTORY_SKIPPED]


def _names(model: type[Model], ids: Iterable[Any]) -> dict[Any, str]:
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=wanted)}


def _display(value: Any, names: dict[Any, str] | None) -> str:
    if value is None or value == "":
        return ""
    if names is not None:
        return names.get(value, _("#%(id)s (deleted)") % {"id": value})
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def case_history(case: Case) -> list[HistoryEntry]:
    """Every change of every field of the case, and its notes, oldest first.

    Related values are shown by name: one query per related list for all records together
    (statuses, priorities, users, …), one for the contacts of every record, none per row.
    """
    historical = Case.history.model  # type: ignore[attr-defined]
    records = list(
        historical.objects.filter(id=case.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    tracked = _tracked_fields()
    contacts_through = apps.get_model("cases", "HistoricalCase_contacts")
    contacts_by_record: dict[int, set[int]] = {r.history_id: set() for r in records}
    for record_id, contact_id in contacts_through.objects.filter(
        history_id__in=list(contacts_by_record)
    ).values_list("history_id", "contact_id"):
        contacts_by_record[record_id].add(contact_id)

    names: dict[str, dict[Any, str]] = {}
    by_model: dict[type[Model], list[str]] = {}
    for f in tracked:
        if f.is_relation:
            by_model.setdefault(f.related_model, []).append(f.attname)
    all_contact_ids = set().union(*contacts_by_record.values()) if records else set()
    for model, attnames in by_model.items():
        ids = {getattr(r, attname) for r in records for attname in attnames}
        if model is Contact:
            ids |= all_contact_ids
        looked_up = _names(model, ids)
        for attname in attnames:
            names[attname] = looked_up
    contact_names = names.get("reporter_id") or _names(Contact, all_contact_ids)

    entries: list[HistoryEntry] = []
    previous: Any = None
    for record in records:
        kind = {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]
        entry = HistoryEntry(kind=kind, when=record.history_date, who=record.history_user)
        for f in tracked:
            new = getattr(record, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if kind == "deleted" or new == old or (previous is None and new in (None, "")):
                continue
            names_of = names.get(f.attname) if f.is_relation else None
            entry.changes.append(
                FieldChange(
                    label=capfirst(str(f.verbose_name)),
                    old=_display(old, names_of),
                    new=_display(new, names_of),
                )
            )
        new_people = contacts_by_record[record.history_id]
        old_people: set[int] = (
            contacts_by_record[previous.history_id] if previous is not None else set()
        )
        if kind != "deleted" and new_people != old_people:
            entry.changes.append(
                FieldChange(
                    label=capfirst(str(Case._meta.get_field("contacts").verbose_name)),
                    old=", ".join(sorted(contact_names.get(i, "") for i in old_people)),
                    new=", ".join(sorted(contact_names.get(i, "") for i in new_people)),
                )
            )
        if entry.changes or kind != "changed":
            entries.append(entry)
        previous = record
    for note in case.notes.all():
        entries.append(
            HistoryEntry(kind="note", when=note.created_at, who=note.author, note=note.text)
        )
    entries.sort(key=lambda entry: entry.when)
    return entries
