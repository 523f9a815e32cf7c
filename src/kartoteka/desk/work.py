"""The sections of the "My work" start page: the user's tasks by when they are due, their open
cases, the open cases nobody took in their groups, the followed cases with unread news, and
their open threads without a next step.

The page lives in ``desk`` because "news" of a followed case is the user's unread
notifications about it (``notifications``, above ``activities``). Each section is a count and
its first rows, a fixed number of queries however many rows there are; the full list of one
section is ``section_rows`` (paged by the view).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kartoteka.activities import work
from kartoteka.activities.selectors import threads_without_next_step
from kartoteka.cases.models import Case, CaseFollower, CaseGroup
from kartoteka.cases.selectors import case_list
from kartoteka.customers.models import Account
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User

ROWS_PER_SECTION = 10

TASK_TITLES: dict[str, Promise] = {
    "overdue": _("Overdue tasks"),
    "today": _("Tasks due today"),
    "upcoming": _("Tasks of the next 7 days"),
}
CASE_TITLES: dict[str, Promise] = {
    "my-cases": _("My open cases"),
    "unassigned": _("Unassigned cases in my groups"),
    "followed": _("Followed cases with news"),
}
THREAD_TITLES: dict[str, Promise] = {"threads": _("Threads without a next step")}
SECTIONS = (*TASK_TITLES, *CASE_TITLES, *THREAD_TITLES)


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    kind: str  # "tasks", "cases" or "threads": which rows the template draws
    count: int
    rows: list[Any]

    @property
    def overdue(self) -> bool:
        return self.key == "overdue"

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)


def my_open_cases(user: User) -> QuerySet[Case]:
    """The user's open cases, as the case list's "mine" view shows them."""
    return _case_rows(case_list(user=user, filters={"view": "mine"}))


def unassigned_in_my_groups(user: User) -> QuerySet[Case]:
    """Open cases nobody is assigned, of a group the user is a member of or of a customer of
    the user's team."""
    # Each side read from its partial index of unassigned cases, the two joined by UNION: one
    # query with OR would read every unassigned case and test both sides on each.
    nobodys = Case.objects.filter(assignee__isnull=True)
    groups = CaseGroup.objects.filter(members=user).values("pk")
    ours = nobodys.filter(group__in=groups).values("pk")
    if user.team_id is not None:
        team_customers = Account.objects.filter(team_id=user.team_id).values("pk")
        ours = ours.union(nobodys.filter(account__in=team_customers).values("pk"))
    return _case_rows(case_list(user=user, filters={"view": "open"}).filter(pk__in=ours))


def followed_with_news(user: User) -> QuerySet[Case]:
    """Cases the user follows that have unread notifications for them, with how many
    (``news``)."""
    unread = Notification.objects.visible_to(user).unread()
    followed = CaseFollower.objects.filter(user=user, case=OuterRef("pk"))
    news = (
        unread.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # Led by the user's unread notifications (few), not by every case checked for them.
    return _case_rows(
        case_list(user=user)
        .filter(pk__in=unread.filter(case__isnull=False).values("case_id"))
        .filter(Exists(followed))
        .annotate(news=Coalesce(Subquery(news), 0))
    )


def _case_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    # A few rows: their status and customer joined, instead of the list's lookup prefetches.
    return (
        cases.prefetch_related(None)
        .select_related("status", "priority", "account", "assignee")
        .order_by("-number")
    )


def section_rows(user: User, key: str, window: work.Window) -> QuerySet[Any]:
    """Every row of one section, in the section's order."""
    if key in TASK_TITLES:
        return work.my_tasks_in(user, window, key)  # type: ignore[arg-type]
    if key == "threads":
        return threads_without_next_step(user)
    if not user.works_with_cases:
        return Case.objects.none()
    return {
        "my-cases": my_open_cases,
        "unassigned": unassigned_in_my_groups,
        "followed": followed_with_news,
    }[key](user)


def section_kind(key: str) -> str:
    if key in TASK_TITLES:
        return "tasks"
    return "threads" if key == "threads" else "cases"


def section_title(key: str) -> Promise:
    return {**TASK_TITLES, **CASE_TITLES, **THREAD_TITLES}[key]


def my_work(user: User, window: work.Window) -> list[Section]:
    """The page's sections in order, each with its count and first ``ROWS_PER_SECTION`` rows;
    the case sections only for users who work with cases."""
    task_counts = work.my_task_counts(user, window)
    keys = [*TASK_TITLES]
    if user.works_with_cases:
        keys += [*CASE_TITLES]
    keys.append("threads")
    sections = []
    for key in keys:
        rows = section_rows(user, key, window)
        count = task_counts.get(key)  # type: ignore[call-overload]
        if count is None:
            count = rows.order_by().count()
        shown = list(rows[:ROWS_PER_SECTION]) if count else []
        sections.append(Section(key, section_title(key), section_kind(key), count, shown))
    return sections
