"""The public form (``/forms/<key>/``): shown to anyone, posted from anywhere allowed.

Posts come from other sites (the form pasted into the company's website), so the view is
exempt from Django's CSRF check and protected instead, in this order: the declared size
(413), the per-address rate (429), the posting page's origin (403), the robot trap (a filled
one gets the thank-you page, nothing is created), the signed one-time token (a post without
one, as the plain HTML snippet sends first, gets the form back with the values kept and a
fresh token, to check and send), the proof of work when the form asks for it, the fields'
values, then the submission service (a replayed token: 409). Every refusal re-renders the
form with the values kept and says what to do.

The response may be shown in a frame only by the form's allowed origins (CSP
``frame-ancestors`` for this response; X-Frame-Options is left out then).
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from kartoteka.people.throttling import client_address
from kartoteka.webforms import guards, services
from kartoteka.webforms.forms import PublicForm
from kartoteka.webforms.models import WebForm, WebFormSubmission
from kartoteka.webforms.tokens import TokenError, proof_valid, token_issue, token_read

Outcome = WebFormSubmission.Outcome


def framed(response: HttpResponse, form: WebForm) -> HttpResponse:
    """Let the form's allowed origins (only they) show this response in a frame."""
    if form.allowed_origins:
        response._csp_config = {  # type: ignore[attr-defined]
            **settings.SECURE_CSP,
            "frame-ancestors": [CSP.SELF, *form.allowed_origins],
        }
        response.xframe_options_exempt = True  # type: ignore[attr-defined]
    return response


def _language(request: HttpRequest, form: WebForm) -> str:
    return services.form_language(form, translation.get_language_from_request(request))


def page(
    request: HttpRequest,
    form: WebForm,
    public: PublicForm,
    *,
    status: int = 200,
    notice: str = "",
    preview: bool = False,
) -> HttpResponse:
    """The form page with a fresh token (the values of ``public`` kept)."""
    token = token_issue(form.key)
    if public.is_bound:
        data = cast(QueryDict, public.data).copy()
        data["token"] = token
        data["pow"] = ""
        public.data = data
    else:
        public.initial["token"] = token
    context: dict[str, Any] = {
        "webform": form,
        "form": public,
        "notice": notice,
        "preview": preview,
        "pow_bits": form.proof_of_work_bits if form.proof_of_work else 0,
    }
    response = render(request, "webforms/public.html", context, status=status)
    return framed(response, form)


def _refused(
    request: HttpRequest,
    form: WebForm,
    hashed: str,
    outcome: str,
    *,
    status: int,
    message: str,
) -> HttpResponse:
    guards.refusal_record(form, hashed, outcome)
    context = {"webform": form, "message": message, "status": status}
    response = render(request, "webforms/refused.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(form.rate_limit_minutes * 60)
    return framed(response, form)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, key: str) -> HttpResponse:
    form = get_object_or_404(WebForm, key=key, active=True)
    with translation.override(_language(request, form)):
        if request.method != "POST":
            return page(request, form, PublicForm(form))
        return _submit(request, form)


def _submit(request: HttpRequest, form: WebForm) -> HttpResponse:
    hashed = guards.address_hash(client_address(request))
    if guards.request_too_large(form, request):
        message = _("What you sent is too large. Send shorter texts or smaller files.")
        return _refused(request, form, hashed, Outcome.TOO_LARGE, status=413, message=message)
    if guards.rate_exceeded(form, hashed):
        return _refused(request, form, hashed, Outcome.RATE_LIMITED, status=429, message=_limit())
    if not guards.origin_allowed(form, request):
        message = _("This form may not be sent from the page you used.")
        return _refused(request, form, hashed, Outcome.ORIGIN, status=403, message=message)
    public = PublicForm(form, request.POST, request.FILES)
    if public.trapped():
        guards.refusal_record(form, hashed, Outcome.HONEYPOT)
        return redirect("webforms:thanks", key=form.key)
    raw_token = str(request.POST.get("token", ""))
    if not raw_token:
        guards.refusal_record(form, hashed, Outcome.BAD_TOKEN)
        notice = _("Check what you entered and send the form.")
        if form.attachments:
            notice += " " + _("Files are not carried over: attach them again.")
        return page(request, form, public, notice=notice)
    try:
        token = token_read(raw_token, form_key=form.key)
    except TokenError:
        guards.refusal_record(form, hashed, Outcome.BAD_TOKEN)
        notice = _("The form has expired. Check what you entered and send it again.")
        return page(request, form, public, status=400, notice=notice)
    if form.proof_of_work and not proof_valid(
        raw_token, str(request.POST.get("pow", "")), bits=form.proof_of_work_bits
    ):
        guards.refusal_record(form, hashed, Outcome.PROOF_OF_WORK)
        notice = _(
            "This form needs JavaScript to confirm that you are not a robot. Turn JavaScript "
            "on and send it again."
        )
        return page(request, form, public, status=400, notice=notice)
    if not public.is_valid():
        guards.refusal_record(form, hashed, Outcome.INVALID)
        notice = _("Some values need correcting; see the messages below.")
        return page(request, form, public, status=400, notice=notice)
    try:
        services.submission_accept(
            form=form,
            data=public.submission(),
            address_hash=hashed,
            nonce=token.nonce,
            language=translation.get_language() or "",
        )
    except services.ReplayedError:
        guards.refusal_record(form, hashed, Outcome.REPLAYED)
        message = _("This form was already sent. To send another, open the form again.")
        context = {"webform": form, "message": message, "status": 409}
        return framed(render(request, "webforms/refused.html", context, status=409), form)
    except services.RateLimitedError:
        return _refused(request, form, hashed, Outcome.RATE_LIMITED, status=429, message=_limit())
    except ValidationError as error:
        guards.refusal_record(form, hashed, Outcome.INVALID)
        for message in error.messages:
            public.add_error(None, message)
        return page(request, form, public, status=400, notice=" ".join(error.messages))
    return redirect("webforms:thanks", key=form.key)


def _limit() -> str:
    return _("Too many submissions from your address. Please try again later.")


@never_cache
@require_GET
def thanks(request: HttpRequest, key: str) -> HttpResponse:
    form = get_object_or_404(WebForm, key=key, active=True)
    with translation.override(_language(request, form)):
        response = render(request, "webforms/thanks.html", {"webform": form})
    return framed(response, form)
