"""What a portal user writes: a new case, a reply (a public comment with files), closing and
reopening. Each goes through the cases' own services, so history, happenings (followers,
rules, notifications, notices) and the search index follow as for any other change.

The portal user follows every case they create or answer (``CaseFollower``): the staff's
notifications skip portal users (``notifications.services.notify`` tells only case workers),
and ``notifications.portal_notices`` emails them about the staff's public answers instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kartoteka.cases.following import case_follow
from kartoteka.cases.models import Case, CaseNote, CaseType, Status
from kartoteka.cases.services import (
    ATTACHMENT_MAX_BYTES,
    case_attachment_add,
    case_create,
    case_note_add,
    case_settings,
    case_update,
)
from kartoteka.core.files import file_name_clean
from kartoteka.documents import sniffing
from kartoteka.kb.services import suggestion_openings_case_created
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import ATTACHMENTS_MAX_BYTES

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from kartoteka.customers.models import Contact
    from kartoteka.people.models import User

# At most this many files in one post; together at most ``ATTACHMENTS_MAX_BYTES`` (what one
# email may carry), each at most the cases' ``ATTACHMENT_MAX_BYTES``.
FILES_MAX = 10
DESCRIPTION_MAX_LENGTH = 20_000


def uploads_check(files: Sequence[UploadedFile[bytes]]) -> None:
    """Refuse (``ValidationError`` on ``files``) more than ``FILES_MAX`` files, more than
    ``ATTACHMENTS_MAX_BYTES`` together, an empty or too big file, and a file whose content is
    not what its name says (``documents.sniffing``: "invoice.pdf" holding HTML, a zip bomb).
    Each accepted file's content type is set to the sniffed one, so the claimed type is never
    stored."""
    if len(files) > FILES_MAX:
        raise ValidationError(
            {"files": _("Attach at most %(count)d files at once.") % {"count": FILES_MAX}},
            code="too_many",
        )
    total = sum(upload.size or 0 for upload in files)
    if total > ATTACHMENTS_MAX_BYTES:
        raise ValidationError(
            {
                "files": _("The files have %(size)s together; at most %(limit)s may be attached.")
                % {"size": filesizeformat(total), "limit": filesizeformat(ATTACHMENTS_MAX_BYTES)}
            },
            code="too_big",
        )
    for upload in files:
        name = file_name_clean(upload.name or "") or _("attachment")
        size = upload.size or 0
        if size == 0:
            raise ValidationError(
                {"files": _("“%(name)s” is empty.") % {"name": name}}, code="empty"
            )
        if size > ATTACHMENT_MAX_BYTES:
            raise ValidationError(
                {
                    "files": _("“%(name)s” has %(size)s; a file may have up to %(limit)s.")
                    % {
                        "name": name,
                        "size": filesizeformat(size),
                        "limit": filesizeformat(ATTACHMENT_MAX_BYTES),
                    }
                },
                code="too_big",
            )
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            sniffed = sniffing.sniff(name, data)
        except sniffing.RefusedFile as refusal:
            raise ValidationError({"files": str(refusal)}, code="refused") from refusal
        upload.content_type = sniffed.content_type


def _attach(case: Case, by: User, files: Sequence[UploadedFile[bytes]]) -> None:
    for upload in files:
        case_attachment_add(case=case, by=by, file=upload, shared=True)


def _as_customer_message(case: Case, by: User) -> Case:
    """Move the case as a customer's email moves it (``mail.receiving.inbound``): to the
    status of the case settings for a customer's message, unless it is there already; the
    change comes "with a message" (the comment is the news, not the status)."""
    incoming = case_settings().incoming_status
    if incoming is None or case.status_id == incoming.pk:
        return case
    return case_update(
        case=case, by=by, data={"status": incoming}, with_message=Message.Direction.INBOUND
    )


@transaction.atomic
def portal_case_create(
    *,
    contact: Contact,
    by: User,
    subject: str,
    description: str,
    case_type: CaseType | None,
    files: Sequence[UploadedFile[bytes]] = (),
    draft: str = "",
) -> Case:
    """A case the contact creates in the portal (their role must allow it, else
    ``PermissionDenied``): channel ``portal``, the contact its reporter and contact, their
    customer its customer, not assigned (workflow rules on "created by a portal user" may
    assign it and tell people), the other lists at their defaults. The files are checked
    (``uploads_check``) before anything is written; ``by`` follows the case; the knowledge
    base learns that the suggestions opened in ``draft`` did not answer the question."""
    role = contact.portal_role
    if role is None or not role.may_create_cases:
        raise PermissionDenied
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": _("A description holds at most %(limit)s characters.")
                % {"limit": DESCRIPTION_MAX_LENGTH}
            },
            code="max_length",
        )
    uploads_check(files)
    data: dict[str, object] = {"description": description.strip(), "reporter": contact}
    if case_type is not None:
        data["case_type"] = case_type
    case = case_create(
        by=by,
        subject=subject[:255],
        account=contact.account,
        contacts=[contact],
        data=data,
        channel=Case.Channel.PORTAL,
    )
    _attach(case, by, files)
    case_follow(case=case, user=by)
    suggestion_openings_case_created(draft=draft, case=case)
    return case


@transaction.atomic
def portal_reply_add(
    *, case: Case, by: User, text: str, files: Sequence[UploadedFile[bytes]] = ()
) -> CaseNote:
    """The portal user's reply: a public comment by ``by`` with its files. It moves the case
    as a customer's email does (``_as_customer_message``: a closed case reopens), reaches the
    rules and the followers through the happenings, and ``by`` follows the case. Raises
    ``ValidationError`` for an empty or too long text and unacceptable files."""
    uploads_check(files)
    note = case_note_add(case=case, by=by, text=text, internal=False)
    _attach(case, by, files)
    case_follow(case=case, user=by)
    _as_customer_message(case, by)
    return note


def closing_status() -> Status | None:
    """The status a portal user's "close" sets: the first status (by the list's order) that
    closes a case."""
    return Status.objects.filter(closes_case=True).order_by("position", "name").first()


def reopening_status() -> Status | None:
    """The status "reopen" sets: the one a customer's message sets (case settings), else the
    default status, else the first status that does not close a case."""
    incoming = case_settings().incoming_status
    if incoming is not None and not incoming.closes_case:
        return incoming
    default = Status.objects.filter(is_default=True, closes_case=False).first()
    if default is not None:
        return default
    return Status.objects.filter(closes_case=False).order_by("position", "name").first()


@transaction.atomic
def portal_case_close(*, contact: Contact, case: Case, by: User) -> Case:
    """Close the case (``closing_status``) if the contact's role may close cases (else
    ``PermissionDenied``); a closed case stays as it is."""
    return _set_closed(contact=contact, case=case, by=by, closed=True)


@transaction.atomic
def portal_case_reopen(*, contact: Contact, case: Case, by: User) -> Case:
    """Reopen a closed case (``reopening_status``) if the contact's role may (else
    ``PermissionDenied``); an open case stays as it is."""
    return _set_closed(contact=contact, case=case, by=by, closed=False)


def _set_closed(*, contact: Contact, case: Case, by: User, closed: bool) -> Case:
    role = contact.portal_role
    if role is None or not role.may_close_cases:
        raise PermissionDenied
    if case.status.closes_case == closed:
        return case
    status = closing_status() if closed else reopening_status()
    if status is None:
        raise ValidationError(
            _("No status fits; an administrator sets the case statuses up."), code="no_status"
        )
    case = case_update(case=case, by=by, data={"status": status})
    case_follow(case=case, user=by)
    return case
