"""The portal user's profile: name, language, email about their cases, password and
two-factor sign-in (the staff's machinery, ``people.two_factor``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseBase
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from kartoteka.core.validation import show_service_errors
from kartoteka.people import two_factor
from kartoteka.people.forms import CodeForm
from kartoteka.people.models import User
from kartoteka.portal.accounts import services
from kartoteka.portal.accounts.forms import PasswordConfirmForm, ProfileForm
from kartoteka.portal.guard import PortalRequest, portal_render, portal_user_required


@portal_user_required
@require_http_methods(["GET", "POST"])
def profile(request: PortalRequest) -> HttpResponseBase:
    user = request.user
    initial = {
        "first_name": request.portal_contact.first_name,
        "last_name": request.portal_contact.last_name,
        "language": user.language or translation.get_language(),
        "notify_by_email": user.notification_email != User.NotificationEmail.OFF,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=user,
                contact=request.portal_contact,
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                notify_by_email=data["notify_by_email"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            translation.activate(data["language"])
            messages.success(request, _("Your profile is saved."))
            response = redirect("portal:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, data["language"], samesite="Lax")
            return response
    context = {
        "nav": "profile",
        "form": form,
        "has_authenticator": two_factor.has_authenticator(user),
    }
    return portal_render(request, "portal/account/profile.html", context)


@sensitive_post_parameters()
@portal_user_required
@require_http_methods(["GET", "POST"])
def password_change(request: PortalRequest) -> HttpResponseBase:
    form = PasswordChangeForm(request.user, request.POST or None)
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password is changed."))
        return redirect("portal:profile")
    context = {"nav": "profile", "form": form}
    return portal_render(request, "portal/account/password_change.html", context)


@sensitive_post_parameters()
@portal_user_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: PortalRequest) -> HttpResponseBase:
    """Set up an authenticator (secret, QR code, first code), or see it is on and turn it off
    with the password."""
    user = request.user
    if two_factor.has_authenticator(user):
        context = {
            "nav": "profile",
            "has_authenticator": True,
            "unused_codes": two_factor.unused_recovery_code_count(user),
            "off_form": PasswordConfirmForm(user=user),
        }
        return portal_render(request, "portal/account/two_factor.html", context)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            codes = two_factor.authenticator_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Two-factor sign-in is on."))
            return _recovery_codes_page(request, codes)
    device = two_factor.authenticator_start(user=user)
    context = {
        "nav": "profile",
        "form": form,
        "secret": two_factor.authenticator_secret(device),
        "qr_svg": two_factor.authenticator_qr_svg(device),
    }
    return portal_render(request, "portal/account/two_factor.html", context)


@sensitive_post_parameters()
@portal_user_required
@require_POST
def two_factor_off(request: PortalRequest) -> HttpResponseBase:
    form = PasswordConfirmForm(request.POST, user=request.user)
    if not form.is_valid():
        context = {
            "nav": "profile",
            "has_authenticator": two_factor.has_authenticator(request.user),
            "unused_codes": two_factor.unused_recovery_code_count(request.user),
            "off_form": form,
        }
        response = portal_render(request, "portal/account/two_factor.html", context)
        response.status_code = 422
        return response
    two_factor.two_factor_reset(user=request.user)
    messages.success(request, _("Two-factor sign-in is off: the password alone signs you in."))
    return redirect("portal:profile")


@portal_user_required
@require_POST
def recovery_codes_renew(request: PortalRequest) -> HttpResponseBase:
    try:
        codes = two_factor.recovery_codes_renew(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal:two-factor")
    return _recovery_codes_page(request, codes)


def _recovery_codes_page(request: PortalRequest, codes: list[str]) -> HttpResponseBase:
    """The codes in plain text, this once (a response, not a redirect: nothing keeps them)."""
    return portal_render(
        request, "portal/account/recovery_codes.html", {"nav": "profile", "codes": codes}
    )
