"""The case page: properties, the conversation, the stream and the history in one page; the
news of the case is read when it opens. The in-place edits, the conversation order and the
print view are in ``views.page``.

It lives in the desk because it shows several domains: the case (``cases``), its emails
(``mail.conversation``) and the reader's notifications (``notifications``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kartoteka.activities.selectors import CaseActivities, case_activities
from kartoteka.cases import selectors, services
from kartoteka.cases.forms import (
    EDITABLE_PROPERTIES,
    AttachmentForm,
    CaseForm,
    CasePropertyForm,
    NoteForm,
)
from kartoteka.cases.models import Case, CaseAttachment
from kartoteka.cases.stream import case_stream
from kartoteka.core.access import case_worker_required
from kartoteka.mail import conversation, mailboxes
from kartoteka.mail.forms import case_mailbox
from kartoteka.mail.sending.outbox_selectors import case_outbox
from kartoteka.notifications.services import notifications_mark_read_for_case
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import User

# (name, label) of the properties edited in place, in the panel's order; the last, the
# mailbox the case's mail goes out from, is the mail app's (``mail.forms.case_mailbox``).
PROPERTIES = [
    *((name, CaseForm.base_fields[name].label) for name in EDITABLE_PROPERTIES),
    (case_mailbox.NAME, gettext_lazy("Mailbox")),
]


def mailbox_context(case: Case) -> dict[str, Any]:
    """What the panel shows of the case's mailbox: its own, else the default one."""
    mailbox, own = mailboxes.case_mailbox_shown(case)
    return {"case_mailbox": mailbox if own else None, "default_mailbox": None if own else mailbox}


def render_case(
    request: StaffRequest,
    case: Case,
    status: int = 200,
    editing: CasePropertyForm | case_mailbox.CaseMailboxForm | None = None,
    **forms: Any,
) -> HttpResponse:
    """The case page; ``editing`` shows that property's form in place (the no-script path)."""
    # The conversation: a no-op when the case was fetched with its messages.
    prefetch_related_objects([case], conversation.case_messages_prefetch())
    newest_first = request.user.conversation_order == User.ConversationOrder.NEWEST_FIRST
    activities = case_activities(request.user, case)
    context = {
        "nav": "cases",
        "case": case,
        "tag": case.tag(services.case_settings().prefix),
        "can_delete": selectors.case_can_delete(request.user),
        "can_edit": request.user.works_with_cases,
        "properties": PROPERTIES,
        "editing": editing,
        "cards": conversation.case_conversation(case, newest_first=newest_first),
        "newest_first": newest_first,
        "tree": case_tree(case, activities, newest_first=newest_first),
        "stream": case_stream(case, user=request.user),
        "note_form": forms.get("note_form") or NoteForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "activities": activities,
        "outbox": case_outbox(case=case, user=request.user),  # failed replies, pending status
        **mailbox_context(case),
    }
    return allow_remote_images(render(request, "desk/case_page.html", context, status=status))


def case_tree(
    case: Case, activities: CaseActivities, *, newest_first: bool
) -> list[conversation.TreeItem]:
    """The conversation's tree with the case's calls, meetings and other events in their
    places (those of the Activities card: no query of their own)."""
    tree = conversation.case_tree(case, newest_first=newest_first)
    tree += [
        conversation.TreeItem(
            kind="activity",
            when=event.starts_at,
            label=event.event_type.local_name
            + (f": {Truncator(event.result).chars(60)}" if event.result else ""),
            who=str(event.author or ""),
            url=event.get_absolute_url(),
            icon=event.event_type.icon,
        )
        for event in activities.events
    ]
    tree.sort(key=lambda item: item.when, reverse=newest_first)
    return tree


def allow_remote_images[R: HttpResponseBase](response: R) -> R:
    """The case page's policy also lets ``https:`` images load: those a reader asked to see
    (``mail.display`` keeps every remote image unloaded until then). Scripts stay ``'self'``."""
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    policy["img-src"] = [*policy.get("img-src", []), "https:"]
    response._csp_config = policy  # type: ignore[attr-defined]  # as csp_override sets it
    return response


@case_worker_required
@require_GET
def case_detail(request: StaffRequest, number: int) -> HttpResponse:
    case = conversation.case_get_with_messages(request.user, number)
    notifications_mark_read_for_case(user=request.user, case=case)  # the news is read here
    return render_case(request, case)


@case_worker_required
@require_POST
def case_note_add(request: StaffRequest, number: int) -> HttpResponse:
    """Post an internal note or a public comment to the case's stream."""
    case = selectors.case_get_for_user(request.user, number, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.case_note_add(
                case=case,
                by=request.user,
                text=form.cleaned_data["text"],
                internal=form.cleaned_data["internal"],
            )
        except ValidationError as error:
            form.add_error("text", error.messages)
        else:
            if not request.htmx:
                messages.success(
                    request, _("Internal note added.") if note.internal else _("Comment added.")
                )
                return redirect(f"{case.get_absolute_url()}#note-{note.pk}")
            case, form = selectors.case_get_for_user(request.user, number), NoteForm()
    if request.htmx:
        # htmx swaps only successful responses, so a form with errors comes back as 200.
        context = {
            "case": case,
            "note_form": form,
            "stream": case_stream(case, user=request.user),
        }
        return render(request, "desk/case_page.html#notes", context)
    return render_case(request, case, status=400, note_form=form)


@case_worker_required
@require_POST
def case_attachment_add(request: StaffRequest, number: int) -> HttpResponse:
    case = selectors.case_get_for_user(request.user, number, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.case_attachment_add(
                case=case,
                by=request.user,
                file=form.cleaned_data["file"],
                shared=form.cleaned_data["shared"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(name)s attached.") % {"name": attachment.name})
            return redirect(case)
    return render_case(request, case, status=400, attachment_form=form)


@case_worker_required
@require_POST
def case_attachment_share(request: StaffRequest, number: int, pk: int) -> HttpResponse:
    """Show a file of the case to the customer in the portal (``shared=1``), or hide it."""
    case = selectors.case_get_for_user(request.user, number, write=True)
    attachment = get_object_or_404(
        CaseAttachment.objects.visible_to(request.user).filter(case=case), pk=pk
    )
    shared = request.POST.get("shared") == "1"
    services.case_attachment_share(attachment=attachment, shared=shared)
    if shared:
        messages.success(
            request, _("%(name)s is shown to the customer.") % {"name": attachment.name}
        )
    else:
        messages.success(
            request, _("%(name)s is hidden from the customer.") % {"name": attachment.name}
        )
    return redirect(case)
