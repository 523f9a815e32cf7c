"""Two-factor sign-in: an authenticator app (TOTP, django-otp) and one-time recovery codes.

A user sets up an authenticator by scanning its secret and confirming with a first code; the
confirmation replaces any earlier authenticator and issues fresh recovery codes, shown once
and kept only as keyed hashes (a copy of the database alone does not reveal them). Signing in
then asks for a code from the app or one recovery code after the password.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kartoteka.people.models import RecoveryCode, SignInPolicy, User
from kartoteka.people.selectors import active_administrators

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10


# Reads


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def sign_in_policy() -> SignInPolicy:
    """The stored policy, or the defaults while nobody has changed them."""
    return SignInPolicy.objects.filter(pk=1).first() or SignInPolicy(pk=1)


def setup_required(user: User) -> bool:
    """Whether this user must set up an authenticator before anything else."""
    return (
        user.is_administrator
        and sign_in_policy().two_factor_required_for_administrators
        and not has_authenticator(user)
    )


def unused_recovery_code_count(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def authenticator_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def authenticator_qr_svg(device: TOTPDevice) -> SafeString:
    """The device's ``otpauth://`` address as an inline SVG QR code, drawn here (no service)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, light="#fff", title=_("QR code")
    )
    return mark_safe(svg)  # noqa: S308 (segno's own markup; the title is escaped by segno)


# Writes


@transaction.atomic
def authenticator_start(*, user: User) -> TOTPDevice:
    """The authenticator waiting for its first code, created if there is none (idempotent, so
    reloading the setup page shows the same secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(
        user=user, name=_("Authenticator app"), confirmed=False
    )


@transaction.atomic
def authenticator_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the waiting authenticator with a code it shows; it replaces any earlier one.

    Returns the new recovery codes in plain text (the only time they exist so); raises
    ``ValidationError`` on ``code`` when the code is wrong or no authenticator is waiting.
    """
    # Two setup pages opened at once (two tabs, a double reload) can each start an authenticator;
    # the code confirms the one whose secret the user actually scanned.
    waiting = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
    digits = _digits(code)
    device = next((each for each in waiting.order_by("pk") if each.verify_token(digits)), None)
    if device is None:
        raise ValidationError({"code": _("The code is wrong or too old. Try the current one.")})
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _recovery_codes_replace(user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes for a user with an authenticator; the old ones stop working."""
    if not has_authenticator(user):
        raise ValidationError(_("Set up an authenticator app first."))
    return _recovery_codes_replace(user)


def second_factor_accept(*, user: User, code: str) -> bool:
    """Whether ``code`` is the current code of the user's authenticator or one of their unused
    recovery codes (which is then used up: of two requests with one code, one wins)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    digits = _digits(code)
    if digits.isdigit() and len(digits) == device.digits and device.verify_token(digits):
        return True
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_recovery_code_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return used == 1


@transaction.atomic
def two_factor_reset(*, user: User) -> None:
    """Remove the user's authenticator and recovery codes (a lost phone): they sign in with
    the password alone until they set up a new one (at once, if the policy requires it)."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def sign_in_policy_set(
    *, two_factor_required_for_administrators: bool, keep_session: str | None = None
) -> SignInPolicy:
    """Store the policy. Turning the requirement on signs out every administrator without an
    authenticator (their next sign-in leads them to set one up), so it holds at once and not
    only from each one's next sign-in; the session ``keep_session`` (of the administrator who
    turns it on, whom the view sends to the setup) stays."""
    policy, _created = SignInPolicy.objects.select_for_update().get_or_create(pk=1)
    turned_on = two_factor_required_for_administrators and (
        not policy.two_factor_required_for_administrators
    )
    policy.two_factor_required_for_administrators = two_factor_required_for_administrators
    policy.save(update_fields=["two_factor_required_for_administrators"])
    if turned_on:
        _sign_out(_administrators_without_authenticator(), keep_session=keep_session)
    return policy


def _administrators_without_authenticator() -> set[int]:
    with_device = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    return set(active_administrators().exclude(pk__in=with_device).values_list("pk", flat=True))


def _sign_out(user_ids: set[int], *, keep_session: str | None) -> None:
    """End the stored sessions of these users (sessions live in the database here)."""
    if not user_ids or settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    wanted = {str(pk) for pk in user_ids}
    store = SessionStore()
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        .exclude(session_key=keep_session or "")
        .iterator()
        if str(store.decode(session.session_data).get("_auth_user_id")) in wanted
    ]
    Session.objects.filter(pk__in=ended).delete()


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        get_random_string(RECOVERY_CODE_LENGTH, RECOVERY_CODE_ALPHABET)
        for _i in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_code_hash(code)) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _recovery_code_hash(code: str) -> str:
    normalized = "".join(char for char in code.lower() if char.isalnum())
    return salted_hmac("kartoteka.people.recovery-code", normalized, algorithm="sha256").hexdigest()


def _digits(code: str) -> str:
    return "".join(char for char in code if not char.isspace())
