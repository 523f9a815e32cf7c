"""Creation forms that act once, however often they are posted.

A creation form carries a one-time token (``SubmitOnceForm``). The view wraps its service
call in ``submit_once``: the token is claimed in the same transaction as the creation, so a
second post of the same form (a double click, a browser retry, the back button) waits for
the first and is sent to what the first created instead of creating it again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kartoteka.core.models import FormSubmission

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

KEEP_TOKENS_FOR = timedelta(days=2)


class SubmitOnceForm(forms.Form):
    """Adds the hidden one-time token; mix it into a creation form."""

    # Optional: a client that sends no token (a script, an old page) simply has no guard.
    submission_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial["submission_token"] = secrets.token_urlsafe(24)


def submit_once(
    *, user: AbstractBaseUser, token: str, create: Callable[[], str]
) -> tuple[str, bool]:
    """Run ``create`` (which returns the URL of what it made) once per token.

    Returns the URL and whether this call created it. Exceptions of ``create`` roll the
    token back with everything else, so a corrected form can be posted again.
    """
    if not token:
        return create(), True
    try:
        with transaction.atomic():
            claim = FormSubmission.objects.create(token=token, user_id=user.pk)
            url = create()
            claim.result_url = url
            claim.save(update_fields=["result_url"])
    except IntegrityError:
        earlier = FormSubmission.objects.filter(token=token, user_id=user.pk).first()
        if earlier is None or not earlier.result_url:
            raise
        return earlier.result_url, False
    FormSubmission.objects.filter(created_at__lt=timezone.now() - KEEP_TOKENS_FOR).delete()
    return url, True


def announce_creation(request: HttpRequest, created: bool, message: str) -> None:
    """The toast after a creation form: the success, or that a repeated post changed nothing."""
    if created:
        messages.success(request, message)
    else:
        messages.info(request, _("This form was already sent; nothing was added twice."))
