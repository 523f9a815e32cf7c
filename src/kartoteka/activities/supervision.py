"""Reads for those who oversee others' work: a supervisor their supervised teams, managers and
administrators every team. The team's events and tasks, filtered and in pages, and a week's
summary per person; each a fixed number of queries whatever the rows.

Events come through ``Event.visible_to`` (a supervisor sees the confidential events of the
people they supervise, see ``event_visibility``), tasks through ``Task.visible_to``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kartoteka.activities.models import Event, EventType, Task
from kartoteka.people.models import Team, User


@dataclass(frozen=True)
class Scope:
    """Whose work to show: people of ``teams``, narrowed to one ``team`` or ``person``, of one
    event ``event_type``, between ``since`` and ``until`` (both days included)."""

    teams: QuerySet[Team]
    team: Team | None = None
    person: User | None = None
    event_type: EventType | None = None
    since: date | None = None
    until: date | None = None


def overseen_teams(user: User) -> QuerySet[Team]:
    """The teams whose work ``user`` oversees: every team for managers and administrators,
    the supervised ones for a supervisor, none for anyone else."""
    if not user.is_authenticated or not user.is_staff_member:
        return Team.objects.none()
    if user.sees_everything:
        return Team.objects.order_by("name")
    return Team.objects.filter(supervisor=user).order_by("name")


def overseen_teams_or_404(user: User) -> QuerySet[Team]:
    """``overseen_teams``, or 404 for a user who oversees none (for them the pages do not
    exist)."""
    if not user.is_authenticated or not user.is_staff_member:
        raise Http404
    if not user.sees_everything and not Team.objects.filter(supervisor=user).exists():
        raise Http404
    return overseen_teams(user)


def overseen_people(teams: QuerySet[Team]) -> QuerySet[User]:
    """The members of ``teams``, in name order."""
    return User.objects.filter(team__in=teams).order_by("last_name", "first_name", "username")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def people_of(scope: Scope) -> QuerySet[User]:
    """The people in scope, in name order."""
    people = overseen_people(scope.teams)
    if scope.team is not None:
        people = people.filter(team=scope.team)
    if scope.person is not None:
        people = people.filter(pk=scope.person.pk)
    return people


def _ids_of(scope: Scope) -> list[int]:
    # A list of a few ids (one query), rather than a join through the teams, lets the
    # database read each person's rows by index.
    return list(people_of(scope).values_list("pk", flat=True))


def _time_filter(scope: Scope, field_name: str) -> Q:
    condition = Q()
    if scope.since is not None:
        condition &= Q(**{f"{field_name}__gte": _day_start(scope.since)})
    if scope.until is not None:
        condition &= Q(**{f"{field_name}__lt": _day_start(scope.until + timedelta(days=1))})
    return condition


def team_events(user: User, scope: Scope) -> QuerySet[Event]:
    """The events recorded by the people in scope, newest first."""
    events = Event.objects.visible_to(user).filter(
        _time_filter(scope, "starts_at"), author_id__in=_ids_of(scope)
    )
    if scope.event_type is not None:
        events = events.filter(event_type=scope.event_type)
    # The thread fetched for the page's rows only: joined, it would be joined to every event
    # of the team before the newest are picked.
    return (
        events.select_related("account", "event_type", "author")
        .prefetch_related("thread")
        .order_by("-starts_at", "-pk")
    )


def team_tasks(user: User, scope: Scope) -> QuerySet[Task]:
    """The tasks of the people in scope (as assignees), by due time, latest first."""
    tasks = Task.objects.visible_to(user).filter(
        _time_filter(scope, "due_at"), assignee_id__in=_ids_of(scope)
    )
    if scope.event_type is not None:
        tasks = tasks.filter(event_type=scope.event_type)
    return tasks.select_related("account", "event_type", "assignee").order_by("-due_at", "-pk")


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass
class PersonWeek:
    """One person's week: events recorded by type (in ``WeekSummary.event_types`` order),
    tasks done, and tasks due that week that were late (still open after their due time, or
    done after it)."""

    person: User
    events_by_type: list[int] = field(default_factory=list)
    events: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0


@dataclass(frozen=True)
class WeekSummary:
    monday: date
    event_types: list[EventType]
    rows: list[PersonWeek]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def week_summary(user: User, scope: Scope, monday: date, *, now: datetime) -> WeekSummary:
    """Per person in scope, for the week starting ``monday``: events by type, tasks done and
    tasks overdue (four queries: the people, the event types, the events and the tasks
    counted)."""
    start, end = _day_start(monday), _day_start(monday + timedelta(days=7))
    people = list(people_of(scope))
    types = list(EventType.objects.all())
    if scope.event_type is not None:
        types = [kind for kind in types if kind.pk == scope.event_type.pk]
    ids = [person.pk for person in people]
    event_counts = (
        Event.objects.visible_to(user)
        .filter(author_id__in=ids, starts_at__gte=start, starts_at__lt=end)
        .values("author_id", "event_type_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_person_type = {
        (row["author_id"], row["event_type_id"]): row["count"] for row in event_counts
    }
    late_until = min(end, now)
    task_counts = (
        Task.objects.visible_to(user)
        .filter(assignee_id__in=ids)
        .filter(
            Q(state=Task.State.DONE, closed_at__gte=start, closed_at__lt=end)
            | Q(due_at__gte=start, due_at__lt=late_until)
        )
        .values("assignee_id")
        .annotate(
            done=Count(
                "pk",
                filter=Q(state=Task.State.DONE, closed_at__gte=start, closed_at__lt=end),
            ),
            overdue=Count(
                "pk",
                filter=Q(due_at__gte=start, due_at__lt=late_until)
                & (Q(state=Task.State.OPEN) | Q(state=Task.State.DONE, closed_at__gt=F("due_at"))),
            ),
        )
        .order_by()
    )
    by_person_tasks: dict[int, dict[str, int]] = {
        row["assignee_id"]: {"done": row["done"], "overdue": row["overdue"]} for row in task_counts
    }
    rows = []
    for person in people:
        counts = [by_person_type.get((person.pk, kind.pk), 0) for kind in types]
        tasks: dict[str, int] = by_person_tasks.get(person.pk, {})
        rows.append(
            PersonWeek(
                person=person,
                events_by_type=counts,
                events=sum(counts),
                tasks_done=tasks.get("done", 0),
                tasks_overdue=tasks.get("overdue", 0),
            )
        )
    return WeekSummary(monday=monday, event_types=types, rows=rows)
