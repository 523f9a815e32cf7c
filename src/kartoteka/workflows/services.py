"""The only code that writes workflow rules.

``rule_save`` checks the whole rule (its trigger, every condition and every action) and
either writes all of it in one transaction or raises ``ValidationError`` and changes nothing.
A rule's conditions and actions are replaced as a whole on every save, so no posted row can
name a row of another rule. Order changes lock every rule (``select_for_update``), so two
administrators reordering at once queue instead of interleaving.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kartoteka.cases.models import CaseGroup
from kartoteka.core.addresses import addresses_clean
from kartoteka.core.validation import ErrorCollector
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
        "email_addresses",
    }
)  # fmt: skip


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


def trigger_check(*, trigger: str, changed_field: str, changed_to: str) -> dict[str, str]:
    """The trigger with its changed field and value (kept only for ``case_updated``)."""
    if trigger not in Rule.Trigger.values:
        raise ValidationError({"trigger": _("Choose when the rule runs.")}, code="unknown_trigger")
    if trigger != Rule.Trigger.CASE_UPDATED:
        return {"trigger": trigger, "changed_field": "", "changed_to": ""}
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
    return {"trigger": trigger, "changed_field": changed_field, "changed_to": changed_to}


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
        "email_addresses": "",
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
    conditions: list[dict[str, Any]],
    actions: list[dict[str, Any]],
) -> Rule:
    """Create (``rule=None``, appended last) or replace a rule with its conditions and
    actions (kept in the given order). A rule needs a name and at least one action.

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
            trigger=trigger, changed_field=changed_field, changed_to=changed_to
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
    errors.raise_if_any()
    if rule is None:
        taken = list(Rule.objects.select_for_update().values_list("pk", flat=True))
        rule = Rule(created_by=by, position=len(taken))
    else:
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
    rule.name, rule.active = name, active
    for key, value in trigger_values.items():
        setattr(rule, key, value)
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
    """Switch a rule on or off; an inactive rule is kept but never runs."""
    Rule.objects.filter(pk=rule.pk).update(active=active)
    rule.active = active
    return rule


def _renumber(rules: list[Rule]) -> None:
    changed = []
    for position, rule in enumerate(rules):
        if rule.position != position:
            rule.position = position
            changed.append(rule)
    Rule.objects.bulk_update(changed, ["position"])
