"""The administrator's mailbox pages: list, create, edit, delete, test the connection, fetch.

The list of messages that could not be read shows each with its error and a "Reprocess"
button that reads it again (``mail.receiving.reprocess``) after a fix.

"Test connection" checks the values in the form, saved or not (an empty password field means
the stored password), and answers htmx with the step list partial. "Fetch now" enqueues the
fetch; the list shows its time and error when it finished.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.access import administrator_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.mail import mailboxes, selectors
from kartoteka.mail.forms.mailboxes import MailboxCreateForm, MailboxForm
from kartoteka.mail.mailbox_check import connection_test
from kartoteka.mail.models import Mailbox
from kartoteka.mail.receiving.inbound import TemporaryFailure
from kartoteka.mail.receiving.reprocess import message_reprocess
from kartoteka.mail.receiving.tasks import fetch_mailbox_now
from kartoteka.people.access import StaffRequest

FORM_TEMPLATE = "mail/mailbox_form.html"


@administrator_required
@require_GET
def mailbox_list(request: HttpRequest) -> HttpResponse:
    context = {"nav": "mailboxes", "mailboxes": mailboxes.mailbox_list()}
    return render(request, "mail/mailbox_list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def mailbox_create(request: StaffRequest) -> HttpResponse:
    form = MailboxCreateForm(request.POST or None)
    if form.is_valid():
        data = form.service_data()

        def create() -> str:
            mailboxes.mailbox_create(**data)
            return reverse("mail:mailbox-list")

        try:
            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=create
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            announce_creation(
                request, created, _("Mailbox %(name)s added.") % {"name": data["name"]}
            )
            return redirect(url)
    return render(request, FORM_TEMPLATE, {"nav": "mailboxes", "form": form})


@administrator_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk)
    form = MailboxForm(request.POST or None, instance=mailbox)
    if form.is_valid():
        try:
            saved = mailboxes.mailbox_update(mailbox=mailbox, **form.service_data())
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Mailbox %(name)s saved.") % {"name": saved.name})
            return redirect("mail:mailbox-list")
    mailbox = get_object_or_404(Mailbox, pk=pk)
    context = {"nav": "mailboxes", "form": form, "mailbox": mailbox}
    return render(request, FORM_TEMPLATE, context)


@administrator_required
@require_http_methods(["GET", "POST"])
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk)
    if request.method == "POST":
        successor = mailboxes.mailbox_delete(mailbox=mailbox)
        text = _("Mailbox %(name)s deleted.") % {"name": mailbox.name}
        if successor is not None:
            text += " " + _("%(name)s is now the default.") % {"name": successor.name}
        messages.success(request, text)
        return redirect("mail:mailbox-list")
    context = {
        "nav": "mailboxes",
        "mailbox": mailbox,
        "message_count": mailbox.messages.count(),
    }
    return render(request, "mail/mailbox_confirm_delete.html", context)


@administrator_required
@require_POST
def mailbox_test(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Check the servers as the form describes them, without saving anything."""
    stored = get_object_or_404(Mailbox, pk=pk) if pk is not None else Mailbox()
    form = MailboxForm(request.POST, instance=copy.copy(stored))
    context: dict[str, object] = {"steps": [], "form_errors": []}
    if form.is_valid() or _connection_fields_valid(form):
        candidate = form.instance
        if form.cleaned_data.get("clear_password"):
            candidate.password_encrypted = ""
        elif form.cleaned_data.get("password"):
            candidate.password = form.cleaned_data["password"]
        if form.cleaned_data.get("clear_smtp_password"):
            candidate.smtp_password_encrypted = ""
        elif form.cleaned_data.get("smtp_password"):
            candidate.smtp_password = form.cleaned_data["smtp_password"]
        steps = connection_test(candidate)
        context["steps"] = steps
        context["steps_failed"] = not all(step.ok for step in steps)
    else:
        context["form_errors"] = [
            f"{_label(form, name)}: {' '.join(map(str, errors))}"
            for name, errors in form.errors.items()
        ]
    return render(request, f"{FORM_TEMPLATE}#connection-test", context)


def _label(form: MailboxForm, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else _("Form")


CONNECTION_FIELDS = {
    "protocol", "host", "port", "security", "login", "imap_folder",
    "smtp_host", "smtp_port", "smtp_security", "smtp_login",
}  # fmt: skip


def _connection_fields_valid(form: MailboxForm) -> bool:
    """A form whose other fields are not filled in yet can still test its servers."""
    return not CONNECTION_FIELDS & set(form.errors)


@administrator_required
@require_POST
def mailbox_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(Mailbox, pk=pk)
    result = fetch_mailbox_now.enqueue(mailbox.pk)
    if result.is_finished:
        mailbox.refresh_from_db()
        if mailbox.last_fetch_error:
            messages.error(request, mailbox.last_fetch_error)
        else:
            messages.success(request, _("Mailbox %(name)s fetched.") % {"name": mailbox.name})
    else:
        messages.info(
            request,
            _("Fetching %(name)s in the background; the list shows when it finished.")
            % {"name": mailbox.name},
        )
    return redirect("mail:mailbox-list")


@administrator_required
@require_GET
def unparsable_list(request: StaffRequest) -> HttpResponse:
    """Received messages that could not be read (or wait in triage with an error)."""
    context = {"nav": "mailboxes", "messages_list": selectors.unparsable_list(request.user)[:500]}
    return render(request, "mail/unparsable_list.html", context)


@administrator_required
@require_POST
def message_reprocess_view(request: StaffRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(selectors.unparsable_list(request.user), pk=pk)
    try:
        receipt = message_reprocess(message=message, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except TemporaryFailure as error:
        messages.error(
            request, _("Reprocessing failed, try again later: %(error)s") % {"error": error}
        )
    else:
        if receipt.action == "unparsable":
            messages.error(request, _("The message still cannot be read."))
        elif receipt.case_number is not None:
            messages.success(
                request,
                _("The message was read again and placed in case %(number)s.")
                % {"number": receipt.case_number},
            )
        else:
            messages.success(
                request,
                _("The message was read again: %(reason)s") % {"reason": receipt.reason},
            )
    return redirect("mail:unparsable-list")
