"""Following a case by hand: the button on the case page and the list of its followers.

With htmx the button and the list are swapped in place; without a script the same POST
redirects back to the case page with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kartoteka.cases import following, selectors
from kartoteka.cases.models import Case
from kartoteka.core.access import case_worker_required
from kartoteka.people.access import StaffRequest


def _answer(request: StaffRequest, case: Case, *, message: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{case.get_absolute_url()}#followers")
    followers = following.case_followers(case)
    context = {
        "case": case,
        "followers": followers,
        "following": any(user.pk == request.user.pk for user in followers),
        "toast": message,
    }
    return render(request, "desk/case_page.html#followers", context)


@case_worker_required
@require_POST
def case_follow(request: StaffRequest, number: int) -> HttpResponse:
    """Follow the case: be told what happens to it."""
    case = selectors.case_get_for_user(request.user, number)
    following.case_follow(case=case, user=request.user)
    return _answer(request, case, message=_("You follow case #%(number)s.") % {"number": number})


@case_worker_required
@require_POST
def case_unfollow(request: StaffRequest, number: int) -> HttpResponse:
    """Stop following the case (a later note mentioning the user makes them follow again)."""
    case = selectors.case_get_for_user(request.user, number)
    following.case_unfollow(case=case, user=request.user)
    return _answer(
        request, case, message=_("You no longer follow case #%(number)s.") % {"number": number}
    )
