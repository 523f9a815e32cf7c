"""The triage inbox, its wizard for one message, and moving a message to another case or into
a new one of its own.

The wizard is one page (``triage_message``) whose steps are GET parameters, so it works
without JavaScript and htmx only swaps its parts: ``account_q``/``case_q`` search customers
and cases, ``account=<id>`` and ``case=<number>`` open the form that places the message there.
Every action is a POST to its own small view calling one service of ``mail.triage`` or
``cases.merge``; a message placed by someone else meanwhile is answered with a toast saying
where it went, and nothing is done twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.cases.candidates import case_candidate_get, case_candidates
from kartoteka.cases.models import Case
from kartoteka.core.access import case_worker_required
from kartoteka.core.lists import render_list
from kartoteka.core.pagination import CappedPaginator
from kartoteka.customers.models import Account, Contact
from kartoteka.mail import display, merge, selectors
from kartoteka.mail.forms.triage import (
    MessageMoveForm,
    MessageSplitForm,
    TriageAppendForm,
    TriageNewCaseForm,
    TriageRememberForm,
)
from kartoteka.mail.merge import MessageMovedError, case_from_message
from kartoteka.mail.models import DISCARD_KEPT_DAYS, Message
from kartoteka.mail.reading.threading import clean_subject
from kartoteka.mail.triage import services as triage
from kartoteka.people.access import StaffRequest

PAGE_SIZE = 50


def _moved(request: StaffRequest, error: MessageMovedError) -> HttpResponse:
    """The toast for a message no longer where the user saw it, and the way to where it is."""
    messages.info(request, " ".join(error.messages))
    if error.case_number is not None:
        case = case_candidate_get(request.user, error.case_number)
        if case is not None:
            return redirect(case)
    return redirect("mail:triage")


# The inbox


@case_worker_required
@require_GET
def triage_list(request: StaffRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    discarded = request.GET.get("show") == "discarded"
    found = selectors.triage_inbox(request.user, query=query, discarded=discarded)
    context = {
        "nav": "triage",
        "query": query,
        "discarded": discarded,
        "kept_days": DISCARD_KEPT_DAYS,
        "page_obj": CappedPaginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render_list(request, "mail/triage_list.html", context)


# The wizard


def _wizard(
    request: StaffRequest, message: Message, status: int = 200, **forms: Any
) -> HttpResponse:
    """The wizard page (or, for htmx, the part a search refreshes)."""
    user, params = request.user, request.GET
    owner = selectors.sender_owner(user, message)
    offer = not owner.known
    account_q, case_q = params.get("account_q", "")[:200], params.get("case_q", "")[:200]
    account = _visible_account(request, forms.get("new_case_form"))
    case = _visible_case(request, forms.get("append_form"))
    new_case_form = forms.get("new_case_form") or TriageNewCaseForm(
        user=user,
        message=message,
        account=account,
        offer=offer,
        initial={"subject": clean_subject(message.subject)[:255] or _("(no subject)")},
    )
    append_form = forms.get("append_form") or TriageAppendForm(
        user=user, message=message, case=case, offer=offer
    )
    context = {
        "nav": "triage",
        "message": message,
        "message_html": display.message_display(message, message.attachments.all()).html,
        "owner": owner,
        "pointed_case": _pointed_case(request, message),
        "account_q": account_q,
        "case_q": case_q,
        "suggestions": selectors.account_suggestions(user, message) if not account_q else [],
        "accounts": selectors.account_search(user, account_q) if account_q else [],
        "cases": case_candidates(user, case_q) if case_q else [],
        "chosen_account": new_case_form.customer,
        "chosen_case": append_form.target,
        "chosen_case_messages": (
            selectors.case_message_previews(user, append_form.target)
            if append_form.target is not None
            else []
        ),
        "new_case_form": new_case_form,
        "append_form": append_form,
    }
    template = "mail/triage_message.html"
    if request.htmx and request.method == "GET":
        if "account_q" in params:
            template += "#account-results"
        elif "case_q" in params:
            template += "#case-results"
    return render(request, template, context, status=status)


def _visible_account(request: StaffRequest, bound: Any) -> Account | None:
    raw = request.GET.get("account", "")
    if bound is not None or not raw.isdigit():
        return None
    return Account.objects.visible_to(request.user).filter(pk=raw).first()


def _visible_case(request: StaffRequest, bound: Any, *, name: str = "case") -> Case | None:
    raw = request.GET.get(name, "").strip().lstrip("#")
    if bound is not None or not raw.isdigit() or len(raw) > 18:
        return None
    return case_candidate_get(request.user, int(raw))


def _pointed_case(request: StaffRequest, message: Message) -> Case | None:
    number = selectors.message_points_to_case(message)
    return case_candidate_get(request.user, number) if number is not None else None


def _waiting(request: StaffRequest, pk: int) -> Message:
    """The message of the wizard: 404 when hidden; one no longer waiting raises
    ``MessageMovedError`` (placed) or is shown as discarded."""
    message = selectors.message_get_for_user(request.user, pk)
    if message.direction != Message.Direction.INBOUND:
        raise Http404
    if message.case is not None:
        text = _("This message is already in case #%(number)s.") % {"number": message.case.number}
        raise MessageMovedError(text, case_number=message.case.number)
    if message.state not in (Message.State.TRIAGE, Message.State.DISCARDED):
        raise Http404
    return message


@case_worker_required
@require_GET
def triage_message(request: StaffRequest, pk: int) -> HttpResponse:
    try:
        message = _waiting(request, pk)
    except MessageMovedError as error:
        return _moved(request, error)
    if message.state == Message.State.DISCARDED:
        context = {"nav": "triage", "message": message, "kept_days": DISCARD_KEPT_DAYS}
        return render(request, "mail/triage_discarded.html", context)
    return _wizard(request, message)


@case_worker_required
@require_GET
def triage_case_messages(request: StaffRequest, number: int) -> HttpResponse:
    """The newest messages of a candidate case (an htmx part of the wizard)."""
    case = case_candidate_get(request.user, number)
    if case is None:
        raise Http404
    context = {"case": case, "previews": selectors.case_message_previews(request.user, case)}
    return render(request, "mail/triage_message.html#case-messages", context)


def _placing(request: StaffRequest, pk: int) -> Message | HttpResponse:
    try:
        message = _waiting(request, pk)
    except MessageMovedError as error:
        return _moved(request, error)
    if message.state != Message.State.TRIAGE:
        messages.info(request, _("This message was discarded as spam; restore it first."))
        return redirect("mail:triage-message", pk=pk)
    return message


def _step(
    request: StaffRequest,
    message: Message,
    form: TriageNewCaseForm | TriageRememberForm | TriageAppendForm,
    *,
    act: Callable[[], Any],
    done: Callable[[Any], HttpResponse],
    form_name: str,
) -> HttpResponse:
    """One step of the wizard: a valid form runs ``act`` (a service), whose result ``done``
    answers; a message placed meanwhile says where it went; a refusal shows the form again."""
    if form.is_valid():
        try:
            result = act()
        except MessageMovedError as error:
            return _moved(request, error)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return done(result)
    return _wizard(request, message, status=400, **{form_name: form})


@case_worker_required
@require_POST
def triage_case_create(request: StaffRequest, pk: int) -> HttpResponse:
    """(a) A new case of a customer holding the message (and maybe the address remembered)."""
    message = _placing(request, pk)
    if isinstance(message, HttpResponse):
        return message
    offer = not selectors.sender_owner(request.user, message).known
    form = TriageNewCaseForm(request.POST, user=request.user, message=message, offer=offer)

    def done(case: Case) -> HttpResponse:
        text = _("Case #%(number)s created for %(account)s from the message.")
        messages.success(request, text % {"number": case.number, "account": case.account})
        return redirect(case)

    return _step(
        request,
        message,
        form,
        act=lambda: triage.triage_case_create(
            message=message,
            by=request.user,
            account=form.cleaned_data["account"],
            subject=form.cleaned_data["subject"],
            **form.remember_arguments(),
        ),
        done=done,
        form_name="new_case_form",
    )


@case_worker_required
@require_POST
def triage_remember(request: StaffRequest, pk: int) -> HttpResponse:
    """(c) Only remember the sender's address on a customer; the message keeps waiting."""
    message = _placing(request, pk)
    if isinstance(message, HttpResponse):
        return message
    offer = not selectors.sender_owner(request.user, message).known
    form = TriageRememberForm(request.POST, user=request.user, message=message, offer=offer)
    if form.is_valid() and not form.offers_remembering:
        form.add_error(None, _("This address already belongs to someone."))

    def done(contact: Contact) -> HttpResponse:
        text = _("%(address)s remembered on %(name)s; mail from it is placed automatically.")
        messages.success(request, text % {"address": message.from_address, "name": contact})
        url = reverse("mail:triage-message", args=[pk])
        return redirect(f"{url}?account={contact.account_id}")

    arguments = form.remember_arguments() if form.is_valid() else {}
    return _step(
        request,
        message,
        form,
        act=lambda: triage.sender_address_remember(
            message=message,
            by=request.user,
            account=form.cleaned_data["account"],
            **{k: v for k, v in arguments.items() if k != "remember"},
        ),
        done=done,
        form_name="new_case_form",
    )


@case_worker_required
@require_POST
def triage_append(request: StaffRequest, pk: int) -> HttpResponse:
    """(b) The message appended to an existing case (and maybe the address remembered)."""
    message = _placing(request, pk)
    if isinstance(message, HttpResponse):
        return message
    offer = not selectors.sender_owner(request.user, message).known
    form = TriageAppendForm(request.POST, user=request.user, message=message, offer=offer)

    def done(case: Case) -> HttpResponse:
        messages.success(request, _("Message added to case #%(number)s.") % {"number": case.number})
        return redirect(case)

    return _step(
        request,
        message,
        form,
        act=lambda: triage.triage_case_append(
            message=message,
            by=request.user,
            case=form.cleaned_data["case"],
            **form.remember_arguments(),
        ),
        done=done,
        form_name="append_form",
    )


@case_worker_required
@require_POST
def triage_discard(request: StaffRequest, pk: int) -> HttpResponse:
    """(d) Discard as spam: kept for the days of ``DISCARD_KEPT_DAYS``, restorable."""
    message = _placing(request, pk)
    if isinstance(message, HttpResponse):
        return message
    try:
        triage.message_discard(message=message, by=request.user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect("mail:triage")
    text = _("Message discarded as spam; it can be restored from “Discarded” for %(days)s days.")
    messages.success(request, text % {"days": DISCARD_KEPT_DAYS})
    return redirect("mail:triage")


@case_worker_required
@require_POST
def triage_restore(request: StaffRequest, pk: int) -> HttpResponse:
    message = selectors.discarded_message_get_for_user(request.user, pk)
    try:
        triage.message_restore(message=message, by=request.user)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect(f"{reverse('mail:triage')}?show=discarded")
    messages.success(request, _("Message restored to the triage inbox."))
    return redirect("mail:triage-message", pk=pk)


# Moving a message, or making a case of it


def _movable(request: StaffRequest, pk: int) -> Message:
    """A message the user sees that is in a case, waits in triage or is filed to a customer
    without a case (else 404)."""
    message = selectors.message_get_for_user(request.user, pk)
    if message.case is None and message.state not in (
        Message.State.TRIAGE,
        Message.State.ARCHIVED,
    ):
        raise Http404
    return message


@case_worker_required
@require_http_methods(["GET", "POST"])
def message_move(request: StaffRequest, pk: int) -> HttpResponse:
    message = _movable(request, pk)
    source = message.case
    target = _visible_case(request, None, name="target")
    initial = {"source": source.number if source else None, "target": target and target.number}
    data = request.POST if request.method == "POST" else None
    form = MessageMoveForm(data, user=request.user, initial=initial)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            target = merge.message_move(
                message=message,
                target=target,
                by=request.user,
                from_case=form.cleaned_data["source"],
            )
        except MessageMovedError as error:
            return _moved(request, error)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Message moved to case #%(number)s.") % {"number": target.number}
            )
            if _other_customer(source, target):
                messages.warning(
                    request,
                    _("Note: case #%(number)s belongs to another customer.")
                    % {"number": target.number},
                )
            return redirect(target)
    if form.is_bound:
        target = form.cleaned_data.get("target")
    query = request.GET.get("q", "")[:200]
    context = {
        "nav": "cases" if source else "triage",
        "message": message,
        "source": source,
        "form": form,
        "target": target,
        "other_customer": target is not None and _other_customer(source, target),
        "q": query,
        "cases": case_candidates(request.user, query, exclude=source) if query else [],
        "picker_url": reverse("mail:message-move", args=[message.pk]),
        "picker_label": _("Find the case by number, subject or customer"),
    }
    if request.htmx and request.method == "GET" and "q" in request.GET:
        return render(request, "cases/case_picker.html#case-results", context)
    return render(request, "mail/message_move.html", context, status=form.status_code)


def _other_customer(source: Case | None, target: Case) -> bool:
    return (
        source is not None
        and source.account_id is not None
        and target.account_id is not None
        and source.account_id != target.account_id
    )


@case_worker_required
@require_http_methods(["GET", "POST"])
def message_split(request: StaffRequest, pk: int) -> HttpResponse:
    """A new case made by hand from one message (of triage, or split off its case)."""
    message = _movable(request, pk)
    source = message.case
    reload_url = reverse("mail:message-split", args=[pk])
    if request.method == "POST":
        form = MessageSplitForm(request.POST, user=request.user, reload_url=reload_url)
    else:
        account, contacts = _split_defaults(request, message)
        subject = request.GET.get("subject", "")[:255].strip()
        form = MessageSplitForm(
            user=request.user,
            account=account,
            reload_url=reload_url,
            initial={
                "source": source.number if source else None,
                "subject": subject or clean_subject(message.subject)[:255] or _("(no subject)"),
                "account": account,
                "contacts": contacts,
            },
        )
        if request.htmx and "account" in request.GET:
            return render(request, "mail/message_split.html#people", {"form": form})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_from_message(
                message=message,
                by=request.user,
                from_case=data["source"],
                subject=data["subject"],
                account=data["account"],
                contacts=data["contacts"],
            )
        except MessageMovedError as error:
            return _moved(request, error)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Case #%(number)s created from the message.") % {"number": case.number}
            )
            return redirect(case)
    context = {
        "nav": "cases" if source else "triage",
        "message": message,
        "source": source,
        "form": form,
    }
    return render(request, "mail/message_split.html", context, status=form.status_code)


def _split_defaults(
    request: StaffRequest, message: Message
) -> tuple[Account | None, list[Contact]]:
    """The customer offered first (chosen in the page, else the source case's, else the
    sender's) and the sender's contact when it is one of that customer's."""
    user = request.user
    accounts = Account.objects.visible_to(user)
    raw = request.GET.get("account")
    owner = selectors.sender_owner(user, message)
    if raw is not None:
        account = accounts.filter(pk=raw).first() if raw.isdigit() else None
    elif message.case is not None and message.case.account_id is not None:
        account = accounts.filter(pk=message.case.account_id).first()
    elif message.account_id is not None:  # filed to a customer without a case
        account = accounts.filter(pk=message.account_id).first()
    elif owner.contact is not None and owner.contact.account_id is not None:
        account = accounts.filter(pk=owner.contact.account_id).first()
    else:
        account = owner.account
    contacts = (
        [owner.contact]
        if owner.contact is not None
        and account is not None
        and owner.contact.account_id == account.pk
        else []
    )
    return account, contacts
