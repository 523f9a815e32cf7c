"""Reads of activities, each starting from a model's ``visible_to(user)``; the access helpers
answer 404 for what the user may not see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from kartoteka.activities.models import Event, Task, Thread
from kartoteka.cases.models import Case
from kartoteka.documents.models import Document
from kartoteka.people.models import User


def event_get_for_user(user: User, pk: int) -> Event:
    event = (
        Event.objects.visible_to(user)
        .select_related("account", "thread", "event_type", "author", "resource", "case")
        .prefetch_related(
            "participants",
            "contacts",
            "products",
            "documents",
            "classifications",
            "shared_users",
            "shared_teams",
        )
        .filter(pk=pk)
        .first()
    )
    if event is None:
        raise Http404
    return event


def thread_get_for_user(user: User, pk: int) -> Thread:
    """The thread if the user sees its account; its events through ``Event.visible_to``."""
    thread = (
        Thread.objects.visible_to(user)
        .select_related("account", "owner", "closed_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=Event.objects.visible_to(user)
                .select_related("event_type", "author", "resource")
                .order_by("starts_at", "pk"),
                to_attr="visible_events",
            ),
            Prefetch(
                "tasks",
                queryset=Task.objects.visible_to(user)
                .select_related("event_type", "assignee")
                .order_by("due_at", "pk"),
                to_attr="visible_tasks",
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if thread is None:
        raise Http404
    return thread


def task_get_for_user(user: User, pk: int) -> Task:
    task = (
        Task.objects.visible_to(user)
        .select_related("account", "thread", "event_type", "assignee", "created_by", "case")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    return task


def threads_without_next_step(user: User) -> QuerySet[Thread]:
    """Open threads the user owns that have no open task: the contact may have been forgotten."""
    planned = Task.objects.filter(thread_id=OuterRef("pk"), state=Task.State.OPEN)
    return (
        Thread.objects.visible_to(user)
        .filter(owner=user, state=Thread.State.OPEN)
        .exclude(Exists(planned))
        .select_related("account")
        .order_by("created_at", "pk")
    )


def open_threads_of(user: User, account_id: int) -> QuerySet[Thread]:
    """The account's open threads, for "continue a thread" choices."""
    return (
        Thread.objects.visible_to(user)
        .filter(account_id=account_id, state=Thread.State.OPEN)
        .order_by("-created_at", "-pk")
    )


# The recording pages and the case page


@dataclass(frozen=True)
class CaseActivities:
    """A case's activities as its page lists them: the latest events and the open tasks."""

    events: list[Event]
    tasks: list[Task]
    more_events: bool


CASE_EVENTS_SHOWN = 10


def case_activities(user: User, case: Case) -> CaseActivities:
    """The case's events the user sees (newest first, the latest ``CASE_EVENTS_SHOWN``) and its
    open tasks; two queries whatever their number."""
    events = list(
        Event.objects.visible_to(user)
        .filter(case=case)
        .select_related("event_type", "author", "thread")
        .order_by("-starts_at", "-pk")[: CASE_EVENTS_SHOWN + 1]
    )
    tasks = list(
        Task.objects.visible_to(user)
        .open()
        .filter(case=case)
        .select_related("event_type", "assignee")
        .order_by("due_at", "pk")
    )
    return CaseActivities(
        events=events[:CASE_EVENTS_SHOWN], tasks=tasks, more_events=len(events) > CASE_EVENTS_SHOWN
    )


def event_documents_for_user(user: User, event: Event) -> QuerySet[Document]:
    """The event's attachments the user may see (a confidential document stays hidden)."""
    return (
        Document.objects.visible_to(user)
        .filter(events=event)
        .select_related("document_type")
        .order_by("-date", "-pk")
    )


def case_for_user(user: User, case_id: int | None) -> Case | None:
    """An event's or a task's case, if the user may see it."""
    if case_id is None:
        return None
    return Case.objects.visible_to(user).filter(pk=case_id).first()


def event_tasks_for_user(user: User, event: Event) -> list[Task]:
    """The tasks the event planned, and the one it did, that the user sees."""
    return list(
        Task.objects.visible_to(user)
        .filter(Q(planned_by_event=event) | Q(done_event=event))
        .select_related("event_type", "assignee")
        .order_by("due_at", "pk")
    )
