"""Workflow rules run on a happening (``workflows.followup``), in the worker, after the
transaction that reported it committed.

``rules_apply`` takes the active rules of the happening's trigger in their order; a rule
whose trigger details and conditions (all of them) hold for the case runs its actions in
their order, each in its own transaction, and leaves a ``RuleRun`` saying what they did. A
failing action is logged and recorded, and the next one still runs. Later rules see what
earlier ones changed.

What a rule changes is written as a rule's change (``case_update(..., by_rule=True)``): its
happening runs no rule, so rules cannot loop. Happenings made by a rule, notes and
auto-replies run no rule either.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases.happenings import Kind
from kartoteka.cases.models import Case
from kartoteka.cases.services import case_settings, case_update
from kartoteka.core.sentences import single_stop
from kartoteka.workflows import values
from kartoteka.workflows.assignment import case_assign_in_group
from kartoteka.workflows.models import Rule, RuleAction, RuleCondition, RuleRun

if TYPE_CHECKING:
    from kartoteka.cases.happenings import Happening
    from kartoteka.mail.models import Message
    from kartoteka.people.models import User

logger = logging.getLogger(__name__)

TRIGGERS: dict[str, str] = {
    Kind.CASE_CREATED: Rule.Trigger.CASE_CREATED,
    Kind.CASE_UPDATED: Rule.Trigger.CASE_UPDATED,
    Kind.MESSAGE_RECEIVED: Rule.Trigger.MESSAGE_RECEIVED,
    Kind.CASE_OVERDUE: Rule.Trigger.CASE_OVERDUE,
}
# How many runs each rule keeps for its page.
RUNS_KEPT = 200


class Facts:
    """What the conditions ask about a case on a happening, each read once and only when
    a condition asks."""

    def __init__(self, happening: Happening, case: Case) -> None:
        self.happening = happening
        self.case = case

    @cached_property
    def message(self) -> Message | None:
        from kartoteka.mail.models import Message

        if self.happening.message_id is None:
            return None
        return Message.objects.filter(pk=self.happening.message_id).first()

    @cached_property
    def mailbox_id(self) -> int | None:
        """The received message's mailbox, else that of the case's first received message."""
        from kartoteka.mail.models import Message

        if self.message is not None:
            return self.message.mailbox_id
        return (
            Message.objects.filter(case_id=self.case.pk, direction=Message.Direction.INBOUND)
            .order_by("created_at", "pk")
            .values_list("mailbox_id", flat=True)
            .first()
        )

    @cached_property
    def segment_ids(self) -> set[int]:
        if self.case.account_id is None:
            return set()
        return set(self.case.account.segments.values_list("pk", flat=True))  # type: ignore[union-attr]

    @cached_property
    def entry_ids(self) -> set[int]:
        if self.case.account_id is None:
            return set()
        return set(self.case.account.classifications.values_list("pk", flat=True))  # type: ignore[union-attr]

    def subjects(self) -> list[str]:
        found = [self.case.subject]
        if self.message is not None:
            found.append(self.message.subject)
        return found

    def bodies(self) -> list[str]:
        if self.message is not None:
            return [self.message.text]
        return [self.case.description]


def _pk_text(value: Any) -> str:
    return "" if value is None else str(value)


def condition_holds(condition: RuleCondition, facts: Facts) -> bool:
    case, field, value = facts.case, condition.field, condition.value
    Field = RuleCondition.Field
    if field == Field.CHANNEL:
        return case.channel == value
    if field == Field.MAILBOX:
        return _pk_text(facts.mailbox_id) == value
    if field in (Field.GROUP, Field.CASE_TYPE, Field.PRIORITY, Field.CATEGORY):
        return _pk_text(getattr(case, f"{field}_id")) == value
    if field == Field.ACCOUNT_SEGMENT:
        return value.isdigit() and int(value) in facts.segment_ids
    if field == Field.DICTIONARY_ENTRY:
        return value.isdigit() and int(value) in facts.entry_ids
    texts = facts.subjects() if field == Field.SUBJECT_CONTAINS else facts.bodies()
    words = value.casefold()
    return any(words in text.casefold() for text in texts)


def rule_matches(rule: Rule, facts: Facts) -> bool:
    """Whether the rule's trigger details and all its conditions hold."""
    if rule.trigger == Rule.Trigger.CASE_UPDATED:
        change = facts.happening.changes.get(rule.changed_field)
        if change is None:
            return False
        if rule.changed_to and _pk_text(change[1]) != rule.changed_to:
            return False
    return all(condition_holds(condition, facts) for condition in rule.conditions.all())


# Actions: each takes the action, the case and the rule; returns the case as it is now and
# a line for the rule's run.

ActionResult = tuple[Case, str]


def _locked(case: Case) -> Case | None:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("account", "status", "priority")
        .filter(pk=case.pk)
        .first()
    )


def _can_see(users: list[User], case: Case) -> list[User]:
    """Those of ``users`` who work with cases and may see ``case``."""
    visible = []
    for user in users:
        if not user.is_active or not user.works_with_cases:
            continue
        account = case.account
        restricted = account is not None and account.restricted
        if restricted and not Case.objects.visible_to(user).filter(pk=case.pk).exists():
            continue
        visible.append(user)
    return visible


def _people(action: RuleAction) -> list[User]:
    """The action's users and its team's active members, each once, by primary key."""
    from kartoteka.people.models import User

    chosen = {user.pk: user for user in action.users.all()}
    if action.team_id is not None:
        for user in User.objects.filter(team_id=action.team_id, is_active=True):
            chosen.setdefault(user.pk, user)
    return [chosen[pk] for pk in sorted(chosen)]


def _assign(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    if action.group is None:
        return case, _("Assign: the group no longer exists.")
    assigned = case_assign_in_group(
        case=case,
        group=action.group,
        least_busy=action.kind == RuleAction.Kind.ASSIGN_LEAST_BUSY,
        only_unassigned=action.only_unassigned,
        rule=rule,
    )
    if assigned.user is None:
        return assigned.case, _("Not assigned: %(reason)s.") % {"reason": assigned.reason}
    return assigned.case, _("Assigned to %(user)s (group %(group)s).") % {
        "user": assigned.user,
        "group": action.group,
    }


def _set_field(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    field = action.field
    label = RuleAction.SetField(field).label if field in RuleAction.SetField.values else field
    new: Any
    if field == RuleAction.SetField.DUE_DATE:
        new = timezone.localdate() + timedelta(days=action.days or 0)
    elif action.value == "":
        new = None
    else:
        new = values.value_object(field, action.value)
        if new is None:
            return case, _("%(field)s not set: the value no longer exists.") % {"field": label}
    with transaction.atomic():
        locked = _locked(case)
        if locked is None:
            return case, _("The case is gone.")
        if (
            field == RuleAction.SetField.ASSIGNEE
            and new is not None
            and not _can_see([new], locked)
        ):
            return locked, _("%(user)s may not see the case; assignee not set.") % {"user": new}
        current = getattr(locked, field)
        if (current.pk if hasattr(current, "pk") else current) == (
            new.pk if hasattr(new, "pk") else new
        ):
            return locked, _("%(field)s was already %(value)s.") % {
                "field": label,
                "value": new if new is not None else _("(none)"),
            }
        case_update(case=locked, by=None, data={field: new}, by_rule=True)  # type: ignore[arg-type]
    return locked, _("%(field)s set to %(value)s.") % {
        "field": label,
        "value": new if new is not None else _("(none)"),
    }


def _notify(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    from kartoteka.notifications.services import notify

    text = f"{rule.name}: {action.message}" if action.message else rule.name
    sent = notify(users=_people(action), case=case, kind="rule", text=text)
    return case, _("Notified %(count)d users.") % {"count": len(sent)}


def _add_followers(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    from kartoteka.cases.following import followers_add

    added = followers_add(case=case, users=_can_see(_people(action), case))
    return case, _("%(count)d users began to follow.") % {"count": added}


def _email_recipients(action: RuleAction, case: Case) -> list[str]:
    from kartoteka.customers.models import EmailAddress

    contact_ids: list[int] = []
    if action.email_reporter and case.reporter_id is not None:
        contact_ids.append(case.reporter_id)
    if action.email_contacts:
        contact_ids += list(case.contacts.order_by("pk").values_list("pk", flat=True))
    first_address: dict[int, str] = {}
    rows = (
        EmailAddress.objects.filter(contact_id__in=contact_ids)
        .order_by("position", "pk")
        .values_list("contact_id", "address")
    )
    for contact_id, address in rows:
        first_address.setdefault(contact_id, address)
    addresses = [first_address[pk] for pk in contact_ids if pk in first_address]
    addresses += [a.strip() for a in action.email_addresses.split(",") if a.strip()]
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


def _send_email(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    from kartoteka.mail.mailboxes import mailbox_for_case
    from kartoteka.mail.sending import canned
    from kartoteka.mail.sending.outbound import message_compose

    mailbox = mailbox_for_case(case)
    if mailbox is None:
        logger.warning("rule %s: no default mailbox to send its email from", rule.pk)
        return case, _("Email not sent: there is no default mailbox.")
    recipients = _email_recipients(action, case)
    if not recipients:
        return case, _("Email not sent: nobody to send it to.")
    filled = canned.case_placeholder_values(case, prefix=case_settings().prefix)
    subject = " ".join(canned.canned_render(action.email_subject, values=filled).split())
    text = canned.canned_render(action.email_body, values=filled).strip() + "\n"
    with transaction.atomic():
        message = message_compose(
            mailbox=mailbox, to=recipients, subject=subject, text=text, case=case, automatic=True
        )
    if message is None:
        return case, _("Email held back for every recipient (automatic-mail guard).")
    return case, _("Email queued to %(addresses)s.") % {
        "addresses": ", ".join(entry["address"] for entry in message.to)
    }


def _set_mailbox(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    from django.core.exceptions import ValidationError

    from kartoteka.mail.mailboxes import case_mailbox_set

    if action.mailbox is None:
        return case, _("Mailbox not set: it no longer exists.")
    try:
        changed = case_mailbox_set(case=case, mailbox=action.mailbox, by=None)
    except ValidationError:
        return case, _("Mailbox not set: %(mailbox)s cannot send.") % {"mailbox": action.mailbox}
    if not changed:
        return case, _("The mailbox was already %(mailbox)s.") % {"mailbox": action.mailbox}
    return case, _("Mailbox set to %(mailbox)s.") % {"mailbox": action.mailbox}


def _create_case(action: RuleAction, case: Case, rule: Rule) -> ActionResult:
    """On a case's happening: one case for the action's customer (a segment's customers get
    theirs only from a scheduled rule, see ``workflows.scheduled``)."""
    from kartoteka.workflows.creating import case_from_action

    if action.account is None:
        return case, _("No case created: the customer no longer exists.")
    created = case_from_action(action=action, account=action.account, rule=rule)
    return case, single_stop(
        _("Case #%(number)s created for %(customer)s.")
        % {"number": created.number, "customer": action.account.name}
    )


ACTIONS: dict[str, Callable[[RuleAction, Case, Rule], ActionResult]] = {
    RuleAction.Kind.ASSIGN_ROUND_ROBIN: _assign,
    RuleAction.Kind.ASSIGN_LEAST_BUSY: _assign,
    RuleAction.Kind.SET_FIELD: _set_field,
    RuleAction.Kind.NOTIFY: _notify,
    RuleAction.Kind.ADD_FOLLOWERS: _add_followers,
    RuleAction.Kind.SEND_EMAIL: _send_email,
    RuleAction.Kind.SET_MAILBOX: _set_mailbox,
    RuleAction.Kind.CREATE_CASE: _create_case,
}


def rules_for(trigger: str) -> list[Rule]:
    """The active rules of a trigger in their order, with conditions and actions (4 queries
    when there are any, 1 when there are none)."""
    actions = RuleAction.objects.select_related(
        "group", "team", "mailbox", "account", "case_assignee"
    ).prefetch_related("users")
    return list(
        Rule.objects.filter(active=True, trigger=trigger)
        .order_by("position", "pk")
        .prefetch_related("conditions", Prefetch("actions", queryset=actions))
    )


def rule_run(rule: Rule, case: Case, happening: Happening) -> Case:
    """Carry out a rule's actions on ``case``; record and log what they did. Returns the
    case as the actions left it."""
    lines: list[str] = []
    for action in rule.actions.all():
        try:
            case, line = ACTIONS[action.kind](action, case, rule)
        except Exception:
            logger.exception(
                "rule %s: action %s failed on case #%s", rule.pk, action.kind, case.number
            )
            line = _("%(action)s failed; see the log.") % {"action": action.get_kind_display()}
        lines.append(line)
    outcome = " ".join(lines)
    logger.info("rule %s (%s) ran on case #%s: %s", rule.pk, rule.name, case.number, outcome)
    RuleRun.objects.create(
        rule=rule, case=case, case_number=case.number, happening=happening.kind, outcome=outcome
    )
    stale = (
        RuleRun.objects.filter(rule=rule)
        .order_by("-at", "-pk")
        .values_list("pk", flat=True)[RUNS_KEPT : RUNS_KEPT + 100]
    )
    stale_pks = list(stale)
    if stale_pks:
        RuleRun.objects.filter(pk__in=stale_pks).delete()
    return case


def rules_apply(happening: Happening, case: Case) -> None:
    """Run the rules of the happening's trigger on ``case`` (see the module's docstring).

    ``case`` is refreshed from the database afterwards when a rule ran, so the steps after
    this one see what the rules changed.
    """
    if happening.by_rule or happening.auto_reply:
        return
    trigger = TRIGGERS.get(happening.kind)
    if trigger is None:
        return
    rules = rules_for(trigger)
    if not rules:
        return
    facts = Facts(happening, case)
    ran = False
    for rule in rules:
        if not rule_matches(rule, facts):
            continue
        facts.case = rule_run(rule, facts.case, happening)
        ran = True
    if ran:
        with contextlib.suppress(Case.DoesNotExist):  # deleted meanwhile
            case.refresh_from_db()
