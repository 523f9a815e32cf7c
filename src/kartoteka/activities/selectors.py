"""Reads of activities, each starting from a model's ``visible_to(user)``; the access helpers
answer 404 for what the user may not see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from kartoteka.activities.models import Event, Task, Thread
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
