"""Merging a case into another: choose the target (search by number, subject or customer),
confirm with both side by side, merge (``cases.merge.case_merge``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from kartoteka.cases import selectors
from kartoteka.cases.candidates import case_candidate_get, case_candidates
from kartoteka.cases.forms_merge import CaseMergeForm
from kartoteka.core.access import case_worker_required
from kartoteka.mail import merge
from kartoteka.people.access import StaffRequest


@case_worker_required
@require_http_methods(["GET", "POST"])
def case_merge(request: StaffRequest, number: int) -> HttpResponse:
    source = selectors.case_get_for_user(request.user, number, write=True)
    raw = request.GET.get("target", "").strip().lstrip("#")
    target = (
        case_candidate_get(request.user, int(raw)) if raw.isdigit() and len(raw) <= 18 else None
    )
    data = request.POST if request.method == "POST" else None
    form = CaseMergeForm(data, user=request.user, initial={"target": target and target.number})
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            result = merge.case_merge(source=source, target=target, by=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            text = _("Case #%(source)s merged into this case.") % {"source": source.number}
            moved = ngettext(
                "%(count)s message moved.", "%(count)s messages moved.", result.messages
            ) % {"count": result.messages}
            messages.success(request, f"{text} {moved}")
            if result.contacts_left:
                names = ", ".join(str(contact) for contact in result.contacts_left)
                messages.warning(
                    request,
                    _("Contacts of another customer stayed on case #%(source)s: %(names)s.")
                    % {"source": source.number, "names": names},
                )
            return redirect(target)
    elif form.is_bound:
        target = form.cleaned_data.get("target")
    problem = ""
    if target is not None and not form.is_bound:
        try:
            merge.case_merge_check(source=source, target=target)
        except ValidationError as error:
            problem = " ".join(error.messages)
    query = request.GET.get("q", "")[:200]
    context = {
        "nav": "cases",
        "case": source,
        "target": target,
        "problem": problem,
        "form": form,
        "q": query,
        "cases": case_candidates(request.user, query, exclude=source) if query else [],
        "picker_url": reverse("desk:case-merge", args=[source.number]),
        "picker_label": _("Find the case to merge into by number, subject or customer"),
    }
    if request.htmx and request.method == "GET" and "q" in request.GET:
        return render(request, "cases/case_picker.html#case-results", context)
    return render(request, "desk/case_merge.html", context, status=form.status_code)
