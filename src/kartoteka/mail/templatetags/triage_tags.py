"""The count of messages waiting in triage, for the left navigation."""

from __future__ import annotations

from typing import Any

from django import template

from kartoteka.mail.selectors import triage_count

register = template.Library()


@register.simple_tag(takes_context=True)
def triage_waiting(context: Any) -> int:
    """How many messages wait in triage for this page's user (one query, for case workers)."""
    user = context.get("user")
    return triage_count(user) if user is not None else 0
