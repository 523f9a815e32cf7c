"""The calendar's items drawn as HTML: ``{% calendar_items items %}``.

Built here rather than in a template: a team's week holds hundreds of events and tasks, and
drawing each through the template engine (a dozen lookups, filters and tags per item) took
most of the page's time. The markup is the one ``app.css`` styles (``.calendar-items``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kartoteka.activities.calendar import Item

register = template.Library()


@register.simple_tag
def calendar_items(items: Iterable[Item]) -> SafeString:
    """A day's items as a list (nothing for none), times in the active time zone."""
    lines = format_html_join("\n", "{}", ((_item(item),) for item in items))
    return format_html('<ul class="calendar-items">\n{}\n</ul>', lines) if lines else lines


def _item(item: Item) -> SafeString:
    classes = f"calendar-item calendar-{item.kind}" + (" overdue" if item.overdue else "")
    times = _time(item.starts_at)
    if item.kind != "task":
        times = format_html("{}–{}", times, _time(item.ends_at))
    if item.kind == "busy":
        return format_html(
            '<li class="{}">{} <span class="pill">{}</span></li>', classes, times, _("Busy")
        )
    title = f"{_('Task')}: {item.title}" if item.kind == "task" else item.title
    notes = [
        ("muted", item.resource),
        ("muted", item.who),
        ("pill pill-restricted", _("Confidential") if item.confidential else ""),
        ("pill", _("Overdue") if item.overdue else ""),
    ]
    return format_html(
        '<li class="{}">{} <span aria-hidden="true">{}</span> <a href="{}">{} · {}</a>{}</li>',
        classes,
        times,
        item.icon,
        item.url,
        title,
        item.account,
        format_html_join("", ' <span class="{}">{}</span>', ((c, t) for c, t in notes if t)),
    )


def _time(moment: datetime) -> SafeString:
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%H:%M"))
