"""The rule action "create a case": one case for a customer, as a rule makes it.

The case comes by the channel ``Case.Channel.RULE``, so its creation is reported as a rule's
happening (``by_rule``): followers, notifications and notices follow it, rules do not (a rule
that creates cases cannot loop). Subject and description fill in ``{customer}`` and
``{date}``. The type and priority are the action's (else their lists' defaults), the group the
action's; the assignee is the action's user when they may see the customer, or a member of the
group in turn or the least busy; the mailbox, when the action names one, answers the case.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone

from kartoteka.cases.models import Case
from kartoteka.cases.services import case_create
from kartoteka.customers.models import Account
from kartoteka.mail.mailboxes import case_mailbox_set
from kartoteka.workflows import values
from kartoteka.workflows.assignment import case_assign_in_group
from kartoteka.workflows.models import RuleAction

if TYPE_CHECKING:
    from kartoteka.workflows.models import Rule

logger = logging.getLogger(__name__)

PLACEHOLDERS = ("{customer}", "{date}")


def _filled(text: str, *, account: Account | None) -> str:
    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    return text.replace("{customer}", account.name if account else "").replace("{date}", today)


def _assignee_may_see(action: RuleAction, account: Account | None) -> bool:
    user = action.case_assignee
    if user is None or not user.is_active or not user.works_with_cases:
        return False
    return account is None or Account.objects.visible_to(user).filter(pk=account.pk).exists()


@transaction.atomic
def case_from_action(*, action: RuleAction, account: Account | None, rule: Rule) -> Case:
    """Create the action's case for ``account`` (see the module's docstring)."""
    data: dict[str, Any] = {"description": _filled(action.case_description, account=account)}
    if action.group is not None:
        data["group"] = action.group
    for field, value in (("case_type", action.case_type), ("priority", action.case_priority)):
        chosen = values.value_object(field, value)
        if chosen is not None:
            data[field] = chosen
    if _assignee_may_see(action, account):
        data["assignee"] = action.case_assignee
    subject = " ".join(_filled(action.case_subject, account=account).split())[:255]
    case = case_create(
        by=None, subject=subject or rule.name, account=account, data=data, channel=Case.Channel.RULE
    )
    if action.mailbox is not None:
        try:
            case_mailbox_set(case=case, mailbox=action.mailbox, by=None)
        except ValidationError:
            logger.warning("rule %s: mailbox %s cannot send", rule.pk, action.mailbox_id)
    if action.case_assignment and action.group is not None and case.assignee_id is None:
        case = case_assign_in_group(
            case=case,
            group=action.group,
            least_busy=action.case_assignment == RuleAction.Assignment.LEAST_BUSY,
            rule=rule,
        ).case
    return case
