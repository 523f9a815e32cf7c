"""Reads of the workflow rules pages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from kartoteka.workflows.models import Rule, RuleRun, ScheduledRun
from kartoteka.workflows.schedule import occurrence_next


def rule_list() -> QuerySet[Rule]:
    """Every rule in its order, with how many conditions and actions it has (one query)."""
    return Rule.objects.annotate(
        condition_count=Count("conditions", distinct=True),
        action_count=Count("actions", distinct=True),
    ).order_by("position", "pk")


def rule_runs(rule: Rule, *, limit: int) -> list[RuleRun]:
    """The rule's latest runs, newest first."""
    return list(RuleRun.objects.filter(rule=rule).order_by("-at", "-pk")[:limit])


def rule_next_run(rule: Rule, *, now: datetime | None = None) -> datetime | None:
    """When an active scheduled rule runs next; ``None`` for any other rule."""
    if not rule.active or rule.trigger != Rule.Trigger.SCHEDULED:
        return None
    return occurrence_next(rule, now or timezone.now())


def rules_with_next_run(rules: QuerySet[Rule]) -> list[Rule]:
    """The rules, each with ``next_run`` (no query of its own)."""
    now = timezone.now()
    listed = list(rules)
    for rule in listed:
        rule.next_run = rule_next_run(rule, now=now)  # type: ignore[attr-defined]
    return listed


def scheduled_runs(rule: Rule, *, limit: int) -> list[ScheduledRun]:
    """The scheduled rule's latest runs, newest first."""
    if rule.trigger != Rule.Trigger.SCHEDULED:
        return []
    runs = ScheduledRun.objects.filter(rule=rule).select_related("started_by")
    return list(runs.order_by("-started_at", "-pk")[:limit])
