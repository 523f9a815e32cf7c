"""The one-time links: accepting an invitation and confirming a registration, each ending in
a new password and a signed-in portal user.

As Django's password reset does, the link's page keeps the secret in the session and sends
the browser on to a page whose address holds no secret, so it leaks through no Referer and no
browser history. An expired, used or forged link gets one page that says only that.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from kartoteka.core.validation import show_service_errors
from kartoteka.people import sign_in
from kartoteka.people.models import User
from kartoteka.portal.accounts import services
from kartoteka.portal.accounts.forms import NewPasswordForm
from kartoteka.portal.accounts.views.sign_in import portal_home

INVITATION_KEY = "kartoteka_portal_invitation"
REGISTRATION_KEY = "kartoteka_portal_registration"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def link_invalid(request: HttpRequest) -> HttpResponse:
    # 200, not 404: Django logs the path of every 4xx answer, and the path holds the secret.
    return render(request, "portal/account/link_invalid.html")


@never_cache
@require_http_methods(["GET"])
def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    if services.invitation_open(secret) is None:
        return link_invalid(request)
    request.session[INVITATION_KEY] = secret
    return redirect("portal:invitation-password")


@sensitive_variables("secret")
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_password(request: HttpRequest) -> HttpResponse:
    secret = str(request.session.get(INVITATION_KEY, ""))
    found = services.invitation_open(secret) if secret else None
    if found is None:
        return link_invalid(request)
    form = NewPasswordForm(request.POST or None, user=found.user)
    if form.is_valid():
        try:
            user = services.invitation_accept(
                secret=secret, password=form.cleaned_data["new_password1"]
            )
        except ValidationError:
            return link_invalid(request)
        request.session.pop(INVITATION_KEY, None)
        sign_in.complete(request, user, backend=BACKEND)
        return redirect(portal_home())
    context = {"form": form, "contact": found.contact, "username": found.user.username}
    return render(
        request, "portal/account/set_password.html", context, status=422 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET"])
def registration_confirm(request: HttpRequest, secret: str) -> HttpResponse:
    if not services.portal_settings().self_registration:
        return link_invalid(request)
    if services.registration_open(secret) is None:
        return link_invalid(request)
    request.session[REGISTRATION_KEY] = secret
    return redirect("portal:registration-password")


@sensitive_variables("secret")
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def registration_password(request: HttpRequest) -> HttpResponse:
    secret = str(request.session.get(REGISTRATION_KEY, ""))
    found = services.registration_open(secret) if secret else None
    if found is None or not services.portal_settings().self_registration:
        return link_invalid(request)
    # The validators compare the password with the name and address it will sign in with.
    future = User(username=found.email, email=found.email, last_name=found.last_name)
    form = NewPasswordForm(request.POST or None, user=future)
    if form.is_valid():
        try:
            user = services.registration_complete(
                secret=secret, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            request.session.pop(REGISTRATION_KEY, None)
            sign_in.complete(request, user, backend=BACKEND)
            return redirect(portal_home())
    context = {"form": form, "username": found.email}
    return render(
        request, "portal/account/set_password.html", context, status=422 if form.errors else 200
    )
