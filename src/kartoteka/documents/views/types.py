"""The administrators' list of document types: add, rename, reorder, deactivate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.core.access import administrator_required
from kartoteka.documents import services
from kartoteka.documents.forms import DocumentTypeForm
from kartoteka.documents.models import DocumentType
from kartoteka.people.access import StaffRequest


@administrator_required
@require_GET
def type_list(request: StaffRequest) -> HttpResponse:
    context = {"nav": "settings", "types": DocumentType.objects.all()}
    return render(request, "documents/type_list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def type_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    document_type = get_object_or_404(DocumentType, pk=pk) if pk else DocumentType()
    form = DocumentTypeForm(
        request.POST if request.method == "POST" else None, instance=document_type
    )
    if form.is_valid():
        try:
            services.document_type_save(
                by=request.user, document_type=document_type, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Document type %(name)s saved.") % {"name": document_type})
            return redirect("documents:type-list")
    context = {"nav": "settings", "form": form, "document_type": document_type}
    return render(request, "documents/type_form.html", context, status=form.status)
