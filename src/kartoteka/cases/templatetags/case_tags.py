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


# By the start of the content type, the first match wins; the last is everything else.
FILE_ICONS = (
    ("image/", "🖼"),
    ("audio/", "🎵"),
    ("video/", "🎞"),
    ("text/calendar", "📅"),
    ("text/", "📄"),
    ("application/pdf", "📕"),
    ("application/zip", "🗜"),
    ("application/x-7z", "🗜"),
    ("application/x-rar", "🗜"),
    ("application/gzip", "🗜"),
    ("application/vnd.ms-excel", "📊"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml", "📊"),
    ("application/vnd.oasis.opendocument.spreadsheet", "📊"),
    ("application/msword", "📝"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml", "📝"),
    ("application/vnd.oasis.opendocument.text", "📝"),
    ("message/", "✉"),
    ("", "📎"),
)


@register.filter
def file_icon(content_type: str) -> str:
    """A small pictogram of a file's kind, by its content type."""
    kind = (content_type or "").lower()
    return next(icon for prefix, icon in FILE_ICONS if kind.startswith(prefix))
