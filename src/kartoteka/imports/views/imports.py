"""Pages of an import: upload, mapping, check, duplicate review, progress and result
(the contacts file's pages are in ``views.contacts``).

Every page starts from ``selectors.import_get_for_user`` (404 for someone else's import).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kartoteka.core.access import staff_member_required
from kartoteka.imports import selectors, services
from kartoteka.imports.columns import FIELDS
from kartoteka.imports.forms import (
    CellFixForm,
    ContactsUploadForm,
    MappingForm,
    RowsActionForm,
    UploadForm,
    contact_field_choices,
)
from kartoteka.imports.models import Import, ImportRow
from kartoteka.imports.progress import progress_read
from kartoteka.imports.running import UPDATABLE
from kartoteka.imports.sample import SAMPLE_NAME, sample_csv
from kartoteka.imports.template import template_csv, template_xlsx
from kartoteka.people.access import StaffRequest

FIELD_LABELS = {spec.key: spec.label for spec in FIELDS}
STATE_PAGES = {
    Import.State.UPLOADED: "imports:mapping",
    Import.State.MAPPED: "imports:mapping",
    Import.State.CHECKING: "imports:progress",
    Import.State.CHECKED: "imports:check",
    Import.State.RUNNING: "imports:progress",
    Import.State.DONE: "imports:result",
    Import.State.FAILED: "imports:check",
    Import.State.UNDONE: "imports:result",
}


@staff_member_required
@require_http_methods(["GET", "POST"])
def import_list(request: StaffRequest) -> HttpResponse:
    """The upload form and the user's earlier imports."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.import_create(
                by=request.user,
                upload=data["file"],
                skip_header=data["skip_header"],
                encoding=data["encoding"] or "",
                segment=data["segment"],
                segment_name=data["segment_name"],
            )
        except services.ImportFileError as error:
            form.add_error("file", error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("imports:mapping", batch.pk)
    imports = selectors.import_list(user=request.user)[:20]
    context = {"nav": "accounts", "form": form, "imports": imports}
    return render(request, "imports/import_list.html", context, status=400 if form.errors else 200)


@staff_member_required
@require_POST
def import_sample(request: StaffRequest) -> HttpResponse:
    """Start an import of the demo's sample file (Windows-1250, with duplicates and errors)."""
    upload = SimpleUploadedFile(SAMPLE_NAME, sample_csv(), content_type="text/csv")
    batch = services.import_create(by=request.user, upload=upload, skip_header=True)
    return redirect("imports:mapping", batch.pk)


@staff_member_required
@require_GET
def import_template(request: StaffRequest, kind: str) -> HttpResponse:
    language = get_language() or "en"
    if kind == "csv":
        response = HttpResponse(template_csv(language), content_type="text/csv; charset=utf-8")
    elif kind == "xlsx":
        response = HttpResponse(
            template_xlsx(language),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="kartoteka-import.{kind}"'
    return response


@staff_member_required
@require_GET
def import_detail(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    return redirect(STATE_PAGES[Import.State(batch.state)], batch.pk)


@staff_member_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    if batch.state not in (Import.State.UPLOADED, Import.State.MAPPED, Import.State.CHECKED):
        return redirect("imports:detail", batch.pk)
    initial = {
        "encoding": batch.encoding,
        "delimiter": batch.delimiter,
        "skip_header": batch.skip_header,
        **{f"column_{index}": key for index, key in batch.mapping.items()},
    }
    data = request.POST if request.method == "POST" else None
    form = MappingForm(data, headers=batch.headers, initial=initial)
    if data is not None and form.is_valid():
        reading = {
            "encoding": form.cleaned_data["encoding"] or None,
            "delimiter": form.cleaned_data["delimiter"] or None,
            "skip_header": form.cleaned_data["skip_header"],
        }
        try:
            if "reread" in request.POST:
                services.import_reread(batch=batch, by=request.user, **reading)
            else:
                services.import_map(batch=batch, by=request.user, mapping=form.mapping(), **reading)
                services.import_check_start(batch=batch, by=request.user)
        except (services.ImportFileError, services.ImportStateError) as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if "reread" in request.POST:
                return redirect("imports:mapping", batch.pk)
            # Checked at once (a small file), or the progress of the check in the worker.
            return redirect("imports:detail", batch.pk)
    context = {"nav": "accounts", "batch": batch, "form": form}
    return render(request, "imports/mapping.html", context, status=400 if form.errors else 200)


@staff_member_required
@require_GET
def import_check(request: StaffRequest, pk: int) -> HttpResponse:
    """The preview of the first rows, the invalid rows (fix or skip) and the way on."""
    batch = selectors.import_get_for_user(request.user, pk)
    if batch.state not in (Import.State.CHECKED, Import.State.FAILED):
        return redirect("imports:detail", batch.pk)
    return render(request, "imports/check.html", check_page_context(request, batch))


def check_page_context(
    request: StaffRequest, batch: Import, contacts_form: ContactsUploadForm | None = None
) -> dict[str, object]:
    mapped = list(dict.fromkeys(batch.mapping.values()))
    return {
        "nav": "accounts",
        "batch": batch,
        "preview": selectors.preview_rows(batch),
        "invalid": selectors.invalid_page(batch, request.GET.get("page")),
        "mapped": [(key, FIELD_LABELS.get(key, key)) for key in mapped],
        "blockers": services.run_blockers(batch),
        "accepted": batch.rows.filter(valid=True).exclude(decision=ImportRow.Decision.SKIP).count(),
        **_contacts_context(request, batch, contacts_form),
    }


def _contacts_context(
    request: StaffRequest, batch: Import, form: ContactsUploadForm | None = None
) -> dict[str, object]:
    contact_file = selectors.contact_file_of(batch)
    checked = contact_file is not None and contact_file.checked
    return {
        "contact_file": contact_file,
        "contacts_form": form or ContactsUploadForm(),
        "contact_counts": selectors.contact_counts(batch) if checked else None,
        "contact_problems": selectors.contact_problem_page(batch, request.GET.get("cpage"))
        if checked
        else None,
        "contact_labels": dict(contact_field_choices()),
    }


@staff_member_required
@require_POST
def row_fix(request: StaffRequest, pk: int, row_pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    row = selectors.row_get_for_user(request.user, batch, row_pk)
    form = CellFixForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The value could not be read; try again."))
    else:
        try:
            row = services.row_fix(
                row=row,
                by=request.user,
                field=form.cleaned_data["field"],
                value=form.cleaned_data["value"],
            )
        except (ValidationError, services.ImportStateError) as error:
            messages.error(request, _message(error))
        else:
            if row.valid:
                messages.success(request, _("Line %(line)d is valid now.") % {"line": row.line})
            else:
                messages.warning(request, _("Line %(line)d still has errors.") % {"line": row.line})
    return redirect(_safe_next(request, batch))


@staff_member_required
@require_http_methods(["GET", "POST"])
def row_edit(request: StaffRequest, pk: int, row_pk: int) -> HttpResponse:
    """A staged row's edit form, the clashing fields marked; each changed cell is checked."""
    batch = selectors.import_get_for_user(request.user, pk)
    row = selectors.row_get_for_user(request.user, batch, row_pk)
    mapped = list(dict.fromkeys(batch.mapping.values()))
    if request.method == "POST":
        changed = 0
        try:
            for key in mapped:
                if key not in request.POST:
                    continue
                value = request.POST.get(key, "")[:10_000].strip()
                held = row.raw.get(key, "")
                if value != (", ".join(held) if isinstance(held, list) else held):
                    row = services.row_fix(row=row, by=request.user, field=key, value=value)
                    changed += 1
        except (ValidationError, services.ImportStateError) as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, _("Line %(line)d saved.") % {"line": row.line})
            return redirect("imports:duplicates", batch.pk)
    clashing = {clash["field"] for clash in row.duplicates}
    cells = []
    for key in mapped:
        held = row.raw.get(key, "")
        cells.append(
            {
                "key": key,
                "label": FIELD_LABELS.get(key, key),
                "value": ", ".join(held) if isinstance(held, list) else held,
                "errors": row.errors.get(key, []),
                "clash": any(kind in key for kind in clashing),
            }
        )
    context = {"nav": "accounts", "batch": batch, "row": row, "cells": cells}
    return render(request, "imports/row_edit.html", context)


@staff_member_required
@require_GET
def import_duplicates(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    if batch.state not in (Import.State.CHECKED, Import.State.FAILED):
        return redirect("imports:detail", batch.pk)
    page = selectors.duplicate_page(user=request.user, batch=batch, page=request.GET.get("page"))
    context = {
        "nav": "accounts",
        "batch": batch,
        "page_obj": page,
        "updatable": [(key, FIELD_LABELS.get(key, key)) for key in _updatable(batch)],
    }
    return render(request, "imports/duplicates.html", context)


def _updatable(batch: Import) -> list[str]:
    mapped = set(batch.mapping.values())
    return [key for key in UPDATABLE if key in mapped] + (["email"] if "email" in mapped else [])


@staff_member_required
@require_POST
def rows_action(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    data = request.POST.copy()
    single = data.get("single", "")
    if single:
        # A row's own button: "<action>:<row id>", with that row's field choice.
        action, _sep, row_id = single.partition(":")
        data.setlist("rows", [row_id])
        data["action"] = action
        if action == "update" and not data.getlist("update_fields"):
            data.setlist("update_fields", _updatable(batch))
    form = RowsActionForm(data, updatable=_updatable(batch))
    back = _safe_next(request, batch)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect(back)
    action = form.cleaned_data["action"]
    ids = form.row_ids()
    try:
        if action == "delete_all":
            count = services.rows_decide(batch=batch, by=request.user, action="delete")
        else:
            if not ids:
                raise ValidationError(_("Choose rows first."))
            count = services.rows_decide(
                batch=batch,
                by=request.user,
                action=action,
                row_ids=ids,
                update_fields=form.cleaned_data["update_fields"],
            )
    except (ValidationError, services.ImportStateError) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("%(count)d rows changed.") % {"count": count})
    return redirect(back)


@staff_member_required
@require_POST
def import_start(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    if request.POST.get("restore_struck"):
        # "Close without deleting": the struck rows are imported as well.
        batch.rows.filter(struck=True).update(struck=False)
    try:
        services.import_start(batch=batch, by=request.user)
    except services.ImportStateError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", batch.pk)
    return redirect("imports:progress", batch.pk)


IN_WORKER = (Import.State.CHECKING, Import.State.RUNNING)


def _progress_context(batch: Import) -> dict[str, object]:
    progress = progress_read(batch.pk) if batch.state in IN_WORKER else None
    return {"batch": batch, "progress": progress}


@staff_member_required
@require_GET
def import_progress(request: StaffRequest, pk: int) -> HttpResponse:
    """The progress of the check or of the run in the worker; when it ends, the page of
    the import's new state (the check's results, the result, or the columns with why the
    check failed)."""
    batch = selectors.import_get_for_user(request.user, pk)
    if request.htmx:
        if batch.state not in IN_WORKER:
            return HttpResponseClientRedirect(batch.get_absolute_url())
        return render(request, "imports/progress.html#bar", _progress_context(batch))
    if batch.state not in IN_WORKER:
        return redirect("imports:detail", batch.pk)
    return render(request, "imports/progress.html", {"nav": "accounts", **_progress_context(batch)})


@staff_member_required
@require_GET
def import_progress_json(request: StaffRequest, pk: int) -> JsonResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    progress = progress_read(batch.pk) if batch.state in IN_WORKER else None
    return JsonResponse(
        {
            "state": batch.state,
            "done": progress.done if progress else batch.rows_done,
            "total": progress.total if progress else batch.rows_to_do,
            "rows_per_second": round(progress.rows_per_second, 1) if progress else None,
            "seconds_left": round(progress.seconds_left, 1)
            if progress and progress.seconds_left is not None
            else None,
            "error": batch.error,
        }
    )


@staff_member_required
@require_GET
def import_result(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    if batch.state not in (Import.State.DONE, Import.State.UNDONE):
        return redirect("imports:detail", batch.pk)
    return render(request, "imports/result.html", {"nav": "accounts", "batch": batch})


@staff_member_required
@require_POST
def import_undo(request: StaffRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get_for_user(request.user, pk)
    try:
        result = services.import_undo_run(batch=batch, by=request.user)
    except services.ImportStateError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Import undone: %(removed)d records removed, %(restored)d restored, %(kept)d kept.")
            % {"removed": result.removed, "restored": result.restored, "kept": len(result.kept)},
        )
    return redirect("imports:result", batch.pk)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "message", error))


def _safe_next(request: StaffRequest, batch: Import) -> str:
    """Back to the page the form was on, if it is one of this import's pages."""
    target = request.POST.get("next", "")
    prefix = f"/imports/{batch.pk}/"
    if target.startswith(prefix) and "//" not in target:
        return target
    return batch.get_absolute_url()
