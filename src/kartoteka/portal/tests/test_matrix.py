"""The portal leaks nothing, by construction: every portal URL and every API endpoint, asked
by each persona with every case, note, message, attachment and document id of two customers,
answers only with what that persona may see.

The personas: the contact (Anna, the company role), a colleague with the company role (Ewa),
a colleague without it (Piotr: own cases only, no documents), a contact of another customer
(Bob), a staff user, and an anonymous visitor. Internal notes, an internal email (a forward to
a supplier with its attachment), a staff-only field, a staff file of a case and a confidential
document carry distinctive texts that must appear in no response and no email.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kartoteka.cases.models import Case, CaseAttachment, CaseNote
from kartoteka.cases.services import case_attachment_add, case_note_add
from kartoteka.customers.models import Account, EmailAddress
from kartoteka.documents.models import Document, DocumentType
from kartoteka.documents.services import document_create
from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment, Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.portal import portal_contact, portal_role

pytestmark = pytest.mark.django_db

US = "pomoc@firma.example"
SUPPLIER = "serwis@dostawca.example"

# Texts no portal response and no email to the customer's side may ever hold.
SECRETS = {
    "note": "ZZNOTATKA-WEWNETRZNA-7731",
    "mail": "ZZMAIL-DO-DOSTAWCY-4410",
    "mail_file": "zzcennik-zakupu-dostawcy.pdf",
    "case_file": "zzmarza-wewnetrzna.xlsx",
    "document": "ZZDOKUMENT-POUFNY-9902",
    "document_unshared": "ZZDOKUMENT-NIEUDOSTEPNIONY-5521",
    "annotation": "ZZADNOTACJA-PERSONELU-3318",
}


@dataclass
class CustomerData:
    account: Account
    cases: list[Case] = field(default_factory=list)
    notes_public: list[CaseNote] = field(default_factory=list)
    notes_internal: list[CaseNote] = field(default_factory=list)
    files_public: list[CaseAttachment] = field(default_factory=list)
    files_internal: list[CaseAttachment] = field(default_factory=list)
    messages_public: list[Message] = field(default_factory=list)
    messages_internal: list[Message] = field(default_factory=list)
    mail_files_public: list[Attachment] = field(default_factory=list)
    mail_files_internal: list[Attachment] = field(default_factory=list)
    documents_shared: list[Document] = field(default_factory=list)
    documents_hidden: list[Document] = field(default_factory=list)


def _mail(case: Case, *, direction: str, sender: str, to: str, text: str, file: str) -> Message:
    message = Message.objects.create(
        case=case,
        account=case.account,
        direction=direction,
        state=Message.State.PLACED if direction == "in" else Message.State.SENT,
        message_id=f"{case.number}-{direction}-{to}-{file}@test",
        subject=f"Re: {case.subject}",
        from_address=sender,
        to=[{"name": "", "address": to}],
        text=text,
    )
    Attachment.objects.create(
        message=message,
        filename=file,
        content_type="application/pdf",
        size=8,
        sha256=blob_store(f"%PDF-{file}".encode()),
    )
    return message


def _customer(name: str, reporter, agent, *, public_mail: str) -> CustomerData:
    data = CustomerData(account=reporter.account)
    offer = DocumentType.objects.get(name="Offer")
    other = ContactFactory(account=reporter.account, first_name="Inny", last_name="Kontakt")
    EmailAddress.objects.create(contact=other, address=f"inny@{name}.example")
    for index, who in enumerate((reporter, other)):
        case = make_case(
            f"{name} sprawa {index}",
            by=agent,
            account=reporter.account,
            reporter=who,
            annotation=SECRETS["annotation"],
        )
        data.cases.append(case)
        data.notes_public.append(
            case_note_add(case=case, by=agent, text=f"Publiczna odpowiedź {name}", internal=False)
        )
        data.notes_internal.append(case_note_add(case=case, by=agent, text=SECRETS["note"]))
        data.files_public.append(
            case_attachment_add(
                case=case,
                by=reporter.portal_user,
                file=SimpleUploadedFile(f"{name}-skan.pdf", b"%PDF-1.4 skan"),
                shared=True,
            )
        )
        data.files_public.append(
            case_attachment_add(
                case=case,
                by=agent,
                file=SimpleUploadedFile(f"{name}-instrukcja.pdf", b"%PDF-1.4 instrukcja"),
                shared=True,
            )
        )
        data.files_internal.append(
            case_attachment_add(
                case=case, by=agent, file=SimpleUploadedFile(SECRETS["case_file"], b"PK x")
            )
        )
        inbound = _mail(
            case, direction="in", sender=public_mail, to=US, text="Pytanie klienta", file="a.pdf"
        )
        reply = _mail(
            case, direction="out", sender=US, to=public_mail, text="Nasza odpowiedź", file="b.pdf"
        )
        forward = _mail(
            case,
            direction="out",
            sender=US,
            to=SUPPLIER,
            text=SECRETS["mail"],
            file=SECRETS["mail_file"],
        )
        data.messages_public += [inbound, reply]
        data.messages_internal.append(forward)
        data.mail_files_public += [*inbound.attachments.all(), *reply.attachments.all()]
        data.mail_files_internal += list(forward.attachments.all())
    data.documents_shared.append(
        document_create(
            by=agent,
            account=reporter.account,
            document_type=offer,
            title=f"Cennik {name}",
            files=[SimpleUploadedFile("cennik.txt", b"Cennik")],
            shared_with_customer=True,
        )
    )
    data.documents_hidden += [
        document_create(
            by=agent,
            account=reporter.account,
            document_type=offer,
            title=SECRETS["document"],
            files=[SimpleUploadedFile("poufny.txt", b"Poufny")],
            shared_with_customer=True,
            confidential=True,
        ),
        document_create(
            by=agent,
            account=reporter.account,
            document_type=offer,
            title=SECRETS["document_unshared"],
            files=[SimpleUploadedFile("wewn.txt", b"Wewn")],
        ),
    ]
    return data


@dataclass
class World:
    a: CustomerData
    b: CustomerData
    personas: dict[str, Any]

    def all(self, attribute: str) -> list[Any]:
        return [*getattr(self.a, attribute), *getattr(self.b, attribute)]


@pytest.fixture
def world(agent, settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch) -> World:
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr("kartoteka.mail.sending.outbound._enqueue_sending", lambda: None)
    from kartoteka.testing.mail.sending import make_mailbox

    make_mailbox(is_default=True)
    company = portal_role("Company")
    own = portal_role(
        "Own cases", sees_company_cases=False, sees_shared_documents=False, may_close_cases=False
    )
    alfa = AccountFactory(name="Alfa", country="PL")
    beta = AccountFactory(name="Beta", country="CZ")
    anna = portal_contact(account=alfa, role=company, address="anna@alfa.example")
    ewa = portal_contact(account=alfa, role=company, address="ewa@alfa.example", first_name="Ewa")
    piotr = portal_contact(account=alfa, role=own, address="piotr@alfa.example", first_name="Piotr")
    bob = portal_contact(account=beta, role=company, address="bob@beta.example", first_name="Bob")
    with django_capture_on_commit_callbacks(execute=True):
        a = _customer("alfa", anna, agent, public_mail="anna@alfa.example")
        b = _customer("beta", bob, agent, public_mail="bob@beta.example")
    return World(a, b, {"anna": anna, "ewa": ewa, "piotr": piotr, "bob": bob})


def _client(world: World, persona: str, agent) -> Client:
    if persona == "anonymous":
        return Client()
    if persona == "staff":
        return client_for(agent)
    return client_for(world.personas[persona].portal_user)


def _seen_by(world: World, persona: str) -> CustomerData | None:
    """The customer whose public items the persona may see (None: nothing)."""
    return {"anna": world.a, "ewa": world.a, "bob": world.b}.get(persona)


def _assert_nothing_secret(response, url: str) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for name, secret in SECRETS.items():
        assert secret not in text, f"{name} leaked at {url}"


def _refused(response, persona: str) -> bool:
    if persona == "anonymous":
        return response.status_code == 302 and "/login" in response["Location"]
    return response.status_code == 404


def _portal_requests(world: World) -> list[tuple[str, str, tuple[str, Any]]]:
    """(method, url, what it names) of every portal URL with every id of both customers."""
    numbers = [case.number for case in world.all("cases")]
    requests: list[tuple[str, str, tuple[str, Any]]] = []
    for case in world.all("cases"):
        for name, method in (
            ("portal:case-detail", "get"),
            ("portal:case-reply", "post"),
            ("portal:case-close", "post"),
            ("portal:case-reopen", "post"),
        ):
            requests.append((method, reverse(name, args=[case.number]), ("case", case)))
    for number, row in itertools.product(
        numbers, world.all("files_public") + world.all("files_internal")
    ):
        requests.append(
            ("get", reverse("portal:case-file", args=[number, row.pk]), ("file", (number, row)))
        )
    for number, row in itertools.product(
        numbers, world.all("mail_files_public") + world.all("mail_files_internal")
    ):
        for name in ("portal:case-mail-file", "portal:case-mail-file-inline"):
            requests.append(
                ("get", reverse(name, args=[number, row.pk]), ("mail_file", (number, row)))
            )
    documents = world.all("documents_shared") + world.all("documents_hidden")
    for document, other in itertools.product(documents, documents):
        for row in other.files.all():
            requests.append(
                (
                    "get",
                    reverse("portal:document-file", args=[document.pk, row.pk]),
                    ("document", (document, row)),
                )
            )
    return requests


def _allowed(world: World, persona: str, what: tuple[str, Any]) -> bool:
    mine = _seen_by(world, persona)
    if mine is None:
        return False
    kind, value = what
    if kind == "case":
        return value in mine.cases
    if kind == "file":
        number, row = value
        return row in mine.files_public and row.case.number == number
    if kind == "mail_file":
        number, row = value
        return row in mine.mail_files_public and row.message.case.number == number
    if kind == "document":
        document, row = value
        return document in mine.documents_shared and row.document_id == document.pk
    return False


PERSONAS = ["anna", "ewa", "piotr", "bob", "staff", "anonymous"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_portal_url_answers_only_with_what_the_persona_may_see(
    world, persona, agent, django_capture_on_commit_callbacks
):
    client = _client(world, persona, agent)
    with django_capture_on_commit_callbacks(execute=True):
        for method, url, what in _portal_requests(world):
            if method == "post":
                # an empty reply: refused as invalid (400) where allowed, else not found
                response = client.post(url, {"text": ""} if "/reply/" in url else {})
            else:
                response = client.get(url)
            _assert_nothing_secret(response, url)
            if _allowed(world, persona, what):
                expected = {"get": 200, "post": 400 if "/reply/" in url else 302}[method]
                assert response.status_code == expected, url
            else:
                assert _refused(response, persona), (url, response.status_code)
        for url in (
            reverse("portal:case-list") + "?state=all",
            reverse("portal:documents"),
            reverse("portal:case-new"),
        ):
            response = client.get(url)
            _assert_nothing_secret(response, url)
            if persona in ("staff", "anonymous"):
                assert _refused(response, persona), url
        response = client.post(reverse("portal:case-suggestions"), {"subject": SECRETS["note"]})
        if persona in ("staff", "anonymous"):
            assert _refused(response, persona)
    # the list shows exactly the persona's cases
    if persona not in ("staff", "anonymous"):
        page = client.get(reverse("portal:case-list") + "?state=all").content.decode()
        mine = _seen_by(world, persona)
        for case in world.all("cases"):
            shown = f"#{case.number}<" in page
            assert shown == (mine is not None and case in mine.cases), (persona, case.number)
        documents = client.get(reverse("portal:documents"))
        if mine is not None:
            assert [d.document.pk for d in documents.context["documents"]] == [
                d.pk for d in mine.documents_shared
            ]
        else:
            assert documents.status_code == 404
    # no email the portal caused carries a secret
    for message in Message.objects.filter(direction="out", automatic=True):
        for secret in SECRETS.values():
            assert secret not in message.text
            assert secret not in message.subject


def _routes() -> list[str]:
    def walk(patterns: list[Any], prefix: str = "") -> Any:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns))


def _api_routes() -> list[str]:
    return [route for route in _routes() if route.startswith("api/")]


_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _api_urls(world: World) -> list[str]:
    numbers = [str(case.number) for case in world.all("cases")]
    pks = sorted(
        {
            str(row.pk)
            for attribute in (
                "notes_public", "notes_internal", "messages_public", "messages_internal",
                "documents_shared", "documents_hidden", "files_public", "files_internal",
            )
            for row in world.all(attribute)
        }
        | {str(case.account_id) for case in world.all("cases")},
        key=int,
    )  # fmt: skip
    urls = []
    for route in _api_routes():
        route = route.replace("^", "").replace("$", "")
        names = [a or b for a, b in _PARAMETER.findall(route)]
        choices = [
            numbers if name == "number" else (["x"] if name == "key" else pks) for name in names
        ]
        for values in itertools.product(*choices):
            url = route
            for value in values:
                url = _PARAMETER.sub(value, url, count=1)
            urls.append("/" + url)
    return urls


@pytest.mark.parametrize("persona", ["anna", "piotr", "bob"])
def test_the_api_gives_a_portal_session_nothing(world, persona, agent):
    client = _client(world, persona, agent)
    for url in _api_urls(world):
        response = client.get(url)
        _assert_nothing_secret(response, url)
        assert response.status_code in (401, 403, 404, 405), (url, response.status_code)
        for case in world.all("cases"):
            assert case.subject.encode() not in response.content, url


@pytest.mark.parametrize("persona", ["anna", "bob"])
def test_no_other_page_shows_a_portal_session_anything_secret(world, persona, agent):
    """Every other page of the product (the staff's, the help pages, the web forms), asked
    with a portal user's session and the ids of both customers, shows no secret."""
    client = _client(world, persona, agent)
    numbers = [str(case.number) for case in world.all("cases")]
    pks = sorted({str(row.pk) for row in world.all("notes_internal") + world.all("files_internal")})
    for route in _routes():
        if route.startswith(("api/", "portal/", "admin/", "static/", "media/")):
            continue
        route = route.replace("^", "").replace("$", "")
        names = [a or b for a, b in _PARAMETER.findall(route)]
        if len(names) > 2:
            continue
        choices = [numbers if name == "number" else pks[:4] for name in names]
        for values in itertools.product(*choices):
            url = route
            for value in values:
                url = _PARAMETER.sub(value, url, count=1)
            response = client.get("/" + url)
            _assert_nothing_secret(response, url)
