"""Activities: what users do towards a customer besides email — events in threads, the tasks
they plan, and the resources they book.

An *event* is something done (a call, an offer sent, a meeting, a contract signed), recorded with
its result. Events of one customer form *threads*: a thread stays open while a next *task* is
planned and is closed by an event that plans none. A *resource* (a room, a car) is held by at
most one event at any moment: on PostgreSQL an exclusion constraint on the time range says so
(migration 0002), on SQLite the booking service checks inside its write-locked transaction.

``EventQuerySet.visible_to`` and ``TaskQuerySet.visible_to`` are the doors to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.core.names import local_name
from kartoteka.customers.models import account_visibility, confidential_visibility

if TYPE_CHECKING:
    from kartoteka.people.models import User

DEFAULT_CURRENCY = "PLN"
# The longest an event may last (a fair, a week's training). Bounded, so that "the events of
# this week" is a range of start times an index reads, not every event started before Sunday.
EVENT_LONGEST = timedelta(days=31)
CURRENCIES = [("PLN", "PLN"), ("EUR", "EUR"), ("CZK", "CZK"), ("USD", "USD"), ("GBP", "GBP")]


class EventType(models.Model):
    """An administrator's list of kinds of event, with the follow-up each usually plans
    ("Offer sent → a phone call in 2 days")."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        SMS = "sms", _("Text message")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.OTHER)
    icon = models.CharField(_("icon"), max_length=8, help_text=_("A short symbol, e.g. 📞."))
    default_duration = models.DurationField(_("default duration"), default=timedelta(minutes=15))
    plans_next_task = models.BooleanField(
        _("usually plans a next task"),
        default=True,
        help_text=_("Recording such an event proposes a follow-up task."),
    )
    next_task_type = models.ForeignKey(
        "self",
        verbose_name=_("usual next task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    next_task_delay = models.DurationField(
        _("usual delay of the next task"), default=timedelta(days=2)
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("event type")
        verbose_name_plural = _("event types")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language (a starting name is translated)."""
        return local_name(self.name, self.names)


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=64, unique=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCIES, default=DEFAULT_CURRENCY
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Resource(models.Model):
    """Something an event books for its time: a room, a car, a projector."""

    class Kind(models.TextChoices):
        ROOM = "room", _("Room")
        CAR = "car", _("Car")
        EQUIPMENT = "equipment", _("Equipment")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.ROOM)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name


class ThreadQuerySet(models.QuerySet["Thread"]):
    def visible_to(self, user: User) -> ThreadQuerySet:
        """Threads of the accounts the user sees (a thread's events keep their own rule)."""
        return self.filter(account_visibility(user, prefix="account__"))


class Thread(models.Model):
    """A line of successive events with one customer about one matter."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("state of a thread", "Open")
        CLOSED = "closed", pgettext_lazy("state of a thread", "Closed")

    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="threads",
    )
    title = models.CharField(_("title"), max_length=255)
    state = models.CharField(_("state"), max_length=8, choices=State, default=State.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="activity_threads",
        help_text=_("Who carries the thread on; a hand-over moves it to the successor."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    close_reason = models.CharField(_("reason for closing"), max_length=255, blank=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "state", "-created_at"], name="thread_account_state"),
            models.Index(fields=["owner", "state"], name="thread_owner_state"),
        ]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:thread", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


def event_visibility(user: User, prefix: str = "") -> Q:
    """Which events ``user`` may see, as a filter on ``prefix``: those of an account the user
    sees that are not confidential, or that the user recorded, took part in or is named on (in
    person or through the team), or whose author the user supervises or succeeded; any of a
    visible account as an administrator. Portal users see none (``confidential_visibility``,
    the documents' rule, with the event's own people added)."""
    p = prefix
    took_part = Participation.objects.filter(event_id=OuterRef(f"{p}pk"), user_id=user.pk)
    concerned = (
        Q(**{f"{p}author__team__supervisor_id": user.pk})
        | Q(**{f"{p}author__successor_id": user.pk})
        | Q(Exists(took_part))
    )
    return confidential_visibility(user, Event, prefix, also=concerned)


class EventQuerySet(models.QuerySet["Event"]):
    def visible_to(self, user: User) -> EventQuerySet:
        return self.filter(event_visibility(user))


class Event(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # led by one of the composite indexes below
    )
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # led by one of the composite indexes below
    )
    event_type = models.ForeignKey(
        EventType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="events"
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    description = models.TextField(_("description"), blank=True)
    result = models.TextField(_("result"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="recorded_events",
        db_index=False,  # led by one of the composite indexes below
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff taking part"),
        blank=True,
        related_name="events",
        through="Participation",
    )
    contacts = models.ManyToManyField(
        "customers.Contact",
        verbose_name=_("customer's people taking part"),
        blank=True,
        related_name="events",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCIES, default=DEFAULT_CURRENCY
    )
    products = models.ManyToManyField(
        Product, verbose_name=_("products"), blank=True, related_name="events"
    )
    resource = models.ForeignKey(
        Resource,
        verbose_name=_("booked resource"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,  # led by one of the composite indexes below
    )
    documents = models.ManyToManyField(
        "documents.Document", verbose_name=_("attachments"), blank=True, related_name="events"
    )
    classifications = models.ManyToManyField(
        "core.DictionaryEntry", verbose_name=_("classifications"), blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activity_events",
        db_index=False,  # led by one of the composite indexes below
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_(
            "Only its author, the people taking part, the users and teams named here, the "
            "author's supervisor and successor, and administrators see it."
        ),
    )
    shared_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("shared with users"), blank=True, related_name="+"
    )
    shared_teams = models.ManyToManyField(
        "people.Team", verbose_name=_("shared with teams"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "-starts_at", "-id"], name="event_account_recent"),
            models.Index(fields=["thread", "starts_at"], name="event_thread_order"),
            models.Index(fields=["author", "starts_at"], name="event_author_time"),
            models.Index(fields=["resource", "starts_at"], name="event_resource_time"),
            models.Index(fields=["case", "-starts_at"], name="event_case_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.event_type}: {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("activities:event", args=[self.pk])


def task_visibility(user: User, prefix: str = "") -> Q:
    """Which tasks ``user`` may see: their own (assigned or created) always; others of the
    accounts they see, unless planned by an event hidden from them (a confidential event's
    follow-up would tell what it was about)."""
    if not user.is_authenticated or not user.is_staff_member:
        return Q(pk__in=[])
    p = prefix
    planned_by_visible = Q(**{f"{p}planned_by_event__isnull": True}) | Q(
        Exists(Event.objects.filter(event_visibility(user), pk=OuterRef(f"{p}planned_by_event_id")))
    )
    return (
        (account_visibility(user, prefix=f"{p}account__") & planned_by_visible)
        | Q(**{f"{p}assignee_id": user.pk})
        | Q(**{f"{p}created_by_id": user.pk})
    )


class Participation(models.Model):
    """A colleague taking part in an event, with the event's start (events are not moved once
    recorded): "the events these people take part in this week" reads a range of the index
    ``participation_user_time``, not every participation they ever had."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    starts_at = models.DateTimeField()

    class Meta:
        db_table = "activities_event_participants"
        unique_together = [("event", "user")]
        indexes = [models.Index(fields=["user", "starts_at"], name="participation_user_time")]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.event_id}"


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: User) -> TaskQuerySet:
        return self.filter(task_visibility(user))

    def open(self) -> TaskQuerySet:
        return self.filter(state=Task.State.OPEN)


class Task(models.Model):
    """A next step planned with a customer: who does what by when.

    Done by recording its event (``done_event``), which may plan the next one. ``remind_at`` is
    when the assignee is told (due time minus the lead time, or a snooze's end); until they
    are, the task has a ``PendingReminder``.
    """

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("state of a task", "Open")
        DONE = "done", pgettext_lazy("state of a task", "Done")
        CANCELLED = "cancelled", pgettext_lazy("state of a task", "Cancelled")

    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,  # led by one of the composite indexes below
    )
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        db_index=False,  # led by one of the composite indexes below
    )
    event_type = models.ForeignKey(
        EventType, verbose_name=_("what to do"), on_delete=models.PROTECT, related_name="tasks"
    )
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="activity_tasks",
        db_index=False,  # led by one of the composite indexes below
    )
    note = models.TextField(_("note"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activity_tasks",
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    planned_by_event = models.ForeignKey(
        Event,
        verbose_name=_("planned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_tasks",
    )
    done_event = models.OneToOneField(
        Event,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="completed_task",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["assignee", "state", "due_at"], name="task_assignee_due"),
            models.Index(fields=["account", "state", "due_at"], name="task_account_due"),
            models.Index(fields=["account", "-created_at", "-id"], name="task_account_recent"),
            models.Index(fields=["thread", "state"], name="task_thread_state"),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.event_type}: {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("activities:task", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())


class PendingReminder(models.Model):
    """A task's reminder that is still to be told, due at ``remind_at``.

    Claiming a reminder deletes its row (``reminders.reminders_claim``). The reminders live
    apart from the task because a claim of 10,000 at once must write little: stamping a column
    of the task itself would write a new version of every one of the task's index entries
    (PostgreSQL cannot update a row in place when an indexed column changes), three times the
    time the claim may take.
    """

    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="pending_reminder"
    )
    remind_at = models.DateTimeField(_("reminder at"))

    class Meta:
        indexes = [models.Index(fields=["remind_at", "task"], name="pending_reminder_due")]
        verbose_name = _("pending reminder")
        verbose_name_plural = _("pending reminders")

    def __str__(self) -> str:
        return f"{self.task_id} @ {self.remind_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A user's iCalendar feed: a secret address a calendar program subscribes to. Revoking it
    gives a new token; the old address answers 404 from then on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class Handover(models.Model):
    """One hand-over of a leaving user's work to a successor, as the history records it."""

    predecessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.CASCADE,
        related_name="handovers_given",
    )
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("successor"),
        on_delete=models.CASCADE,
        related_name="handovers_taken",
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), default=timezone.now)
    accounts_moved = models.PositiveIntegerField(_("accounts"), default=0)
    tasks_moved = models.PositiveIntegerField(_("tasks"), default=0)
    threads_moved = models.PositiveIntegerField(_("threads"), default=0)

    class Meta:
        ordering = ["-done_at", "-pk"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"
