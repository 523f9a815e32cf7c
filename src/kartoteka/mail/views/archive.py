"""A message filed to a customer without a case (by an archive mailbox): its page, and
turning it into a case of that customer.

The Correspondence tab and the timeline link here; mail in a case is shown in its case and
triage mail in the triage wizard, so those are redirected there.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.cases.candidates import case_candidate_get
from kartoteka.core.access import case_worker_required
from kartoteka.mail import display, selectors
from kartoteka.mail.merge import MessageMovedError
from kartoteka.mail.models import Message
from kartoteka.mail.triage import services as triage
from kartoteka.people.access import StaffRequest


@case_worker_required
@require_GET
def message_detail(request: StaffRequest, pk: int) -> HttpResponse:
    message = selectors.message_get_for_user(request.user, pk)
    if message.case is not None:
        return redirect(f"{message.case.get_absolute_url()}#message-{message.pk}")
    if message.state in (Message.State.TRIAGE, Message.State.DISCARDED):
        return redirect("mail:triage-message", pk=pk)
    attachments = message.attachments.all()
    context = {
        "nav": "customers",
        "message": message,
        "message_html": display.message_display(message, attachments).html,
        "attachments": attachments,
    }
    return render(request, "mail/message_detail.html", context)


@case_worker_required
@require_POST
def message_to_case(request: StaffRequest, pk: int) -> HttpResponse:
    """Turn a filed message into a new case of its customer (404 for one the user may not
    see or one filed to no customer)."""
    message = selectors.message_get_for_user(request.user, pk)
    if message.account is None or (
        message.case is None and message.state != Message.State.ARCHIVED
    ):
        raise Http404
    try:
        case = triage.archived_case_create(message=message, by=request.user)
    except MessageMovedError as error:
        messages.info(request, " ".join(error.messages))
        moved_to = (
            case_candidate_get(request.user, error.case_number)
            if error.case_number is not None
            else None
        )
        return redirect(moved_to) if moved_to is not None else redirect(message.account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("mail:message-detail", pk=pk)
    text = _("Case #%(number)s created for %(account)s from the message.")
    messages.success(request, text % {"number": case.number, "account": case.account})
    return redirect(case)
