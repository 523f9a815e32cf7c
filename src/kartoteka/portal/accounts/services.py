"""Writes of the portal's sign-in side: settings, roles, registration domains, a contact's
login (invite, resend, disable, enable, role), accepting an invitation, registering, the
password reset request and the profile.

Every email is queued after the rows it names are written, in the same transaction (the
outbox sends it after commit). A refused write raises ``ValidationError`` with a message for
the person who asked; what a stranger asks for (a registration, a password reset) never
raises about whether an address or a domain is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from kartoteka.customers.models import Account, Contact, EmailAddress, PortalRole
from kartoteka.customers.services import contact_create, contact_update
from kartoteka.mail.models import Message
from kartoteka.notifications.notices import contact_language
from kartoteka.people.models import User
from kartoteka.portal.accounts import emails
from kartoteka.portal.accounts.tokens import password_reset_tokens, secret_hash, secret_new
from kartoteka.portal.models import (
    PortalDomain,
    PortalInvitation,
    PortalMailRequest,
    PortalRegistration,
    PortalSettings,
)

INVITATION_TIME = timedelta(days=7)
REGISTRATION_TIME = timedelta(days=2)
# Requests that send mail (registration, password reset) per hour: from one client address,
# and to one email address.
MAIL_REQUESTS_PER_ADDRESS = 10
MAIL_REQUESTS_PER_EMAIL = 3
MAIL_REQUEST_WINDOW = timedelta(hours=1)

# Public mail services: their addresses say nothing about whose employee someone is.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.net", "gmx.de", "mail.com", "zoho.com", "yandex.com",
        "yandex.ru", "wp.pl", "o2.pl", "onet.pl", "onet.eu", "op.pl", "interia.pl",
        "interia.eu", "poczta.fm", "tlen.pl", "gazeta.pl", "vp.pl", "autograf.pl", "buziaczek.pl",
        "seznam.cz", "email.cz", "centrum.cz", "atlas.cz", "post.cz", "volny.cz", "quick.cz",
        "tiscali.cz", "azet.sk", "centrum.sk", "zoznam.sk",
    }
)  # fmt: skip
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class LoginState:
    NONE = "none"
    INVITED = "invited"
    ACTIVE = "active"
    DISABLED = "disabled"


def login_state(contact: Contact) -> str:
    """A contact's portal login: none, invited (no password yet), active or disabled."""
    user = contact.portal_user
    if user is None:
        return LoginState.NONE
    if not user.is_active:
        return LoginState.DISABLED
    return LoginState.ACTIVE if user.has_usable_password() else LoginState.INVITED


def login_email(contact: Contact) -> str:
    """The contact's first email address, which their login goes by ('' when none)."""
    return (
        EmailAddress.objects.filter(contact=contact)
        .order_by("position", "pk")
        .values_list("address", flat=True)
        .first()
        or ""
    )


def portal_language(user: User, contact: Contact | None) -> str:
    return user.language or contact_language(contact.account if contact else None)


# Settings, roles, domains


def portal_settings() -> PortalSettings:
    """The stored settings, or the defaults while nobody has changed them."""
    return PortalSettings.objects.filter(pk=1).first() or PortalSettings(pk=1)


@transaction.atomic
def portal_settings_set(*, self_registration: bool) -> PortalSettings:
    row, _created = PortalSettings.objects.select_for_update().get_or_create(pk=1)
    row.self_registration = self_registration
    row.save(update_fields=["self_registration"])
    return row


ROLE_FIELDS = frozenset(
    {
        "name",
        "sees_company_cases",
        "may_create_cases",
        "may_close_cases",
        "sees_shared_documents",
        "is_default",
    }
)


def _role_save(role: PortalRole, data: dict[str, Any]) -> PortalRole:
    unknown = set(data) - ROLE_FIELDS
    if unknown:
        raise ValueError(f"not a portal role field: {sorted(unknown)}")
    list(PortalRole.objects.select_for_update().values_list("pk"))  # one writer of the default
    for name, value in data.items():
        setattr(role, name, value)
    role.name = role.name.strip()
    if PortalRole.objects.filter(name__iexact=role.name).exclude(pk=role.pk).exists():
        raise ValidationError({"name": _("A portal role of this name exists already.")})
    others = PortalRole.objects.exclude(pk=role.pk)
    if not role.is_default and not others.filter(is_default=True).exists():
        # Exactly one default: an invitation without a role needs one.
        role.is_default = True
    role.full_clean()
    role.save()
    if role.is_default:
        PortalRole.objects.exclude(pk=role.pk).filter(is_default=True).update(is_default=False)
    return role


@transaction.atomic
def portal_role_create(**data: Any) -> PortalRole:
    """Create a portal role; when it is the default, the former default stops being one."""
    return _role_save(PortalRole(), data)


@transaction.atomic
def portal_role_update(*, role: PortalRole, **data: Any) -> PortalRole:
    """Change a role; the default stays exactly one (unmarking the only default keeps it)."""
    return _role_save(role, data)


@transaction.atomic
def portal_role_delete(*, role: PortalRole) -> None:
    """Delete a role no contact holds; the default goes to another role if one is left."""
    in_use = Contact.objects.filter(portal_role=role).count()
    if in_use:
        raise ValidationError(
            _("Contacts hold the role “%(role)s” (%(count)d): give them another role first.")
            % {"role": role.name, "count": in_use}
        )
    was_default = role.is_default
    role.delete()
    if was_default:
        successor = PortalRole.objects.order_by("name", "pk").first()
        if successor is not None:
            PortalRole.objects.filter(pk=successor.pk).update(is_default=True)


def default_portal_role() -> PortalRole | None:
    return PortalRole.objects.filter(is_default=True).first() or PortalRole.objects.first()


def domain_normalize(value: str) -> str:
    """A domain as stored: lower-case, no surrounding dots or spaces, no ``@``, in ASCII
    (IDNA); ``ValidationError`` for what is no domain or a public mail service's."""
    text = value.strip().lower().lstrip("@").rstrip(".")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError({"domain": _("Enter a domain, such as firma.pl.")}) from None
    if not DOMAIN_PATTERN.match(text):
        raise ValidationError({"domain": _("Enter a domain, such as firma.pl.")})
    if text in FREE_MAIL_DOMAINS:
        raise ValidationError(
            {
                "domain": _(
                    "%(domain)s is a public mail service: anyone may have an address there, "
                    "so it cannot name a customer's people."
                )
                % {"domain": text}
            }
        )
    return text


@transaction.atomic
def portal_domain_add(*, account: Account, domain: str) -> PortalDomain:
    clean = domain_normalize(domain)
    held = PortalDomain.objects.filter(domain=clean).select_related("account").first()
    if held is not None:
        raise ValidationError(
            {
                "domain": _("%(domain)s is a registration domain of %(account)s already.")
                % {"domain": clean, "account": held.account.name}
            }
        )
    return PortalDomain.objects.create(account=account, domain=clean)


@transaction.atomic
def portal_domain_remove(*, domain: PortalDomain) -> None:
    domain.delete()


# A contact's login


@dataclass(frozen=True)
class Invitation:
    """What an invitation did: the login it is for, and whether its email was queued."""

    user: User
    sent: bool


def _username_for(email: str) -> str:
    wanted = email.lower()[:150]
    if wanted and not User.objects.filter(username__iexact=wanted).exists():
        return wanted
    while True:
        candidate = f"portal-{get_random_string(10, 'abcdefghijkmnpqrstuvwxyz23456789')}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


def _email_taken(email: str, *, user: User | None) -> bool:
    others = User.objects.filter(role=User.Role.PORTAL, email__iexact=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    return others.exists()


def _invitation_queue(contact: Contact, user: User, *, by: User | None) -> bool:
    PortalInvitation.objects.filter(contact=contact).delete()  # a new one voids the old
    secret = secret_new()
    invitation = PortalInvitation.objects.create(
        contact=contact,
        user=user,
        token_hash=secret_hash(secret),
        created_by=by,
        expires_at=timezone.now() + INVITATION_TIME,
    )
    message = emails.invitation_email_send(
        to=user.email,
        language=portal_language(user, contact),
        name=str(contact),
        company=contact.account.name if contact.account else "",
        secret=secret,
        expires_at=invitation.expires_at,
    )
    return message is not None


@transaction.atomic
def portal_invite(*, contact: Contact, by: User, role: PortalRole | None = None) -> Invitation:
    """Invite a contact to the portal, or invite them again (the earlier link stops working).

    Creates the login (role PORTAL, user name the contact's address unless taken, no usable
    password, the customer's language) when there is none, gives the contact ``role`` or, when
    they have none yet, the default role, and queues the email with a link valid for
    ``INVITATION_TIME``. Refused: a contact without an address, an address that another
    portal login goes by, a login already active or disabled.
    """
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("account").get(pk=contact.pk)
    )
    email = login_email(contact)
    if not email:
        raise ValidationError(
            _("%(contact)s has no email address: add one before inviting them.")
            % {"contact": contact}
        )
    user = contact.portal_user
    if _email_taken(email, user=user):
        raise ValidationError(
            _("The address %(email)s is the portal login of another contact already.")
            % {"email": email}
        )
    state = login_state(contact)
    if state == LoginState.ACTIVE:
        raise ValidationError(
            _("%(contact)s signs in to the portal already.") % {"contact": contact}
        )
    if state == LoginState.DISABLED:
        raise ValidationError(
            _("The portal login of %(contact)s is disabled: enable it first.")
            % {"contact": contact}
        )
    if user is None:
        user = User(
            username=_username_for(email),
            email=email,
            first_name=contact.first_name[:150],
            last_name=contact.last_name[:150],
            role=User.Role.PORTAL,
            language=contact_language(contact.account),
            notification_email=User.NotificationEmail.IMMEDIATE,
        )
        user.set_unusable_password()
        user.save()
        contact.portal_user = user
    elif user.email.lower() != email.lower():
        user.email = email
        user.save(update_fields=["email"])
    contact.portal_role = role or contact.portal_role or default_portal_role()
    contact.save(update_fields=["portal_user", "portal_role"])
    return Invitation(user=user, sent=_invitation_queue(contact, user, by=by))


@transaction.atomic
def portal_login_set_active(*, contact: Contact, active: bool) -> User:
    """Disable a contact's login (its sessions end: an inactive user is nobody) or enable it
    again; disabling voids the pending invitation."""
    user = contact.portal_user
    if user is None:
        raise ValidationError(_("%(contact)s has no portal login.") % {"contact": contact})
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        PortalInvitation.objects.filter(contact=contact).delete()
    return user


@transaction.atomic
def portal_login_set_role(*, contact: Contact, role: PortalRole) -> Contact:
    contact.portal_role = role
    contact.save(update_fields=["portal_role"])
    return contact


# Invitations


def invitation_open(secret: str) -> PortalInvitation | None:
    """The invitation a link's secret names while it may still set a password: unused, not
    expired, its login active and still without a password, still the contact's login."""
    invitation = (
        PortalInvitation.objects.select_related("user", "contact")
        .filter(token_hash=secret_hash(secret), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None:
        return None
    user = invitation.user
    usable = (
        user.is_active
        and user.role == User.Role.PORTAL
        and not user.has_usable_password()
        and invitation.contact.portal_user_id == user.pk
    )
    return invitation if usable else None


@transaction.atomic
def invitation_accept(*, secret: str, password: str) -> User:
    """Set the invited login's password and use the link up (of two requests with one link,
    one wins); ``ValidationError`` when the link is no longer valid."""
    invitation = invitation_open(secret)
    claimed = (
        invitation is not None
        and PortalInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        == 1
    )
    if not claimed or invitation is None:
        raise ValidationError(_("This link is no longer valid."))
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    PortalInvitation.objects.filter(contact=invitation.contact_id).exclude(
        pk=invitation.pk
    ).delete()
    return user


# Registration and password reset: answers never depend on whether an address is known


def mail_request_allowed(*, kind: str, client_address: str, email: str) -> bool:
    """Count a request that may send mail; False when the client address or the email address
    has had its hour's share (a refused request is not counted, so a hammering client does
    not prolong its wait)."""
    now = timezone.now()
    PortalMailRequest.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    recent = PortalMailRequest.objects.filter(kind=kind, created_at__gte=now - MAIL_REQUEST_WINDOW)
    email = email.strip().lower()[:254]
    if (
        recent.filter(client_address=client_address).count() >= MAIL_REQUESTS_PER_ADDRESS
        or recent.filter(email=email).count() >= MAIL_REQUESTS_PER_EMAIL
    ):
        return False
    PortalMailRequest.objects.create(kind=kind, client_address=client_address, email=email)
    return True


def _domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


@transaction.atomic
def registration_request(
    *, email: str, first_name: str, last_name: str, language: str
) -> Message | None:
    """Someone asks for a login with ``email``: when its domain is a customer's registration
    domain, the address has no login yet and may get one, queue the confirmation email.
    Returns the queued email (for tests), ``None`` when nothing was sent; the caller's answer
    must not depend on it."""
    email = email.strip().lower()
    domain = PortalDomain.objects.filter(domain=_domain_of(email)).select_related("account").first()
    if domain is None or not portal_settings().self_registration:
        return None
    held = EmailAddress.objects.filter(address__iexact=email).select_related("contact").first()
    if held is not None and (
        held.contact is None or held.contact.account_id is None or held.contact.portal_user_id
    ):
        return None  # a shared address, a contact of no customer, or a login already
    if User.objects.filter(role=User.Role.PORTAL, email__iexact=email).exists():
        return None
    PortalRegistration.objects.filter(email=email, used_at__isnull=True).delete()
    secret = secret_new()
    registration = PortalRegistration.objects.create(
        account=domain.account,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=language,
        token_hash=secret_hash(secret),
        expires_at=timezone.now() + REGISTRATION_TIME,
    )
    name = f"{registration.first_name} {registration.last_name}".strip()
    return emails.registration_email_send(
        to=email,
        language=language or contact_language(domain.account),
        name=name,
        secret=secret,
        expires_at=registration.expires_at,
    )


def registration_open(secret: str) -> PortalRegistration | None:
    """The registration a confirmation link names while it is unused and not expired."""
    return (
        PortalRegistration.objects.select_related("account")
        .filter(token_hash=secret_hash(secret), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def registration_complete(*, secret: str, password: str) -> User:
    """Create the login of a confirmed registration with ``password`` and the default role,
    attached to the contact that has the address or to a new contact of the customer."""
    registration = registration_open(secret)
    claimed = (
        registration is not None
        and PortalRegistration.objects.filter(pk=registration.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        == 1
    )
    if not claimed or registration is None:
        raise ValidationError(_("This link is no longer valid."))
    email = registration.email
    held = EmailAddress.objects.filter(address__iexact=email).select_related("contact").first()
    contact = held.contact if held is not None else None
    if (
        (held is not None and (contact is None or contact.account_id is None))
        or (contact is not None and contact.portal_user_id)
        or _email_taken(email, user=None)
    ):
        raise ValidationError(
            _("This address has a portal login already: sign in, or ask for a new password.")
        )
    user = User(
        username=_username_for(email),
        email=email,
        first_name=registration.first_name[:150],
        last_name=registration.last_name[:150],
        role=User.Role.PORTAL,
        language=registration.language or contact_language(registration.account),
        notification_email=User.NotificationEmail.IMMEDIATE,
    )
    user.set_password(password)
    user.save()
    if contact is None:
        contact = contact_create(
            by=user,
            data={
                "account": registration.account,
                "first_name": registration.first_name,
                "last_name": registration.last_name,
            },
            emails=[email],
        )
    contact.portal_user = user
    contact.portal_role = contact.portal_role or default_portal_role()
    contact.save(update_fields=["portal_user", "portal_role"])
    return user


def password_reset_users(email: str) -> list[User]:
    """The active portal logins that go by ``email`` and belong to a contact."""
    return list(
        User.objects.filter(
            Q(email__iexact=email.strip()),
            role=User.Role.PORTAL,
            is_active=True,
            portal_contact__isnull=False,
        ).select_related("portal_contact__account")
    )


def password_reset_request(*, email: str) -> list[Message]:
    """Queue a password reset email to each portal login of ``email`` (usually one, often
    none). Returns the queued emails, for tests; the caller's answer must not depend on it."""
    sent = []
    for user in password_reset_users(email):
        message = emails.password_reset_email_send(
            to=user.email,
            language=portal_language(user, user.portal_contact),
            name=str(user.portal_contact),
            uid=urlsafe_base64_encode(str(user.pk).encode()),
            token=password_reset_tokens.make_token(user),
        )
        if message is not None:
            sent.append(message)
    return sent


# Profile


@transaction.atomic
def profile_update(
    *,
    user: User,
    contact: Contact,
    first_name: str,
    last_name: str,
    language: str,
    notify_by_email: bool,
) -> User:
    """The portal user's own name (on their login and their contact), language and whether
    new messages of their cases are emailed (``IMMEDIATE``) or not (``OFF``)."""
    user.first_name = first_name.strip()[:150]
    user.last_name = last_name.strip()[:150]
    user.language = language
    user.notification_email = (
        User.NotificationEmail.IMMEDIATE if notify_by_email else User.NotificationEmail.OFF
    )
    user.full_clean(exclude=["password", "username", "email"])
    user.save(update_fields=["first_name", "last_name", "language", "notification_email"])
    contact_update(
        contact=contact,
        by=user,
        data={
            "first_name": first_name.strip()[:100],
            "last_name": last_name.strip()[:100] or contact.last_name,
        },
    )
    return user
