"""Accounts (customers and leads), their contacts, email addresses, phones and segments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kartoteka.core.models import DictionaryEntry
from kartoteka.core.names import local_name

if TYPE_CHECKING:
    from kartoteka.people.models import User


def account_visibility(user: User, prefix: str = "") -> Q:
    """The one rule saying which accounts a user may see, as a filter on ``prefix``.

    Staff see every account that is not restricted. A restricted account is seen by its
    account manager, the members of its team, the supervisors of that team and of the
    manager's team, managers and administrators. Portal users see no account here yet;
    inactive users see nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    p = prefix
    if user.sees_everything:
        # An always-true condition (not an empty Q, which would vanish inside an OR).
        return Q(**{f"{p}pk__isnull": False})
    if not user.is_staff_member:
        return Q(pk__in=[])
    rule = (
        Q(**{f"{p}restricted": False})
        | Q(**{f"{p}manager": user})
        | Q(**{f"{p}team__supervisor": user})
        | Q(**{f"{p}manager__team__supervisor": user})
    )
    if user.team_id:
        rule |= Q(**{f"{p}team_id": user.team_id})
    return rule


def confidential_visibility(
    user: User, model: Any, prefix: str = "", *, also: Q | None = None
) -> Q:
    """The rule of a customer-file item that may be confidential (``model`` has ``account``,
    ``confidential``, ``author``, ``shared_users`` and ``shared_teams``), as a filter on
    ``prefix``: an item of an account the user sees that is not confidential, or that the user
    wrote or is named on (in person or through the team), or that ``also`` lets them see; any
    of a visible account as an administrator. Portal users see none."""
    if not user.is_authenticated or not user.is_staff_member:
        return Q(pk__in=[])
    p = prefix
    rule = account_visibility(user, prefix=f"{p}account__")
    if user.is_administrator:
        return rule
    item = f"{model._meta.model_name}_id"
    named = model.shared_users.through.objects.filter(**{item: OuterRef(f"{p}pk")}, user_id=user.pk)
    allowed = Q(**{f"{p}confidential": False}) | Q(**{f"{p}author_id": user.pk}) | Q(Exists(named))
    if user.team_id:
        team = model.shared_teams.through.objects.filter(
            **{item: OuterRef(f"{p}pk")}, team_id=user.team_id
        )
        allowed |= Q(Exists(team))
    if also is not None:
        allowed |= also
    return rule & allowed


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:segment-edit", args=[self.pk])


class AccountQuerySet(models.QuerySet["Account"]):
    def visible_to(self, user: User) -> AccountQuerySet:
        return self.filter(account_visibility(user))


class PortalRole(models.Model):
    """What a contact with a portal login may do there; set by the administrator. The case,
    note, attachment and document ``visible_to`` doors read it for portal users."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sees_company_cases = models.BooleanField(
        _("sees all cases of the company"),
        default=False,
        help_text=_("Otherwise only the cases the contact reported or takes part in."),
    )
    may_create_cases = models.BooleanField(_("may create cases"), default=True)
    may_close_cases = models.BooleanField(_("may close and reopen cases"), default=True)
    sees_shared_documents = models.BooleanField(
        _("sees the company's documents shared with the customer"), default=False
    )
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Given to newly invited contacts.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("portal role")
        verbose_name_plural = _("portal roles")

    def __str__(self) -> str:
        return local_name(self.name)  # a starting name is shown translated


class Account(models.Model):
    """A customer or lead (Polish *kontrahent*)."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        LEAD = "lead", _("Lead")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.CUSTOMER)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    nip = models.CharField(_("NIP"), max_length=10, blank=True, db_index=True)
    regon = models.CharField(_("REGON"), max_length=14, blank=True, db_index=True)
    street = models.CharField(_("street"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="PL")
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    website = models.URLField(_("website"), blank=True)
    segments = models.ManyToManyField(
        Segment, verbose_name=_("segments"), blank=True, related_name="accounts"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_accounts",
    )
    team = models.ForeignKey(
        "people.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
    )
    restricted = models.BooleanField(
        _("restricted"),
        default=False,
        help_text=_("Only the account manager, the team, their supervisors and managers see it."),
    )
    # A legal hold (litigation, an authority's request) forbids erasing its contacts' data.
    legal_hold = models.BooleanField(
        _("legal hold"),
        default=False,
        help_text=_("Its contacts' personal data may not be erased while this is set."),
    )
    classifications = models.ManyToManyField(
        DictionaryEntry, verbose_name=_("classifications"), blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AccountQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        # NIP and REGON are not unique: branches of one company share them, and a lead may
        # duplicate a customer. The services warn about a shared one; ``merge.py`` joins two.
        indexes = [models.Index(fields=["kind", "name"], name="account_kind_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:account-detail", args=[self.pk])


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, user: User) -> ContactQuerySet:
        """Contacts of visible accounts, and contacts with no account (to staff)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if not user.is_staff_member:
            return self.none()
        return self.filter(Q(account__isnull=True) | account_visibility(user, prefix="account__"))


class Contact(models.Model):
    """A customer's person."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contacts",
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    salutation = models.CharField(
        _("salutation"),
        max_length=100,
        blank=True,
        help_text=_(
            "How an email to this person opens, without the comma, e.g. “Szanowny Panie "
            "Janie”, “Dzień dobry, Pani Anno”, “Vážený pane Nováku”. Canned responses put it "
            "in with {salutation}; when empty they greet neutrally."
        ),
    )
    classifications = models.ManyToManyField(
        DictionaryEntry, verbose_name=_("classifications"), blank=True, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    # The contact's login to the customer portal (a user of the portal role), if any.
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portal_contact",
    )
    portal_role = models.ForeignKey(
        PortalRole,
        verbose_name=_("portal role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ContactQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("customers:contact-detail", args=[self.pk])


def portal_contact_for(user: Any) -> Contact | None:
    """The contact whose portal login ``user`` is (the portal branch of every ``visible_to``
    door reads it); None for anyone else: anonymous, inactive, staff (a superuser included),
    a portal login no contact holds. Read once per user object (Django keeps it on ``user``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role != user.Role.PORTAL or user.is_superuser:
        return None
    try:
        return user.portal_contact  # type: ignore[no-any-return]
    except Contact.DoesNotExist:
        return None


class EmailAddress(models.Model):
    """An email address owned by exactly one contact, or by an account (a shared address).

    Addresses are stored lower-cased and unique across contacts and accounts, so an incoming
    message finds its sender with one indexed lookup.
    """

    address = models.EmailField(_("email address"), max_length=254, unique=True)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shared_emails",
    )
    position = models.PositiveSmallIntegerField(default=0)
    # A permanent bounce (5.x.x) reported it; automatic mail to it pauses until cleared.
    undeliverable_since = models.DateTimeField(_("undeliverable since"), null=True, blank=True)
    undeliverable_reason = models.CharField(_("why undeliverable"), max_length=500, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(contact__isnull=False, account__isnull=True)
                    | Q(contact__isnull=True, account__isnull=False)
                ),
                name="email_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.address


class PhoneNumber(models.Model):
    """A contact's phone number, stored in E.164 form."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        WORK = "work", _("Work")
        HOME = "home", _("Home")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("phone number"), max_length=32, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.MOBILE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="phone_unique_per_contact"),
        ]

    def __str__(self) -> str:
        return self.number
