"""What a submission must pass before anything is created: size, rate, origin.

Refusals are cheap: the rate check is one indexed count, and a refusal is recorded by one
``UPDATE`` of the row counting that kind of refusal from that address in the form's window
(one ``INSERT`` the first time), never a case, a contact or a mail.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from kartoteka.webforms.models import WebForm, WebFormSubmission

# Every text field together stays far below this; files come on top (see ``request_limit``).
TEXT_BYTES = 256 * 1024


def address_hash(address: str) -> str:
    """A keyed hash of a client address: counts and tells apart, does not reveal it."""
    key = f"kartoteka.webforms.address:{settings.SECRET_KEY}".encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def window_start(form: WebForm) -> datetime:
    return timezone.now() - timedelta(minutes=max(1, form.rate_limit_minutes))


def rate_exceeded(form: WebForm, hashed: str, *, factor: int = 1) -> bool:
    """Whether the address already had ``rate_limit_count`` (times ``factor``) submissions
    accepted within the form's window: one indexed count."""
    accepted = WebFormSubmission.objects.filter(
        form=form,
        address_hash=hashed,
        outcome=WebFormSubmission.Outcome.ACCEPTED,
        created_at__gte=window_start(form),
    ).count()
    return accepted >= form.rate_limit_count * factor


def refusal_record(
    form: WebForm,
    hashed: str,
    outcome: str,
    *,
    channel: str = WebFormSubmission.Channel.PAGE,
) -> None:
    """Count a refusal: its kind's row from this address in the window counts up, or a
    row is started."""
    now = timezone.now()
    counted = WebFormSubmission.objects.filter(
        form=form,
        address_hash=hashed,
        outcome=outcome,
        channel=channel,
        created_at__gte=window_start(form),
    ).update(repeated=F("repeated") + 1, last_at=now)
    if not counted:
        WebFormSubmission.objects.create(
            form=form,
            address_hash=hashed,
            outcome=outcome,
            channel=channel,
            created_at=now,
            last_at=now,
        )


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL or origin, lower-cased; "" when it has none."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(form: WebForm, request: HttpRequest) -> bool:
    """Whether the page that posted is ours or one of the form's allowed origins, judged by
    the Origin header, else the Referer; a request with neither (or an opaque "null" Origin
    and no Referer) passes: the signed token is what proves a real visit."""
    claimed = request.headers.get("Origin", "")
    if not claimed or claimed == "null":
        claimed = request.headers.get("Referer", "")
    if not claimed:
        return True
    allowed = {origin_of(settings.SITE_URL), *(origin_of(o) for o in form.allowed_origins)}
    allowed.discard("")
    return origin_of(claimed) in allowed


def request_limit(form: WebForm) -> int:
    """The largest request body the form accepts, in bytes."""
    files = form.attachments_max_count * form.attachment_max_mb * 1024 * 1024
    return TEXT_BYTES + (files if form.attachments else 0)


def request_too_large(form: WebForm, request: HttpRequest) -> bool:
    """Refused by the declared Content-Length, before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > request_limit(form)
