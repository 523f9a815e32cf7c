"""Pages of an import's second file, of contacts: add or replace it, match its columns
(then it is checked and matched, see ``contacts``), skip the rows not matched, remove it.

The check page shows the contacts (``imports.check_page_context``); every page starts from
``selectors.import_get_for_user`` (404 for someone else's import).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.core.access import staff_member_required
from kartoteka.imports import selectors, services
from kartoteka.imports.forms import ContactsUploadForm, MappingForm, contact_field_choices
from kartoteka.imports.models import Import
from kartoteka.imports.views.imports import check_page_context
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_POST
def contacts_upload(request: StaffRequest, pk: int) -> HttpResponse:
    """Add (or replace) the import's file of contacts; then its columns."""
    batch = selectors.import_get_for_user(request.user, pk)
    form = ContactsUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.contacts_upload(
                batch=batch,
                by=request.user,
                upload=form.cleaned_data["file"],
                skip_header=form.cleaned_data["skip_header"],
                encoding=form.cleaned_data["encoding"] or "",
            )
        except (services.ImportFileError, services.ImportStateError) as error:
            form.add_error("file", error.message)
        else:
            return redirect("imports:contacts-mapping", batch.pk)
    if batch.state not in (Import.State.CHECKED, Import.State.FAILED):
        messages.error(request, " ".join(str(m) for e in form.errors.values() for m in e))
        return redirect("imports:detail", batch.pk)
    return render(
        request, "imports/check.html", check_page_context(request, batch, form), status=400
    )


@staff_member_required
@require_http_methods(["GET", "POST"])
def contacts_mapping(request: StaffRequest, pk: int) -> HttpResponse:
    """The columns of the contacts file: the contact's fields and the NIP or company name
    that find its account; then the contacts are checked and matched."""
    batch = selectors.import_get_for_user(request.user, pk)
    contact_file = selectors.contact_file_of(batch)
    if contact_file is None or batch.state not in (
        Import.State.UPLOADED,
        Import.State.MAPPED,
        Import.State.CHECKED,
    ):
        return redirect("imports:detail", batch.pk)
    initial = {
        "encoding": contact_file.encoding,
        "delimiter": contact_file.delimiter,
        "skip_header": contact_file.skip_header,
        **{f"column_{index}": key for index, key in contact_file.mapping.items()},
    }
    data = request.POST if request.method == "POST" else None
    form = MappingForm(
        data, headers=contact_file.headers, initial=initial, choices=contact_field_choices()
    )
    if data is not None and form.is_valid():
        try:
            services.contacts_map(
                batch=batch,
                by=request.user,
                mapping=form.mapping(),
                encoding=form.cleaned_data["encoding"] or None,
                delimiter=form.cleaned_data["delimiter"] or None,
                skip_header=form.cleaned_data["skip_header"],
            )
            services.import_check_start(
                batch=batch, by=request.user, scope=Import.CheckScope.CONTACTS
            )
        except (services.ImportFileError, services.ImportStateError) as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("imports:detail", batch.pk)
    context = {"nav": "accounts", "batch": batch, "contact_file": contact_file, "form": form}
    return render(
        request, "imports/contacts_mapping.html", context, status=400 if form.errors else 200
    )


@staff_member_required
@require_POST
def contacts_action(request: StaffRequest, pk: int) -> HttpResponse:
    """Skip the contact rows that will not be imported, or remove the contacts file."""
    batch = selectors.import_get_for_user(request.user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "skip":
            count = services.contacts_skip(batch=batch, by=request.user)
            messages.success(request, _("%(count)d contact rows skipped.") % {"count": count})
        elif action == "remove":
            services.contacts_remove(batch=batch, by=request.user)
            messages.success(request, _("The contacts file was removed."))
        else:
            messages.error(request, _("Choose an action."))
    except services.ImportStateError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", batch.pk)
