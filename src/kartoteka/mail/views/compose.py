"""The composer: reply, reply-all and forward from a case, with a draft saved as one types.

GET ``compose`` returns the composer (the form alone for htmx, else a page). Its query
``kind`` (reply, reply-all, forward) and ``message`` (the answered message, of this case)
choose what it starts with; without ``message`` it reopens the user's latest draft in the
case, else replies to the case's latest received message. POST sends, once per form
(``submit_once``); a refused send keeps everything typed, uploads included, in the draft.
``draft_save`` is posted by htmx while the user types and when files are chosen.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kartoteka.cases.models import Case
from kartoteka.cases.selectors import case_get_for_user
from kartoteka.cases.services import case_settings
from kartoteka.core.access import case_worker_required
from kartoteka.core.once import announce_creation, submit_once
from kartoteka.core.validation import show_service_errors
from kartoteka.mail.forms.compose import ComposeForm
from kartoteka.mail.models import Draft, Message
from kartoteka.mail.sending import canned, compose, outbound, rich_text
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import User

TEMPLATE = "mail/composer.html"


def _kind(value: str) -> str:
    return value if value in Draft.Kind.values else Draft.Kind.REPLY


def _replied(request: StaffRequest, case: Case, raw: str) -> Message | None:
    """The answered message named by the request: one of this case the user sees, else 404."""
    if not raw:
        return None
    try:
        pk = int(raw)
    except ValueError:
        raise Http404 from None
    return compose.replied_message_get(case=case, user=request.user, pk=pk)


def _opened(request: StaffRequest, case: Case) -> tuple[str, Message | None, Draft | None]:
    """What a GET opens: the named message's composer, else the latest draft, else a reply to
    the latest received message."""
    user = request.user
    if request.GET.get("message"):
        replying_to = _replied(request, case, request.GET["message"])
        kind = _kind(request.GET.get("kind", ""))
        return (
            kind,
            replying_to,
            compose.draft_find(case=case, user=user, kind=kind, replying_to=replying_to),
        )
    draft = compose.draft_latest(case=case, user=user)
    if draft is not None and (draft.replying_to is None or draft.replying_to.case_id == case.pk):
        return draft.kind, draft.replying_to, draft
    latest = outbound.last_inbound(case)
    kind = Draft.Kind.REPLY
    return kind, latest, compose.draft_find(case=case, user=user, kind=kind, replying_to=latest)


def _posted(request: StaffRequest, case: Case) -> tuple[str, Message | None, Draft | None]:
    kind = _kind(request.POST.get("kind", ""))
    replying_to = _replied(request, case, request.POST.get("message", ""))
    draft = compose.draft_find(case=case, user=request.user, kind=kind, replying_to=replying_to)
    return kind, replying_to, draft


def _initial(case: Case, kind: str, replying_to: Message | None, draft: Draft | None) -> dict:
    start = compose.composer_start(case=case, kind=kind, replying_to=replying_to)
    initial: dict[str, Any] = {
        "kind": kind,
        "message": replying_to.pk if replying_to is not None else None,
        "mailbox": start.mailbox,
        "to": start.to,
        "cc": start.cc,
        "bcc": start.bcc,
        "subject": start.subject,
        "body": start.body,
        "body_html": rich_text.text_to_html(start.body),
        "status": start.status,
        "forwarded": [attachment.pk for attachment in start.forwarded],
    }
    if draft is not None:
        initial.update(
            mailbox=draft.mailbox or start.mailbox,
            to=compose.addresses_readable(draft.to),
            cc=compose.addresses_readable(draft.cc),
            bcc=compose.addresses_readable(draft.bcc),
            subject=draft.subject,
            body=draft.body,
            body_html=draft.body_html or rich_text.text_to_html(draft.body),
            status=draft.status or start.status,
            forwarded=[attachment.pk for attachment in draft.forwarded.all()],
            kept=[attachment.pk for attachment in draft.attachments.all()],
        )
    return initial


def _save_draft(
    request: StaffRequest, case: Case, kind: str, replying_to: Message | None
) -> tuple[Draft, list[str], bool]:
    """Keep what the request carries in the user's draft: (the draft, upload errors, whether
    its files changed)."""
    before = compose.draft_find(case=case, user=request.user, kind=kind, replying_to=replying_to)
    form = ComposeForm(request.POST, replying_to=replying_to, kind=kind, draft=before, strict=False)
    form.is_valid()
    kept = {attachment.pk for attachment in form.cleaned_data.get("kept", [])}
    had = set(before.attachments.values_list("pk", flat=True)) if before is not None else set()
    draft = compose.draft_save(
        case=case,
        by=request.user,
        kind=kind,
        replying_to=replying_to,
        content=form.draft_content(),
        forwarded=list(form.cleaned_data.get("forwarded", [])),
        # A list that did not validate says nothing about which files to keep.
        keep=kept if before is not None and "kept" not in form.errors else None,
    )
    removed = "kept" not in form.errors and bool(had - kept)
    errors: list[str] = []
    uploads = request.FILES.getlist("files")
    for upload in uploads:
        try:
            compose.draft_attachment_add(draft=draft, upload=upload)
        except ValidationError as error:
            errors.extend(error.messages)
    return draft, errors, bool(uploads) or removed


def _render(
    request: StaffRequest,
    case: Case,
    form: ComposeForm,
    *,
    kind: str,
    replying_to: Message | None,
    draft: Draft | None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    values = canned.placeholder_values(case=case, user=request.user, prefix=case_settings().prefix)
    responses = [
        {
            "pk": response.pk,
            "name": response.name,
            "text": canned.canned_render(response.body, values=values),
        }
        for response in canned.canned_responses_active()
    ]
    # Nothing received to answer (as in a case without mail): a new email, not a reply.
    first = replying_to is None and kind == Draft.Kind.REPLY
    context = {
        "nav": "cases",
        "case": case,
        "action": reverse("mail:compose", args=[case.number]),
        "kind": kind,
        "kind_label": _("New email") if first else Draft.Kind(kind).label,
        "replying_to": replying_to,
        "draft": draft,
        "canned": responses,
        **composer_context(form, request.user),
        **extra,
    }
    template = f"{TEMPLATE}#composer" if request.htmx else TEMPLATE
    return render(request, template, context, status=status)


def composer_context(form: ComposeForm, user: User) -> dict[str, Any]:
    """What every composer shows of its mailboxes: the signature under the text (the user's
    own above the chosen mailbox's), and whether any can send."""
    chosen = form["mailbox"].value()
    mailbox = compose.sending_mailboxes().filter(pk=getattr(chosen, "pk", chosen) or 0).first()
    mailbox_signature = mailbox.signature_text if mailbox is not None else ""
    parts = (user.signature.strip(), mailbox_signature.strip())
    return {
        "form": form,
        "signature": "\n\n".join(part for part in parts if part),
        "personal_signature": user.signature.strip(),
        "has_mailbox": compose.sending_mailboxes().exists(),
    }


@case_worker_required
@require_http_methods(["GET", "POST"])
def compose_view(request: StaffRequest, number: int) -> HttpResponse:
    case = case_get_for_user(request.user, number, write=True)
    if request.method == "GET":
        kind, replying_to, draft = _opened(request, case)
        form = ComposeForm(
            initial=_initial(case, kind, replying_to, draft),
            replying_to=replying_to,
            kind=kind,
            draft=draft,
        )
        return _render(request, case, form, kind=kind, replying_to=replying_to, draft=draft)
    kind, replying_to, draft = _posted(request, case)
    form = ComposeForm(request.POST, replying_to=replying_to, kind=kind, draft=draft)
    if form.is_valid():
        outgoing = form.outgoing(uploads=request.FILES.getlist("files"))

        def send() -> str:
            compose.composer_lock(case)
            compose.composed_send(
                case=case,
                by=request.user,
                kind=kind,
                replying_to=replying_to,
                outgoing=outgoing,
                draft=draft,
            )
            return case.get_absolute_url()

        try:
            url, created = submit_once(
                user=request.user, token=form.cleaned_data["submission_token"], create=send
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            announce_creation(request, created, _("Message queued for sending."))
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    # Refused: keep everything in the draft, the files just chosen too, and show it again.
    for upload in request.FILES.getlist("files"):
        upload.seek(0)
    draft, upload_errors, _changed = _save_draft(request, case, kind, replying_to)
    shown = set(form.non_field_errors())
    upload_errors = [error for error in upload_errors if error not in shown]
    data = request.POST.copy()
    data.setlist("kept", [str(pk) for pk in draft.attachments.values_list("pk", flat=True)])
    form.data = data
    form.choices_of("kept").queryset = draft.attachments.all()
    return _render(
        request,
        case,
        form,
        kind=kind,
        replying_to=replying_to,
        draft=draft,
        status=200 if request.htmx else 400,
        upload_errors=upload_errors,
    )


@case_worker_required
@require_POST
def draft_save(request: StaffRequest, number: int) -> HttpResponse:
    case = case_get_for_user(request.user, number, write=True)
    kind, replying_to, _draft = _posted(request, case)
    with transaction.atomic():
        compose.composer_lock(case)
        token = request.POST.get("submission_token", "")
        if compose.already_sent(user=request.user, token=token):
            # A save that set off before the send arrived after it: the draft stays deleted.
            return HttpResponse(status=204)
        draft, upload_errors, changed = _save_draft(request, case, kind, replying_to)
    if not request.htmx:
        messages.success(request, _("Draft saved."))
        query = f"?kind={kind}&message={replying_to.pk}" if replying_to is not None else ""
        return redirect(reverse("mail:compose", args=[case.number]) + query)
    form = ComposeForm(
        initial={"kept": [a.pk for a in draft.attachments.all()]},
        replying_to=replying_to,
        kind=kind,
        draft=draft,
    )
    context = {
        "case": case,
        "form": form,
        "draft": draft,
        "upload_errors": upload_errors,
        "saved_at": timezone.localtime(draft.updated_at),
    }
    response = render(request, "mail/composer_saved.html", context)
    if not changed and not upload_errors:
        # Only the status line changes: leave the file input alone (a file may be chosen).
        response["HX-Reswap"] = "none"
    return response


@case_worker_required
@require_POST
def draft_discard(request: StaffRequest, number: int, pk: int) -> HttpResponse:
    case = case_get_for_user(request.user, number, write=True)
    draft = compose.draft_get_for_user(case=case, user=request.user, pk=pk)
    kind = draft.kind
    replying_to = draft.replying_to
    if replying_to is not None and replying_to.case_id != case.pk:
        replying_to = None
    compose.draft_discard(draft=draft)
    if not request.htmx:
        messages.success(request, _("Draft discarded."))
        return redirect(case)
    form = ComposeForm(
        initial=_initial(case, kind, replying_to, None),
        replying_to=replying_to,
        kind=kind,
        draft=None,
    )
    return _render(
        request,
        case,
        form,
        kind=kind,
        replying_to=replying_to,
        draft=None,
        draft_note=_("Draft discarded."),
    )
