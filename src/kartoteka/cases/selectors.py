"""Reads of cases; every one starts from ``Case.objects.visible_to(user)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from kartoteka.cases.filters import CaseFilter
from kartoteka.cases.models import Case, CaseAttachment, CaseNote
from kartoteka.customers.models import Account, Contact
from kartoteka.people.models import User

LIST_RELATIONS = ("status", "priority", "case_type", "category", "group", "account", "assignee")
# The lookup lists are tiny: fetched once per page instead of joined, which keeps PostgreSQL's
# planning time down on the million-row list (seven joins cost more to plan than to run).
LIST_JOINS = ("account", "assignee")
LIST_LOOKUPS = ("status", "priority", "case_type", "category", "group")


def case_filterset(*, user: User, filters: Mapping[str, Any]) -> CaseFilter:
    """The bound filter of the case list; its ``qs`` is what the list, export and API show."""
    base = Case.objects.visible_to(user).select_related(*LIST_JOINS).prefetch_related(*LIST_LOOKUPS)
    filterset = CaseFilter(filters, queryset=base, user=user)
    # A customer filter may only name customers the user can see.
    filterset.filters["account"].queryset = Account.objects.visible_to(user)
    return filterset


def case_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Case]:
    """Visible cases matching the filters; an invalid filter matches nothing."""
    filterset = case_filterset(user=user, filters=filters or {})
    return filterset.qs if filterset.is_valid() else Case.objects.none()


def case_reply_failed() -> Exists:
    """Whether one of the case's replies failed to go out (the outbox's ``failed`` state, see
    ``mail.sending.outbox``): the case list's mark, as one ``EXISTS`` per row shown. The
    messages are reached by their reverse relation and their values by name, since ``mail``
    stands above ``cases``."""
    return Exists(
        Case.objects.filter(pk=OuterRef("pk"), messages__direction="out", messages__state="failed")
    )


def case_get_for_user(user: User, number: int, *, write: bool = False) -> Case:
    """The case with this number if the user may see it (else 404); ``PermissionDenied`` for
    a write by someone who does not work with cases. Its emails are read by
    ``mail.conversation``."""
    case = (
        Case.objects.visible_to(user)
        .select_related(*LIST_RELATIONS, "reporter", "created_by", "merged_into")
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
    attachment = CaseAttachment.objects.visible_to(user).filter(case__number=number, pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def case_workers() -> QuerySet[User]:
    """Active users who work with cases (administrators, managers, superusers, and users
    marked ``can_work_with_cases`` who are not portal users), in name order: whom a case may
    be assigned to, who may be a group's member, whom workflow rules assign, notify or make
    follow. ``User.works_with_cases`` is the same rule for one user."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(role__in=[User.Role.ADMINISTRATOR, User.Role.MANAGER])
            | Q(is_superuser=True)
            | (Q(can_work_with_cases=True) & ~Q(role=User.Role.PORTAL))
        )
        .order_by("last_name", "first_name", "username", "pk")
    )
