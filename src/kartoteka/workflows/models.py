"""Workflow rules: when something happens to a case (the trigger) and the case fits (the
conditions, all of them), do something (the actions, in order).

Values chosen from lists (a group, a status, a mailbox...) are kept as primary keys in text:
a value deleted later makes its condition never hold and its action do nothing, which is
safer than a foreign key whose deletion would silently widen the rule or block the deletion.
``workflows.services.rule_save`` checks every value (with ``workflows.values``) when a rule
is saved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    class Trigger(models.TextChoices):
        CASE_CREATED = "case_created", _("A case is created")
        CASE_UPDATED = "case_updated", _("A case's field changes")
        MESSAGE_RECEIVED = "message_received", _("A message is received")
        CASE_OVERDUE = "case_overdue", _("A case becomes overdue")
        SCHEDULED = "scheduled", _("On a schedule")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class ChangedField(models.TextChoices):
        STATUS = "status", _("status")
        PRIORITY = "priority", _("priority")
        CASE_TYPE = "case_type", _("type")
        CATEGORY = "category", _("category")
        GROUP = "group", _("group")
        ASSIGNEE = "assignee", _("assignee")

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    trigger = models.CharField(_("when"), max_length=32, choices=Trigger)
    # case_updated: the field that changed, and optionally the value it changed to (a primary
    # key as text; empty: any value).
    changed_field = models.CharField(
        _("changed field"), max_length=32, choices=ChangedField, blank=True
    )
    changed_to = models.CharField(_("changed to"), max_length=64, blank=True)
    # scheduled: how often, on which weekday (weekly) or day of the month (monthly; a shorter
    # month runs on its last day), at what time of the installation's time zone. Only the
    # occurrences after ``schedule_from`` (when the schedule was saved) run (``schedule``).
    schedule_frequency = models.CharField(
        _("how often"), max_length=8, choices=Frequency, blank=True
    )
    schedule_weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday, null=True, blank=True
    )
    schedule_day = models.PositiveSmallIntegerField(_("day of the month"), null=True, blank=True)
    schedule_time = models.TimeField(_("at"), null=True, blank=True)
    schedule_from = models.DateTimeField(_("scheduled from"), null=True, blank=True)
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

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("workflow rule")
        verbose_name_plural = _("workflow rules")
        indexes = [models.Index(fields=["trigger", "position"], name="rule_trigger_position")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workflows:rule-edit", args=[self.pk])


class RuleCondition(models.Model):
    class Field(models.TextChoices):
        CHANNEL = "channel", _("Channel")
        MAILBOX = "mailbox", _("Mailbox")
        GROUP = "group", _("Group")
        CASE_TYPE = "case_type", _("Type")
        PRIORITY = "priority", _("Priority")
        CATEGORY = "category", _("Category")
        ACCOUNT_SEGMENT = "account_segment", _("Customer's segment")
        DICTIONARY_ENTRY = "dictionary_entry", _("Customer's classification")
        SUBJECT_CONTAINS = "subject_contains", _("Subject contains")
        BODY_CONTAINS = "body_contains", _("Text contains")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="conditions")
    field = models.CharField(_("field"), max_length=32, choices=Field)
    # A channel's value, a primary key as text, or the words to look for.
    value = models.CharField(_("value"), max_length=255)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("rule condition")
        verbose_name_plural = _("rule conditions")

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


class RuleAction(models.Model):
    class Kind(models.TextChoices):
        ASSIGN_ROUND_ROBIN = "assign_round_robin", _("Assign in turn within a group")
        ASSIGN_LEAST_BUSY = "assign_least_busy", _("Assign to the least busy of a group")
        SET_FIELD = "set_field", _("Set a field")
        NOTIFY = "notify", _("Notify users")
        ADD_FOLLOWERS = "add_followers", _("Add followers")
        SEND_EMAIL = "send_email", _("Send an email")
        SET_MAILBOX = "set_mailbox", _("Set the case's mailbox")
        CREATE_CASE = "create_case", _("Create a case")

    class Assignment(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("in turn within the group")
        LEAST_BUSY = "least_busy", _("to the least busy of the group")

    class SetField(models.TextChoices):
        STATUS = "status", _("status")
        PRIORITY = "priority", _("priority")
        CASE_TYPE = "case_type", _("type")
        CATEGORY = "category", _("category")
        GROUP = "group", _("group")
        ASSIGNEE = "assignee", _("assignee")
        DUE_DATE = "due_date", _("expected resolution")

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("action"), max_length=32, choices=Kind)
    # Assignment: the group whose members take turns; only a case nobody has yet.
    group = models.ForeignKey(
        "cases.CaseGroup",
        verbose_name=_("group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    only_unassigned = models.BooleanField(_("only when nobody has the case"), default=True)
    # Set a field: its name and value (a primary key as text, empty to clear); the expected
    # resolution as days from the day the rule runs.
    field = models.CharField(_("field"), max_length=32, choices=SetField, blank=True)
    value = models.CharField(_("value"), max_length=64, blank=True)
    days = models.PositiveSmallIntegerField(_("days from then"), null=True, blank=True)
    # Notify and add followers: these users and the members of this team.
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("users"), blank=True, related_name="+"
    )
    team = models.ForeignKey(
        "people.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    # Send an email: subject and text with {placeholders}, and whom to.
    email_subject = models.CharField(_("email subject"), max_length=255, blank=True)
    email_body = models.TextField(_("email text"), max_length=20000, blank=True)
    email_reporter = models.BooleanField(_("to the reporter"), default=False)
    email_contacts = models.BooleanField(_("to the case's contacts"), default=False)
    email_addresses = models.CharField(_("to these addresses"), max_length=1000, blank=True)
    # Set the case's mailbox; create a case: the new case's mailbox (empty: the default).
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        verbose_name=_("mailbox"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Create a case: its subject and description ({customer} and {date} filled in), type and
    # priority (primary keys as text; empty: the list's default), group (``group``), assignee
    # or assignment within the group, and for whom: one customer or each customer of a segment.
    case_subject = models.CharField(_("subject of the new case"), max_length=255, blank=True)
    case_description = models.TextField(
        _("description of the new case"), max_length=5000, blank=True
    )
    case_type = models.CharField(_("type"), max_length=64, blank=True)
    case_priority = models.CharField(_("priority"), max_length=64, blank=True)
    case_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    case_assignment = models.CharField(_("assign"), max_length=16, choices=Assignment, blank=True)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    segment = models.ForeignKey(
        "customers.Segment",
        verbose_name=_("segment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("rule action")
        verbose_name_plural = _("rule actions")

    def __str__(self) -> str:
        return self.get_kind_display()


class RuleRun(models.Model):
    """A rule that fired on a case, and what its actions did: what an administrator reads to
    see why a case was assigned or changed."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case_number = models.PositiveBigIntegerField(_("case"))
    happening = models.CharField(_("happening"), max_length=32, choices=Rule.Trigger)
    at = models.DateTimeField(_("at"), default=timezone.now)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        indexes = [models.Index(fields=["rule", "-at"], name="rule_run_rule_at")]

    def __str__(self) -> str:
        return f"{self.rule_id} on #{self.case_number}"


class ScheduledRun(models.Model):
    """One occurrence of a scheduled rule (or a run started by hand): claimed once, by
    creating this row (unique per rule and occurrence, so several workers never run it
    twice), then worked through in chunks of customers, each chunk's cases created in one
    transaction with the move of ``cursor`` (the last customer done), so an interrupted run
    resumes where it stopped and never makes a case twice."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="scheduled_runs")
    occurrence = models.DateTimeField(_("occurrence"))
    by_hand = models.BooleanField(_("started by hand"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Where the work stands: the rule's create-case action (by order) and the last customer
    # done for it.
    step = models.PositiveSmallIntegerField(default=0)
    cursor = models.PositiveBigIntegerField(default=0)
    created = models.PositiveIntegerField(_("cases created"), default=0)
    failed = models.PositiveIntegerField(_("customers failed"), default=0)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "occurrence"], name="scheduled_run_once_per_occurrence"
            ),
        ]
        indexes = [
            models.Index(
                fields=["started_at"],
                name="scheduled_run_unfinished",
                condition=models.Q(finished_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} at {self.occurrence:%Y-%m-%d %H:%M}"


class RoundRobinPointer(models.Model):
    """Whom a group's assignment rules chose last: the row every assignment in the group
    locks (``select_for_update``), so concurrent assignments queue and take turns fairly."""

    group = models.OneToOneField(
        "cases.CaseGroup", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.group_id} → {self.last_user_id}"


class Assignment(models.Model):
    """A case a rule gave to a user; the latest row per user says who has waited longest
    (the least-busy tie-break). Rows are appended in the order the group lock grants."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "cases.CaseGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["user", "-id"], name="assignment_user_latest")]

    def __str__(self) -> str:
        return f"#{self.case_id} → {self.user_id}"
