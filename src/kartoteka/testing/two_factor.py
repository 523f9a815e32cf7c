"""Authenticators for tests, and the codes they would show (the real TOTP computation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from kartoteka.people.models import User


def authenticator_for(user: User) -> TOTPDevice:
    """A confirmed authenticator of ``user``, as if they had set one up."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` periods of 30 s later: a
    code is accepted once, so a second sign-in in the same period uses the next one)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"
