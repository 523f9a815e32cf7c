"""The public form: a visitor's submission becomes a case, a contact and a confirmation."""

from __future__ import annotations

import pytest
from django.test import Client

from kartoteka.cases.models import Case, CaseAttachment
from kartoteka.customers.models import Contact
from kartoteka.mail.models import Message
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.webforms import make_webform, visitor_post
from kartoteka.webforms.models import WebFormSubmission

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox():
    return make_mailbox("serwis@firma.example", is_default=True)


def test_the_form_page_shows_the_fields_and_a_token(mailbox) -> None:
    # given
    form = make_webform(phone="hidden")
    # when
    response = Client().get(form.public_path(), HTTP_ACCEPT_LANGUAGE="pl")
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="token"' in body
    assert 'name="phone"' not in body
    assert 'name="website"' in body
    assert '<html lang="pl">' in body
    assert "frame-ancestors 'self' https://www.firma.example" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_a_form_without_origins_may_not_be_framed(mailbox) -> None:
    form = make_webform(allowed_origins=[])
    response = Client().get(form.public_path())
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_form_language_wins_over_the_visitors(mailbox) -> None:
    form = make_webform(language="cs")
    response = Client().get(form.public_path(), HTTP_ACCEPT_LANGUAGE="pl")
    assert '<html lang="cs">' in response.content.decode()


def test_a_submission_creates_a_case_a_contact_and_a_confirmation(mailbox) -> None:
    # given
    form = make_webform()
    # when
    response = visitor_post(form)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/forms/{form.key}/thanks/"
    case = Case.objects.get()
    assert case.channel == Case.Channel.WEB_FORM
    assert case.subject == "Ekspres nie grzeje"
    assert case.assignee is None
    assert case.reporter.emails.get().address == "anna.nowak@klient.example"
    assert case.reporter.account is None
    assert (case.reporter.first_name, case.reporter.last_name) == ("Anna", "Nowak")
    assert "Piekarnia Nowak" in case.reporter.notes
    assert case.description.startswith("Ekspres w sali konferencyjnej przestał grzać wodę.")
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert message.case == case
    assert message.to == [{"name": "", "address": "anna.nowak@klient.example"}]
    assert f"[KART#{case.number}]" in message.subject
    assert message.from_address == "serwis@firma.example"
    submission = WebFormSubmission.objects.get()
    assert (submission.outcome, submission.case) == (WebFormSubmission.Outcome.ACCEPTED, case)


def test_the_thank_you_page_shows_the_forms_text(mailbox) -> None:
    form = make_webform(thank_you_text="Dziękujemy, <b>odezwiemy się</b>.")
    response = Client().get(f"/forms/{form.key}/thanks/")
    assert response.status_code == 200
    assert "Dziękujemy, &lt;b&gt;odezwiemy się&lt;/b&gt;." in response.content.decode()


def test_a_known_address_attaches_to_its_contact_and_customer(mailbox) -> None:
    # given
    account = AccountFactory(name="Hotel Pod Lipami")
    contact = ContactFactory(account=account, first_name="Ewa", last_name="Lis")
    EmailAddressFactory(contact=contact, address="ewa.lis@hotel.example")
    form = make_webform()
    # when
    visitor_post(form, email="Ewa.Lis@Hotel.example")
    # then
    case = Case.objects.get()
    assert (case.reporter, case.account) == (contact, account)
    assert list(case.contacts.all()) == [contact]
    assert Contact.objects.count() == 1


def test_a_shared_address_attaches_to_the_customer(mailbox) -> None:
    account = AccountFactory(name="Biuro Rachunkowe Saldo")
    EmailAddressFactory(account=account, contact=None, address="biuro@saldo.example")
    visitor_post(make_webform(), email="biuro@saldo.example")
    case = Case.objects.get()
    assert (case.reporter, case.account) == (None, account)


def test_the_form_settles_group_type_and_priority(mailbox) -> None:
    from kartoteka.cases.models import CaseGroup, CaseType, Priority

    group = CaseGroup.objects.create(name="Serwis")
    case_type = CaseType.objects.create(name="Awaria")
    priority = Priority.objects.create(name="Pilny")
    form = make_webform(group=group, case_type=case_type, priority=priority)
    visitor_post(form)
    case = Case.objects.get()
    assert (case.group, case.case_type, case.priority) == (group, case_type, priority)


def test_extra_questions_go_into_the_description(mailbox) -> None:
    form = make_webform(custom_fields=[{"label": "Numer seryjny", "required": True}])
    visitor_post(form, q0="SN-4411")
    assert "Numer seryjny: SN-4411" in Case.objects.get().description


def test_a_required_extra_question_left_empty_keeps_the_values(mailbox) -> None:
    form = make_webform(custom_fields=[{"label": "Numer seryjny", "required": True}])
    response = visitor_post(form, q0="")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Anna Nowak"' in body
    assert "Ekspres w sali konferencyjnej" in body
    assert Case.objects.count() == 0


def test_a_hidden_subject_is_made_from_the_form_and_the_name(mailbox) -> None:
    form = make_webform(subject="hidden")
    visitor_post(form)
    assert Case.objects.get().subject == "Zgłoszenie serwisowe: Anna Nowak"


def test_files_become_case_attachments(mailbox) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    form = make_webform(attachments=True)
    upload = SimpleUploadedFile("zdjecie.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")
    response = visitor_post(form, files=[upload])
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert (attachment.name, attachment.size, attachment.uploaded_by) == ("zdjecie.jpg", 6, None)


def test_the_rules_run_for_the_new_case(mailbox, django_capture_on_commit_callbacks) -> None:
    # given: a rule for cases that came through a web form
    from kartoteka.cases.models import Priority
    from kartoteka.testing.workflows import make_rule

    urgent = Priority.objects.create(name="Pilny z formularza", position=9)
    make_rule(
        conditions=[{"field": "channel", "value": "webform"}],
        actions=[{"kind": "set_field", "field": "priority", "value": str(urgent.pk)}],
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        visitor_post(make_webform())
    # then
    assert Case.objects.get().priority == urgent


def test_without_a_mailbox_the_case_is_still_made() -> None:
    visitor_post(make_webform())
    assert Case.objects.count() == 1
    assert Message.objects.count() == 0


def test_the_plain_html_snippet_gets_the_form_back_to_check_and_send(mailbox) -> None:
    # given: the snippet's form posts without a token
    form = make_webform()
    # when
    first = visitor_post(form, token="")
    # then
    assert first.status_code == 200
    body = first.content.decode()
    assert "Check what you entered and send the form." in body
    assert 'value="Anna Nowak"' in body
    assert Case.objects.count() == 0
    token = first.context["form"].data["token"]
    # when the visitor sends it again from our page
    second = visitor_post(form, token=token)
    assert second.status_code == 302
    assert Case.objects.count() == 1


def test_preview_pages_do_not_exist_for_visitors(mailbox) -> None:
    form = make_webform()
    response = Client().get(f"/forms/manage/{form.pk}/preview/")
    assert response.status_code == 302
