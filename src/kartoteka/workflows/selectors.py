"""Reads of the workflow rules pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from kartoteka.workflows.models import Rule, RuleRun


def rule_list() -> QuerySet[Rule]:
    """Every rule in its order, with how many conditions and actions it has (one query)."""
    return Rule.objects.annotate(
        condition_count=Count("conditions", distinct=True),
        action_count=Count("actions", distinct=True),
    ).order_by("position", "pk")


def rule_runs(rule: Rule, *, limit: int) -> list[RuleRun]:
    """The rule's latest runs, newest first."""
    return list(RuleRun.objects.filter(rule=rule).order_by("-at", "-pk")[:limit])
