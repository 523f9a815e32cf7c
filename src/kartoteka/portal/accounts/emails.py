"""The emails of the portal's sign-in side, one function per kind, each in the recipient's
language: the invitation, the confirmation of a registration, the password reset.

Like the customer notices (``notifications.notices``) they are automatic mail queued in the
outbox from the default mailbox (``message_compose(automatic=True)``), outside any case: the
loop guard may hold one back (a robot's address, too many to one address), and ``None`` is
returned then or when there is no default mailbox. The link's secret is in the email only;
nothing here logs it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.sending.outbound import message_compose

logger = logging.getLogger(__name__)


def _send(*, to: str, language: str, template: str, context: dict[str, Any]) -> Message | None:
    mailbox = Mailbox.objects.default()
    if mailbox is None:
        logger.warning("no default mailbox, so a portal %s email is not sent", template)
        return None
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"portal_url": settings.SITE_URL + reverse("portal:login"), **context}
        subject = render_to_string(f"portal/account/emails/{template}-subject.txt", context)
        text = render_to_string(f"portal/account/emails/{template}-body.txt", context)
        return message_compose(
            mailbox=mailbox,
            to=[to],
            subject=" ".join(subject.split()),
            text=text.strip() + "\n",
            automatic=True,
        )


def _until(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def invitation_email_send(
    *, to: str, language: str, name: str, company: str, secret: str, expires_at: datetime
) -> Message | None:
    """The invitation to the portal with the link that sets the password."""
    url = settings.SITE_URL + reverse("portal:invitation", args=[secret])
    context = {"name": name, "company": company, "url": url, "until": _until(expires_at)}
    return _send(to=to, language=language, template="invitation", context=context)


def registration_email_send(
    *, to: str, language: str, name: str, secret: str, expires_at: datetime
) -> Message | None:
    """The confirmation of a self-registration's address, with the link that completes it."""
    url = settings.SITE_URL + reverse("portal:registration-confirm", args=[secret])
    context = {"name": name, "url": url, "until": _until(expires_at)}
    return _send(to=to, language=language, template="registration", context=context)


def password_reset_email_send(
    *, to: str, language: str, name: str, uid: str, token: str
) -> Message | None:
    """The link that sets a new password of a portal login."""
    path = reverse("portal:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    context = {"name": name, "url": settings.SITE_URL + path, "hours": hours}
    return _send(to=to, language=language, template="password-reset", context=context)
