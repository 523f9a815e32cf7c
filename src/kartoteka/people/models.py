"""Staff users, their roles and teams."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_teams",
    )
    auto_follow_new_cases = models.BooleanField(
        _("members follow every new case"),
        default=False,
        help_text=_("Every member of the team follows each case as it is created."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("people:team-edit", args=[self.pk])


class User(AbstractUser):
    class NotificationEmail(models.TextChoices):
        OFF = "off", _("No emails")
        IMMEDIATE = "immediate", _("At once")
        HOURLY = "hourly", _("Hourly digest")
        DAILY = "daily", _("Daily digest")

    class ConversationOrder(models.TextChoices):
        OLDEST_FIRST = "oldest", _("Oldest first")
        NEWEST_FIRST = "newest", _("Newest first")

    class Role(models.TextChoices):
        ADMINISTRATOR = "admin", _("Administrator")
        MANAGER = "manager", _("Manager")
        AGENT = "agent", _("Agent")
        # A customer's contact who logs in to the portal; sees only their own account's data.
        PORTAL = "portal", _("Portal user")

    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.AGENT)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    signature = models.TextField(
        _("signature"),
        blank=True,
        max_length=2000,
        help_text=_(
            "Added under your emails to customers, above the mailbox's signature. Plain text."
        ),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    can_work_with_cases = models.BooleanField(
        _("works with cases"),
        default=False,
        help_text=_("Administrators and managers always do; other users only when this is set."),
    )
    can_configure_cases = models.BooleanField(
        _("configures case lists"),
        default=False,
        help_text=_("May edit priorities, types, categories, groups, statuses and the prefix."),
    )
    conversation_order = models.CharField(
        _("conversation order"),
        max_length=8,
        choices=ConversationOrder,
        default=ConversationOrder.OLDEST_FIRST,
        help_text=_("The order of the messages on a case's page."),
    )
    auto_follow_new_cases = models.BooleanField(
        _("follow every new case"),
        default=False,
        help_text=_("Follow each case as it is created, to be told what happens to it."),
    )
    notification_email = models.CharField(
        _("notification emails"),
        max_length=10,
        choices=NotificationEmail,
        default=NotificationEmail.IMMEDIATE,
        help_text=_("How notifications about followed cases reach you by email."),
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text=_("Who took over this user's customers, tasks and threads in a hand-over."),
    )
    reminder_lead = models.DurationField(
        _("remind me before a task"),
        default=timedelta(minutes=15),
        help_text=_("How long before a task's due time its reminder comes, unless the task says."),
    )
    reminder_in_the_morning = models.BooleanField(
        _("remind me in the morning of the due day"),
        default=False,
        help_text=_("Reminders come at 9:00 of the day a task is due instead of a lead time."),
    )
    is_absent = models.BooleanField(
        _("absent"),
        default=False,
        help_text=_("Assignment rules skip absent users."),
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("people:user-edit", args=[self.pk])

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR or self.is_superuser

    @property
    def is_staff_member(self) -> bool:
        """Staff of the company (not a portal customer)."""
        return self.is_active and (self.role != self.Role.PORTAL or self.is_superuser)

    @property
    def works_with_cases(self) -> bool:
        return self.is_staff_member and (self.sees_everything or self.can_work_with_cases)

    @property
    def configures_cases(self) -> bool:
        return self.is_staff_member and (self.is_administrator or self.can_configure_cases)

    @property
    def sees_everything(self) -> bool:
        return self.is_administrator or self.role == self.Role.MANAGER


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.code_hash[:8]}"


class SignInPolicy(models.Model):
    """The installation's sign-in rules (one row, created on first change)."""

    two_factor_required_for_administrators = models.BooleanField(
        _("two-factor sign-in required for administrators"),
        default=False,
        help_text=_(
            "Administrators without an authenticator app set one up before any other page."
        ),
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="sign_in_policy_one")]

    def __str__(self) -> str:
        return "sign-in policy"
