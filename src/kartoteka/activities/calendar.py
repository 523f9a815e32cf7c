"""Reads of the calendar: a day, a week or a month of events and open tasks — the user's own, a
team's (for its supervisor, managers and administrators) or a resource's bookings.

Periods are whole days in the zone given (the user's), so a day of a DST change has 23 or 25
hours and the events keep their wall-clock times. Each calendar costs two queries (events and
tasks) whatever the number of items, plus one to find the team or resource (and a team's members).

A resource's bookings are shown to any staff member as free/busy; what an event is (its type,
customer and link) only through ``Event.visible_to``, so a confidential or restricted booking
reads "busy".
"""

from __future__ import annotations

import calendar as month_grid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from kartoteka.activities.models import (
    EVENT_LONGEST,
    Event,
    Resource,
    Task,
    TaskQuerySet,
    event_visibility,
)
from kartoteka.people.models import Team, User

View = Literal["day", "week", "month"]
VIEWS: tuple[View, ...] = ("day", "week", "month")
DEFAULT_VIEW: View = "week"


@dataclass(frozen=True)
class Period:
    """The days shown: [first, after) in the user's zone, and where prev/next lead."""

    view: View
    anchor: date
    first: date
    after: date
    previous: date
    next: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.after - self.first).days)]

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The period's first and end moments: local midnights, whatever the DST offset."""
        return _midnight(self.first, zone), _midnight(self.after, zone)


def period_for(view: View, anchor: date) -> Period:
    """The day itself; the week (Monday to Sunday) around it; or the month around it, shown
    as whole weeks."""
    if view == "day":
        return Period(
            view, anchor, anchor, anchor + timedelta(days=1), _day(anchor, -1), _day(anchor, 1)
        )
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return Period(
            view, anchor, monday, monday + timedelta(days=7), _day(anchor, -7), _day(anchor, 7)
        )
    first_of_month = anchor.replace(day=1)
    length = month_grid.monthrange(anchor.year, anchor.month)[1]
    last_of_month = anchor.replace(day=length)
    first = first_of_month - timedelta(days=first_of_month.weekday())
    after = last_of_month + timedelta(days=7 - last_of_month.weekday())
    return Period(
        view,
        anchor,
        first,
        after,
        _month(first_of_month, -1),
        _month(first_of_month, 1),
    )


class BadPeriod(ValueError):
    """The address asked for a view or day that does not exist; the message says which."""


def period_parse(view: str | None, day: str | None, *, today: date) -> Period:
    """The period an address asks for (``view`` and ``date`` as YYYY-MM-DD), by default the
    week of ``today``. Raises ``BadPeriod`` with the user's message for anything else."""
    chosen = view or DEFAULT_VIEW
    if chosen not in VIEWS:
        raise BadPeriod(_("Choose the day, week or month view."))
    return period_for(chosen, day_parse(day, today=today))  # type: ignore[arg-type]


def day_parse(value: str | None, *, today: date) -> date:
    """The day an address names as YYYY-MM-DD, ``today`` when it names none. Raises
    ``BadPeriod`` with the user's message for anything else."""
    if not value:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise BadPeriod(
            _("%(value)s is not a date; use the form 2026-12-07.") % {"value": value[:20]}
        ) from error
    if not date(1900, 1, 1) <= day <= date(9998, 12, 1):
        raise BadPeriod(_("Choose a date between the years 1900 and 9998."))
    return day


@dataclass(frozen=True)
class Item:
    """One line of the calendar: an event, a task due, or a booking the user may not see."""

    kind: Literal["event", "task", "busy"]
    starts_at: datetime
    ends_at: datetime
    title: str
    icon: str = ""
    account: str = ""
    who: str = ""
    url: str = ""
    resource: str = ""
    confidential: bool = False
    overdue: bool = False


@dataclass
class Day:
    day: date
    is_today: bool
    in_period: bool
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Calendar:
    period: Period
    days: list[Day]
    item_count: int

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[n : n + 7] for n in range(0, len(self.days), 7)]


def team_for_calendar(user: User, team_id: int) -> Team:
    """The team whose calendar ``user`` may read: one they supervise, any for managers and
    administrators; else 404."""
    teams = Team.objects.all() if user.sees_everything else Team.objects.filter(supervisor=user)
    team = teams.filter(pk=team_id).first()
    if team is None or not user.is_staff_member:
        raise Http404
    return team


def resource_for_calendar(user: User, resource_id: int) -> Resource:
    """Any resource, for any staff member (its busy times are no secret); else 404."""
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None or not user.is_staff_member:
        raise Http404
    return resource


def calendar_of_user(user: User, period: Period, *, zone: tzinfo, now: datetime) -> Calendar:
    """The events ``user`` recorded or takes part in, and the open tasks assigned to them."""
    start, end = period.bounds(zone)
    events = _events_of(user, [user.pk], start, end)
    tasks = _tasks_between(Task.objects.visible_to(user), start, end).filter(assignee=user)
    return _calendar(
        period, zone, now, _event_items(events, mine=user), _task_items(tasks, now, mine=user)
    )


def calendar_of_team(
    user: User, team: Team, period: Period, *, zone: tzinfo, now: datetime
) -> Calendar:
    """The events of the team's members (recorded or taken part in) that ``user`` sees, and
    the open tasks assigned to them."""
    start, end = period.bounds(zone)
    # The members as a list of ids: the database then seeks the (author, start) index once per
    # member, where a subquery let PostgreSQL and SQLite read every event in the period.
    members = list(User.objects.filter(team=team).values_list("pk", flat=True))
    events = _events_of(user, members, start, end)
    tasks = _tasks_between(Task.objects.visible_to(user), start, end).filter(
        assignee_id__in=members
    )
    return _calendar(period, zone, now, _event_items(events), _task_items(tasks, now))


def calendar_of_resource(
    user: User, resource: Resource, period: Period, *, zone: tzinfo, now: datetime
) -> Calendar:
    """Every booking of ``resource``: in full where the user may see the event, as "busy"
    otherwise. One query."""
    start, end = period.bounds(zone)
    events = (
        _events_between(Event.objects.filter(resource=resource), start, end)
        .order_by("starts_at", "pk")
        .annotate(seen=ExpressionWrapper(event_visibility(user), output_field=BooleanField()))
    )
    return _calendar(period, zone, now, _event_items(events, busy_unless_seen=True), [])


# Pieces


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _day(anchor: date, days: int) -> date:
    return anchor + timedelta(days=days)


def _month(first_of_month: date, months: int) -> date:
    """The first of the month ``months`` away (``day_parse`` keeps the years in range)."""
    year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 + months, 12)
    return date(year, month + 1, 1)


# What an item of the calendar shows: a week of a team reads hundreds of rows, not whole ones.
_PERSON = ("first_name", "last_name", "username")
EVENT_ITEM_FIELDS = (
    "starts_at", "ends_at", "confidential", "author_id", "event_type__name",
    "event_type__names", "event_type__icon", "account__name", "resource__name",
    *(f"author__{name}" for name in _PERSON),
)  # fmt: skip
TASK_ITEM_FIELDS = (
    "due_at", "assignee_id", "event_type__name", "event_type__names", "event_type__icon",
    "account__name", *(f"assignee__{name}" for name in _PERSON),
)  # fmt: skip


def _events_between(events: QuerySet[Event], start: datetime, end: datetime) -> QuerySet[Event]:
    """Events overlapping [start, end) — and those of no length starting within it."""
    return (
        events.filter(starts_at__gt=start - EVENT_LONGEST, starts_at__lt=end)
        .filter(Q(ends_at__gt=start) | Q(starts_at__gte=start))
        .select_related("event_type", "account", "author", "resource")
        .only(*EVENT_ITEM_FIELDS)
    )


def _events_of(
    viewer: User, people: Iterable[int], start: datetime, end: datetime
) -> QuerySet[Event]:
    """The events ``people`` recorded or take part in that ``viewer`` sees, in [start, end).

    Two halves joined by UNION, each led by an index (the author's events by time; the
    participations by person), where one query with OR would read every event."""
    seen = _events_between(Event.objects.visible_to(viewer), start, end).order_by()
    recorded = seen.filter(author_id__in=people)
    # Joined (not "pk IN"), so that the database starts from the few participations.
    taking_part = seen.filter(
        participation__user_id__in=people,
        participation__starts_at__gt=start - EVENT_LONGEST,
        participation__starts_at__lt=end,
    )
    return recorded.union(taking_part).order_by("starts_at", "pk")


def _tasks_between(tasks: TaskQuerySet, start: datetime, end: datetime) -> QuerySet[Task]:
    return (
        tasks.open()
        .filter(due_at__gte=start, due_at__lt=end)
        .select_related("event_type", "account", "assignee")
        .only(*TASK_ITEM_FIELDS)
        .order_by("due_at", "pk")
    )


def _url_per_pk(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` reversed once, for the hundreds of items of a page."""
    before, after = reverse(name, args=[987654321]).rsplit("987654321", 1)
    return lambda pk: f"{before}{pk}{after}"


def _event_items(
    events: Iterable[Event], *, mine: User | None = None, busy_unless_seen: bool = False
) -> list[Item]:
    items = []
    url = _url_per_pk("activities:event")
    for event in events:
        if busy_unless_seen and not getattr(event, "seen", False):
            items.append(
                Item(kind="busy", starts_at=event.starts_at, ends_at=event.ends_at, title=_("Busy"))
            )
            continue
        items.append(
            Item(
                kind="event",
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                title=event.event_type.local_name,
                icon=event.event_type.icon,
                account=str(event.account),
                who=""
                if mine is not None and event.author_id == mine.pk
                else str(event.author or ""),
                url=url(event.pk),
                resource=str(event.resource or ""),
                confidential=event.confidential,
            )
        )
    return items


def _task_items(tasks: QuerySet[Task], now: datetime, *, mine: User | None = None) -> list[Item]:
    url = _url_per_pk("activities:task")
    return [
        Item(
            kind="task",
            starts_at=task.due_at,
            ends_at=task.due_at,
            title=task.event_type.local_name,
            icon=task.event_type.icon,
            account=str(task.account),
            who="" if mine is not None else str(task.assignee),
            url=url(task.pk),
            overdue=task.due_at < now,
        )
        for task in tasks
    ]


def _calendar(
    period: Period, zone: tzinfo, now: datetime, events: list[Item], tasks: list[Item]
) -> Calendar:
    """Lay the items on the days they touch (an event over midnight on each of its days), in
    order of their start."""
    today = now.astimezone(zone).date()
    days = {
        day: Day(day, day == today, period.view != "month" or day.month == period.anchor.month)
        for day in period.days
    }
    for item in sorted(events + tasks, key=lambda item: (item.starts_at, item.kind)):
        first = item.starts_at.astimezone(zone).date()
        last_moment = max(item.starts_at, item.ends_at - timedelta(microseconds=1))
        last = last_moment.astimezone(zone).date()
        day = max(first, period.first)
        while day <= last and day in days:
            days[day].items.append(item)
            day += timedelta(days=1)
    return Calendar(period, list(days.values()), len(events) + len(tasks))


@dataclass(frozen=True)
class ResourceDay:
    resource: Resource
    items: list[Item]


def resources_free_busy(user: User, day: date, *, zone: tzinfo) -> list[ResourceDay]:
    """Each active resource with its bookings of ``day`` (in full or as "busy", as on its
    calendar). Two queries however many resources and bookings."""
    start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
    resources = list(Resource.objects.filter(active=True))
    events = (
        _events_between(Event.objects.filter(resource__in=resources), start, end)
        .order_by("starts_at", "pk")
        .annotate(seen=ExpressionWrapper(event_visibility(user), output_field=BooleanField()))
    )
    by_resource: dict[int, list[Event]] = {resource.pk: [] for resource in resources}
    for event in events:
        by_resource[event.resource_id].append(event)  # type: ignore[index]
    return [
        ResourceDay(resource, _event_items(by_resource[resource.pk], busy_unless_seen=True))
        for resource in resources
    ]
