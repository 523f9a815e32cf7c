"""The sign-in pages: the password, then the code for users with an authenticator."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kartoteka.people import sign_in, throttling
from kartoteka.people.forms import CodeForm
from kartoteka.people.models import User

NEXT_KEY = "kartoteka_sign_in_next"


class SignInView(LoginView):
    """Django's sign-in page, which hands users with an authenticator on to the code step."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        assert isinstance(user, User)  # noqa: S101 (AUTH_USER_MODEL)
        if user.role == User.Role.PORTAL and not user.is_superuser:
            # Customers sign in to the portal, whose pages and second step are their own.
            messages.info(self.request, _("Customers sign in here, to the customer portal."))
            return redirect("portal:login")
        if sign_in.password_passed(self.request, user):
            return HttpResponseRedirect(self.get_success_url())
        self.request.session[NEXT_KEY] = self.get_redirect_url()
        return redirect("sign-in-code")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    pending = sign_in.pending(request)
    if pending is None:
        return redirect("login")
    if sign_in.is_locked(request, pending.user):
        credentials = {"username": pending.user.get_username()}
        return throttling.lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if sign_in.code_accepted(request, pending.user, form.cleaned_data["code"]):
            sign_in.complete(request, pending.user, backend=pending.backend)
            return redirect(_next_page(request))
        form.add_error("code", _("The code is wrong or was used already."))
    return render(request, "registration/sign_in_code.html", {"form": form}, status=_status(form))


def _next_page(request: HttpRequest) -> str:
    wanted = request.session.pop(NEXT_KEY, "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else resolve_url(settings.LOGIN_REDIRECT_URL)


def _status(form: CodeForm) -> int:
    return 422 if form.is_bound else 200
