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
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kartoteka.activities.calendar import Item

register = template.Library()


@register.simple_tag
def calendar_items(items: Iterable[Item]) -> SafeString:
    """A day's items as a list (nothing for none), times in the active time zone."""
    lines = "\n".join(_item(item) for item in items)
    return mark_safe(f'<ul class="calendar-items">\n{lines}\n</ul>' if lines else "")  # noqa: S308 - every text in it escaped by _item


def _item(item: Item) -> str:
    """One item's markup; what users typed (titles, names) escaped, the rest is ours."""
    classes = f"calendar-item calendar-{item.kind}" + (" overdue" if item.overdue else "")
    times = _time(item.starts_at)
    if item.kind != "task":
        times += "–" + _time(item.ends_at)
    if item.kind == "busy":
        return f'<li class="{classes}">{times} <span class="pill">{escape(_("Busy"))}</span></li>'
    title = f"{_('Task')}: {item.title}" if item.kind == "task" else item.title
    notes = [
        ("muted", item.resource),
        ("muted", item.who),
        ("pill pill-restricted", _("Confidential") if item.confidential else ""),
        ("pill", _("Overdue") if item.overdue else ""),
    ]
    tail = "".join(f' <span class="{kind}">{escape(text)}</span>' for kind, text in notes if text)
    return (
        f'<li class="{classes}">{times} <span aria-hidden="true">{escape(item.icon)}</span> '
        f'<a href="{escape(item.url)}">{escape(title)} · {escape(item.account)}</a>{tail}</li>'
    )


def _time(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f'<time datetime="{local.isoformat()}">{local:%H:%M}</time>'
