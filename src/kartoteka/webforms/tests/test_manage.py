"""The administrator's pages: list, create, edit with the snippets, delete, log, preview."""

from __future__ import annotations

import pytest
from django.test import Client

from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.sending import make_mailbox
from kartoteka.testing.webforms import make_webform, visitor_post
from kartoteka.webforms.models import WebForm

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_forms_with_their_accepted_count(admin_client_) -> None:
    form = make_webform()
    visitor_post(form)
    response = admin_client_.get("/forms/manage/")
    assert response.status_code == 200
    assert [(f.name, f.accepted) for f in response.context["forms"]] == [
        ("Zgłoszenie serwisowe", 1)
    ]


def test_the_list_reads_a_fixed_number_of_queries(admin_client_, django_assert_max_num_queries):
    for n in range(5):
        make_webform(f"Formularz {n}")
    with django_assert_max_num_queries(8):
        assert admin_client_.get("/forms/manage/").status_code == 200


def test_an_empty_list_says_what_to_do(admin_client_) -> None:
    assert "No web forms yet." in admin_client_.get("/forms/manage/").content.decode()


@pytest.mark.parametrize("persona", ["agent", "manager", "outsider", "clerk"])
def test_only_administrators_manage_forms(persona, request) -> None:
    form = make_webform()
    client = client_for(request.getfixturevalue(persona))
    for url in ("/forms/manage/", "/forms/manage/new/", f"/forms/manage/{form.pk}/"):
        assert client.get(url).status_code == 403


def test_portal_users_do_not_see_the_pages(portal_user) -> None:
    assert client_for(portal_user).get("/forms/manage/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/forms/manage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_form_is_404(admin_client_) -> None:
    assert admin_client_.get("/forms/manage/999999/").status_code == 404
    assert admin_client_.get("/forms/manage/999999/submissions/").status_code == 404


def test_creating_a_form_preselects_the_default_mailbox(admin_client_) -> None:
    mailbox = make_mailbox("serwis@firma.example", is_default=True)
    response = admin_client_.get("/forms/manage/new/")
    assert response.context["form"]["mailbox"].value() == mailbox.pk


def test_an_administrator_creates_a_form(admin_client_) -> None:
    # when
    response = admin_client_.post(
        "/forms/manage/new/",
        {
            "name": "Kontakt",
            "active": "on",
            "language": "",
            "phone": "optional",
            "company": "hidden",
            "subject": "required",
            "message": "required",
            "attachments_max_count": "3",
            "attachment_max_mb": "10",
            "rate_limit_count": "5",
            "rate_limit_minutes": "10",
            "proof_of_work_bits": "16",
            "thank_you_text": "Dziękujemy!",
            "origins": "https://www.firma.example/kontakt\nhttps://firma.example",
            "questions": "Numer umowy *\nUwagi",
        },
    )
    # then
    form = WebForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/forms/manage/{form.pk}/"
    assert form.allowed_origins == ["https://www.firma.example", "https://firma.example"]
    assert form.custom_fields == [
        {"label": "Numer umowy", "required": True},
        {"label": "Uwagi", "required": False},
    ]
    assert len(form.key) == 22
    assert form.company == WebForm.FieldUse.HIDDEN


def test_a_bad_origin_and_a_bad_number_are_refused(admin_client_) -> None:
    response = admin_client_.post(
        "/forms/manage/new/",
        {
            "name": "Kontakt", "phone": "optional", "company": "optional",
            "subject": "required", "message": "required", "attachments_max_count": "3",
            "attachment_max_mb": "99", "rate_limit_count": "5", "rate_limit_minutes": "10",
            "proof_of_work_bits": "16", "origins": "javascript:alert(1)",
        },
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["attachment_max_mb"] == ["Enter a number from 1 to 25."]
    assert WebForm.objects.count() == 0


def test_the_edit_page_shows_both_snippets(admin_client_) -> None:
    form = make_webform()
    response = admin_client_.get(f"/forms/manage/{form.pk}/")
    body = response.content.decode()
    url = f"http://127.0.0.1:8000/forms/{form.key}/"
    assert f"&lt;iframe src=&quot;{url}&quot;" in body
    assert f"&lt;form method=&quot;post&quot; action=&quot;{url}&quot;" in body
    assert form.secret in body


def test_the_secret_is_renewed(admin_client_) -> None:
    form = make_webform()
    old = form.secret
    admin_client_.post(f"/forms/manage/{form.pk}/secret/")
    form.refresh_from_db()
    assert form.secret != old


def test_deleting_a_form_keeps_its_cases(admin_client_) -> None:
    from kartoteka.cases.models import Case

    form = make_webform()
    visitor_post(form)
    response = admin_client_.post(f"/forms/manage/{form.pk}/delete/")
    assert response.status_code == 302
    assert WebForm.objects.count() == 0
    assert Case.objects.count() == 1


def test_the_log_lists_accepted_and_refused(admin_client_) -> None:
    form = make_webform(rate_limit_count=1)
    visitor_post(form)
    visitor_post(form)
    visitor_post(form)
    response = admin_client_.get(f"/forms/manage/{form.pk}/submissions/")
    rows = [(s.outcome, s.repeated) for s in response.context["submissions"]]
    assert sorted(rows) == [("accepted", 1), ("rate", 2)]


def test_the_preview_cannot_send(admin_client_) -> None:
    form = make_webform()
    body = admin_client_.get(f"/forms/manage/{form.pk}/preview/").content.decode()
    assert "Preview: this form cannot be sent from here." in body
    assert 'action="#"' in body
