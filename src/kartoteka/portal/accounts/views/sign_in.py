"""The portal's sign-in: the password, then a code for users with an authenticator, and
signing out. Throttled like the staff's sign-in (django-axes, ``people.sign_in``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kartoteka.people import sign_in, throttling
from kartoteka.people.forms import CodeForm
from kartoteka.people.models import User
from kartoteka.portal.accounts import services
from kartoteka.portal.accounts.forms import PortalSignInForm
from kartoteka.portal.guard import portal_contact_of

SIGN_IN_TEMPLATE = "portal/account/login.html"
NEXT_KEY = "kartoteka_portal_sign_in_next"


def portal_home() -> str:
    """Where a signed-in portal user starts: their cases."""
    return reverse("portal:case-list")


class PortalSignInView(LoginView):
    form_class = PortalSignInForm
    template_name = SIGN_IN_TEMPLATE

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A locked sign-in is answered with this page (``throttling.lockout_response``).
        request.sign_in_template = SIGN_IN_TEMPLATE  # type: ignore[attr-defined]
        if portal_contact_of(request.user) is not None:
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return portal_home()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self_registration = services.portal_settings().self_registration
        return super().get_context_data(**kwargs) | {"self_registration": self_registration}

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        assert isinstance(user, User)  # noqa: S101 (AUTH_USER_MODEL)
        if sign_in.password_passed(self.request, user):
            return HttpResponseRedirect(self.get_success_url())
        self.request.session[NEXT_KEY] = self.get_redirect_url()
        return redirect("portal:login-code")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    request.sign_in_template = SIGN_IN_TEMPLATE  # type: ignore[attr-defined]
    pending = sign_in.pending(request)
    if pending is None or pending.user.role != User.Role.PORTAL:
        return redirect("portal:login")
    if sign_in.is_locked(request, pending.user):
        credentials = {"username": pending.user.get_username()}
        return throttling.lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if sign_in.code_accepted(request, pending.user, form.cleaned_data["code"]):
            sign_in.complete(request, pending.user, backend=pending.backend)
            return redirect(_next_page(request))
        form.add_error("code", _("The code is wrong or was used already."))
    status = 422 if form.is_bound else 200
    return render(request, "portal/account/login_code.html", {"form": form}, status=status)


def _next_page(request: HttpRequest) -> str:
    wanted = request.session.pop(NEXT_KEY, "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else portal_home()


class PortalSignOutView(LogoutView):
    next_page = "portal:login"
