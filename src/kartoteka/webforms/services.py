"""The only code that writes web forms and turns a submission into a case.

``submission_accept`` runs in one transaction: it claims the token's nonce (a replay fails on
the unique constraint), locks the form row so that concurrent submissions from one address
count each other (the rate limit holds exactly on PostgreSQL too), finds or creates the
contact, creates the case (channel "web form", which reports ``case_created``: the workflow
rules run after commit), stores the files and queues the confirmation with the case's tag,
so a reply by email lands in the case. A failure anywhere leaves nothing behind.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from kartoteka.cases.models import Case
from kartoteka.cases.services import case_attachment_add, case_create
from kartoteka.customers.identifiers import normalise_email
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.customers.services import contact_create
from kartoteka.mail.models import Mailbox
from kartoteka.mail.sending.outbound import message_compose
from kartoteka.webforms import guards
from kartoteka.webforms.models import WebForm, WebFormSubmission

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

logger = logging.getLogger(__name__)

FORM_FIELDS = frozenset(
    {
        "name", "active", "phone", "company", "subject", "message", "custom_fields",
        "attachments", "attachments_max_count", "attachment_max_mb", "group", "case_type",
        "priority", "mailbox", "thank_you_text", "allowed_origins", "rate_limit_count",
        "rate_limit_minutes", "proof_of_work", "proof_of_work_bits", "language",
    }
)  # fmt: skip
MAX_CUSTOM_FIELDS = 10
MAX_ORIGINS = 20


class ReplayedError(Exception):
    """The token of this submission was accepted before."""


class RateLimitedError(Exception):
    """The address had its allowed submissions within the window."""


@dataclass
class SubmissionData:
    """What a visitor sent, cleaned (lengths checked, ``email`` normalised)."""

    name: str
    email: str
    phone: str = ""
    company: str = ""
    subject: str = ""
    message: str = ""
    answers: list[tuple[str, str]] = field(default_factory=list)
    files: Sequence[UploadedFile[bytes]] = ()


# Forms


def _clean_config(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - FORM_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    data = dict(data)
    errors: dict[str, list[str]] = {}
    if "allowed_origins" in data:
        origins: list[str] = []
        for raw in data["allowed_origins"] or []:
            origin = guards.origin_of(str(raw))
            if not origin:
                errors.setdefault("allowed_origins", []).append(
                    _("%(value)s is not a web address such as https://www.firma.pl.")
                    % {"value": str(raw)[:100]}
                )
            elif origin not in origins:
                origins.append(origin)
        if len(origins) > MAX_ORIGINS:
            errors.setdefault("allowed_origins", []).append(
                _("At most %(limit)d origins.") % {"limit": MAX_ORIGINS}
            )
        data["allowed_origins"] = origins
    if "custom_fields" in data:
        questions = []
        for raw in data["custom_fields"] or []:
            label = str(raw.get("label", "") if isinstance(raw, dict) else raw).strip()[:200]
            if label:
                required = bool(raw.get("required")) if isinstance(raw, dict) else False
                questions.append({"label": label, "required": required})
        if len(questions) > MAX_CUSTOM_FIELDS:
            errors.setdefault("custom_fields", []).append(
                _("At most %(limit)d extra questions.") % {"limit": MAX_CUSTOM_FIELDS}
            )
        data["custom_fields"] = questions
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def webform_create(*, data: dict[str, Any]) -> WebForm:
    """A new form with a fresh public key and API secret."""
    form = WebForm(**_clean_config(data))
    form.key = secrets.token_urlsafe(16)[:22]
    form.secret = secrets.token_urlsafe(32)
    form.full_clean()
    form.save()
    return form


@transaction.atomic
def webform_update(*, form: WebForm, data: dict[str, Any]) -> WebForm:
    """Change the given settings; the key and the secret stay."""
    for name, value in _clean_config(data).items():
        setattr(form, name, value)
    form.full_clean()
    form.save()
    return form


@transaction.atomic
def webform_secret_renew(*, form: WebForm) -> WebForm:
    """A new API secret; the old one stops working at once."""
    form.secret = secrets.token_urlsafe(32)
    form.save(update_fields=["secret"])
    return form


@transaction.atomic
def webform_delete(*, form: WebForm) -> None:
    """Delete the form and its log; the cases it created stay."""
    form.delete()


# Submissions


def _split_name(name: str) -> tuple[str, str]:
    words = re.sub(r"\s+", " ", name).strip().split(" ")
    if len(words) >= 2:
        return " ".join(words[:-1])[:100], words[-1][:100]
    return "", words[0][:100]


def _sender(email: str, data: SubmissionData) -> tuple[Contact | None, Account | None]:
    """The contact the address belongs to (and its customer), the customer of a shared
    address, or a new contact without a customer (name, phone and company in its notes)."""
    known = EmailAddress.objects.filter(address=email).select_related("contact__account").first()
    if known is not None and known.contact is not None:
        return known.contact, known.contact.account
    if known is not None:
        return None, known.account
    first, last = _split_name(data.name or email)
    notes = "\n".join(
        line
        for line in (
            _("Phone: %(phone)s") % {"phone": data.phone} if data.phone else "",
            _("Company: %(company)s") % {"company": data.company} if data.company else "",
        )
        if line
    )
    contact = contact_create(
        by=None,  # type: ignore[arg-type]
        data={"first_name": first, "last_name": last or email[:100], "notes": notes},
        emails=[email],
    )
    return contact, None


def _description(form: WebForm, data: SubmissionData) -> str:
    lines = [data.message.strip()] if data.message.strip() else []
    details = [
        (_("Name"), data.name),
        (_("Email"), data.email),
        (_("Phone"), data.phone),
        (_("Company"), data.company),
        *data.answers,
    ]
    shown = [f"{label}: {value.strip()}" for label, value in details if value.strip()]
    if shown:
        lines.append("\n".join(shown))
    lines.append(_("Sent through the web form %(name)s.") % {"name": form.name})
    return "\n\n".join(lines)


def _subject(form: WebForm, data: SubmissionData) -> str:
    subject = data.subject.strip() or f"{form.name}: {data.name.strip() or data.email}"
    return subject[:255]


def form_language(form: WebForm, requested: str = "") -> str:
    """The form's own language, else the visitor's (pl, cs or en), else the installation's."""
    from django.conf import settings

    known = {code for code, _name in settings.LANGUAGES}
    for code in (form.language, (requested or "")[:2].lower(), settings.LANGUAGE_CODE[:2]):
        if code in known:
            return code
    return "en"


def confirmation_send(*, form: WebForm, case: Case, email: str, language: str) -> bool:
    """Queue the confirmation to the submitter from the form's mailbox (else the default):
    automatic mail with the case's tag, held back by the loop guard from robots and from an
    address that got too many. It repeats nothing the visitor typed (a form must not relay
    anyone's text to any address), only the case's number. Whether it was queued."""
    mailbox = form.mailbox if form.mailbox is not None and form.mailbox.active else None
    mailbox = mailbox or Mailbox.objects.default()
    if mailbox is None:
        logger.warning("web form %s: no mailbox, so no confirmation for #%s", form.pk, case.number)
        return False
    with translation.override(language):
        context = {"form": form, "case": case}
        subject = render_to_string("webforms/emails/confirmation-subject.txt", context).strip()
        text = render_to_string("webforms/emails/confirmation-body.txt", context).strip() + "\n"
        message = message_compose(
            mailbox=mailbox, to=[email], subject=subject, text=text, case=case, automatic=True
        )
    return message is not None


@transaction.atomic
def submission_accept(
    *,
    form: WebForm,
    data: SubmissionData,
    address_hash: str,
    nonce: str | None,
    channel: str = WebFormSubmission.Channel.PAGE,
    language: str = "",
    rate_factor: int = 1,
    confirm: bool = True,
) -> Case:
    """Turn a checked submission into a case (see the module's docstring).

    Raises ``ReplayedError`` when the nonce was accepted before, ``RateLimitedError`` when the
    address had its submissions in the window (counted again under the form's lock), and
    ``ValidationError`` for an address the customers' rules refuse; nothing is saved then.
    ``confirm=False`` sends no confirmation (the demo's history, not news).
    """
    WebForm.objects.select_for_update().filter(pk=form.pk).exists()
    if guards.rate_exceeded(form, address_hash, factor=rate_factor):
        raise RateLimitedError
    email = normalise_email(data.email)
    try:
        with transaction.atomic():
            record = WebFormSubmission.objects.create(
                form=form,
                address_hash=address_hash,
                outcome=WebFormSubmission.Outcome.ACCEPTED,
                channel=channel,
                email=email,
                nonce=nonce,
            )
    except IntegrityError as error:
        raise ReplayedError from error
    contact, account = _sender(email, data)
    case_data: dict[str, Any] = {
        "description": _description(form, data),
        "reporter": contact,
    }
    for name in ("group", "case_type", "priority"):
        value = getattr(form, name)
        if value is not None:
            case_data[name] = value
    case = case_create(
        by=None,
        subject=_subject(form, data),
        account=account,
        contacts=[contact] if contact is not None else [],
        data=case_data,
        channel=Case.Channel.WEB_FORM,
    )
    for upload in data.files:
        case_attachment_add(case=case, by=None, file=upload, shared=True)
    record.case = case
    record.save(update_fields=["case"])
    if confirm:
        language = form_language(form, language)
        confirmation_send(form=form, case=case, email=email, language=language)
    return case
