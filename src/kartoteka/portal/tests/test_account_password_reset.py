"""A portal user's password reset: a link by email, never telling whether an address has a
login; staff logins are never reset here."""

from __future__ import annotations

import pytest
from django.test import Client

from kartoteka.mail.models import Message
from kartoteka.testing.portal_access import (
    contact_with_email,
    link_in,
    portal_login,
    portal_outbox,
    sent_to,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zielona-herbata-42"


@pytest.fixture(autouse=True)
def _outbox(settings, tmp_path, monkeypatch) -> None:
    portal_outbox(settings, tmp_path, monkeypatch)


@pytest.fixture
def jan():
    contact = contact_with_email("jan.kowalski@budimex.example")
    portal_login(contact)
    return contact


def ask(client: Client, email: str):
    return client.post("/portal/password-reset/", {"email": email})


def test_a_portal_user_gets_a_link_that_sets_a_new_password(jan) -> None:
    # when
    response = ask(Client(), "jan.kowalski@budimex.example")
    [email] = sent_to("jan.kowalski@budimex.example")
    client = Client()
    opened = client.get(link_in(email))
    done = client.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then
    assert response.url == "/portal/password-reset/sent/"
    assert done.url == "/portal/password-reset/done/"
    jan.portal_user.refresh_from_db()
    assert jan.portal_user.check_password(NEW_PASSWORD)
    assert not any(NEW_PASSWORD in message.text for message in Message.objects.all())


def test_the_link_works_once(jan) -> None:
    ask(Client(), "jan.kowalski@budimex.example")
    link = link_in(sent_to("jan.kowalski@budimex.example")[0])
    client = Client()
    opened = client.get(link)
    client.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link, follow=True)
    assert "This link is no longer valid" in again.content.decode()


def test_unknown_and_staff_addresses_get_the_same_answer_and_no_email(jan, agent) -> None:
    known = ask(Client(), "jan.kowalski@budimex.example")
    unknown = ask(Client(), "nikt@budimex.example")
    staff = ask(Client(), agent.email)
    assert known.url == unknown.url == staff.url
    assert sent_to(agent.email) == []
    assert sent_to("nikt@budimex.example") == []


def test_a_staff_users_token_does_not_open_the_portal_reset(agent) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(str(agent.pk).encode())
    token = default_token_generator.make_token(agent)
    response = Client().get(f"/portal/password-reset/{uid}/{token}/", follow=True)
    assert "This link is no longer valid" in response.content.decode()


@pytest.mark.parametrize("path", ["xx/yy", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA/abc-def", "%00/%00"])
def test_forged_links_are_not_valid(path) -> None:
    response = Client().get(f"/portal/password-reset/{path}/", follow=True)
    assert response.status_code in (200, 404)
    assert "Set the password" not in response.content.decode()


def test_the_email_is_in_the_users_language(jan) -> None:
    jan.portal_user.language = "cs"
    jan.portal_user.save()
    ask(Client(), "jan.kowalski@budimex.example")
    [email] = sent_to("jan.kowalski@budimex.example")
    assert email.subject == "Nové heslo do zákaznického portálu"


def test_requests_are_limited(jan) -> None:
    statuses = [ask(Client(), "jan.kowalski@budimex.example").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
