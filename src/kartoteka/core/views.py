"""The administrator's dictionary pages; the entry list is an htmx partial of the edit page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core import selectors, services
from kartoteka.core.access import SignedInRequest, administrator_required
from kartoteka.core.forms import DictionaryCreateForm, DictionaryForm, EntryLabelForm, EntryMoveForm
from kartoteka.core.models import Dictionary, DictionaryEntry
from kartoteka.core.once import submit_once

EDIT_TEMPLATE = "core/dictionary_edit.html"


@administrator_required
@require_GET
def dictionary_list(request: HttpRequest) -> HttpResponse:
    context = {"nav": "dictionaries", "groups": selectors.dictionary_groups()}
    return render(request, "core/dictionary_list.html", context)


@administrator_required
@require_http_methods(["GET", "POST"])
def dictionary_create(request: SignedInRequest) -> HttpResponse:
    initial = {"applies_to": request.GET.get("applies_to")}
    form = DictionaryCreateForm(request.POST or None, initial=initial)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in DictionaryForm.Meta.fields}
        try:
            url, _created = submit_once(
                user=request.user,
                token=form.cleaned_data["submission_token"],
                create=lambda: services.dictionary_create(**data).get_absolute_url(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Dictionary created. Now add its values."))
            return redirect(url)
    return render(request, "core/dictionary_form.html", {"nav": "dictionaries", "form": form})


@administrator_required
@require_http_methods(["GET", "POST"])
def dictionary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    dictionary = get_object_or_404(Dictionary, pk=pk)
    form = DictionaryForm(request.POST or None, instance=dictionary)
    if form.is_valid():
        try:
            services.dictionary_update(dictionary=dictionary, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Dictionary saved."))
            return redirect("core:dictionary-list")
    dictionary.refresh_from_db()
    return render(request, EDIT_TEMPLATE, _edit_context(dictionary, form=form))


@administrator_required
@require_http_methods(["GET", "POST"])
def dictionary_delete(request: HttpRequest, pk: int) -> HttpResponse:
    dictionary = get_object_or_404(Dictionary, pk=pk)
    if request.method == "POST":
        services.dictionary_delete(dictionary=dictionary)
        messages.success(request, _("Dictionary %(name)s deleted.") % {"name": dictionary.name})
        return redirect("core:dictionary-list")
    context = {
        "nav": "dictionaries",
        "dictionary": dictionary,
        "usage": selectors.dictionary_usage(dictionary),
    }
    return render(request, "core/dictionary_confirm_delete.html", context)


@administrator_required
@require_POST
def dictionary_entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    dictionary = get_object_or_404(Dictionary, pk=pk)
    form = EntryLabelForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            entry = services.dictionary_entry_add(dictionary=dictionary, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _entries_changed(
                request, dictionary, _("Value %(label)s added.") % {"label": entry.label}
            )
    return _entries_refused(request, dictionary, add_form=form)


@administrator_required
@require_POST
def dictionary_entry_rename(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = get_object_or_404(
        DictionaryEntry.objects.select_related("dictionary"), pk=entry_pk, dictionary_id=pk
    )
    form = EntryLabelForm(request.POST, prefix=f"entry-{entry.pk}")
    if form.is_valid():
        try:
            services.dictionary_entry_rename(entry=entry, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _entries_changed(
                request, entry.dictionary, _("Value renamed to %(label)s.") % {"label": entry.label}
            )
    return _entries_refused(request, entry.dictionary, failed=(entry.pk, form))


@administrator_required
@require_POST
def dictionary_entry_move(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = get_object_or_404(
        DictionaryEntry.objects.select_related("dictionary"), pk=entry_pk, dictionary_id=pk
    )
    form = EntryMoveForm(request.POST)
    if form.is_valid():
        services.dictionary_entry_move(entry=entry, direction=form.cleaned_data["direction"])
    return _entries_changed(
        request, entry.dictionary, _("Value %(label)s moved.") % {"label": entry.label}
    )


@administrator_required
@require_POST
def dictionary_entry_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = get_object_or_404(
        DictionaryEntry.objects.select_related("dictionary"), pk=entry_pk, dictionary_id=pk
    )
    services.dictionary_entry_delete(entry=entry)
    return _entries_changed(
        request, entry.dictionary, _("Value %(label)s deleted.") % {"label": entry.label}
    )


def _edit_context(
    dictionary: Dictionary,
    *,
    form: DictionaryForm | None = None,
    add_form: EntryLabelForm | None = None,
    failed: tuple[int, EntryLabelForm] | None = None,
    status: str = "",
) -> dict[str, Any]:
    """The edit page's context; ``failed`` is the entry whose rename was refused, with its form."""
    rows = [
        (
            entry,
            failed[1]
            if failed and failed[0] == entry.pk
            else EntryLabelForm(initial={"label": entry.label}, prefix=f"entry-{entry.pk}"),
        )
        for entry in dictionary.entries.order_by("position", "label", "pk")
    ]
    return {
        "nav": "dictionaries",
        "dictionary": dictionary,
        "form": form or DictionaryForm(instance=dictionary),
        "rows": rows,
        "add_form": add_form or EntryLabelForm(prefix="new"),
        "status": status,
    }


def _entries_changed(request: HttpRequest, dictionary: Dictionary, status: str) -> HttpResponse:
    """The fresh entry list for htmx; a plain post goes back to the edit page with a toast."""
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, status)
        return redirect(dictionary)
    return _entries(request, _edit_context(dictionary, status=status))


def _entries_refused(request: HttpRequest, dictionary: Dictionary, **forms: Any) -> HttpResponse:
    """The entry list with the refused form's errors (the whole page without htmx)."""
    context = _edit_context(dictionary, **forms)
    if not request.htmx:  # type: ignore[attr-defined]
        return render(request, EDIT_TEMPLATE, context, status=422)
    return _entries(request, context)


def _entries(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    response = render(request, f"{EDIT_TEMPLATE}#entries", context)
    patch_vary_headers(response, ["HX-Request"])
    return response
