"""Finding the case a message goes to or a case merges into: by number, subject or customer.

Reads only (like ``selectors``), starting from ``Case.objects.visible_to(user)``; cases merged
into another are never offered (their mail goes to the case they were merged into).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kartoteka.cases import search
from kartoteka.cases.models import Case
from kartoteka.customers.filters import account_search_q
from kartoteka.customers.models import Account

if TYPE_CHECKING:
    from kartoteka.people.models import User

CANDIDATES_SHOWN = 20


def _open_cases(user: User) -> QuerySet[Case]:
    return (
        Case.objects.visible_to(user)
        .filter(merged_into__isnull=True)
        .select_related("account", "status")
    )


def case_candidates(user: User, text: str, *, exclude: Case | None = None) -> list[Case]:
    """Visible, unmerged cases matching ``text``: a number ("3932", "#3932": that case first,
    then numbers containing it), else a subject or customer (name, NIP, email domain)
    containing it; newest first."""
    text = text.strip().lstrip("#").strip()
    if not text:
        return []
    base = _open_cases(user)
    if exclude is not None:
        base = base.exclude(pk=exclude.pk)
    if text.isdigit():
        exact = list(base.filter(number=int(text))) if len(text) <= 18 else []
        others = search.number_contains(base, text).exclude(pk__in=[c.pk for c in exact])
        return [*exact, *others.order_by("-number")[: CANDIDATES_SHOWN - len(exact)]]
    if len(text) < 2:
        return []
    customers = Account.objects.filter(account_search_q(text)).values("pk")
    matching = search.subject_contains(base, text) | base.filter(account__in=customers)
    return list(matching.order_by("-number")[:CANDIDATES_SHOWN])


def case_candidate_get(user: User, number: int) -> Case | None:
    """The visible case with this number (merged ones included, for a clear refusal)."""
    return (
        Case.objects.visible_to(user)
        .select_related("account", "status")
        .filter(number=number)
        .first()
    )
