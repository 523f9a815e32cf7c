"""Choosing whom a rule assigns a case to, among a group's members.

Who may get it: active members who work with cases, are not marked absent and can see the
case (a restricted customer's case only goes to whom the visibility rule lets see it), in
primary-key order.

- Round robin: the next such member after the one the group's rules chose last, wrapping
  around; a member who left or is absent is simply passed over.
- Least busy: the member with the fewest open cases (assigned to them, in a status that does
  not close the case, not merged); among equals, the one whose last rule assignment is the
  oldest (never assigned: oldest of all); then the lower primary key.

Both run in one transaction that first locks the group's ``RoundRobinPointer`` row
(``select_for_update``), then the case's row: concurrent assignments in one group queue on
the pointer, each one seeing the assignments committed before it, so 100 cases created at
once over 4 idle members give each of them 25. On SQLite the single writer serialises them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case, CaseGroup
from kartoteka.cases.services import case_update
from kartoteka.workflows.models import Assignment, RoundRobinPointer, Rule

if TYPE_CHECKING:
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assigned:
    """What an assignment did: the chosen user (``None`` when nobody could take it) and the
    case as it is now."""

    user: User | None
    case: Case
    reason: str = ""


def _pointer_locked(group: CaseGroup) -> RoundRobinPointer:
    """The group's pointer row, locked until the transaction ends (created if missing: the
    losing creator of a race reads the winner's row)."""
    RoundRobinPointer.objects.get_or_create(group=group)
    return RoundRobinPointer.objects.select_for_update().get(group=group)


def eligible_members(group: CaseGroup, case: Case) -> list[User]:
    """The group's members who may get ``case`` now, by primary key."""
    members = [
        user
        for user in group.members.filter(is_active=True, is_absent=False).order_by("pk")
        if user.works_with_cases
    ]
    account = case.account
    if account is None or not account.restricted:
        return members
    return [user for user in members if Case.objects.visible_to(user).filter(pk=case.pk).exists()]


def _round_robin(members: list[User], pointer: RoundRobinPointer) -> User:
    after = pointer.last_user_id or 0
    return next((user for user in members if user.pk > after), members[0])


def _least_busy(members: list[User]) -> User:
    pks = [user.pk for user in members]
    open_counts = dict(
        Case.objects.filter(
            assignee_id__in=pks, status__closes_case=False, merged_into__isnull=True
        )
        .values_list("assignee_id")
        .annotate(count=Count("pk"))
        .values_list("assignee_id", "count")
    )
    latest = dict(
        Assignment.objects.filter(user_id__in=pks)
        .values_list("user_id")
        .annotate(last=Max("pk"))
        .values_list("user_id", "last")
    )
    return min(
        members, key=lambda user: (open_counts.get(user.pk, 0), latest.get(user.pk, 0), user.pk)
    )


def case_assign_in_group(
    *,
    case: Case,
    group: CaseGroup,
    least_busy: bool,
    only_unassigned: bool = True,
    rule: Rule | None = None,
) -> Assigned:
    """Assign ``case`` to a member of ``group`` (round robin, or ``least_busy``), through
    ``cases.services.case_update`` as a rule's change (``by_rule``: no rule runs on it).

    With ``only_unassigned``, a case someone has already (read under the case's lock) is left
    as it is. Locks the group's pointer, then the case (see the module's docstring); records
    an ``Assignment`` and moves the pointer in the same transaction.
    """
    with transaction.atomic():
        pointer = _pointer_locked(group)
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("account", "status", "priority")
            .filter(pk=case.pk)
            .first()
        )
        if locked is None:
            return Assigned(None, case, _("the case is gone"))
        if only_unassigned and locked.assignee_id is not None:
            return Assigned(None, locked, _("the case already has an assignee"))
        members = eligible_members(group, locked)
        if not members:
            logger.info(
                "case #%s: no member of group %s can take it (absent, inactive or not allowed)",
                locked.number,
                group.pk,
            )
            return Assigned(None, locked, _("no member of the group can take it"))
        user = _least_busy(members) if least_busy else _round_robin(members, pointer)
        if locked.assignee_id != user.pk:
            case_update(case=locked, by=None, data={"assignee": user}, by_rule=True)  # type: ignore[arg-type]
        Assignment.objects.create(user=user, case=locked, group=group, rule=rule)
        pointer.last_user = user
        pointer.save(update_fields=["last_user", "updated_at"])
    return Assigned(user, locked)
