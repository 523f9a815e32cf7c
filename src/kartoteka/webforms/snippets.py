"""The HTML an administrator pastes into the company's website to show a form.

Two ways, both without JavaScript on the website: a frame of the form's public page (shown
only on the form's allowed origins), or a plain HTML form that posts to the public page; its
first post (without a token) gets the form back on Kartoteka's page with the values kept, to
check and send.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kartoteka.webforms.forms import PublicForm
from kartoteka.webforms.models import WebForm
from kartoteka.webforms.services import form_language


def public_url(form: WebForm) -> str:
    return settings.SITE_URL + form.public_path()


def iframe_snippet(form: WebForm) -> str:
    return render_to_string(
        "webforms/snippet_iframe.html", {"url": public_url(form), "webform": form}
    ).strip()


def html_snippet(form: WebForm) -> str:
    """The plain form, labelled in the form's language (else the installation's)."""
    with translation.override(form_language(form)):
        return render_to_string(
            "webforms/snippet_form.html",
            {"url": public_url(form), "webform": form, "form": PublicForm(form)},
        ).strip()
