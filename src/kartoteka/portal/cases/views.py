"""The portal's cases side: the list, a case (reply, close, reopen, files), a new case with the
knowledge base's suggestions, and the shared documents.

Every view stands behind ``portal_view`` (a portal user whose login a contact holds) and reads
only through ``portal.cases.selectors``; what a portal user may not see answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.downloads import file_response
from kartoteka.kb.suggestions import articles_suggested
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.display import served_inline
from kartoteka.portal.cases import selectors, services
from kartoteka.portal.cases.forms import NewCaseForm, ReplyForm, draft_clean
from kartoteka.portal.guard import PortalRequest, portal_render, portal_user_required

SUGGESTIONS = 5
SUGGESTION_TEXT_MAX = 2000


def portal_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``portal_user_required``, with the contact the guard read kept on the user, so the
    doors (``customers.models.portal_contact_for``) do not read it again."""

    @portal_user_required
    @wraps(view)
    def wrapper(request: PortalRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request.user.portal_contact = request.portal_contact
        return view(request, *args, **kwargs)

    return wrapper


def _role_allows(request: PortalRequest, right: str) -> bool:
    role = request.portal_contact.portal_role
    return role is not None and bool(getattr(role, right))


@portal_view
@require_GET
def case_list(request: PortalRequest) -> HttpResponseBase:
    state = request.GET.get("state", selectors.State.OPEN)
    if state not in selectors.State.CHOICES:
        state = selectors.State.OPEN
    query = request.GET.get("q", "")[:100]
    cases = selectors.portal_case_list(user=request.user, state=state, query=query)
    page = Paginator(cases, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "cases", "page": page, "state": state, "query": query}
    return portal_render(request, "portal/cases/list.html", context)


def _case_page(
    request: PortalRequest, number: int, *, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponseBase:
    case = selectors.portal_case_get(request.user, number)
    context = {
        "nav": "cases",
        "case": case,
        "conversation": selectors.portal_conversation(request.user, case),
        "reply_form": reply_form or ReplyForm(),
        "may_close": _role_allows(request, "may_close_cases"),
    }
    response = portal_render(request, "portal/cases/detail.html", context)
    response.status_code = status
    return response


@portal_view
@require_GET
def case_detail(request: PortalRequest, number: int) -> HttpResponseBase:
    return _case_page(request, number)


@portal_view
@require_POST
def case_reply(request: PortalRequest, number: int) -> HttpResponseBase:
    case = selectors.portal_case_get(request.user, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            note = services.portal_reply_add(
                case=case, by=request.user, text=form.cleaned_data["text"], files=form.uploads
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Your reply was added."))
            return redirect(
                f"{reverse('portal:case-detail', args=[case.number])}#comment-{note.pk}"
            )
    return _case_page(request, number, reply_form=form, status=400)


def _set_closed(request: PortalRequest, number: int, *, closed: bool) -> HttpResponseBase:
    case = selectors.portal_case_get(request.user, number)
    if not _role_allows(request, "may_close_cases"):
        raise Http404
    change = services.portal_case_close if closed else services.portal_case_reopen
    try:
        change(contact=request.portal_contact, case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request, _("The case is closed.") if closed else _("The case is open again.")
        )
    return redirect("portal:case-detail", case.number)


@portal_view
@require_POST
def case_close(request: PortalRequest, number: int) -> HttpResponseBase:
    return _set_closed(request, number, closed=True)


@portal_view
@require_POST
def case_reopen(request: PortalRequest, number: int) -> HttpResponseBase:
    return _set_closed(request, number, closed=False)


@portal_view
@require_http_methods(["GET", "POST"])
def case_new(request: PortalRequest) -> HttpResponseBase:
    if not _role_allows(request, "may_create_cases"):
        raise Http404
    form = NewCaseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.portal_case_create(
                contact=request.portal_contact,
                by=request.user,
                subject=data["subject"],
                description=data["description"],
                case_type=data["case_type"],
                files=form.uploads,
                draft=data["draft"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Case #%(number)s was created.") % {"number": case.number})
            return redirect("portal:case-detail", case.number)
    context = {"nav": "new-case", "form": form, "suggestions": []}
    response = portal_render(request, "portal/cases/new.html", context)
    response.status_code = 400 if form.is_bound else 200
    return response


@portal_view
@require_POST
def case_suggestions(request: PortalRequest) -> HttpResponseBase:
    """The knowledge base's articles for what the user types into a new case (an htmx
    fragment); each link carries the form's draft token."""
    if not _role_allows(request, "may_create_cases"):
        raise Http404
    text = f"{request.POST.get('subject', '')}\n{request.POST.get('description', '')}"
    articles = articles_suggested(
        text[:SUGGESTION_TEXT_MAX],
        user=request.user,
        language=translation.get_language(),
        limit=SUGGESTIONS,
    )
    draft = draft_clean(request.POST.get("draft", ""))
    suffix = f"?draft={draft}" if draft else ""
    links = [(article, article.public_url() + suffix) for article in articles]
    return render(request, "portal/cases/new.html#suggestions", {"suggestions": links})


def _stored_file(row: Any) -> FileResponse:
    try:
        stream = row.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return file_response(stream, filename=row.name, content_type=row.content_type)


@portal_view
@require_GET
def case_file(request: PortalRequest, number: int, pk: int) -> HttpResponseBase:
    return _stored_file(selectors.portal_case_file_get(request.user, number, pk))


def _mail_file(request: PortalRequest, number: int, pk: int, *, inline: bool) -> FileResponse:
    attachment = selectors.portal_mail_file_get(request.user, number, pk)
    if len(attachment.sha256) != 64 or not all(c in "0123456789abcdef" for c in attachment.sha256):
        raise Http404
    try:
        stream = blob_path(attachment.sha256).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = file_response(
        stream,
        filename=attachment.filename,
        content_type=attachment.content_type,
        inline=inline and served_inline(attachment.content_type),
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@portal_view
@require_GET
def case_mail_file(request: PortalRequest, number: int, pk: int) -> HttpResponseBase:
    return _mail_file(request, number, pk, inline=False)


@portal_view
@require_GET
def case_mail_file_inline(request: PortalRequest, number: int, pk: int) -> HttpResponseBase:
    return _mail_file(request, number, pk, inline=True)


@portal_view
@require_GET
def documents(request: PortalRequest) -> HttpResponseBase:
    if not _role_allows(request, "sees_shared_documents"):
        raise Http404
    context = {"nav": "documents", "documents": selectors.portal_documents(request.user)}
    return portal_render(request, "portal/cases/documents.html", context)


@portal_view
@require_GET
def document_file(request: PortalRequest, document_pk: int, pk: int) -> HttpResponseBase:
    return _stored_file(selectors.portal_document_file_get(request.user, document_pk, pk))
