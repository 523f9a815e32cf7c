"""Replies written in HTML: both parts sent, signatures, drafts, salutations in canned texts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kartoteka.mail.models import CannedResponse, Draft, Message
from kartoteka.mail.sending import canned
from kartoteka.mail.sending.rich_text import REPLY_HTML_MAX_CHARS
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.composing import posted, raw_of
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def mailbox():
    return make_mailbox(signature_text="Zespół pomocy")


@pytest.fixture
def contact():
    account = AccountFactory(name="Klient")
    jan = ContactFactory(account=account, first_name="Jan", last_name="Kowalski")
    EmailAddressFactory(contact=jan, address="jan@klient.example")
    return jan


@pytest.fixture
def case(contact):
    case = make_case("Faktura", account=contact.account, contacts=(contact,))
    case.reporter = contact
    case.save(update_fields=["reporter"])
    return case


@pytest.fixture
def inbound(case, mailbox) -> Message:
    return make_inbound(
        case,
        mailbox=mailbox,
        sender="jan@klient.example",
        from_name="Jan Kowalski",
        text="Gdzie faktura?",
    )


def compose_url(case, **query) -> str:
    url = reverse("mail:compose", args=[case.number])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def opened(client, case, **query):
    response = client.get(compose_url(case, **query), **HTMX)
    assert response.status_code == 200
    return response


def test_the_composer_starts_with_the_quote_as_html_in_a_disabled_field(
    agent, case, inbound
) -> None:
    response = opened(client_for(agent), case, kind="reply", message=inbound.pk)

    form = response.context["form"]
    assert form.initial["body_html"].startswith("<p><br></p><p>On ")
    assert form.initial["body_html"].endswith("<blockquote><p>Gdzie faktura?</p></blockquote>")
    page = response.content.decode()
    assert 'name="body_html"' in page
    assert 'data-composer-html="" disabled' in page  # without JavaScript it is not sent
    assert "data-editor-toolbar hidden" in page


def test_an_html_reply_is_sent_with_both_parts_and_both_signatures(agent, case, inbound) -> None:
    # given
    agent.signature = "Angelika Ragan\nDział obsługi"
    agent.save(update_fields=["signature"])
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk).context["form"]
    html = (
        "<p>Szanowny Panie Janie,</p><p><b>faktura</b> jest w <i>załączniku</i>"
        '<script>alert(1)</script><img src=x onerror="alert(2)"></p>'
        '<ul><li>FV/1</li></ul><p><a href="javascript:alert(3)">zły</a></p>'
        "<p>On 1 May, Jan wrote:</p><blockquote><p>Gdzie faktura?</p></blockquote>"
    )

    # when
    response = client.post(compose_url(case), posted(form, body="ignored", body_html=html), **HTMX)

    # then
    assert response.status_code == 200
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    sent = raw_of(message)
    assert sent.get_content_type() == "multipart/alternative"
    text = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == (
        "Szanowny Panie Janie,\n\nfaktura jest w załączniku\n\n- FV/1\n\nzły\n\n"
        "-- \nAngelika Ragan\nDział obsługi\n\nZespół pomocy\n\n"
        "On 1 May, Jan wrote:\n\n> Gdzie faktura?\n"
    )
    sent_html = sent.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert "<b>faktura</b> jest w <i>załączniku</i>" in sent_html
    assert "script" not in sent_html
    assert "onerror" not in sent_html
    assert "javascript" not in sent_html
    assert (
        '<div class="signature">-- <br>\nAngelika Ragan<br>\nDział obsługi<br>\n<br>\n'
        "Zespół pomocy\n</div>\n<p>On 1 May, Jan wrote:</p>"
    ) in sent_html
    assert message.text == text
    assert message.text_new == "Szanowny Panie Janie,\n\nfaktura jest w załączniku\n\n- FV/1\n\nzły"
    assert "<b>faktura</b>" in message.html


def test_without_javascript_the_plain_text_is_sent_with_the_personal_signature(
    agent, case, inbound
) -> None:
    agent.signature = "Angelika Ragan"
    agent.save(update_fields=["signature"])
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk).context["form"]

    client.post(compose_url(case), posted(form, body="Dzień dobry,\n\nw załączeniu."), **HTMX)

    sent = raw_of(Message.objects.get(direction=Message.Direction.OUTBOUND))
    assert sent.get_content_type() == "text/plain"
    assert sent.get_content().replace("\r\n", "\n") == (
        "Dzień dobry,\n\nw załączeniu.\n\n-- \nAngelika Ragan\n\nZespół pomocy\n"
    )


def test_an_html_reply_with_no_text_is_refused(agent, case, inbound) -> None:
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk).context["form"]

    response = client.post(
        compose_url(case), posted(form, body="stale text", body_html="<p><br></p><p> </p>"), **HTMX
    )

    assert response.context["form"].errors["body"] == ["Write the message first."]
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_an_oversized_html_reply_is_refused(agent, case, inbound) -> None:
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk).context["form"]
    html = "<p>" + "a" * REPLY_HTML_MAX_CHARS + "</p>"

    response = client.post(compose_url(case), posted(form, body_html=html), **HTMX)

    assert response.context["form"].errors["body_html"] == ["The message is too long."]
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_a_draft_keeps_the_html_cleaned_and_gives_it_back(agent, case, inbound) -> None:
    # given
    client = client_for(agent)
    form = opened(client, case, kind="reply", message=inbound.pk).context["form"]

    # when
    client.post(
        reverse("mail:draft-save", args=[case.number]),
        posted(form, body_html='<p onclick="x()">Witam <b>Pana</b></p><script>y()</script>'),
        **HTMX,
    )

    # then
    draft = Draft.objects.get()
    assert draft.body_html == "<p>Witam <b>Pana</b></p>"
    assert draft.body == "Witam Pana"
    reopened = opened(client, case, kind="reply", message=inbound.pk)
    assert reopened.context["form"].initial["body_html"] == "<p>Witam <b>Pana</b></p>"


def test_a_draft_written_without_javascript_opens_in_the_editor_as_its_text(
    agent, case, inbound
) -> None:
    Draft.objects.create(
        case=case, author=agent, kind=Draft.Kind.REPLY, replying_to=inbound, body="Linia 1\nLinia 2"
    )

    response = opened(client_for(agent), case, kind="reply", message=inbound.pk)

    assert response.context["form"].initial["body_html"] == "<p>Linia 1<br>Linia 2</p>"


def test_the_composer_shows_the_personal_signature_above_the_mailboxs(agent, case, inbound) -> None:
    agent.signature = "Angelika Ragan"
    agent.save(update_fields=["signature"])

    response = opened(client_for(agent), case, kind="reply", message=inbound.pk)

    assert response.context["signature"] == "Angelika Ragan\n\nZespół pomocy"
    assert 'data-personal="Angelika Ragan"' in response.content.decode()


# Salutations in canned responses


def test_salutation_placeholder_uses_the_contacts_salutation(agent, case, contact, inbound) -> None:
    contact.salutation = "Szanowny Panie Janie"
    contact.save(update_fields=["salutation"])
    CannedResponse.objects.create(name="Potwierdzenie", body="{salutation}\n\ndziękujemy.")

    response = opened(client_for(agent), case, kind="reply", message=inbound.pk)

    assert [item["text"] for item in response.context["canned"]] == [
        "Szanowny Panie Janie,\n\ndziękujemy."
    ]


@pytest.mark.parametrize(("language", "greeting"), [("pl", "Dzień dobry,"), ("cs", "Dobrý den,")])
def test_salutation_without_one_written_greets_neutrally_never_by_first_name(
    case, language, greeting
) -> None:
    with translation.override(language):
        values = canned.case_placeholder_values(case, prefix="KART")

    assert values["salutation"] == greeting
    assert "Jan" not in values["salutation"]


def test_salutation_typed_with_its_comma_gets_one_comma() -> None:
    contact = ContactFactory.build(salutation="  Vážený pane Nováku, ")

    assert canned.salutation_for(contact) == "Vážený pane Nováku,"


def test_the_canned_response_form_lists_the_salutation_placeholder(admin) -> None:
    response = client_for(admin).get(reverse("mail:canned-create"))

    page = response.content.decode()
    assert "<code>{salutation}</code>" in page
    assert "{salutation}" in str(response.context["form"]["body"].help_text)
