"""The portal's sign-in side: its settings, the customers' registration domains, the
one-time links of invitations and registrations, and the count of requests that send mail.

A link's secret exists only in the email that carries it: a row keeps its SHA-256, so a copy
of the database opens no portal login.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kartoteka.customers.models import Account, Contact


class PortalSettings(models.Model):
    """The installation's portal settings (one row, created on first change)."""

    self_registration = models.BooleanField(
        _("self-registration"),
        default=False,
        help_text=_(
            "People with an address in a customer's registration domain may ask for a portal "
            "login themselves; the address is confirmed by email."
        ),
    )

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="portal_settings_one")]

    def __str__(self) -> str:
        return "portal settings"


class PortalDomain(models.Model):
    """An email domain whose addresses belong to one customer, for self-registration."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="portal_domains",
    )
    domain = models.CharField(_("domain"), max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("registration domain")
        verbose_name_plural = _("registration domains")

    def __str__(self) -> str:
        return self.domain


class PortalInvitation(models.Model):
    """A staff member's invitation of a contact: a link to set the password of their login.

    Used once; a newer invitation of the same contact voids it (the row is deleted)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="portal_invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal invitation")
        verbose_name_plural = _("portal invitations")

    def __str__(self) -> str:
        return f"invitation of contact {self.contact_id}"


class PortalRegistration(models.Model):
    """Someone's request for a portal login, waiting for the confirmation of their address."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="portal_registrations"
    )
    email = models.EmailField(max_length=254)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    language = models.CharField(max_length=8, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal registration")
        verbose_name_plural = _("portal registrations")

    def __str__(self) -> str:
        return f"registration {self.pk}"


class PortalMailRequest(models.Model):
    """One request that may send mail to an address (a registration, a password reset), kept
    a while to limit them per client address and per email address."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("Registration")
        PASSWORD_RESET = "password_reset", _("Password reset")

    kind = models.CharField(max_length=16, choices=Kind)
    client_address = models.CharField(max_length=45)
    email = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("portal mail request")
        verbose_name_plural = _("portal mail requests")
        indexes = [
            models.Index(fields=["kind", "client_address", "created_at"], name="portal_req_addr"),
            models.Index(fields=["kind", "email", "created_at"], name="portal_req_email"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at}"
