"""The composer of a new email to an account or a contact (``?account=<pk>``, ``?contact=<pk>``).

It is the case composer's form and template without a case: sending creates the case with
the email as its first message (``new_case.case_open_by_email``), once per form
(``submit_once``), and goes to the case. There is no draft before the case exists.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from kartoteka.core.access import case_worker_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.customers.selectors import account_get_for_user, contact_get_for_user
from kartoteka.mail.forms.compose import ComposeForm
from kartoteka.mail.models import Draft
from kartoteka.mail.sending.new_case import (
    Addressee,
    addressee_recipients,
    case_open_by_email,
    new_email_mailbox,
    new_email_status,
)
from kartoteka.mail.views.compose import TEMPLATE, composer_context
from kartoteka.people.access import StaffRequest

KIND = Draft.Kind.REPLY


def _pk(raw: str) -> int:
    if not raw.isdigit():
        raise Http404
    return int(raw)


def _addressee(request: StaffRequest) -> tuple[Addressee, str]:
    """Whom the email is for (404 when the user may not see them) and its query string."""
    if "contact" in request.GET:
        pk = _pk(request.GET["contact"])
        contact = contact_get_for_user(request.user, pk)
        return Addressee.of_contact(contact), f"contact={pk}"
    if "account" in request.GET:
        pk = _pk(request.GET["account"])
        return Addressee(account=account_get_for_user(request.user, pk)), f"account={pk}"
    raise Http404


def _render(
    request: StaffRequest, addressee: Addressee, query: str, form: ComposeForm, status: int = 200
) -> HttpResponse:
    context = {
        "nav": "contacts" if addressee.contact is not None else "accounts",
        "addressee": addressee,
        "action": f"{reverse('mail:compose-new')}?{query}",
        "kind": KIND,
        "kind_label": _("New email"),
        # A refused send shows the form again; the browser forgets the chosen files.
        "files_lost": bool(request.FILES),
        **composer_context(form, request.user),
    }
    template = f"{TEMPLATE}#composer" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


@case_worker_required
@require_http_methods(["GET", "POST"])
def new_email_view(request: StaffRequest) -> HttpResponse:
    addressee, query = _addressee(request)
    if request.method == "GET":
        initial = {
            "kind": KIND,
            "mailbox": new_email_mailbox(),
            "to": addressee_recipients(addressee),
            "status": new_email_status(),
        }
        form = ComposeForm(initial=initial, replying_to=None, kind=KIND, draft=None)
        return _render(request, addressee, query, form)
    form = ComposeForm(request.POST, replying_to=None, kind=KIND, draft=None)
    if form.is_valid():
        outgoing = form.outgoing(uploads=request.FILES.getlist("files"))

        def send() -> str:
            case, _message = case_open_by_email(
                by=request.user, addressee=addressee, outgoing=outgoing
            )
            return case.get_absolute_url()

        try:
            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=send
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            announce_creation(request, created, _("Case opened; the email is queued for sending."))
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _render(request, addressee, query, form, status=200 if request.htmx else 400)
