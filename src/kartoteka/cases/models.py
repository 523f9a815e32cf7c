"""Cases (Polish *sprawa*): numbering, the admin-defined lookup lists, notes and attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kartoteka.core.names import local_name
from kartoteka.customers.models import account_visibility, portal_contact_for

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kartoteka.customers.models import Contact
    from kartoteka.people.models import User


class Lookup(models.Model):
    """An admin-defined list value (priority, type, category, group, status).

    Exactly one value of each list is the default: a partial unique constraint on
    ``is_default`` per concrete model (see ``Meta.constraints`` of each).

    ``name`` is the main name (unique in its list); ``names`` holds the name in other
    languages by language code. Shown anywhere, a value is ``str(value)`` (its
    ``local_name``): the name in the reader's language, else the main one.
    """

    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return local_name(self.name, self.names)


def one_default(model_name: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(
            fields=["is_default"], condition=Q(is_default=True), name=f"{model_name}_one_default"
        ),
        models.UniqueConstraint(fields=["name"], name=f"{model_name}_unique_name"),
    ]


class Priority(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        constraints = one_default("priority")


class CaseType(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("case type")
        verbose_name_plural = _("case types")
        constraints = one_default("casetype")


class Category(Lookup):
    class Meta(Lookup.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = one_default("category")


class CaseGroup(Lookup):
    # The people who work the group's cases: whom assignment rules choose among.
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="case_groups",
    )

    class Meta(Lookup.Meta):
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = one_default("casegroup")


class Status(Lookup):
    class OverdueAfter(models.IntegerChoices):
        ONE = 1, _("1 day")
        TWO = 2, _("2 days")
        THREE = 3, _("3 days")
        FOUR = 4, _("4 days")
        FIVE = 5, _("5 days")
        SIX = 6, _("6 days")
        SEVEN = 7, _("7 days")
        FOURTEEN = 14, _("14 days")

    closes_case = models.BooleanField(_("closes the case"), default=False)
    overdue_after_days = models.PositiveSmallIntegerField(
        _("overdue after"), choices=OverdueAfter, null=True, blank=True
    )
    notify_account_manager = models.BooleanField(_("tell the account manager"), default=False)
    notify_administrator = models.BooleanField(_("tell the administrator"), default=False)
    notify_addresses = models.CharField(
        _("also tell these addresses"),
        max_length=1000,
        blank=True,
        help_text=_("Comma-separated email addresses told when a case in this status is overdue."),
    )

    class Meta(Lookup.Meta):
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        constraints = one_default("status")


# The case fields a notice to the customer's side can show, in the order it shows them.
NOTICE_FIELDS: tuple[tuple[str, Promise], ...] = (
    ("subject", _("Subject")),
    ("number", _("Number")),
    ("status", _("Status")),
    ("priority", _("Priority")),
    ("case_type", _("Type")),
    ("category", _("Category")),
    ("group", _("Group")),
    ("description", _("Description")),
    ("due_date", _("Expected resolution date")),
    ("last_message", _("Last message")),
)


class CaseSettings(models.Model):
    """The installation's case settings: one row."""

    prefix = models.CharField(
        _("case prefix"),
        max_length=16,
        default="KART",
        help_text=_(
            "Used in the subject tag, e.g. [ACME#3932]. Choose something specific to your "
            "company: generic prefixes such as CRM or TICKET collide with other companies' systems."
        ),
    )
    accepted_old_prefixes = models.CharField(
        _("accepted old prefixes"),
        max_length=255,
        blank=True,
        help_text=_("Prefixes of earlier names still accepted in incoming subjects"),
    )
    incoming_status = models.ForeignKey(
        Status,
        verbose_name=_("status after a customer's message"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    reply_status = models.ForeignKey(
        Status,
        verbose_name=_("status after our reply"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    last_number = models.PositiveBigIntegerField(default=0)

    # Notification emails about a case (to its customer's people): whom the installation adds
    # to every case's own recipients, and which of the case's fields the emails show.
    notify_account_manager = models.BooleanField(_("also tell the account manager"), default=False)
    notify_administrator = models.BooleanField(_("also tell the administrators"), default=False)
    notify_addresses = models.CharField(
        _("also tell these addresses"),
        max_length=1000,
        blank=True,
        help_text=_("Comma-separated email addresses told about every case."),
    )
    notify_fields = models.JSONField(
        _("fields shown in notifications"),
        default=list,
        blank=True,
        help_text=_("Names of the case fields the notification emails show; empty shows all."),
    )

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="case_settings_singleton")]

    def __str__(self) -> str:
        return str(_("case settings"))

    @property
    def old_prefixes(self) -> tuple[str, ...]:
        """The accepted old prefixes as a tuple (stored comma-separated, upper-cased)."""
        return tuple(p.strip() for p in self.accepted_old_prefixes.split(",") if p.strip())

    def notice_fields_shown(self) -> list[str]:
        """The fields the notices show, in ``NOTICE_FIELDS`` order; none chosen shows them all
        (unknown names in the stored list are ignored)."""
        chosen = set(self.notify_fields or ())
        return [name for name, _label in NOTICE_FIELDS if not chosen or name in chosen]


def case_visibility(user: User, prefix: str = "") -> Q:
    """The one rule of ``Case.visible_to`` as a filter on the case at ``prefix``: cases for those
    who work with cases; a case of a restricted account follows the account's rule.

    Notes and messages filter through it by a join (``prefix="case__"``) rather than by
    ``case__in`` a subquery of every visible case, which SQLite would build whole (a million
    rows) before looking at one customer's notes."""
    if not user.is_authenticated or not user.works_with_cases:
        return Q(pk__in=[])
    return Q(**{f"{prefix}account__isnull": True}) | account_visibility(
        user, prefix=f"{prefix}account__"
    )


def portal_case_visibility(contact: Contact, prefix: str = "") -> Q:
    """The portal branch of ``Case.visible_to`` as a filter on the case at ``prefix``, for the
    contact whose portal login reads: the cases of the contact's customer when the contact's
    portal role ``sees_company_cases``, else those of its customer the contact reported or
    takes part in (no role: the latter). A contact without a customer sees only such cases
    without a customer; a case of another customer is never seen, even one the contact
    reported before moving to this customer."""
    own = (
        Q(**{f"{prefix}account_id": contact.account_id})
        if contact.account_id is not None
        else Q(**{f"{prefix}account__isnull": True})
    )
    role = contact.portal_role
    if role is not None and role.sees_company_cases and contact.account_id is not None:
        return own
    taking_part = Case.contacts.through.objects.filter(contact_id=contact.pk).values("case_id")
    return own & (Q(**{f"{prefix}reporter_id": contact.pk}) | Q(**{f"{prefix}pk__in": taking_part}))


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: User) -> CaseQuerySet:
        """Cases for those who work with cases; a case of a restricted account follows its rule.
        A portal user sees their customer's cases as their role says
        (``portal_case_visibility``)."""
        if user.is_authenticated and user.works_with_cases:
            return self.filter(case_visibility(user))
        contact = portal_contact_for(user)
        if contact is not None:
            return self.filter(portal_case_visibility(contact))
        return self.none()


class Case(models.Model):
    class Channel(models.TextChoices):
        """How the case came to be: workflow rules may act on it."""

        USER = "user", _("By a user")
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        EMAIL = "email", _("Email")
        RULE = "rule", _("Rule")
        WEB_FORM = "webform", _("Web form")

    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.ForeignKey(Status, verbose_name=_("status"), on_delete=models.PROTECT)
    priority = models.ForeignKey(Priority, verbose_name=_("priority"), on_delete=models.PROTECT)
    case_type = models.ForeignKey(
        CaseType, verbose_name=_("type"), on_delete=models.PROTECT, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    group = models.ForeignKey(
        CaseGroup, verbose_name=_("group"), on_delete=models.PROTECT, null=True, blank=True
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts"), blank=True, related_name="cases"
    )
    reporter = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("reporter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    due_date = models.DateField(_("expected resolution"), null=True, blank=True)
    annotation = models.CharField(_("annotation"), max_length=255, blank=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel, default=Channel.USER, editable=False
    )

    # Notification emails to the customer's side on creation and changes (see cases.notices).
    notify = models.BooleanField(_("send notifications on creation and changes"), default=False)
    notify_reporter = models.BooleanField(_("tell the reporter"), default=True)
    notify_contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("also tell this contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notify_addresses = models.CharField(
        _("also tell these addresses"),
        max_length=1000,
        blank=True,
        help_text=_("Comma-separated email addresses."),
    )
    notify_text = models.TextField(_("text added to notifications"), max_length=2000, blank=True)
    # When the case entered its current status: set by the services whenever the status
    # changes, so "in this status longer than N days" is one indexed comparison.
    status_changed_at = models.DateTimeField(
        _("status changed at"), default=timezone.now, editable=False
    )
    # When the overdue job found the case too long in its status; cleared by a status change,
    # which starts a new period (see ``cases.overdue``).
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True, editable=False)

    # Merged into another case: its conversation moved there and its number routes mail there.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_cases",
    )

    objects = CaseQuerySet.as_manager()
    # The plain fields' changes; contacts and what happens to the conversation are CaseEvents.
    history = HistoricalRecords(
        excluded_fields=["updated_at", "status_changed_at", "overdue_since"]
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "-number"], name="case_status_number"),
            models.Index(fields=["priority", "-number"], name="case_priority_number"),
            models.Index(fields=["case_type", "-number"], name="case_type_number"),
            models.Index(fields=["category", "-number"], name="case_category_number"),
            models.Index(fields=["group", "-number"], name="case_group_number"),
            models.Index(fields=["account", "-number"], name="case_account_number"),
            models.Index(fields=["created_by", "-number"], name="case_creator_number"),
            models.Index(fields=["assignee", "-number"], name="case_assignee_number"),
            models.Index(fields=["created_at"], name="case_created_at"),
            # The customer file: a customer's cases newest first, and its open ones counted.
            models.Index(fields=["account", "created_at", "id"], name="case_account_created"),
            models.Index(fields=["account", "status"], name="case_account_status"),
            # The overdue job: cases of one status not yet overdue, oldest status change first.
            models.Index(
                fields=["status", "status_changed_at"],
                name="case_status_changed_pending",
                condition=Q(overdue_since__isnull=True),
            ),
            # "Unassigned cases in my groups" (My work): the cases nobody took of a group and
            # of a customer, without reading those someone took.
            models.Index(
                fields=["group", "-number"],
                name="case_unassigned_group",
                condition=Q(assignee__isnull=True),
            ),
            models.Index(
                fields=["account", "-number"],
                name="case_unassigned_account",
                condition=Q(assignee__isnull=True),
            ),
            # The list's "overdue" filter.
            models.Index(
                fields=["-number"],
                name="case_overdue_number",
                condition=Q(overdue_since__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("desk:case-detail", args=[self.number])

    @staticmethod
    def tag_of(number: int, *, prefix: str) -> str:
        """The subject tag ``[PREFIX#N]`` of case number ``number``, the one place it is
        built (reading it is ``mail.reading.threading``'s)."""
        return f"[{prefix}#{number}]"

    def tag(self, prefix: str) -> str:
        """This case's subject tag; ``prefix`` is ``case_settings().prefix``, read once by
        the caller (a list reads it once, not per row)."""
        return self.tag_of(self.number, prefix=prefix)


class CaseNoteQuerySet(models.QuerySet["CaseNote"]):
    def visible_to(self, user: User) -> CaseNoteQuerySet:
        """Staff who see the case see all its notes; a portal user sees only the public ones
        of the cases the portal shows them (``portal_case_visibility``), never an internal
        note."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.works_with_cases:
            return self.filter(case_visibility(user, prefix="case__"))
        contact = portal_contact_for(user)
        if contact is not None:
            return self.filter(portal_case_visibility(contact, prefix="case__"), internal=False)
        return self.none()


class CaseNote(models.Model):
    """A post in the case's stream: a public comment, or an internal note (the default), which
    is never shown to the customer nor sent to any address of theirs."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    # The customer whose file shows the note: its case's customer, kept so by the services
    # that write or move notes (indexed with the time below, for the customer file).
    account = models.ForeignKey(
        "customers.Account",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note"))
    internal = models.BooleanField(_("internal"), default=True)
    # Users named by @username in the text, found when the note was written.
    mentioned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("mentioned"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        # The customer file: a customer's notes newest first.
        indexes = [
            models.Index(fields=["account", "created_at", "id"], name="case_note_account_created")
        ]

    def __str__(self) -> str:
        return self.text[:50]


class CaseFollower(models.Model):
    """A user who is told about what happens to a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_follower_unique")
        ]
        indexes = [models.Index(fields=["user", "case"], name="case_follower_user")]

    def __str__(self) -> str:
        return f"{self.user_id} follows #{self.case_id}"


class CaseAttachmentQuerySet(models.QuerySet["CaseAttachment"]):
    def visible_to(self, user: User) -> CaseAttachmentQuerySet:
        """The attachments of the cases a staff user sees; a portal user sees, of the cases
        the portal shows them, only the files shown to the customer (``shared``): their own
        side's uploads, and the staff's files a user chose to show (the others are internal,
        as in the customer's print of a case)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.works_with_cases:
            return self.filter(case_visibility(user, prefix="case__"))
        contact = portal_contact_for(user)
        if contact is not None:
            return self.filter(portal_case_visibility(contact, prefix="case__"), shared=True)
        return self.none()


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/", max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(max_length=127, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Shown to the customer in the portal: what the customer's side uploaded (portal, web
    # form) always; a staff file only when a user chose to show it.
    shared = models.BooleanField(_("shown to the customer"), default=False)

    objects = CaseAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """Something that happened to a case besides a change of its plain fields (those are in
    ``Case.history``): written only by the creator functions of ``cases.events``."""

    class Kind(models.TextChoices):
        CONTACTS_CHANGED = "contacts_changed", _("Contacts changed")
        MESSAGE_MOVED_IN = "message_moved_in", _("Message moved in")
        MESSAGE_MOVED_OUT = "message_moved_out", _("Message moved out")
        CREATED_FROM_MESSAGE = "created_from_message", _("Created from a message")
        MERGED_FROM = "merged_from", _("Case merged in")
        MERGED_INTO = "merged_into", _("Merged into another case")
        OVERDUE = "overdue", _("Overdue")
        MAILBOX_CHANGED = "mailbox_changed", _("Mailbox changed")
        # the outbox (``mail.sending.outbox``): a person retried or cancelled a reply, or the
        # status a reply was to set once sent was left as it was
        REPLY_RETRIED = "reply_retried", _("Reply sent again")
        REPLY_CANCELLED = "reply_cancelled", _("Reply cancelled")
        STATUS_NOT_APPLIED = "status_not_applied", _("Status after sending not applied")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # What the kind needs, by name only (no live references): old and new contact names, the
    # other case's number, the message's id and subject.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_case_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.case_id}"
