"""Ignored mail: what was set aside as automatic stays findable, and can go to triage.

Only true auto-replies naming no case, our own mail come back and second copies are ignored
(``mail.reading.threading``); an administrator checks here that nothing a person wrote was lost.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kartoteka.core.access import administrator_required
from kartoteka.core.pagination import CappedPaginator
from kartoteka.mail import selectors
from kartoteka.mail.models import Message
from kartoteka.mail.triage.services import ignored_message_to_triage
from kartoteka.people.access import StaffRequest

PER_PAGE = 50


def why_ignored(message: Message) -> str:
    """The reason a message was set aside, in the reader's language."""
    if message.reason.startswith("duplicate of message"):
        return _("A second copy of a message already stored")
    if message.reason.startswith(("sent by our own mailbox", "our own message came back")):
        return _("Our own mail, come back")
    if message.reason.startswith("archive:"):
        return _("Set aside by an archive mailbox: a bounce or an automatic reply")
    if message.auto_reply:
        return _("An automatic reply that names no case")
    return message.reason


@administrator_required
@require_GET
def ignored_list(request: StaffRequest) -> HttpResponse:
    page = CappedPaginator(selectors.ignored_list(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(message, why_ignored(message)) for message in page.object_list]
    context = {"nav": "mailboxes", "page_obj": page, "rows": rows}
    return render(request, "mail/ignored_list.html", context)


@administrator_required
@require_POST
def ignored_to_triage(request: StaffRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.ignored_list(request.user), pk=pk)
    try:
        ignored_message_to_triage(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("“%(subject)s” waits in the triage inbox.")
            % {"subject": message.subject or _("(no subject)")},
        )
    return redirect("mail:ignored-list")
