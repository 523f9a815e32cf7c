"""Pages a stranger may ask things of: self-registration and the password reset. Their
answers are the same whether an address or a domain is known; each is limited per client
address and per email address (``services.mail_request_allowed``)."""

from __future__ import annotations

from django.contrib.auth.views import PasswordResetConfirmView
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from kartoteka.people.models import User
from kartoteka.people.throttling import client_address
from kartoteka.portal.accounts import services
from kartoteka.portal.accounts.forms import PasswordResetRequestForm, RegistrationForm
from kartoteka.portal.accounts.tokens import password_reset_tokens
from kartoteka.portal.models import PortalMailRequest

TOO_MANY = 429


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/account/too_many.html", status=TOO_MANY)


@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest) -> HttpResponse:
    if not services.portal_settings().self_registration:
        raise Http404
    form = RegistrationForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        if not services.mail_request_allowed(
            kind=PortalMailRequest.Kind.REGISTRATION,
            client_address=client_address(request),
            email=data["email"],
        ):
            return _too_many(request)
        services.registration_request(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=get_language() or "",
        )
        return redirect("portal:registration-sent")
    status = 422 if form.errors else 200
    return render(request, "portal/account/register.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def registration_sent(request: HttpRequest) -> HttpResponse:
    if not services.portal_settings().self_registration:
        raise Http404
    return render(request, "portal/account/register_sent.html")


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = PasswordResetRequestForm(request.POST or None)
    if form.is_valid():
        email = form.cleaned_data["email"]
        if not services.mail_request_allowed(
            kind=PortalMailRequest.Kind.PASSWORD_RESET,
            client_address=client_address(request),
            email=email,
        ):
            return _too_many(request)
        services.password_reset_request(email=email)
        return redirect("portal:password-reset-sent")
    status = 422 if form.errors else 200
    return render(request, "portal/account/password_reset.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/account/password_reset_sent.html")


class PortalPasswordResetConfirmView(PasswordResetConfirmView):
    """Django's page behind a reset link, for active portal logins only, with the portal's
    own tokens (no other reset link of the installation works here)."""

    template_name = "portal/account/password_reset_confirm.html"
    token_generator = password_reset_tokens
    success_url = reverse_lazy("portal:password-reset-done")

    def get_user(self, uidb64: str) -> User | None:  # type: ignore[override]
        try:
            pk = urlsafe_base64_decode(uidb64).decode()
        except (TypeError, ValueError, OverflowError):
            return None
        if not pk.isdigit() or len(pk) > 18:
            return None
        return User.objects.filter(
            pk=int(pk), role=User.Role.PORTAL, is_active=True, portal_contact__isnull=False
        ).first()


@require_http_methods(["GET"])
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/account/password_reset_done.html")
