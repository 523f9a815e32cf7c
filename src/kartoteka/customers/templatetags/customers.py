"""Template helpers for customer data: ``{% load customers %}``."""

from __future__ import annotations

from django import template

from kartoteka.customers.identifiers import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number in the form people read."""
    return format_phone(value)
