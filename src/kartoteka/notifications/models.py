"""In-app notifications: what happened to a followed case, or a task's reminder, told to one
staff user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kartoteka.people.models import User

TEXT_MAX_LENGTH = 500


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """A user's own notifications, and only those (nobody reads another's); of a user who
        does not work with cases (any more), not those about cases."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        own = self.filter(recipient=user)
        return own if user.works_with_cases else own.filter(case__isnull=True)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        NEW_CASE = "new_case", _("New case")
        MESSAGE = "message", _("Message")
        NOTE = "note", _("Note")
        MENTION = "mention", _("Mention")
        ASSIGNED = "assigned", _("Assigned to you")
        CHANGED = "changed", _("Changed")
        OVERDUE = "overdue", _("Overdue")
        RULE = "rule", _("Workflow rule")
        TASK_REMINDER = "task_reminder", _("Task reminder")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # A task's reminder (kind "task reminder") names its task instead of a case.
    task = models.ForeignKey(
        "activities.Task",
        verbose_name=_("task"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What happened, in the recipient's language (recipients are staff: an internal note's
    # text may be here).
    text = models.CharField(_("text"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Sent by email, at once or in a digest (or passed over by a digest because already read).
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The bell: COUNT of a user's unread notifications.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            # The list: a user's notifications, newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_recipient_new"
            ),
            # The digests: notifications not yet emailed, by recipient.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unemailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:50]}"

    def get_absolute_url(self) -> str:
        if self.case_id is not None and self.case is not None:
            return self.case.get_absolute_url()
        if self.task_id is not None:
            return reverse("activities:task", args=[self.task_id])
        return reverse("notifications:list")
