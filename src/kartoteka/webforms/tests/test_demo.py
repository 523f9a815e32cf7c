"""The demo's web form and the cases that came through it."""

from __future__ import annotations

import pytest

from kartoteka.cases.models import Case
from kartoteka.demo.webforms import FORM_NAME, demo_webforms
from kartoteka.mail.models import Message
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.webforms.models import WebForm, WebFormSubmission

pytestmark = pytest.mark.django_db


def test_the_demo_form_comes_with_its_cases_once() -> None:
    # given: the demo's customers and their people
    for n in range(12):
        contact = ContactFactory(account=AccountFactory(name=f"Firma {n:02d}"))
        EmailAddressFactory(contact=contact, address=f"osoba{n}@firma{n}.example")
    # when
    added = demo_webforms()
    again = demo_webforms()
    # then
    assert (added, again) == (3, 0)
    form = WebForm.objects.get()
    assert form.name == FORM_NAME
    assert Case.objects.filter(channel=Case.Channel.WEB_FORM).count() == 3
    assert WebFormSubmission.objects.filter(form=form, outcome="accepted").count() == 3
    assert Message.objects.count() == 0
