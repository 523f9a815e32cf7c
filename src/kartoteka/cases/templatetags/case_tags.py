"""How case pages show moments in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

RECENT = timedelta(hours=12)


@register.filter
def moment(value: datetime | None) -> SafeString | str:
    """Relative when recent ("3 minutes ago"), else the date and time; exact time on hover.

    Both in the active (the user's) time zone and locale. A moment in the future (a sender's
    fast clock) is never "in 2 minutes": it shows as now.
    """
    if value is None:
        return ""
    return _time_element(value, date_format(timezone.localtime(value), "DATETIME_FORMAT"))


def _time_element(value: datetime, title: str) -> SafeString:
    local = timezone.localtime(value)
    now = timezone.now()
    shown = (
        naturaltime(min(value, now))
        if now - value < RECENT
        else date_format(local, "SHORT_DATETIME_FORMAT")
    )
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), title, shown)


@register.filter
def message_moment(message: Any) -> SafeString | str:
    """A message's moment as the conversation, the tree and triage show it: when we received
    (or sent) it, ``Message.received_at``; on hover that exact time and the sender's
    ``Date`` header, both in the user's time zone and locale."""
    if message is None:
        return ""
    received = message.received_at
    exact = date_format(timezone.localtime(received), "DATETIME_FORMAT")
    inbound = message.direction == "in"
    title = (_("Received: %(time)s") if inbound else _("Sent: %(time)s")) % {"time": exact}
    if message.date is not None:
        written = date_format(timezone.localtime(message.date), "DATETIME_FORMAT")
        title += " · " + _("Sender's date: %(time)s") % {"time": written}
    return _time_element(received, title)


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
