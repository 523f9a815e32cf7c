"""Forms of the workflow rules pages: a rule, its conditions and its actions (formsets that
work without JavaScript: an empty row to fill, a box to delete a row). The checks are those
of ``workflows.services``, so each error shows on its row; ``rule_save`` checks again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.cases.models import CaseGroup, CaseType, Priority
from kartoteka.cases.pickers import case_worker_picker
from kartoteka.core.once import SubmitOnceForm
from kartoteka.customers.models import Account, Segment
from kartoteka.customers.pickers import account_picker
from kartoteka.mail.mailboxes import mailboxes_that_send
from kartoteka.mail.sending.canned import CASE_PLACEHOLDERS
from kartoteka.people.models import Team, User
from kartoteka.workflows import services, values
from kartoteka.workflows.models import Rule, RuleAction, RuleCondition

CONDITION_LISTS = [field for field in RuleCondition.Field.values if field not in services.CONTAINS]
SET_FIELD_LISTS = [field for field in RuleAction.SetField.values if field != "due_date"]


def _errors_on_fields(form: forms.Form, error: ValidationError, *, rename: dict[str, str]) -> None:
    for field, messages in error.message_dict.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, messages)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    active = forms.BooleanField(
        label=pgettext_lazy("workflow rule", "Active"), required=False, initial=True
    )
    trigger = forms.ChoiceField(label=_("When"), choices=Rule.Trigger.choices)
    changed_field = forms.ChoiceField(
        label=_("Field that changes"),
        choices=[("", "—"), *Rule.ChangedField.choices],
        required=False,
        help_text=_("Only when a case's field changes."),
    )
    changed_to = forms.ChoiceField(
        label=_("Changed to"),
        required=False,
        help_text=_("Empty: any new value."),
    )
    schedule_frequency = forms.ChoiceField(
        label=_("How often"), choices=[("", "—"), *Rule.Frequency.choices], required=False
    )
    schedule_weekday = forms.TypedChoiceField(
        label=_("On"),
        choices=[("", "—"), *Rule.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Every week: the weekday."),
    )
    schedule_day = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("Every month: 1 to 31; a shorter month runs on its last day."),
    )
    schedule_time = forms.TimeField(
        label=_("At"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, changed_to_choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["changed_to"]).choices = changed_to_choices
        self.fields["schedule_time"].help_text = _(
            "In the installation's time zone (%(zone)s)."
        ) % {"zone": settings.TIME_ZONE}
        _shown_with(
            self,
            "trigger",
            {
                Rule.Trigger.CASE_UPDATED: ("changed_field", "changed_to"),
                Rule.Trigger.SCHEDULED: SCHEDULE_FORM_FIELDS,
            },
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        changed_field, code = data.get("changed_field", ""), data.get("changed_to", "")
        try:
            raw = values.value_split(code, changed_field) if code else ""
            checked = services.trigger_check(
                trigger=data["trigger"],
                changed_field=changed_field,
                changed_to=raw,
                schedule=self.schedule(),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                _errors_on_fields(self, error, rename={})
            else:
                self.add_error("changed_to", error)
            return data
        return {**data, **checked}

    def schedule(self) -> dict[str, Any]:
        """The schedule as ``rule_save`` takes it."""
        data = self.cleaned_data
        return {
            "frequency": data.get("schedule_frequency") or "",
            "weekday": data.get("schedule_weekday"),
            "day": data.get("schedule_day"),
            "at": data.get("schedule_time"),
        }

    @staticmethod
    def initial_for(rule: Rule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "active": rule.active,
            "trigger": rule.trigger,
            "changed_field": rule.changed_field,
            "changed_to": f"{rule.changed_field}:{rule.changed_to}" if rule.changed_to else "",
            "schedule_frequency": rule.schedule_frequency,
            "schedule_weekday": rule.schedule_weekday,
            "schedule_day": rule.schedule_day,
            "schedule_time": rule.schedule_time,
        }


class RuleCreateForm(SubmitOnceForm, RuleForm):
    pass


class ConditionForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Field"), choices=[("", "—"), *RuleCondition.Field.choices], required=False
    )
    choice = forms.ChoiceField(label=_("is"), required=False)
    words = forms.CharField(label=_("contains"), max_length=255, required=False)

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["choice"]).choices = choices
        uses = {
            field: ("words",) if field in services.CONTAINS else ("choice",)
            for field in RuleCondition.Field.values
        }
        _shown_with(self, "field", uses)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        field = data.get("field", "")
        if "field" in self.errors:
            return data
        if not field:
            if data.get("choice") or data.get("words", "").strip():
                self.add_error("field", _("Choose the field this condition looks at."))
            data["condition"] = None
            return data
        try:
            if field in services.CONTAINS:
                raw = data.get("words", "")
            else:
                raw = values.value_split(data.get("choice", ""), field)
            data["condition"] = services.condition_check(field=field, value=raw)
        except ValidationError as error:
            target = "words" if field in services.CONTAINS else "choice"
            messages = error.messages
            self.add_error(target, messages)
        return data

    @staticmethod
    def initial_for(condition: RuleCondition) -> dict[str, Any]:
        if condition.field in services.CONTAINS:
            return {"field": condition.field, "words": condition.value}
        return {"field": condition.field, "choice": f"{condition.field}:{condition.value}"}


# The fields each kind of action uses: the page shows a row only those of its chosen kind
# (``data-switch`` / ``data-shown-with``, see app.js); without JavaScript it shows them all.
# The rule's own "field that changes" shows likewise only for its "a field changes" trigger.
ACTION_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    RuleAction.Kind.ASSIGN_ROUND_ROBIN: ("group", "only_unassigned"),
    RuleAction.Kind.ASSIGN_LEAST_BUSY: ("group", "only_unassigned"),
    RuleAction.Kind.SET_FIELD: ("field", "value", "days"),
    RuleAction.Kind.NOTIFY: ("users", "team", "message"),
    RuleAction.Kind.ADD_FOLLOWERS: ("users", "team"),
    RuleAction.Kind.SEND_EMAIL: (
        "email_subject", "email_body", "email_reporter", "email_contacts", "email_addresses",
    ),
    RuleAction.Kind.SET_MAILBOX: ("mailbox",),
    RuleAction.Kind.CREATE_CASE: (
        "case_subject", "case_description", "case_type", "case_priority", "group",
        "case_assignee", "case_assignment", "account", "segment", "mailbox",
    ),
}  # fmt: skip
SCHEDULE_FORM_FIELDS = ("schedule_frequency", "schedule_weekday", "schedule_day", "schedule_time")


def _shown_with(
    form: forms.Form, switch: str, fields_by_choice: Mapping[str, tuple[str, ...]]
) -> None:
    """Mark ``switch`` as the row's chooser and each field with the choices that use it."""
    form.fields[switch].widget.attrs["data-switch"] = ""
    users: dict[str, list[str]] = {}
    for choice, names in fields_by_choice.items():
        for name in names:
            users.setdefault(name, []).append(str(choice))
    for name, choices in users.items():
        form.fields[name].widget.attrs["data-shown-with"] = " ".join(choices)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Action"), choices=[("", "—"), *RuleAction.Kind.choices], required=False
    )
    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=CaseGroup.objects.order_by("position", "name", "pk"),
        required=False,
        help_text=_("Assignment: its members take the cases (absent ones are skipped)."),
    )
    only_unassigned = forms.BooleanField(
        label=_("Only when nobody has the case"), required=False, initial=True
    )
    field = forms.ChoiceField(
        label=_("Field to set"), choices=[("", "—"), *RuleAction.SetField.choices], required=False
    )
    value = forms.ChoiceField(label=_("New value"), required=False)
    days = forms.IntegerField(
        label=_("Expected resolution in days"),
        min_value=0,
        max_value=services.MAX_DUE_DAYS,
        required=False,
        help_text=_("Days from when the rule runs."),
    )
    users = case_worker_picker(label=_("Users"), multiple=True, required=False)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name", "pk"),
        required=False,
        help_text=_("Notify or add as followers: these users and the team's members."),
    )
    message = forms.CharField(
        label=_("Notification text"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    email_subject = forms.CharField(label=_("Email subject"), max_length=255, required=False)
    email_body = forms.CharField(
        label=_("Email text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        required=False,
        help_text=format_lazy(
            "{} {}", _("Placeholders:"), ", ".join(f"{{{name}}}" for name in CASE_PLACEHOLDERS)
        ),
    )
    email_reporter = forms.BooleanField(label=_("To the reporter"), required=False)
    email_contacts = forms.BooleanField(label=_("To the case's contacts"), required=False)
    email_addresses = forms.CharField(
        label=_("To these addresses"),
        max_length=1000,
        required=False,
        help_text=_("Comma-separated."),
    )

    mailbox = forms.ModelChoiceField(
        label=_("Mailbox"),
        queryset=mailboxes_that_send(),
        required=False,
        help_text=_("Replies and notices of the case go out from it (empty: the default)."),
    )
    case_subject = forms.CharField(
        label=_("Subject of the new case"),
        max_length=255,
        required=False,
        help_text=_("Placeholders: {customer}, {date}."),
    )
    case_description = forms.CharField(
        label=_("Description of the new case"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    case_type = forms.ChoiceField(label=_("Type of the new case"), required=False)
    case_priority = forms.ChoiceField(label=_("Priority of the new case"), required=False)
    case_assignee = case_worker_picker(label=_("Assignee of the new case"), required=False)
    case_assignment = forms.ChoiceField(
        label=_("Or assign"),
        choices=[("", "—"), *RuleAction.Assignment.choices],
        required=False,
        help_text=_("Among the members of the group above."),
    )
    account = account_picker(label=_("For the customer"), required=False)
    segment = forms.ModelChoiceField(
        label=_("Or for each customer of the segment"),
        queryset=Segment.objects.order_by("name", "pk"),
        required=False,
        help_text=_("Only on a schedule: one case per customer."),
    )

    FILLED = (
        "group", "value", "users", "team", "message", "email_subject", "email_body", "mailbox",
        "case_subject", "account", "segment",
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        choices: list[Any],
        accounts: QuerySet[Account] | None = None,
        lists: dict[str, list[tuple[str, str]]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["value"]).choices = choices
        if accounts is not None:
            cast(forms.ModelChoiceField, self.fields["account"]).queryset = accounts
        lists = lists or {}
        default: list[tuple[str, Any]] = [("", _("— the list's default —"))]
        for name in ("case_type", "case_priority"):
            cast(forms.ChoiceField, self.fields[name]).choices = default + lists.get(name, [])
        _shown_with(self, "kind", ACTION_KIND_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind", "")
        data["action"] = None
        if not kind:
            if any(data.get(name) for name in self.FILLED):
                self.add_error("kind", _("Choose what this action does."))
            return data
        if self.errors:
            return data
        given = {name: data.get(name) for name in services.ACTION_FIELDS if name in data}
        given["users"] = list(data.get("users") or [])
        try:
            if kind == RuleAction.Kind.SET_FIELD and data.get("field") not in ("", "due_date"):
                given["value"] = values.value_split(data.get("value", ""), data["field"])
            data["action"] = services.action_check(given)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                _errors_on_fields(self, error, rename={})
            else:
                self.add_error("value", error)
        return data

    @staticmethod
    def initial_for(action: RuleAction) -> dict[str, Any]:
        value = ""
        if action.kind == RuleAction.Kind.SET_FIELD and action.field != "due_date":
            value = f"{action.field}:{action.value}"
        return {
            "kind": action.kind,
            "group": action.group_id,
            "only_unassigned": action.only_unassigned,
            "field": action.field,
            "value": value,
            "days": action.days,
            "users": [user.pk for user in action.users.all()],
            "team": action.team_id,
            "message": action.message,
            "email_subject": action.email_subject,
            "email_body": action.email_body,
            "email_reporter": action.email_reporter,
            "email_contacts": action.email_contacts,
            "email_addresses": action.email_addresses,
            "mailbox": action.mailbox_id,
            "case_subject": action.case_subject,
            "case_description": action.case_description,
            "case_type": action.case_type,
            "case_priority": action.case_priority,
            "case_assignee": action.case_assignee_id,
            "case_assignment": action.case_assignment,
            "account": action.account_id,
            "segment": action.segment_id,
        }


# Conditions are small rows and a rule often has two or three ("email" and "group Support"):
# that many empty rows, so a rule is written in one go.
ConditionFormSet = forms.formset_factory(
    ConditionForm,
    extra=3,
    can_delete=True,
    max_num=services.MAX_CONDITIONS,
    validate_max=True,
    absolute_max=services.MAX_CONDITIONS,
)
ActionFormSet = forms.formset_factory(
    ActionForm,
    extra=1,
    can_delete=True,
    can_order=True,
    max_num=services.MAX_ACTIONS,
    validate_max=True,
    absolute_max=services.MAX_ACTIONS,
)


def rule_forms(
    data: Any, *, rule: Rule | None, user: User
) -> tuple[RuleForm, forms.BaseFormSet, forms.BaseFormSet]:
    """The rule's form and its two formsets, bound to ``data`` (or filled from ``rule``);
    the select lists are read once for all rows. A new case's customer is one ``user``
    sees."""
    changed_to = values.value_choices(list(Rule.ChangedField.values))
    condition_choices = values.value_choices(CONDITION_LISTS)
    action_choices = values.value_choices(SET_FIELD_LISTS, clearable=True)
    if rule is None:
        form: RuleForm = RuleCreateForm(data, changed_to_choices=changed_to)
        conditions_initial: list[dict[str, Any]] = []
        actions_initial: list[dict[str, Any]] = []
    else:
        form = RuleForm(data, changed_to_choices=changed_to, initial=RuleForm.initial_for(rule))
        conditions_initial = [ConditionForm.initial_for(c) for c in rule.conditions.all()]
        actions_initial = [ActionForm.initial_for(a) for a in rule.actions.all()]
    conditions = ConditionFormSet(
        data,
        prefix="conditions",
        initial=conditions_initial,
        form_kwargs={"choices": condition_choices},
    )
    lists = {
        "case_type": [(str(t.pk), str(t)) for t in CaseType.objects.order_by("position", "name")],
        "case_priority": [
            (str(p.pk), str(p)) for p in Priority.objects.order_by("position", "name")
        ],
    }
    accounts = Account.objects.visible_to(user).order_by("name", "pk")
    actions = ActionFormSet(
        data,
        prefix="actions",
        initial=actions_initial,
        form_kwargs={"choices": action_choices, "accounts": accounts, "lists": lists},
    )
    return form, conditions, actions


def rule_rows(
    conditions: forms.BaseFormSet, actions: forms.BaseFormSet
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The checked conditions and actions of valid formsets, actions in their given order."""
    kept_conditions = [
        form.cleaned_data["condition"]
        for form in conditions.forms
        if not form.cleaned_data.get("DELETE") and form.cleaned_data.get("condition")
    ]
    kept_actions = [
        form.cleaned_data["action"]
        for form in actions.ordered_forms
        if form.cleaned_data.get("action")
    ]
    return kept_conditions, kept_actions
