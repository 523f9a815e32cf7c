"""Documents of a customer: offers, invoices, orders, contracts — each with its files' versions.

A document belongs to an account (and optionally to some of its contacts and one of its
cases). A confidential one is seen only by its author, the users and teams it names, and
administrators; ``DocumentQuerySet.visible_to`` is the only door to documents and their files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.core.names import local_name
from kartoteka.customers.models import confidential_visibility, portal_contact_for

if TYPE_CHECKING:
    from kartoteka.people.models import User


class DocumentType(models.Model):
    """An administrator's list of kinds of document; the name is shown translated."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    icon = models.CharField(_("icon"), max_length=8, help_text=_("A short symbol, e.g. 🧾."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the reader's language (a starting name is translated)."""
        return local_name(self.name, self.names)


def document_visibility(user: User, prefix: str = "") -> Q:
    """The rule saying which documents ``user`` may see, as a filter on ``prefix``: those of
    an account the user sees that are not confidential, or that the user wrote, is named on
    (in person or through the team), or any as an administrator. Portal users see none."""
    return confidential_visibility(user, Document, prefix)


def portal_document_visibility(user: User, prefix: str = "") -> Q | None:
    """The portal branch of the documents' door, as a filter on ``prefix``: for a portal user
    whose role ``sees_shared_documents``, the documents of their customer shared with the
    customer and not confidential; nothing for a portal user without that right; None for
    anyone who is not a portal user."""
    contact = portal_contact_for(user)
    if contact is None:
        return None
    role = contact.portal_role
    if role is None or not role.sees_shared_documents or contact.account_id is None:
        return Q(pk__in=[])
    return Q(
        **{
            f"{prefix}account_id": contact.account_id,
            f"{prefix}shared_with_customer": True,
            f"{prefix}confidential": False,
        }
    )


class DocumentQuerySet(models.QuerySet["Document"]):
    def visible_to(self, user: User) -> DocumentQuerySet:
        portal = portal_document_visibility(user)
        if portal is not None:
            return self.filter(portal)
        return self.filter(document_visibility(user))


class Document(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts"), blank=True, related_name="documents"
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    date = models.DateField(_("date"), default=timezone.localdate)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only its author, the users and teams named here, and administrators see it."),
    )
    # Shown in the customer portal to the customer's contacts whose portal role sees shared
    # documents; a confidential document never is, whatever this says.
    shared_with_customer = models.BooleanField(
        _("shared with the customer"),
        default=False,
        help_text=_(
            "The customer's contacts see it in the customer portal (never a confidential one)."
        ),
    )
    shared_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("shared with users"), blank=True, related_name="+"
    )
    shared_teams = models.ManyToManyField(
        "people.Team", verbose_name=_("shared with teams"), blank=True, related_name="+"
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="document_account_recent")
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("documents:detail", args=[self.pk])


class DocumentFile(models.Model):
    """One version of one of a document's files: a new version is a new row with the next
    ``version`` for the same document and ``name``; earlier versions are kept."""

    class TextState(models.TextChoices):
        PENDING = "pending", _("Waiting for text extraction")
        DONE = "done", _("Text extracted")
        FAILED = "failed", _("Text could not be extracted")
        NONE = "none", _("No text to extract")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("file name"), max_length=255)
    version = models.PositiveIntegerField(_("version"), default=1)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=127)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    text = models.TextField(blank=True)
    text_state = models.CharField(max_length=8, choices=TextState, default=TextState.PENDING)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "name", "version"], name="document_file_version_unique"
            )
        ]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("documents:download", args=[self.document_id, self.pk])
