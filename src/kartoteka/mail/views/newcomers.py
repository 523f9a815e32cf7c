"""The message card's "not part of this case": a reply that brought a new participant into its
case (see ``reading.threading``) goes back to the triage inbox, and the participant with it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kartoteka.core.access import case_worker_required
from kartoteka.mail import selectors
from kartoteka.mail.triage import services as triage
from kartoteka.people.access import StaffRequest


@case_worker_required
@require_POST
def message_not_in_case(request: StaffRequest, pk: int) -> HttpResponse:
    """404 for a message the user may not see, or one that brought no one into a case."""
    message = selectors.message_get_for_user(request.user, pk)
    case = message.case
    if case is None or not message.newcomer:
        raise Http404
    try:
        triage.newcomer_reject(message=message, by=request.user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect(case)
    text = _(
        "The message went to triage; %(address)s is no longer a participant of case #%(number)s."
    )
    messages.success(request, text % {"address": message.from_address, "number": case.number})
    return redirect(case)
