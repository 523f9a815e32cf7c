"""Pages of documents: a customer's list, upload, the document with its versions, download,
a new version, edit and delete. Everything a user may not see is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.core.access import staff_member_required
from kartoteka.core.downloads import file_response
from kartoteka.customers.selectors import account_get_for_user
from kartoteka.documents import selectors, services
from kartoteka.documents.forms import DocumentForm, VersionForm
from kartoteka.documents.models import Document
from kartoteka.people.access import StaffRequest


def _account_pk(request: StaffRequest) -> int:
    value = request.GET.get("account", "")
    if not value.isdigit():
        raise Http404
    return int(value)


@staff_member_required
@require_GET
def document_list(request: StaffRequest) -> HttpResponse:
    account = account_get_for_user(request.user, _account_pk(request))
    documents = selectors.document_list(user=request.user, account=account)
    context = {"nav": "customers", "account": account, "documents": documents}
    return render(request, "documents/document_list.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def document_create(request: StaffRequest) -> HttpResponse:
    account = account_get_for_user(request.user, _account_pk(request))
    bound = request.method == "POST"
    form = DocumentForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        user=request.user,
        account=account,
    )
    if form.is_valid():
        try:
            document = services.document_create(
                by=request.user, account=account, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Document %(title)s added.") % {"title": document.title})
            return redirect(document)
    context = {"nav": "customers", "account": account, "form": form}
    return render(request, "documents/document_form.html", context, status=form.status)


@staff_member_required
@require_GET
def document_detail(request: StaffRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for_user(request.user, pk)
    context = {
        "nav": "customers",
        "document": document,
        "case": selectors.document_case_for_user(request.user, document),
        "can_change": services.document_can_change(request.user, document),
        "version_form": VersionForm(document=document),
    }
    return render(request, "documents/document_detail.html", context)


@staff_member_required
@require_GET
def document_download(request: StaffRequest, pk: int, file_pk: int) -> FileResponse:
    row = selectors.document_file_get_for_user(request.user, pk, file_pk)
    return file_response(row.file.open("rb"), filename=row.name, content_type=row.content_type)


@staff_member_required
@require_http_methods(["GET", "POST"])
def document_edit(request: StaffRequest, pk: int) -> HttpResponse:
    document = _changeable(request, pk)
    data = request.POST if request.method == "POST" else None
    form = DocumentForm(data, user=request.user, account=document.account, document=document)
    if form.is_valid():
        try:
            services.document_update(by=request.user, document=document, **form.service_arguments())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Document %(title)s saved.") % {"title": document.title})
            return redirect(document)
    context = {"nav": "customers", "account": document.account, "form": form, "document": document}
    return render(request, "documents/document_form.html", context, status=form.status)


@staff_member_required
@require_http_methods(["POST"])
def document_version_add(request: StaffRequest, pk: int) -> HttpResponse:
    document = _changeable(request, pk)
    form = VersionForm(request.POST, request.FILES, document=document)
    if form.is_valid():
        try:
            row = services.file_version_add(
                by=request.user,
                document=document,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Version %(version)s of %(name)s added.")
                % {"version": row.version, "name": row.name},
            )
            return redirect(document)
    context = {
        "nav": "customers",
        "document": document,
        "case": selectors.document_case_for_user(request.user, document),
        "can_change": True,
        "version_form": form,
    }
    return render(request, "documents/document_detail.html", context, status=form.status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def document_delete(request: StaffRequest, pk: int) -> HttpResponse:
    document = _changeable(request, pk)
    if request.method == "POST":
        account_pk = document.account_id
        services.document_delete(by=request.user, document=document)
        messages.success(request, _("Document %(title)s deleted.") % {"title": document.title})
        return redirect(f"{reverse('documents:list')}?account={account_pk}")
    return render(
        request,
        "documents/document_confirm_delete.html",
        {"nav": "customers", "document": document},
    )


def _changeable(request: StaffRequest, pk: int) -> Document:
    """The document if the user sees it (else 404) and may change it (else 403)."""
    document = selectors.document_get_for_user(request.user, pk)
    if not services.document_can_change(request.user, document):
        raise PermissionDenied
    return document
