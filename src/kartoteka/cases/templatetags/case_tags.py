"""How case pages show moments in time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

RECENT = timedelta(hours=12)


@register.filter
def moment(value: datetime | None) -> SafeString | str:
    """Relative when recent ("3 minutes ago"), else the date and time; exact time on hover.

    Both in the active (the user's) time zone and locale.
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    exact = date_format(local, "DATETIME_FORMAT")
    shown = (
        naturaltime(value)
        if timezone.now() - value < RECENT
        else date_format(local, "SHORT_DATETIME_FORMAT")
    )
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), exact, shown)
