"""Web forms pasted into a company's website, and the log of what was sent through them."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebFormQuerySet(models.QuerySet["WebForm"]):
    def visible_to(self, user: object) -> WebFormQuerySet:
        """Forms are configured by administrators only; everyone else sees none."""
        if not getattr(user, "is_authenticated", False) or not getattr(
            user, "is_administrator", False
        ):
            return self.none()
        return self.all()


class WebForm(models.Model):
    """A form on the company's website; each accepted submission becomes a case."""

    class FieldUse(models.TextChoices):
        HIDDEN = "hidden", _("Not shown")
        OPTIONAL = "optional", _("Optional")
        REQUIRED = "required", _("Required")

    class Language(models.TextChoices):
        VISITOR = "", _("The visitor's language")
        POLISH = "pl", _("Polish")
        CZECH = "cs", _("Czech")
        ENGLISH = "en", _("English")

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The form's public key: its address (/forms/<key>/) and what its tokens are bound to.
    key = models.CharField(_("public key"), max_length=32, unique=True, editable=False)
    # Server-to-server submissions through the API carry it (see ``webforms.api``).
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)

    phone = models.CharField(_("phone"), max_length=8, choices=FieldUse, default=FieldUse.OPTIONAL)
    company = models.CharField(
        _("company"), max_length=8, choices=FieldUse, default=FieldUse.OPTIONAL
    )
    subject = models.CharField(
        _("subject"), max_length=8, choices=FieldUse, default=FieldUse.REQUIRED
    )
    message = models.CharField(
        _("message"), max_length=8, choices=FieldUse, default=FieldUse.REQUIRED
    )
    # Extra questions: [{"label": "…", "required": bool}]; the answers go into the description.
    custom_fields = models.JSONField(_("extra questions"), default=list, blank=True)
    attachments = models.BooleanField(_("accept attachments"), default=False)
    attachments_max_count = models.PositiveSmallIntegerField(_("at most files"), default=3)
    attachment_max_mb = models.PositiveSmallIntegerField(_("largest file (MB)"), default=10)

    group = models.ForeignKey(
        "cases.CaseGroup",
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case_type = models.ForeignKey(
        "cases.CaseType",
        verbose_name=_("type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.ForeignKey(
        "cases.Priority",
        verbose_name=_("priority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        verbose_name=_("mailbox of the confirmation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the default mailbox."),
    )
    thank_you_text = models.TextField(_("thank-you text"), max_length=2000, blank=True)
    # Origins such as "https://www.firma.pl" that may show the form in a frame and post it.
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    rate_limit_count = models.PositiveSmallIntegerField(_("submissions per address"), default=5)
    rate_limit_minutes = models.PositiveSmallIntegerField(_("within minutes"), default=10)
    proof_of_work = models.BooleanField(_("proof of work"), default=False)
    proof_of_work_bits = models.PositiveSmallIntegerField(_("proof-of-work difficulty"), default=16)
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.VISITOR, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WebFormQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("webforms:form-edit", args=[self.pk])

    def public_path(self) -> str:
        return reverse("webforms:public", args=[self.key])


class WebFormSubmission(models.Model):
    """One accepted submission, or refused ones (refusals of one kind from one address within
    the form's rate window share a row and count up in ``repeated``, so a flood writes little).

    The client address is kept only as a keyed hash (``services.address_hash``): enough to
    count and to tell two addresses apart, not to read back."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RATE_LIMITED = "rate", _("Refused: too many from the address")
        BAD_TOKEN = "token", _("Refused: missing, forged or expired token")
        REPLAYED = "replayed", _("Refused: token used again")
        HONEYPOT = "honeypot", _("Refused: robot trap filled in")
        ORIGIN = "origin", _("Refused: page not allowed")
        PROOF_OF_WORK = "pow", _("Refused: proof of work missing")
        TOO_LARGE = "large", _("Refused: too large")
        INVALID = "invalid", _("Refused: invalid values")

    class Channel(models.TextChoices):
        PAGE = "page", _("Page")
        API = "api", _("API")

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    last_at = models.DateTimeField(_("last"), default=timezone.now)
    address_hash = models.CharField(_("address (hashed)"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome)
    channel = models.CharField(_("channel"), max_length=4, choices=Channel, default=Channel.PAGE)
    repeated = models.PositiveIntegerField(_("times"), default=1)
    email = models.CharField(_("email address"), max_length=254, blank=True)
    # The one-time part of the accepted token: a second use of it is refused.
    nonce = models.CharField(max_length=32, null=True, blank=True, unique=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("web form submission")
        verbose_name_plural = _("web form submissions")
        indexes = [
            # The rate limit: one address's submissions to one form in the window.
            models.Index(
                fields=["form", "address_hash", "outcome", "created_at"],
                name="webform_submission_rate",
            ),
            # The administrator's log of one form, newest first.
            models.Index(fields=["form", "-created_at"], name="webform_submission_log"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.outcome} {self.created_at:%Y-%m-%d %H:%M}"
