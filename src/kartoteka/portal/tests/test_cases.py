"""The portal's cases side as a customer uses it: the list, a case's public conversation, a
reply that reopens the case, closing and reopening, a new case with files and suggestions, the
shared documents."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kartoteka.cases.models import Case, CaseAttachment, CaseFollower, CaseNote, Status
from kartoteka.cases.services import case_attachment_add, case_note_add, case_settings, case_update
from kartoteka.documents.models import DocumentType
from kartoteka.documents.services import document_create
from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment, Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.kb import make_article
from kartoteka.testing.portal import portal_contact, portal_role

pytestmark = pytest.mark.django_db

SECRET_NOTE = "WEWNĘTRZNE: klient to trudny przypadek"


@pytest.fixture
def company():
    return AccountFactory(name="Stal-Mar sp. z o.o.", country="PL")


@pytest.fixture
def anna(company):
    return portal_contact(
        account=company, role=portal_role("Company"), address="anna@stalmar.example"
    )


@pytest.fixture
def client(anna):
    return client_for(anna.portal_user)


@pytest.fixture
def case(agent, company, anna):
    return make_case("Pęknięta obudowa", by=agent, account=company, reporter=anna)


def test_list_shows_open_cases_by_default_and_closed_on_request(client, agent, company):
    # given
    open_case = make_case("Otwarta", by=agent, account=company)
    closed_case = make_case("Zamknięta", by=agent, account=company)
    case_update(case=closed_case, by=agent, data={"status": Status.objects.get(name="Closed")})
    make_case("Cudza", by=agent, account=AccountFactory())
    # when
    default = client.get(reverse("portal:case-list"))
    closed = client.get(reverse("portal:case-list"), {"state": "closed"})
    # then
    assert [c.number for c in default.context["page"].object_list] == [open_case.number]
    assert [c.number for c in closed.context["page"].object_list] == [closed_case.number]


def test_list_searches_number_and_subject(client, agent, company):
    # given
    wanted = make_case("Faktura korygująca", by=agent, account=company)
    other = make_case("Dostawa", by=agent, account=company)
    # when
    by_subject = client.get(reverse("portal:case-list"), {"q": "korygująca"})
    by_number = client.get(reverse("portal:case-list"), {"q": f"#{other.number}"})
    # then
    assert [c.number for c in by_subject.context["page"].object_list] == [wanted.number]
    assert [c.number for c in by_number.context["page"].object_list] == [other.number]


def test_list_costs_the_same_queries_for_few_and_many_cases(client, agent, company):
    make_case("Pierwsza", by=agent, account=company)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:case-list"))
    for index in range(30):
        make_case(f"Sprawa {index}", by=agent, account=company)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("portal:case-list"))
    assert response.status_code == 200
    assert len(many) == len(few)


def test_case_page_shows_the_public_conversation_and_never_an_internal_note(
    client, agent, case, anna, settings, tmp_path
):
    # given
    settings.DATA_DIR = tmp_path
    inbound = Message.objects.create(
        case=case,
        account=case.account,
        direction="in",
        state=Message.State.PLACED,
        message_id="in-1@test",
        from_address="anna@stalmar.example",
        to=[{"name": "", "address": "pomoc@firma.example"}],
        text="Obudowa pękła przy montażu.",
        html="<p>Obudowa pękła <b>przy montażu</b>.</p><script>alert(1)</script>",
    )
    Attachment.objects.create(
        message=inbound,
        filename="zdjecie.png",
        content_type="image/png",
        size=4,
        sha256=blob_store(b"\x89PNG"),
    )
    Message.objects.create(
        case=case,
        direction="out",
        state=Message.State.SENT,
        message_id="fwd-1@test",
        from_address="pomoc@firma.example",
        to=[{"name": "", "address": "serwis@dostawca.example"}],
        text="Przekazuję do dostawcy: cena zakupu 12 zł",
    )
    case_note_add(case=case, by=agent, text="Wyślemy nową obudowę.", internal=False)
    case_note_add(case=case, by=agent, text=SECRET_NOTE)
    # when
    response = client.get(reverse("portal:case-detail", args=[case.number]))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pęknięta obudowa" in page
    assert "przy montażu" in page
    assert "<script>alert(1)" not in page
    assert "Wyślemy nową obudowę." in page
    assert "zdjecie.png" in page
    assert SECRET_NOTE not in page
    assert "cena zakupu" not in page
    assert [item.kind for item in response.context["conversation"]] == ["email", "comment"]


def test_case_page_of_another_customer_is_not_found(client, agent):
    other = make_case("Cudza", by=agent, account=AccountFactory())
    assert client.get(reverse("portal:case-detail", args=[other.number])).status_code == 404


def test_case_page_costs_the_same_queries_whatever_the_conversation(client, agent, case):
    case_note_add(case=case, by=agent, text="Pierwsza odpowiedź", internal=False)
    Message.objects.create(
        case=case,
        direction="in",
        state=Message.State.PLACED,
        message_id="first@test",
        from_address="anna@stalmar.example",
        text="Pytanie",
    )
    with CaptureQueriesContext(connection) as short:
        client.get(reverse("portal:case-detail", args=[case.number]))
    for index in range(10):
        case_note_add(case=case, by=agent, text=f"Odpowiedź {index}", internal=False)
        Message.objects.create(
            case=case,
            direction="in",
            state=Message.State.PLACED,
            message_id=f"in-{index}@test",
            from_address="anna@stalmar.example",
            text=f"Pytanie {index}",
        )
    with CaptureQueriesContext(connection) as long:
        client.get(reverse("portal:case-detail", args=[case.number]))
    assert len(long) == len(short)


def test_reply_is_a_public_comment_that_reopens_the_case_and_follows_it(
    client, agent, case, anna, django_capture_on_commit_callbacks
):
    # given a case our reply closed
    case_update(case=case, by=agent, data={"status": Status.objects.get(name="Closed")})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:case-reply", args=[case.number]),
            {
                "text": "Nadal pęka, zdjęcie w załączniku.",
                "attachments": [SimpleUploadedFile("zdjecie.png", b"\x89PNG\r\n\x1a\nrest")],
            },
        )
    # then
    note = CaseNote.objects.get(case=case)
    case.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{note.pk}")
    assert (note.internal, note.author, note.text) == (
        False,
        anna.portal_user,
        "Nadal pęka, zdjęcie w załączniku.",
    )
    assert case.status == case_settings().incoming_status
    assert list(CaseAttachment.objects.filter(case=case).values_list("name", "content_type")) == [
        ("zdjecie.png", "image/png")
    ]
    assert CaseFollower.objects.filter(case=case, user=anna.portal_user).exists()


def test_reply_with_a_file_that_lies_about_its_type_is_refused(client, case):
    response = client.post(
        reverse("portal:case-reply", args=[case.number]),
        {"text": "Faktura", "attachments": [SimpleUploadedFile("faktura.pdf", b"<html><script>")]},
    )
    assert response.status_code == 400
    assert CaseNote.objects.filter(case=case).count() == 0
    assert CaseAttachment.objects.filter(case=case).count() == 0


def test_reply_with_too_many_files_is_refused(client, case):
    files = [SimpleUploadedFile(f"plik{i}.txt", b"tekst") for i in range(11)]
    response = client.post(
        reverse("portal:case-reply", args=[case.number]), {"text": "Pliki", "attachments": files}
    )
    assert response.status_code == 400
    assert CaseNote.objects.filter(case=case).count() == 0


def test_empty_reply_is_refused(client, case):
    response = client.post(reverse("portal:case-reply", args=[case.number]), {"text": "  "})
    assert response.status_code == 400


def test_reply_without_csrf_token_is_refused(anna, case):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(anna.portal_user)
    response = client.post(reverse("portal:case-reply", args=[case.number]), {"text": "Hej"})
    assert response.status_code == 403


def test_close_and_reopen_when_the_role_allows(client, case):
    # when
    client.post(reverse("portal:case-close", args=[case.number]))
    case.refresh_from_db()
    closed = case.status
    client.post(reverse("portal:case-reopen", args=[case.number]))
    case.refresh_from_db()
    # then
    assert closed.closes_case is True
    assert case.status == case_settings().incoming_status


def test_close_is_not_found_when_the_role_does_not_allow(agent, company):
    # given
    piotr = portal_contact(account=company, role=portal_role("Reader", may_close_cases=False))
    case = make_case("Jego", by=agent, account=company, reporter=piotr)
    # when
    response = client_for(piotr.portal_user).post(reverse("portal:case-close", args=[case.number]))
    # then
    case.refresh_from_db()
    assert response.status_code == 404
    assert case.status.closes_case is False


def test_new_case_is_unassigned_from_the_portal_and_followed(
    client, anna, company, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:case-new"),
            {
                "subject": "Brak dostawy",
                "description": "Zamówienie 15/2026 nie dotarło.",
                "attachments": [SimpleUploadedFile("zamowienie.txt", b"Zamowienie 15/2026")],
                "draft": "abcdefghijklmnop",
            },
        )
    # then
    case = Case.objects.get(subject="Brak dostawy")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:case-detail", args=[case.number])
    assert case.channel == Case.Channel.PORTAL
    assert case.assignee is None
    assert (case.reporter, case.account) == (anna, company)
    assert list(case.contacts.all()) == [anna]
    assert case.created_by == anna.portal_user
    assert case.description == "Zamówienie 15/2026 nie dotarło."
    assert [a.name for a in case.attachments.all()] == ["zamowienie.txt"]
    assert CaseFollower.objects.filter(case=case, user=anna.portal_user).exists()


def test_new_case_is_not_found_without_the_right(agent, company):
    piotr = portal_contact(account=company, role=portal_role("Reader", may_create_cases=False))
    client = client_for(piotr.portal_user)
    assert client.get(reverse("portal:case-new")).status_code == 404
    response = client.post(reverse("portal:case-new"), {"subject": "Nie wolno"})
    assert response.status_code == 404
    assert not Case.objects.filter(subject="Nie wolno").exists()


def test_new_case_form_carries_a_draft_token_and_suggests_articles(client, settings):
    # given
    article = make_article(
        "Reklamacja pękniętej obudowy",
        "Zrób zdjęcie pęknięcia obudowy i wyślij je w zgłoszeniu reklamacyjnym.",
        language="en",
    )
    form = client.get(reverse("portal:case-new")).context["form"]
    draft = form.initial["draft"]
    # when
    response = client.post(
        reverse("portal:case-suggestions"),
        {"subject": "pęknięta obudowa", "description": "reklamacja obudowy", "draft": draft},
        headers={"HX-Request": "true"},
    )
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="{article.public_url()}?draft={draft}"' in page
    assert "<html" not in page


def test_internal_articles_are_never_suggested(client):
    make_article(
        "Wewnętrzna procedura obudowy",
        "pęknięta obudowa reklamacja",
        language="en",
        visibility="internal",
    )
    response = client.post(
        reverse("portal:case-suggestions"), {"subject": "pęknięta obudowa reklamacja"}
    )
    assert "Wewnętrzna procedura" not in response.content.decode()


def test_files_download_only_through_the_doors(client, agent, case, anna):
    # given
    mine = case_attachment_add(
        case=case,
        by=anna.portal_user,
        file=SimpleUploadedFile("skan.pdf", b"%PDF-1.4 skan"),
        shared=True,
    )
    internal = case_attachment_add(
        case=case, by=agent, file=SimpleUploadedFile("marza.xlsx", b"PK internal")
    )
    # when
    ok = client.get(reverse("portal:case-file", args=[case.number, mine.pk]))
    hidden = client.get(reverse("portal:case-file", args=[case.number, internal.pk]))
    # then
    assert ok.status_code == 200
    assert b"".join(ok.streaming_content) == b"%PDF-1.4 skan"
    assert hidden.status_code == 404


def test_shared_documents_list_and_download(client, agent, company):
    # given
    offer = DocumentType.objects.get(name="Offer")
    shared = document_create(
        by=agent,
        account=company,
        document_type=offer,
        title="Cennik 2027",
        files=[SimpleUploadedFile("cennik.txt", b"Cennik hurtowy")],
        shared_with_customer=True,
    )
    secret = document_create(
        by=agent,
        account=company,
        document_type=offer,
        title="Kalkulacja marży",
        files=[SimpleUploadedFile("marza.txt", b"Marza 40%")],
        shared_with_customer=True,
        confidential=True,
    )
    # when
    page = client.get(reverse("portal:documents"))
    file_ok = shared.files.get()
    file_hidden = secret.files.get()
    download = client.get(reverse("portal:document-file", args=[shared.pk, file_ok.pk]))
    refused = client.get(reverse("portal:document-file", args=[secret.pk, file_hidden.pk]))
    # then
    assert "Cennik 2027" in page.content.decode()
    assert "Kalkulacja marży" not in page.content.decode()
    assert b"".join(download.streaming_content) == b"Cennik hurtowy"
    assert refused.status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(case):
    from django.test import Client

    response = Client().get(reverse("portal:case-detail", args=[case.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_staff_get_not_found(agent_client, case):
    assert agent_client.get(reverse("portal:case-detail", args=[case.number])).status_code == 404


def test_a_customer_naming_a_colleague_of_ours_mentions_nobody(client, agent, case):
    # when: the customer's reply names the agent the way staff mention each other
    client.post(
        reverse("portal:case-reply", args=[case.number]),
        {"text": f"Proszę, niech @{agent.username} oddzwoni."},
    )
    # then: it is plain text, no mention reaches our staff
    note = CaseNote.objects.get(case=case)
    assert list(note.mentioned.all()) == []


def test_the_portal_address_opens_the_cases(client):
    response = client.get("/portal/")
    assert (response.status_code, response["Location"]) == (302, reverse("portal:case-list"))
