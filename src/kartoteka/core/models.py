"""Shared building blocks: admin-defined dictionaries (classification lists), the search index."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Dictionary(models.Model):
    """A named classification list such as "Industry", for accounts, contacts or events."""

    class AppliesTo(models.TextChoices):
        ACCOUNT = "account", _("Accounts")
        CONTACT = "contact", _("Contacts")
        EVENT = "event", _("Events")

    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(_("applies to"), max_length=16, choices=AppliesTo)
    multiple = models.BooleanField(_("multiple choice"), default=False)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["applies_to", "position", "name"]
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")
        constraints = [
            models.UniqueConstraint(fields=["applies_to", "name"], name="dictionary_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:dictionary-edit", args=[self.pk])


class DictionaryEntry(models.Model):
    dictionary = models.ForeignKey(
        Dictionary, verbose_name=_("dictionary"), on_delete=models.CASCADE, related_name="entries"
    )
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["dictionary", "position", "label"]
        verbose_name = _("dictionary entry")
        verbose_name_plural = _("dictionary entries")
        constraints = [
            models.UniqueConstraint(fields=["dictionary", "label"], name="entry_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label


class FormSubmission(models.Model):
    """A creation form's one-time token: the same form posted twice creates one record."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey("people.User", on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.token


class PeriodicRun(models.Model):
    """When a periodic job was last started: the claim that makes it run once per interval."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A background worker's sign of life, written every few seconds while it runs
    (``core.heartbeat``): a worker that stops writing has stopped working."""

    name = models.CharField(max_length=100, unique=True)  # host:process id
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.name


class SearchEntry(models.Model):
    """One searchable object's normalised text in the global search index (see
    ``core.search_index``, the only code that writes it): ``id`` is the kind's code * 2**40 plus
    the object's id."""

    id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=16)
    object_id = models.BigIntegerField()
    keys = models.TextField(blank=True)
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # The customer whose file holds the object; no foreign key, so that an account can be
    # deleted without a cascade through millions of entries (a stale one finds nothing).
    account_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
