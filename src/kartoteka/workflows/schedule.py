"""When a scheduled rule runs: its occurrences in the installation's time zone.

A rule runs daily, weekly on a weekday or monthly on a day of the month (a month shorter than
that day runs on its last day), at a time of day. ``occurrence_latest`` is the last occurrence
at or before a moment (what the periodic job catches up, once), ``occurrence_next`` the first
after it (what the rules list shows). Pure: no database.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from kartoteka.workflows.models import Rule


def _at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _month_shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def _candidates(rule: Rule, moment: datetime) -> list[datetime]:
    """Occurrences around ``moment``: the one of its period, the period before and after."""
    at = rule.schedule_time
    if at is None:
        return []
    local = timezone.localtime(moment, timezone.get_default_timezone()).date()
    if rule.schedule_frequency == "daily":
        return [_at(local + timedelta(days=shift), at) for shift in (-1, 0, 1)]
    if rule.schedule_frequency == "weekly" and rule.schedule_weekday is not None:
        this_week = local - timedelta(days=(local.weekday() - rule.schedule_weekday) % 7)
        return [_at(this_week + timedelta(days=7 * shift), at) for shift in (-1, 0, 1)]
    if rule.schedule_frequency == "monthly" and rule.schedule_day:
        months = [_month_shift(local.year, local.month, shift) for shift in (-1, 0, 1)]
        return [_at(_month_day(y, m, rule.schedule_day), at) for y, m in months]
    return []


def occurrence_latest(rule: Rule, moment: datetime) -> datetime | None:
    """The rule's last occurrence at or before ``moment``; ``None`` without a schedule."""
    past = [when for when in _candidates(rule, moment) if when <= moment]
    return max(past) if past else None


def occurrence_next(rule: Rule, moment: datetime) -> datetime | None:
    """The rule's first occurrence after ``moment``; ``None`` without a schedule."""
    future = [when for when in _candidates(rule, moment) if when > moment]
    return min(future) if future else None
