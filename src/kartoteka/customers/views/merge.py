"""Merging two accounts: pick the other account, compare them side by side, confirm.

The account whose page the user started from is the one kept; the comparison page offers to
swap. Both accounts must be visible (else 404) and editable; ``customers.merge`` does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.core.access import staff_member_required
from kartoteka.core.sentences import single_stop
from kartoteka.customers import selectors
from kartoteka.customers.forms import AccountMergeForm
from kartoteka.customers.merge import ComparedField, account_merge, merge_comparison, merge_moves
from kartoteka.people.access import StaffRequest


@staff_member_required
@require_GET
def account_merge_pick(request: StaffRequest, pk: int) -> HttpResponse:
    """The accounts to merge with: those sharing the NIP or REGON, or those found by a search."""
    account = selectors.account_get_for_user(request.user, pk, write=True)
    query = request.GET.get("q", "")[:200]
    context = {
        "nav": "accounts",
        "account": account,
        "query": query,
        "candidates": selectors.account_merge_candidates(request.user, account, query),
    }
    return render(request, "customers/account_merge_pick.html", context)


@dataclass(frozen=True)
class ComparedRow:
    """A row of the comparison with its choice (None where both values are the same)."""

    compared: ComparedField
    choice: BoundField | None

    def radios(self) -> list[Any]:
        return list(self.choice) if self.choice is not None else []


@staff_member_required
@require_http_methods(["GET", "POST"])
def account_merge_confirm(request: StaffRequest, pk: int, other_pk: int) -> HttpResponse:
    """Both accounts side by side, a choice per differing field; POST merges ``other_pk``
    into ``pk`` and shows the kept account."""
    kept = selectors.account_get_for_user(request.user, pk, write=True)
    if other_pk == kept.pk:
        messages.error(request, _("An account cannot be merged with itself; choose another."))
        return redirect("customers:account-merge", pk=kept.pk)
    merged = selectors.account_get_for_user(request.user, other_pk, write=True)
    comparison = merge_comparison(kept, merged)
    form = AccountMergeForm(
        request.POST if request.method == "POST" else None, comparison=comparison
    )
    if form.is_valid():
        try:
            result = account_merge(by=request.user, kept=kept, merged=merged, fields=form.sides())
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                single_stop(
                    _("%(merged)s merged into %(kept)s.")
                    % {"merged": result.merged_name, "kept": result.kept.name}
                ),
            )
            return redirect(result.kept)
    rows = [
        ComparedRow(row, form[row.group] if row.group in form.fields else None)
        for row in comparison
    ]
    context = {
        "nav": "accounts",
        "kept": kept,
        "merged": merged,
        "form": form,
        "rows": rows,
        "moves": merge_moves(merged, request.user),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "customers/account_merge_confirm.html", context, status=status)
