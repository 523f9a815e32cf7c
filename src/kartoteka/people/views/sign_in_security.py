"""The administrator's sign-in security page: the two-factor policy and locked sign-ins."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.core.access import administrator_required
from kartoteka.people import throttling, two_factor
from kartoteka.people.access import StaffRequest
from kartoteka.people.forms import SignInPolicyForm, UnlockForm
from kartoteka.people.models import User
from kartoteka.people.sign_in import SETUP_REQUIRED_KEY


@administrator_required
@require_http_methods(["GET", "POST"])
def sign_in_security(request: StaffRequest) -> HttpResponse:
    form = SignInPolicyForm(request.POST or None, instance=two_factor.sign_in_policy())
    if form.is_valid():
        required = form.cleaned_data["two_factor_required_for_administrators"]
        two_factor.sign_in_policy_set(
            two_factor_required_for_administrators=required,
            keep_session=request.session.session_key,
        )
        messages.success(request, _("Sign-in policy saved."))
        if two_factor.setup_required(request.user):
            request.session[SETUP_REQUIRED_KEY] = True
        return redirect("people:sign-in-security")
    context = {"nav": "sign-in-security", "form": form, "locks": throttling.locks()}
    return render(request, "people/sign_in_security.html", context)


@administrator_required
@require_POST
def sign_in_unlock(request: StaffRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("There is no such lock."))
    elif throttling.unlock(kind=form.cleaned_data["kind"], value=form.cleaned_data["value"]):
        messages.success(request, _("%(value)s can sign in again.") % form.cleaned_data)
    else:
        messages.info(request, _("%(value)s was not locked.") % form.cleaned_data)
    return redirect("people:sign-in-security")


@administrator_required
@require_POST
def user_unlock(request: StaffRequest, pk: int) -> HttpResponse:
    """Lift the lock of this user's name (the edit page's button)."""
    user = get_object_or_404(User, pk=pk)
    throttling.unlock(kind="username", value=user.get_username())
    messages.success(request, _("%(value)s can sign in again.") % {"value": user.get_username()})
    return redirect(user)
