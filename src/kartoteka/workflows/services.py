"""The only code that writes workflow rules.

``rule_save`` checks the whole rule (its trigger, every condition and every action) and
either writes all of it in one transaction or raises ``ValidationError`` and changes nothing.
A rule's conditions and actions are replaced as a whole on every save, so no posted row can
name a row of another rule. Order changes lock every rule (``select_for_update``), so two
administrators reordering at once queue instead of interleaving.
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.cases.models import CaseGroup
from kartoteka.core.addresses import addresses_clean
from kartoteka.core.validation import ErrorCollector
from kartoteka.customers.models import Account, Segment
from kartoteka.mail.mailboxes import mailboxes_that_send
from kartoteka.mail.models import Mailbox
from kartoteka.mail.sending import canned
from kartoteka.people.models import Team
from kartoteka.workflows import values
from kartoteka.workflows.models import Rule, RuleAction, RuleCondition

if TYPE_CHECKING:
    from kartoteka.people.models import User

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_DUE_DAYS = 3650
CONTAINS = frozenset({RuleCondition.Field.SUBJECT_CONTAINS, RuleCondition.Field.BODY_CONTAINS})
ASSIGN = frozenset({RuleAction.Kind.ASSIGN_ROUND_ROBIN, RuleAction.Kind.ASSIGN_LEAST_BUSY})
ACTION_FIELDS = frozenset(
    {
        "kind", "group", "only_unassigned", "field", "value", "days", "users", "team",
        "message", "email_subject", "email_body", "email_reporter", "email_contacts",
        "email_addresses", "mailbox", "case_subject", "case_description", "case_type",
        "case_priority", "case_assignee", "case_assignment", "account", "segment",
    }
)  # fmt: skip
# What a scheduled rule may do: there is no case to act on, only cases to make.
SCHEDULED_KINDS = frozenset({RuleAction.Kind.CREATE_CASE})
SCHEDULE_FIELDS = ("schedule_frequency", "schedule_weekday", "schedule_day", "schedule_time")


# Checks, shared by the forms (to show each error on its row) and ``rule_save``.


def condition_check(*, field: str, value: str) -> dict[str, str]:
    """A condition as it is stored: a known field and a value of its list, or the words."""
    if field not in RuleCondition.Field.values:
        raise ValidationError({"field": _("Unknown condition.")}, code="unknown_field")
    if field in CONTAINS:
        words = value.strip()
        if not words:
            raise ValidationError({"value": _("Enter the words to look for.")}, code="required")
        if len(words) > 255:
            raise ValidationError({"value": _("Use at most 255 characters.")}, code="too_long")
        return {"field": field, "value": words}
    try:
        checked = values.value_check(field, value)
    except ValidationError as error:
        raise ValidationError({"value": error.error_list}) from error
    return {"field": field, "value": checked}


def schedule_check(
    *, frequency: str, weekday: int | None, day: int | None, at: time | None
) -> dict[str, Any]:
    """A scheduled rule's schedule as it is stored: what its frequency needs, the rest empty."""
    errors = ErrorCollector()
    if frequency not in Rule.Frequency.values:
        errors.add(
            "schedule_frequency",
            ValidationError(_("Choose how often the rule runs."), code="frequency_required"),
        )
    if frequency == Rule.Frequency.WEEKLY and weekday not in Rule.Weekday.values:
        errors.add(
            "schedule_weekday",
            ValidationError(_("Choose the weekday the rule runs on."), code="weekday_required"),
        )
    if frequency == Rule.Frequency.MONTHLY and (
        not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 31
    ):
        errors.add(
            "schedule_day",
            ValidationError(
                _("Enter the day of the month, 1 to 31 (a shorter month: its last day)."),
                code="day_required",
            ),
        )
    if not isinstance(at, time):
        errors.add(
            "schedule_time",
            ValidationError(_("Enter the time of day the rule runs at."), code="time_required"),
        )
    errors.raise_if_any()
    return {
        "schedule_frequency": frequency,
        "schedule_weekday": weekday if frequency == Rule.Frequency.WEEKLY else None,
        "schedule_day": day if frequency == Rule.Frequency.MONTHLY else None,
        "schedule_time": at.replace(second=0, microsecond=0, tzinfo=None) if at else None,
    }


def trigger_check(
    *,
    trigger: str,
    changed_field: str,
    changed_to: str,
    schedule: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The trigger with its changed field and value (kept only for ``case_updated``) and its
    schedule (``schedule_check``'s arguments, kept only for ``scheduled``)."""
    if trigger not in Rule.Trigger.values:
        raise ValidationError({"trigger": _("Choose when the rule runs.")}, code="unknown_trigger")
    empty: dict[str, Any] = {
        "schedule_frequency": "", "schedule_weekday": None, "schedule_day": None,
        "schedule_time": None,
    }  # fmt: skip
    if trigger == Rule.Trigger.SCHEDULED:
        given = schedule or {}
        checked = schedule_check(
            frequency=str(given.get("frequency") or ""),
            weekday=given.get("weekday"),
            day=given.get("day"),
            at=given.get("at"),
        )
        return {"trigger": trigger, "changed_field": "", "changed_to": "", **checked}
    if trigger != Rule.Trigger.CASE_UPDATED:
        return {"trigger": trigger, "changed_field": "", "changed_to": "", **empty}
    if changed_field not in Rule.ChangedField.values:
        raise ValidationError(
            {"changed_field": _("Choose the field whose change runs the rule.")},
            code="changed_field_required",
        )
    if changed_to:
        try:
            changed_to = values.value_check(changed_field, changed_to)
        except ValidationError as error:
            raise ValidationError({"changed_to": error.error_list}) from error
    return {"trigger": trigger, "changed_field": changed_field, "changed_to": changed_to, **empty}


def _users_check(users: list[User]) -> list[User]:
    workers = set(
        values.case_workers().filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True)
    )
    strangers = [user for user in users if user.pk not in workers]
    if strangers:
        raise ValidationError(
            {
                "users": _("These users do not work with cases: %(names)s.")
                % {"names": ", ".join(map(str, strangers))}
            },
            code="not_case_worker",
        )
    return users


def action_check(data: dict[str, Any]) -> dict[str, Any]:
    """An action as it is stored: what its kind needs, checked; what it does not need, blank.

    Raises ``ValidationError`` keyed by the field it concerns.
    """
    unknown = set(data) - ACTION_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    kind = data.get("kind", "")
    if kind not in RuleAction.Kind.values:
        raise ValidationError({"kind": _("Choose what the rule does.")}, code="unknown_kind")
    clean: dict[str, Any] = {
        "kind": kind, "group": None, "only_unassigned": True, "field": "", "value": "",
        "days": None, "users": [], "team": None, "message": "", "email_subject": "",
        "email_body": "", "email_reporter": False, "email_contacts": False,
        "email_addresses": "", "mailbox": None, "case_subject": "", "case_description": "",
        "case_type": "", "case_priority": "", "case_assignee": None, "case_assignment": "",
        "account": None, "segment": None,
    }  # fmt: skip
    errors = ErrorCollector()
    if kind in ASSIGN:
        group = data.get("group")
        if not isinstance(group, CaseGroup) or not CaseGroup.objects.filter(pk=group.pk).exists():
            errors.add("group", ValidationError(_("Choose the group."), code="group_required"))
        clean["group"] = group
        clean["only_unassigned"] = bool(data.get("only_unassigned", True))
    elif kind == RuleAction.Kind.SET_FIELD:
        field = data.get("field", "")
        clean["field"] = field
        if field not in RuleAction.SetField.values:
            errors.add("field", ValidationError(_("Choose the field."), code="field_required"))
        elif field == RuleAction.SetField.DUE_DATE:
            days = data.get("days")
            if not isinstance(days, int) or not 0 <= days <= MAX_DUE_DAYS:
                errors.add(
                    "days",
                    ValidationError(
                        _("Enter a number of days from 0 to %(max)d.") % {"max": MAX_DUE_DAYS},
                        code="days_required",
                    ),
                )
            clean["days"] = days
        else:
            with errors.on("value"):
                clean["value"] = values.value_check(
                    field, str(data.get("value", "")), allow_empty=True
                )
    elif kind in (RuleAction.Kind.NOTIFY, RuleAction.Kind.ADD_FOLLOWERS):
        users = list(data.get("users") or [])
        team = data.get("team")
        if team is not None and (
            not isinstance(team, Team) or not Team.objects.filter(pk=team.pk).exists()
        ):
            errors.add("team", ValidationError(_("That team does not exist."), code="no_team"))
        if not users and team is None:
            errors.add(
                "users",
                ValidationError(_("Choose users, a team or both."), code="nobody"),
            )
        with errors.on("users"):
            clean["users"] = _users_check(users)
        clean["team"] = team
        if kind == RuleAction.Kind.NOTIFY:
            clean["message"] = str(data.get("message", "")).strip()[:2000]
    elif kind == RuleAction.Kind.SET_MAILBOX:
        clean["mailbox"] = _mailbox_check(data.get("mailbox"), required=True, errors=errors)
    elif kind == RuleAction.Kind.CREATE_CASE:
        _create_case_check(data, clean, errors)
    else:  # send_email
        subject = str(data.get("email_subject", "")).strip()
        body = str(data.get("email_body", "")).strip()
        if not subject:
            errors.add("email_subject", ValidationError(_("Enter a subject."), code="required"))
        if not body:
            errors.add("email_body", ValidationError(_("Enter the text."), code="required"))
        for name, text in (("email_subject", subject), ("email_body", body)):
            unknown_names = canned.placeholders_unknown(text, known=canned.CASE_PLACEHOLDERS.keys())
            if unknown_names:
                errors.add(
                    name,
                    ValidationError(
                        _("Unknown placeholders: %(names)s.")
                        % {"names": ", ".join(f"{{{n}}}" for n in unknown_names)},
                        code="unknown_placeholder",
                    ),
                )
        with errors.on("email_addresses"):
            clean["email_addresses"] = addresses_clean(str(data.get("email_addresses", "")))
        clean["email_reporter"] = bool(data.get("email_reporter"))
        clean["email_contacts"] = bool(data.get("email_contacts"))
        addresses_given = bool(str(data.get("email_addresses", "")).strip())
        if not (clean["email_reporter"] or clean["email_contacts"] or addresses_given):
            errors.add(
                "email_reporter",
                ValidationError(
                    _("Choose whom the email goes to: the reporter, the contacts or addresses."),
                    code="no_recipient",
                ),
            )
        clean["email_subject"], clean["email_body"] = subject[:255], body
    errors.raise_if_any()
    return clean


def _mailbox_check(mailbox: Any, *, required: bool, errors: ErrorCollector) -> Mailbox | None:
    if mailbox is None and not required:
        return None
    if not isinstance(mailbox, Mailbox) or not mailboxes_that_send().filter(pk=mailbox.pk).exists():
        errors.add(
            "mailbox",
            ValidationError(
                _("Choose a mailbox that can send (active, not an archive)."),
                code="mailbox_required",
            ),
        )
        return None
    return mailbox


def _create_case_check(data: dict[str, Any], clean: dict[str, Any], errors: ErrorCollector) -> None:
    subject = " ".join(str(data.get("case_subject", "")).split())
    if not subject:
        errors.add("case_subject", ValidationError(_("Enter a subject."), code="required"))
    clean["case_subject"] = subject[:255]
    clean["case_description"] = str(data.get("case_description", "")).strip()[:5000]
    for name, field in (("case_type", "case_type"), ("case_priority", "priority")):
        chosen = str(data.get(name) or "")
        with errors.on(name):
            clean[name] = values.value_check(field, chosen) if chosen else ""
    group = data.get("group")
    if group is not None and (
        not isinstance(group, CaseGroup) or not CaseGroup.objects.filter(pk=group.pk).exists()
    ):
        errors.add("group", ValidationError(_("That group does not exist."), code="no_group"))
    clean["group"] = group
    assignee = data.get("case_assignee")
    if assignee is not None:
        with errors.on("case_assignee"):
            _users_check([assignee])
    clean["case_assignee"] = assignee
    assignment = str(data.get("case_assignment") or "")
    if assignment and assignment not in RuleAction.Assignment.values:
        errors.add("case_assignment", ValidationError(_("Unknown assignment."), code="unknown"))
    elif assignment and group is None:
        errors.add(
            "case_assignment",
            ValidationError(
                _("Choose the group whose members take the new cases."), code="group_required"
            ),
        )
    elif assignment and assignee is not None:
        errors.add(
            "case_assignment",
            ValidationError(
                _("Choose an assignee or an assignment within the group, not both."),
                code="assignee_and_assignment",
            ),
        )
    clean["case_assignment"] = assignment
    account, segment = data.get("account"), data.get("segment")
    if account is not None and segment is not None:
        errors.add(
            "account",
            ValidationError(
                _("Choose one customer or a segment, not both."), code="account_and_segment"
            ),
        )
    elif account is None and segment is None:
        errors.add(
            "account",
            ValidationError(
                _("Choose the customer, or the segment whose customers each get a case."),
                code="no_target",
            ),
        )
    elif account is not None and (
        not isinstance(account, Account) or not Account.objects.filter(pk=account.pk).exists()
    ):
        errors.add("account", ValidationError(_("That customer does not exist."), code="gone"))
    elif segment is not None and (
        not isinstance(segment, Segment) or not Segment.objects.filter(pk=segment.pk).exists()
    ):
        errors.add("segment", ValidationError(_("That segment does not exist."), code="gone"))
    clean["account"], clean["segment"] = account, segment
    clean["mailbox"] = _mailbox_check(data.get("mailbox"), required=False, errors=errors)


def combination_check(
    *, trigger: str, conditions: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> None:
    """What a trigger's rule may hold: a scheduled rule has no case to look at or act on, so
    no conditions and only actions that create cases; a segment's customers each get a case
    only from a scheduled rule (not on every happening of a case)."""
    errors = ErrorCollector()
    if trigger == Rule.Trigger.SCHEDULED:
        if conditions:
            errors.add(
                "conditions",
                ValidationError(
                    _("A scheduled rule has no case to look at: remove its conditions."),
                    code="scheduled_conditions",
                ),
            )
        others = [a for a in actions if a["kind"] not in SCHEDULED_KINDS]
        if others:
            errors.add(
                "actions",
                ValidationError(
                    _(
                        "A scheduled rule can only create cases; %(actions)s needs a case "
                        "that something happened to."
                    )
                    % {"actions": ", ".join(str(RuleAction.Kind(a["kind"]).label) for a in others)},
                    code="scheduled_actions",
                ),
            )
    elif any(a["kind"] == RuleAction.Kind.CREATE_CASE and a["segment"] for a in actions):
        errors.add(
            "actions",
            ValidationError(
                _(
                    "A case for each customer of a segment is made only on a schedule; "
                    "choose one customer, or make the rule scheduled."
                ),
                code="segment_needs_schedule",
            ),
        )
    errors.raise_if_any()


# Writes.


def _rows_check(
    rows: list[dict[str, Any]], check: Any, *, label: str, limit: int, errors: ErrorCollector
) -> list[dict[str, Any]]:
    if len(rows) > limit:
        errors.add(
            label,
            ValidationError(
                _("A rule may have at most %(limit)d of these.") % {"limit": limit},
                code="too_many",
            ),
        )
        return []
    checked = []
    for number, row in enumerate(rows, start=1):
        try:
            checked.append(check(row))
        except ValidationError as error:
            messages = [m for m_list in error.message_dict.values() for m in m_list]
            errors.add(
                label,
                ValidationError(
                    _("Row %(number)d: %(problem)s")
                    % {"number": number, "problem": " ".join(messages)},
                    code="invalid_row",
                ),
            )
    return checked


@transaction.atomic
def rule_save(
    *,
    rule: Rule | None,
    by: User | None,
    name: str,
    active: bool,
    trigger: str,
    changed_field: str = "",
    changed_to: str = "",
    schedule: dict[str, Any] | None = None,
    conditions: list[dict[str, Any]],
    actions: list[dict[str, Any]],
) -> Rule:
    """Create (``rule=None``, appended last) or replace a rule with its conditions and
    actions (kept in the given order). A rule needs a name and at least one action.

    A scheduled rule takes ``schedule`` (``frequency``, ``weekday``, ``day``, ``at``; see
    ``schedule_check``) and runs only on occurrences after it is saved with a new schedule or
    made scheduled (``Rule.schedule_from``); ``combination_check`` says what it may hold.

    Raises ``ValidationError`` keyed by ``name``, ``trigger``, ``changed_field``,
    ``changed_to``, ``conditions`` or ``actions`` and changes nothing.
    """
    errors = ErrorCollector()
    name = name.strip()
    if not name:
        errors.add("name", ValidationError(_("Enter a name."), code="required"))
    elif len(name) > 200:
        errors.add("name", ValidationError(_("Use at most 200 characters."), code="too_long"))
    trigger_values: dict[str, str] = {}
    with errors.on("trigger"):
        trigger_values = trigger_check(
            trigger=trigger, changed_field=changed_field, changed_to=changed_to, schedule=schedule
        )
    checked_conditions = _rows_check(
        conditions,
        lambda row: condition_check(field=row.get("field", ""), value=str(row.get("value", ""))),
        label="conditions",
        limit=MAX_CONDITIONS,
        errors=errors,
    )
    checked_actions = _rows_check(
        actions, action_check, label="actions", limit=MAX_ACTIONS, errors=errors
    )
    if not actions:
        errors.add(
            "actions",
            ValidationError(
                _("A rule needs at least one action: say what it does."), code="no_action"
            ),
        )
    if not errors.by_field and trigger_values:
        with errors.on():
            combination_check(
                trigger=trigger, conditions=checked_conditions, actions=checked_actions
            )
    errors.raise_if_any()
    if rule is None:
        taken = list(Rule.objects.select_for_update().values_list("pk", flat=True))
        rule = Rule(created_by=by, position=len(taken))
    else:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
    was = None if rule.pk is None else [getattr(rule, f) for f in ("trigger", *SCHEDULE_FIELDS)]
    rule.name, rule.active = name, active
    for key, value in trigger_values.items():
        setattr(rule, key, value)
    now = [getattr(rule, f) for f in ("trigger", *SCHEDULE_FIELDS)]
    if rule.trigger != Rule.Trigger.SCHEDULED:
        rule.schedule_from = None
    elif was != now or rule.schedule_from is None:
        rule.schedule_from = timezone.now()
    rule.save()
    rule.conditions.all().delete()
    rule.actions.all().delete()
    RuleCondition.objects.bulk_create(
        RuleCondition(rule=rule, **condition) for condition in checked_conditions
    )
    for position, action in enumerate(checked_actions):
        users = action.pop("users")
        row = RuleAction.objects.create(rule=rule, position=position, **action)
        if users:
            row.users.set(users)
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule) -> None:
    """Delete a rule with its conditions, actions and runs; the others close up the order."""
    rules = list(Rule.objects.select_for_update().order_by("position", "pk"))
    Rule.objects.filter(pk=rule.pk).delete()
    _renumber([other for other in rules if other.pk != rule.pk])


@transaction.atomic
def rule_move(*, rule: Rule, direction: Literal["up", "down"]) -> None:
    """Swap a rule with the one before or after it (rules run in this order)."""
    rules = list(Rule.objects.select_for_update().order_by("position", "pk"))
    index = next((i for i, other in enumerate(rules) if other.pk == rule.pk), None)
    if index is None:
        return
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(rules):
        rules[index], rules[target] = rules[target], rules[index]
    _renumber(rules)


@transaction.atomic
def rule_activate(*, rule: Rule, active: bool) -> Rule:
    """Switch a rule on or off; an inactive rule is kept but never runs. A scheduled rule
    switched on runs from its next occurrence (not the ones it missed while off)."""
    changes: dict[str, Any] = {"active": active}
    if active and rule.trigger == Rule.Trigger.SCHEDULED:
        changes["schedule_from"] = rule.schedule_from = timezone.now()
    Rule.objects.filter(pk=rule.pk).update(**changes)
    rule.active = active
    return rule


def _renumber(rules: list[Rule]) -> None:
    changed = []
    for position, rule in enumerate(rules):
        if rule.position != position:
            rule.position = position
            changed.append(rule)
    Rule.objects.bulk_update(changed, ["position"])
