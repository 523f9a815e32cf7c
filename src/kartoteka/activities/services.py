"""Writes of activities: recording events (which continues or starts a thread, completes the task
it was planned by, and plans the next one or closes the thread), tasks alone, closing threads.

Each service is one transaction. The caller has checked that ``by`` may see the account (the
views and the API reach it through ``visible_to``); the services check that everything named
belongs to that account, so a forged id of another customer's contact, case, document or thread
is refused with a message, not stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.activities.booking import resource_check_free, resource_clash, resource_clash_error
from kartoteka.activities.models import (
    DEFAULT_CURRENCY,
    EVENT_LONGEST,
    Event,
    EventType,
    PendingReminder,
    Product,
    Resource,
    Task,
    Thread,
)
from kartoteka.activities.reminders import reminder_time, reminders_drop
from kartoteka.activities.search_entries import event_index
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.validation import ErrorCollector

if TYPE_CHECKING:
    from kartoteka.cases.models import Case
    from kartoteka.customers.models import Account, Contact
    from kartoteka.documents.models import Document
    from kartoteka.people.models import Team, User

AMOUNT_MAX = Decimal("999999999999.99")
TITLE_MAX = 255


@dataclass(frozen=True)
class NextTask:
    """The follow-up an event plans: what, by when, for whom; reminded ``remind_before`` the due
    time (None: the assignee's own lead time)."""

    event_type: EventType
    due_at: datetime
    assignee: User
    note: str = ""
    remind_before: timedelta | None = None


@transaction.atomic
def event_record(
    *,
    by: User,
    account: Account,
    event_type: EventType,
    starts_at: datetime,
    ends_at: datetime | None = None,
    description: str = "",
    result: str = "",
    thread: Thread | None = None,
    thread_title: str = "",
    completes: Task | None = None,
    next_task: NextTask | None = None,
    close_thread: bool = False,
    close_reason: str = "",
    participants: Sequence[User] = (),
    contacts: Sequence[Contact] = (),
    amount: Decimal | None = None,
    currency: str = DEFAULT_CURRENCY,
    products: Sequence[Product] = (),
    resource: Resource | None = None,
    documents: Sequence[Document] = (),
    classifications: Sequence[DictionaryEntry] = (),
    case: Case | None = None,
    confidential: bool = False,
    shared_users: Sequence[User] = (),
    shared_teams: Sequence[Team] = (),
) -> Event:
    """Record what ``by`` did with ``account``, and what comes next.

    - The thread: ``thread`` (open, of this account), else the thread of the task it completes,
      else a new one titled ``thread_title`` (or after the type and day).
    - ``completes``: an open task of this account, now done by this event.
    - Then either ``next_task`` is planned in the thread, or ``close_thread`` closes it (the
      thread's other open tasks are cancelled: the contact has ended), or the thread stays open
      without a next step (the lists flag it).
    - A booked ``resource`` must be free for [start, end): see ``booking``.

    Raises ``ValidationError`` naming the field for anything that does not fit.
    """
    _check_staff(by)
    ends_at = ends_at or starts_at + event_type.default_duration
    errors = ErrorCollector()
    with errors.on("ends_at"):
        if ends_at < starts_at:
            raise ValidationError(_("The end comes before the start."), code="ends_before")
        if ends_at - starts_at > EVENT_LONGEST:
            raise ValidationError(_("An event lasts at most 31 days."), code="too_long")
    with errors.on("close_thread"):
        if close_thread and next_task is not None:
            raise ValidationError(
                _("Either plan a next task or close the thread, not both."), code="both"
            )
    with errors.on("amount"):
        amount = _amount_checked(amount)
    with errors.on("completes"):
        if completes is not None and (completes.account_id != account.pk or not completes.is_open):
            raise ValidationError(_("That task is already done or not this customer's."))
    if thread is None and completes is not None:
        thread = completes.thread
    with errors.on("thread"):
        if thread is not None and (thread.account_id != account.pk or not thread.is_open):
            raise ValidationError(
                _("That thread is closed or not this customer's. Start a new one."),
                code="thread_closed",
            )
    with errors.on("next_task"):
        if next_task is not None:
            _check_next_task(next_task, after=starts_at)
    _check_belongs(errors, account, contacts=contacts, case=case, documents=documents)
    with errors.on("classifications"):
        _check_classifications(classifications)
    if resource is not None:
        with errors.on("resource"):
            resource_check_free(resource, starts_at, ends_at)
    errors.raise_if_any()

    if thread is None:
        thread = Thread.objects.create(
            account=account,
            title=_thread_title(thread_title, event_type, starts_at),
            owner=by,
        )
    else:
        Thread.objects.select_for_update().filter(pk=thread.pk).first()
    event = Event(
        account=account,
        thread=thread,
        event_type=event_type,
        starts_at=starts_at,
        ends_at=ends_at,
        description=description,
        result=result,
        author=by,
        amount=amount,
        currency=currency,
        resource=resource,
        case=case,
        confidential=confidential,
    )
    event.full_clean(exclude=["account", "thread", "event_type", "author", "resource", "case"])
    _event_insert(event)
    event.participants.set(participants, through_defaults={"starts_at": event.starts_at})
    event.contacts.set(contacts)
    event.products.set(products)
    event.documents.set(documents)
    event.classifications.set(classifications)
    event.shared_users.set(shared_users)
    event.shared_teams.set(shared_teams)

    now = timezone.now()
    if completes is not None:
        completed = Task.objects.filter(pk=completes.pk, state=Task.State.OPEN)
        if completed.update(state=Task.State.DONE, done_event=event, closed_at=now) != 1:
            # completed by someone else in the meantime
            raise ValidationError(
                {"completes": _("That task was completed in the meantime.")}, code="task_done"
            )
        reminders_drop(Task.objects.filter(pk=completes.pk))
    if next_task is not None:
        _task_insert(
            by=by,
            account=account,
            thread=thread,
            case=case,
            planned_by_event=event,
            plan=next_task,
        )
    elif close_thread:
        _thread_close(thread, by=by, reason=close_reason, at=now)
    event_index(event)
    return event


@transaction.atomic
def task_create(
    *,
    by: User,
    account: Account,
    plan: NextTask,
    thread: Thread | None = None,
    case: Case | None = None,
) -> Task:
    """A task on its own (not planned by an event): in ``thread`` if given (open, of this
    account), else outside any thread; the event that does it starts one."""
    _check_staff(by)
    errors = ErrorCollector()
    with errors.on("thread"):
        if thread is not None and (thread.account_id != account.pk or not thread.is_open):
            raise ValidationError(_("That thread is closed or not this customer's."))
    with errors.on("next_task"):
        _check_next_task(plan, after=None)
    _check_belongs(errors, account, case=case)
    errors.raise_if_any()
    return _task_insert(
        by=by, account=account, thread=thread, case=case, planned_by_event=None, plan=plan
    )


@transaction.atomic
def task_cancel(*, by: User, task: Task) -> Task:
    """Cancel an open task (its assignee, its creator, or a supervisor who sees it)."""
    _check_staff(by)
    if not task.is_open:
        raise ValidationError(_("The task is already closed."), code="closed")
    Task.objects.filter(pk=task.pk, state=Task.State.OPEN).update(
        state=Task.State.CANCELLED, closed_at=timezone.now()
    )
    reminders_drop(Task.objects.filter(pk=task.pk))
    task.refresh_from_db()
    return task


@transaction.atomic
def thread_close(*, by: User, thread: Thread, reason: str) -> Thread:
    """Close an open thread explicitly, with a reason; its open tasks are cancelled."""
    _check_staff(by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"close_reason": _("Say why the thread ends.")}, code="required")
    if not thread.is_open:
        raise ValidationError(_("The thread is already closed."), code="closed")
    Thread.objects.select_for_update().filter(pk=thread.pk).first()
    _thread_close(thread, by=by, reason=reason[:255], at=timezone.now())
    return thread


# Pieces


def _task_insert(
    *,
    by: User,
    account: Account,
    thread: Thread | None,
    case: Case | None,
    planned_by_event: Event | None,
    plan: NextTask,
) -> Task:
    remind_at = reminder_time(plan.assignee, plan.due_at, plan.remind_before)
    task = Task.objects.create(
        account=account,
        thread=thread,
        case=case,
        event_type=plan.event_type,
        due_at=plan.due_at,
        assignee=plan.assignee,
        note=plan.note,
        created_by=by,
        planned_by_event=planned_by_event,
        remind_at=remind_at,
    )
    PendingReminder.objects.create(task=task, remind_at=remind_at)
    return task


def _thread_close(thread: Thread, *, by: User, reason: str, at: datetime) -> None:
    Thread.objects.filter(pk=thread.pk).update(
        state=Thread.State.CLOSED, closed_at=at, closed_by=by, close_reason=reason
    )
    cancelled = Task.objects.filter(thread=thread, state=Task.State.OPEN)
    reminders_drop(cancelled)
    cancelled.update(state=Task.State.CANCELLED, closed_at=at)
    thread.refresh_from_db()


def _event_insert(event: Event) -> None:
    """Save the event; on PostgreSQL a booking that raced past the check meets the exclusion
    constraint, and is refused with the clash named."""
    if event.resource is None:
        event.save()
        return
    try:
        with transaction.atomic():
            event.save()
    except IntegrityError as error:
        clash = resource_clash(event.resource, event.starts_at, event.ends_at)
        if clash is None:
            raise
        raise resource_clash_error(event.resource, clash) from error


def _check_staff(by: User) -> None:
    if not by.is_staff_member:
        raise PermissionDenied


def _check_next_task(plan: NextTask, *, after: datetime | None) -> None:
    if not plan.assignee.is_staff_member:
        raise ValidationError(_("Tasks go to active staff users only."), code="assignee")
    if after is not None and plan.due_at < after:
        raise ValidationError(
            _("The next task is due before this event starts."), code="due_before"
        )
    if plan.remind_before is not None and plan.remind_before < timedelta(0):
        raise ValidationError(_("A reminder comes before the due time, not after."))


def _check_belongs(
    errors: ErrorCollector,
    account: Account,
    *,
    contacts: Sequence[Contact] = (),
    case: Case | None = None,
    documents: Sequence[Document] = (),
) -> None:
    with errors.on("contacts"):
        if any(contact.account_id != account.pk for contact in contacts):
            raise ValidationError(_("Only this customer's people can take part."))
    with errors.on("case"):
        if case is not None and case.account_id != account.pk:
            raise ValidationError(_("The case must be this customer's."))
    with errors.on("documents"):
        if any(document.account_id != account.pk for document in documents):
            raise ValidationError(_("Only this customer's documents can be attached."))


def _check_classifications(entries: Sequence[DictionaryEntry]) -> None:
    """Event dictionaries only, and one entry per dictionary unless it allows several."""
    dictionaries = {entry.dictionary_id for entry in entries}
    rows = Dictionary.objects.filter(pk__in=dictionaries).values_list(
        "pk", "applies_to", "multiple"
    )
    kinds = {pk: (applies_to, multiple) for pk, applies_to, multiple in rows}
    for dictionary_id in dictionaries:
        applies_to, multiple = kinds[dictionary_id]
        if applies_to != Dictionary.AppliesTo.EVENT:
            raise ValidationError(_("Only the events' dictionaries classify events."))
        chosen = sum(1 for entry in entries if entry.dictionary_id == dictionary_id)
        if chosen > 1 and not multiple:
            raise ValidationError(_("Choose one value from each single-choice dictionary."))


def _amount_checked(amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    try:
        exact = Decimal(amount)
        rounded = exact.quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError) as error:
        raise ValidationError(_("Enter an amount such as 1250.00."), code="invalid") from error
    if rounded != exact:
        raise ValidationError(_("An amount has at most two decimal places."), code="decimals")
    if not Decimal(0) <= rounded <= AMOUNT_MAX:
        raise ValidationError(_("Enter an amount between 0 and 999 999 999 999.99."))
    return rounded


def _thread_title(title: str, event_type: EventType, starts_at: datetime) -> str:
    title = " ".join(title.split())[:TITLE_MAX]
    if title:
        return title
    day = timezone.localtime(starts_at).date().isoformat()
    return f"{event_type.local_name} {day}"
