"""The export and erase pages: administrators and managers export, administrators erase."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kartoteka.core.access import staff_member_required
from kartoteka.core.downloads import file_response
from kartoteka.customers.models import Account, Contact
from kartoteka.desk.privacy.erase import contact_erase
from kartoteka.desk.privacy.export import personal_data_export, personal_data_export_record
from kartoteka.desk.privacy.subjects import Subject, account_subject, contact_subject
from kartoteka.people.access import StaffRequest
from kartoteka.people.models import User


def _exporter_check(request: StaffRequest) -> None:
    if not request.user.sees_everything:
        raise PermissionDenied


def _download(record: Account | Contact, subject: Subject, by: User) -> HttpResponseBase:
    archive = personal_data_export(subject, reader=by)
    personal_data_export_record(record=record, by=by)
    stem = f"{record._meta.model_name}-{record.pk}-{timezone.now():%Y%m%d}"
    return file_response(archive, filename=f"{stem}.zip", content_type="application/zip")


@require_POST
@staff_member_required
def account_export(request: StaffRequest, pk: int) -> HttpResponseBase:
    account = get_object_or_404(Account.objects.visible_to(request.user), pk=pk)
    _exporter_check(request)
    return _download(account, account_subject(account), request.user)


@require_POST
@staff_member_required
def contact_export(request: StaffRequest, pk: int) -> HttpResponseBase:
    contact = get_object_or_404(Contact.objects.visible_to(request.user), pk=pk)
    _exporter_check(request)
    return _download(contact, contact_subject(contact), request.user)


@staff_member_required
def contact_erase_confirm(request: StaffRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("account"), pk=pk
    )
    if not request.user.is_administrator:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            contact_erase(contact=contact, by=request.user)
        except ValidationError as refused:
            error = refused.messages[0]
        else:
            messages.success(request, _("The contact's personal data was erased."))
            return redirect(contact.get_absolute_url())
    held = contact.account is not None and contact.account.legal_hold
    context = {"contact": contact, "error": error, "held": held}
    return render(request, "desk/privacy_erase.html", context, status=409 if error else 200)
