"""Each user's own two-factor sign-in, and the administrator's reset of another's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.core.access import administrator_required
from kartoteka.core.validation import show_service_errors
from kartoteka.people import two_factor
from kartoteka.people.access import StaffRequest
from kartoteka.people.forms import CodeForm
from kartoteka.people.models import User
from kartoteka.people.sign_in import SETUP_REQUIRED_KEY


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: StaffRequest) -> HttpResponse:
    """The user's authenticator: set one up (secret, QR code, first code), or see it is on."""
    user = request.user
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            codes = two_factor.authenticator_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            request.session.pop(SETUP_REQUIRED_KEY, None)
            messages.success(request, _("Two-factor sign-in is on."))
            return _recovery_codes_page(request, codes)
    context: dict[str, object] = {
        "nav": "preferences",
        "has_authenticator": two_factor.has_authenticator(user),
        "required": bool(request.session.get(SETUP_REQUIRED_KEY)),
    }
    if context["has_authenticator"]:
        context["unused_codes"] = two_factor.unused_recovery_code_count(user)
    else:
        device = two_factor.authenticator_start(user=user)
        context |= {
            "form": form,
            "secret": two_factor.authenticator_secret(device),
            "qr_svg": two_factor.authenticator_qr_svg(device),
        }
    return render(request, "people/two_factor.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def recovery_codes_renew(request: StaffRequest) -> HttpResponse:
    try:
        codes = two_factor.recovery_codes_renew(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("people:two-factor")
    return _recovery_codes_page(request, codes)


def _recovery_codes_page(request: StaffRequest, codes: list[str]) -> HttpResponse:
    """The codes in plain text, this once (a response, not a redirect: nothing keeps them)."""
    context = {"nav": "preferences", "codes": codes}
    return render(request, "people/recovery_codes.html", context)


@administrator_required
@require_POST
def user_two_factor_reset(request: StaffRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    two_factor.two_factor_reset(user=user)
    messages.success(
        request,
        _("Two-factor sign-in of %(user)s is reset: the password alone signs in.") % {"user": user},
    )
    return redirect(user)
