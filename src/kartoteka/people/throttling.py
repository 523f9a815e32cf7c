"""Failed sign-ins lock a user name and a client address for a while (django-axes counts them).

django-axes records each failed ``authenticate()`` and refuses the next ones once a user name
or a client address has ``AXES_FAILURE_LIMIT`` failures within ``AXES_COOLOFF_TIME``. This
module holds what Kartoteka adds: whose address a request comes from, the answer a locked
sign-in gets (the same whether or not the user exists), and clearing a count.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from kartoteka.people.forms import LockedSignInForm

LOCKED_STATUS = 429


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, behind ``TRUSTED_PROXIES`` reverse proxies that
    each append to X-Forwarded-For, the address the outermost of them saw. Entries left of
    that one are the client's own claims and are never trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies: int = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies or not forwarded[-proxies]:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def is_locked(request: HttpRequest, *, username: str) -> bool:
    """Whether sign-ins of this user name or from this request's address are locked now."""
    return AxesProxyHandler.is_locked(request, {"username": username})


def locked_until(request: HttpRequest, *, username: str | None) -> datetime:
    """When a sign-in refused now may be tried again: the cool-off after the last failure of
    the user name or from the address (refused tries during the lock are not recorded, see
    ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``). With failures in several records the
    lock may end earlier; never later."""
    address = client_address(request)
    matching = Q(ip_address=address) if address else Q(pk__in=[])
    if username:
        matching |= Q(username=username)
    last = AccessAttempt.objects.filter(matching).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_message(until: datetime) -> str:
    return _(
        "Too many failed sign-ins. Signing in is locked for a while: try again after %(time)s, "
        "or ask an administrator to unlock it."
    ) % {"time": time_format(timezone.localtime(until), "H:i")}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """What django-axes answers a locked sign-in with (``AXES_LOCKOUT_CALLABLE``): the sign-in
    page with the message (the page's own template when its view names one in
    ``request.sign_in_template``, as the portal's does), or JSON for the API. It names no
    user, so it tells nobody whether the user name exists."""
    username = (credentials or {}).get("username")
    message = lockout_message(locked_until(request, username=username))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=LOCKED_STATUS)
    form = LockedSignInForm(request, message=message)
    template = getattr(request, "sign_in_template", "registration/login.html")
    return render(request, template, {"form": form}, status=LOCKED_STATUS)


def failures_clear(*, username: str, address: str) -> None:
    """Forget the failures of this user name from this address, after a successful sign-in.

    Failures of the same address under other user names stay counted, and so do this user
    name's failures from other addresses: a user who signs in to their own account must not
    wipe out the count of someone guessing another's password (which axes'
    ``AXES_RESET_ON_SUCCESS`` would do, as it clears everything from the address).
    """
    AccessAttempt.objects.filter(username=username, ip_address=address).delete()


@dataclass(frozen=True)
class Lock:
    """A locked user name or client address, as the administrator's page lists it."""

    kind: str  # "username" or "address"
    value: str
    failures: int
    until: datetime


def locks() -> list[Lock]:
    """The user names, then the addresses, locked now (two queries)."""
    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    found = []
    for kind, field in (("username", "username"), ("address", "ip_address")):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by(field)
        )
        found += [
            Lock(
                kind=kind,
                value=str(row[field]),
                failures=row["failures"],
                until=row["last"] + cool_off,
            )
            for row in rows
        ]
    return found


def is_username_locked(username: str) -> bool:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    failures = recent.aggregate(total=Sum("failures_since_start"))["total"] or 0
    return failures >= settings.AXES_FAILURE_LIMIT


def unlock(*, kind: str, value: str) -> int:
    """Lift the lock of a user name or of an address (all its failures are forgotten);
    returns how many records went. Unknown kinds raise ``ValueError``."""
    fields = {"username": "username", "address": "ip_address"}
    if kind not in fields:
        raise ValueError(f"unknown lock kind: {kind}")
    deleted, _rows = AccessAttempt.objects.filter(**{fields[kind]: value}).delete()
    return deleted
