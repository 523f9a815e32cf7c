"""The case page's own actions: a property edited in place, the conversation's order, printing.

A property's form is an htmx fragment swapped into the properties panel; without a script the
same URLs answer with the whole case page (the form shown in place) and a redirect after saving.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.cases import history, selectors, services
from kartoteka.cases.forms import EDITABLE_PROPERTIES, CasePropertyForm
from kartoteka.cases.models import Case
from kartoteka.core.access import case_worker_required
from kartoteka.desk.views.case_page import (
    PROPERTIES,
    allow_remote_images,
    mailbox_context,
    render_case,
)
from kartoteka.mail import conversation, customer_side, mailboxes
from kartoteka.mail.forms import case_mailbox
from kartoteka.mail.forms.case_mailbox import CaseMailboxForm
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import User
from kartoteka.people.services import user_conversation_order_set

LABELS = dict(PROPERTIES)


def _render_property(
    request: StaffRequest,
    case: Case,
    name: str,
    *,
    form: CasePropertyForm | CaseMailboxForm | None,
    saved: bool,
) -> HttpResponse:
    """The property's row (with its form when ``form``); after a save also the page's header
    and a toast, swapped out of band."""
    context = {
        "case": case,
        "name": name,
        "label": LABELS[name],
        "editing": form,
        "can_edit": True,
        "can_delete": selectors.case_can_delete(request.user),
        "saved": saved,
        **mailbox_context(case),
    }
    return render(request, "desk/case_property.html", context)


@case_worker_required
@require_http_methods(["GET", "POST"])
def case_property(request: StaffRequest, number: int, name: str) -> HttpResponse:
    """Change one property through ``case_update`` (which records it in the history)."""
    if name == case_mailbox.NAME:
        return _case_mailbox(request, number)
    if name not in EDITABLE_PROPERTIES:
        raise Http404
    case = selectors.case_get_for_user(request.user, number, write=True)
    if request.method == "GET" and "cancel" in request.GET:
        return _render_property(request, case, name, form=None, saved=False)
    data = request.POST if request.method == "POST" else None
    form = CasePropertyForm(data, user=request.user, case=case, name=name)
    if form.is_valid():
        try:
            services.case_update(case=case, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            case = selectors.case_get_for_user(request.user, number)
            if request.htmx:
                return _render_property(request, case, name, form=None, saved=True)
            messages.success(request, _("%(property)s saved.") % {"property": LABELS[name]})
            return redirect(f"{case.get_absolute_url()}#property-{name}")
    # Shown again from the database: a refused change leaves nothing behind.
    case = selectors.case_get_for_user(request.user, number)
    if request.htmx:
        # htmx swaps only successful responses, so a form with errors comes back as 200.
        return _render_property(request, case, name, form=form, saved=False)
    status = 400 if form.is_bound else 200
    return render_case(request, case, status=status, editing=form)


def _case_mailbox(request: StaffRequest, number: int) -> HttpResponse:
    """The mailbox property: ``mail.mailboxes.case_mailbox_set`` (recorded in the history)."""
    name = case_mailbox.NAME
    case = selectors.case_get_for_user(request.user, number, write=True)
    if request.method == "GET" and "cancel" in request.GET:
        return _render_property(request, case, name, form=None, saved=False)
    data = request.POST if request.method == "POST" else None
    form = CaseMailboxForm(data, case=case)
    if form.is_valid():
        try:
            mailboxes.case_mailbox_set(case=case, mailbox=form.cleaned_data[name], by=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if request.htmx:
                return _render_property(request, case, name, form=None, saved=True)
            messages.success(request, _("%(property)s saved.") % {"property": LABELS[name]})
            return redirect(f"{case.get_absolute_url()}#property-{name}")
    if request.htmx:
        return _render_property(request, case, name, form=form, saved=False)
    status = 400 if form.is_bound else 200
    return render_case(request, case, status=status, editing=form)


@case_worker_required
@require_POST
def case_conversation_order(request: StaffRequest, number: int) -> HttpResponse:
    """Remember whether the reader wants the newest message first, on every case."""
    case = conversation.case_get_with_messages(request.user, number)
    order = request.POST.get("order", "")
    if order not in User.ConversationOrder.values:
        return HttpResponse(_("Choose the oldest or the newest first."), status=400)
    user_conversation_order_set(user=request.user, order=order)
    if not request.htmx:
        return redirect(f"{case.get_absolute_url()}#conversation")
    newest_first = order == User.ConversationOrder.NEWEST_FIRST
    context = {
        "case": case,
        "cards": conversation.case_conversation(case, newest_first=newest_first),
        "newest_first": newest_first,
    }
    return allow_remote_images(render(request, "desk/case_page.html#conversation", context))


@case_worker_required
@require_GET
def case_print(request: StaffRequest, number: int) -> HttpResponse:
    """The whole case on paper: properties, every email in full, notes and the history.

    ``?for=customer`` prints what the customer's side may read: the emails they have
    (``mail.customer_side``), public comments, the customer-facing properties; no internal
    note, no email to a third party, no staff-only field and no history."""
    case = conversation.case_get_with_messages(request.user, number)
    for_customer = request.GET.get("for") == "customer"
    emails = list(case.messages.all())
    notes = list(case.notes.all())
    if for_customer:
        emails = customer_side.seen_by_customer_side(case, emails)
        notes = [note for note in notes if not note.internal]
    context = {
        "nav": "cases",
        "case": case,
        "tag": case.tag(services.case_settings().prefix),
        "for_customer": for_customer,
        "emails": emails,
        "notes": notes,
        "entries": [] if for_customer else history.case_history(case),
    }
    return render(request, "desk/case_print.html", context)
