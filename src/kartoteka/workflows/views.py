"""The workflow rules pages: the list (order, on/off), a rule's form with its conditions and
actions and its last runs, and deletion.

Open to users who configure cases (``User.configures_cases``: administrators and those
granted it); for everyone else the pages do not exist (404).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.cases.lookups import LOOKUP_KINDS
from kartoteka.core.access import case_configurator_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.people.access import StaffRequest
from kartoteka.workflows import scheduled, selectors, services
from kartoteka.workflows.forms import rule_forms, rule_rows
from kartoteka.workflows.models import Rule
from kartoteka.workflows.tasks import work_scheduled_run

RUNS_SHOWN = 20


def _rule(pk: int) -> Rule:
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def _context(**extra: Any) -> dict[str, Any]:
    """The case settings' navigation and tabs, with the rules' tab current."""
    tabs = [(slug, model._meta.verbose_name_plural) for slug, model in LOOKUP_KINDS.items()]
    return {"nav": "case-settings", "tabs": tabs, "kind": "rules", **extra}


class RuleRowForm(forms.Form):
    """A row button of the list: move a rule, or switch it on or off."""

    rule = forms.ModelChoiceField(queryset=Rule.objects.all())
    action = forms.ChoiceField(
        choices=[("up", "up"), ("down", "down"), ("on", "on"), ("off", "off")]
    )


@case_configurator_required
@require_http_methods(["GET", "POST"])
def rule_list(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":
        form = RuleRowForm(request.POST)
        if not form.is_valid():
            messages.info(request, _("That rule is gone; here are the rules as they are now."))
        else:
            rule, action = form.cleaned_data["rule"], form.cleaned_data["action"]
            if action in ("on", "off"):
                services.rule_activate(rule=rule, active=action == "on")
                text = _("%(name)s is on.") if action == "on" else _("%(name)s is off.")
            else:
                services.rule_move(rule=rule, direction=action)
                text = _("%(name)s moved.")
            messages.success(request, text % {"name": rule.name})
        return redirect("workflows:rule-list")
    context = _context(rules=selectors.rules_with_next_run(selectors.rule_list()))
    return render(request, "workflows/rule_list.html", context)


def _save(
    request: StaffRequest, *, rule: Rule | None
) -> tuple[HttpResponse | None, tuple[Any, Any, Any]]:
    """Bind the forms; on a valid post save the rule and return the redirect."""
    data = request.POST if request.method == "POST" else None
    form, conditions, actions = rule_forms(data, rule=rule, user=request.user)
    if data is None:
        return None, (form, conditions, actions)
    valid = [form.is_valid(), conditions.is_valid(), actions.is_valid()]
    if not all(valid):
        return None, (form, conditions, actions)
    condition_rows, action_rows = rule_rows(conditions, actions)
    fields = {
        key: form.cleaned_data[key]
        for key in ("name", "active", "trigger", "changed_field", "changed_to")
    }

    def save() -> str:
        saved = services.rule_save(
            rule=rule,
            by=request.user,
            conditions=condition_rows,
            actions=action_rows,
            schedule=form.schedule(),
            **fields,
        )
        return reverse("workflows:rule-edit", args=[saved.pk])

    try:
        if rule is None:
            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=save
            )
            announce_creation(request, created, _("%(name)s added.") % {"name": fields["name"]})
        else:
            url = save()
            messages.success(request, _("%(name)s saved.") % {"name": fields["name"]})
    except ValidationError as error:
        show_service_errors(form, error)
        return None, (form, conditions, actions)
    return redirect(url), (form, conditions, actions)


@case_configurator_required
@require_http_methods(["GET", "POST"])
def rule_create(request: StaffRequest) -> HttpResponse:
    response, (form, conditions, actions) = _save(request, rule=None)
    if response is not None:
        return response
    context = _context(form=form, conditions=conditions, actions=actions)
    return render(request, "workflows/rule_form.html", context)


@case_configurator_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: StaffRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    response, (form, conditions, actions) = _save(request, rule=rule)
    if response is not None:
        return response
    context = _context(
        rule=rule,
        form=form,
        conditions=conditions,
        actions=actions,
        runs=selectors.rule_runs(rule, limit=RUNS_SHOWN),
        scheduled_runs=selectors.scheduled_runs(rule, limit=RUNS_SHOWN),
        next_run=selectors.rule_next_run(rule),
        can_run=rule.trigger == Rule.Trigger.SCHEDULED and request.user.is_administrator,
    )
    return render(request, "workflows/rule_form.html", context)


@case_configurator_required
@require_http_methods(["GET", "POST"])
def rule_delete(request: StaffRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    if request.method == "POST":
        services.rule_delete(rule=rule)
        messages.success(request, _("%(name)s deleted.") % {"name": rule.name})
        return redirect("workflows:rule-list")
    return render(request, "workflows/rule_confirm_delete.html", _context(rule=rule))


@case_configurator_required
@require_POST
def rule_run_now(request: StaffRequest, pk: int) -> HttpResponse:
    """An administrator runs a scheduled rule at once (its cases are made in the background);
    for any other rule, or anyone else, there is no such action (404)."""
    rule = _rule(pk)
    if rule.trigger != Rule.Trigger.SCHEDULED or not request.user.is_administrator:
        raise Http404
    run = scheduled.rule_run_now(rule=rule, by=request.user)
    if run is None:
        messages.info(request, _("%(name)s is already running.") % {"name": rule.name})
    else:
        transaction.on_commit(lambda: work_scheduled_run.enqueue(run.pk))
        messages.success(
            request, _("%(name)s runs now; its cases appear in a moment.") % {"name": rule.name}
        )
    return redirect("workflows:rule-edit", rule.pk)
