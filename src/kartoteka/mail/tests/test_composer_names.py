"""Names in the composer's address fields: shown decoded, read back as typed, sent encoded."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.urls import reverse

from kartoteka.mail import rawstore
from kartoteka.mail.models import Draft, Message
from kartoteka.mail.sending import compose, outbound
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory, EmailAddressFactory
from kartoteka.testing.mail.composing import posted
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

NAMES = [
    ("Marcin Piguła", "Marcin Piguła <m.pigula@klient.example>"),
    ("Żaneta Łężna-Źdźbło", "Żaneta Łężna-Źdźbło <z@klient.example>"),
    ("Jiří Dvořák", "Jiří Dvořák <jiri@klient.example>"),
    ("山田 太郎", "山田 太郎 <yamada@klient.example>"),
    ("Piguła, Marcin", '"Piguła, Marcin" <pm@klient.example>'),
    ('Jan "Szef" Kowalski', '"Jan \\"Szef\\" Kowalski" <szef@klient.example>'),
    ('Nowak, "Zbyszek", Zbigniew', '"Nowak, \\"Zbyszek\\", Zbigniew" <zn@klient.example>'),
    ("J. Kowalski (biuro)", '"J. Kowalski (biuro)" <jk@klient.example>'),
]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.mark.parametrize(("name", "shown"), NAMES)
def test_a_name_is_shown_as_people_read_it_and_read_back_as_one_address(name, shown) -> None:
    # given
    address = shown.rpartition("<")[2].rstrip(">")

    # when
    text = compose.addresses_text([{"name": name, "address": address}])

    # then
    assert text == shown
    assert outbound.recipients_parse([text], field="to") == [{"name": name, "address": address}]


def test_several_names_with_commas_in_one_field_read_back_one_by_one() -> None:
    entries = [
        {"name": name, "address": f"a{i}@klient.example"} for i, (name, _s) in enumerate(NAMES)
    ]

    text = compose.addresses_text(entries)

    assert outbound.recipients_parse([text], field="to") == entries


def test_an_encoded_name_is_shown_decoded() -> None:
    text = compose.addresses_text(
        [{"name": "=?utf-8?q?Marcin_Pigu=C5=82a?=", "address": "m@klient.example"}]
    )

    assert text == "Marcin Piguła <m@klient.example>"


def test_a_name_that_does_not_decode_is_shown_as_it_came() -> None:
    text = compose.addresses_text([{"name": "=?no-such-charset?q?x?=", "address": "m@k.example"}])

    assert text == "=?no-such-charset?q?x?= <m@k.example>"


def test_a_name_with_line_breaks_is_shown_on_one_line() -> None:
    text = compose.addresses_text([{"name": "Jan\r\nKowalski", "address": "jan@k.example"}])

    assert text == "Jan Kowalski <jan@k.example>"


@pytest.fixture
def mailbox():
    return make_mailbox()


@pytest.fixture
def case():
    return make_case("Faktura")


@pytest.fixture
def inbound(case, mailbox) -> Message:
    message = make_inbound(
        case,
        mailbox=mailbox,
        sender="m.pigula@klient.example",
        from_name="Marcin Piguła",
        cc=[
            {"name": "Jiří Dvořák", "address": "jiri@klient.example"},
            {"name": "Piguła, Anna", "address": "anna@klient.example"},
        ],
    )
    message.to = [
        {"name": "Pomoc", "address": "pomoc@firma.example"},
        {"name": "山田 太郎", "address": "yamada@klient.example"},
    ]
    message.save(update_fields=["to"])
    return message


def _opened(agent, case, **query):
    url = (
        reverse("mail:compose", args=[case.number])
        + "?"
        + "&".join(f"{key}={value}" for key, value in query.items())
    )
    response = client_for(agent).get(url, **HTMX)
    assert response.status_code == 200
    return response


def test_reply_shows_the_senders_polish_name_decoded(agent, case, inbound) -> None:
    response = _opened(agent, case, kind="reply", message=inbound.pk)

    assert response.context["form"].initial["to"] == "Marcin Piguła <m.pigula@klient.example>"
    assert 'value="Marcin Piguła &lt;m.pigula@klient.example&gt;"' in response.content.decode()
    assert "=?utf-8?" not in response.content.decode()


def test_reply_all_shows_every_name_decoded_and_quoted_where_needed(agent, case, inbound) -> None:
    response = _opened(agent, case, kind="reply-all", message=inbound.pk)

    initial = response.context["form"].initial
    assert initial["to"] == (
        "Marcin Piguła <m.pigula@klient.example>, 山田 太郎 <yamada@klient.example>"
    )
    assert (
        initial["cc"] == 'Jiří Dvořák <jiri@klient.example>, "Piguła, Anna" <anna@klient.example>'
    )


def test_forward_names_the_sender_decoded(agent, case, inbound) -> None:
    response = _opened(agent, case, kind="forward", message=inbound.pk)

    body = response.context["form"].initial["body"]
    assert "Marcin Piguła <m.pigula@klient.example>" in body
    assert "=?utf-8?" not in body


def test_a_draft_saved_with_encoded_names_shows_them_decoded(agent, case, inbound) -> None:
    Draft.objects.create(
        case=case,
        author=agent,
        kind=Draft.Kind.REPLY,
        replying_to=inbound,
        to="=?utf-8?q?Marcin_Pigu=C5=82a?= <m.pigula@klient.example>, not an address",
        cc="=?utf-8?q?Pigu=C5=82a=2C?= Anna <anna@klient.example>",
        bcc="=?utf-8?b?5bGx55SwIOWkqumDjg==?= <yamada@klient.example>",
        body="Tekst",
    )

    response = _opened(agent, case, kind="reply", message=inbound.pk)

    initial = response.context["form"].initial
    assert initial["to"] == "Marcin Piguła <m.pigula@klient.example>, not an address"
    assert initial["cc"] == '"Piguła, Anna" <anna@klient.example>'
    assert initial["bcc"] == "山田 太郎 <yamada@klient.example>"


def test_new_email_to_a_contact_shows_the_name_decoded(agent, mailbox) -> None:
    account = AccountFactory(name="Klient S.A.")
    contact = ContactFactory(account=account, first_name="Katarzyna", last_name="Wróbel, Ż.")
    EmailAddressFactory(contact=contact, address="k.wrobel@klient.example")

    response = client_for(agent).get(reverse("mail:compose-new") + f"?contact={contact.pk}")

    assert response.status_code == 200
    assert response.context["form"].initial["to"] == (
        '"Katarzyna Wróbel, Ż." <k.wrobel@klient.example>'
    )


def test_the_sent_mail_carries_the_names_encoded_and_reads_back_the_same(
    agent, case, inbound
) -> None:
    # given
    client = client_for(agent)
    form = _opened(agent, case, kind="reply-all", message=inbound.pk).context["form"]

    # when
    response = client.post(
        reverse("mail:compose", args=[case.number]),
        posted(form, body="Dziękujemy.", bcc=""),
        **HTMX,
    )

    # then
    assert response.status_code == 200
    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    raw = rawstore.raw_read(message.raw_sha256)
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()
    assert b"=?utf-8?" in headers
    sent = message_from_bytes(raw, policy=policy.default)
    assert [(a.display_name, a.addr_spec) for a in sent["To"].addresses] == [
        ("Marcin Piguła", "m.pigula@klient.example"),
        ("山田 太郎", "yamada@klient.example"),
    ]
    assert [(a.display_name, a.addr_spec) for a in sent["Cc"].addresses] == [
        ("Jiří Dvořák", "jiri@klient.example"),
        ("Piguła, Anna", "anna@klient.example"),
    ]
    assert message.to == [
        {"name": "Marcin Piguła", "address": "m.pigula@klient.example"},
        {"name": "山田 太郎", "address": "yamada@klient.example"},
    ]


def test_a_recipient_typed_encoded_is_sent_once_encoded(agent, case, inbound) -> None:
    client = client_for(agent)
    form = _opened(agent, case, kind="reply", message=inbound.pk).context["form"]

    client.post(
        reverse("mail:compose", args=[case.number]),
        posted(form, body="Dziękujemy.", to="=?utf-8?q?Marcin_Pigu=C5=82a?= <m@klient.example>"),
        **HTMX,
    )

    message = Message.objects.get(direction=Message.Direction.OUTBOUND)
    sent = message_from_bytes(rawstore.raw_read(message.raw_sha256), policy=policy.default)
    assert sent["To"].addresses[0].display_name == "Marcin Piguła"
    assert message.to == [{"name": "Marcin Piguła", "address": "m@klient.example"}]
