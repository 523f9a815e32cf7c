"""Exporting a customer's personal data (right of access): what the archive holds and who may
take it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from kartoteka.cases.services import case_note_add
from kartoteka.customers.models import Account, Contact
from kartoteka.desk.tests.privacy.mailroom import OTHER, mailroom
from kartoteka.mail.blobstore import blob_store
from kartoteka.mail.models import Attachment
from kartoteka.mail.rawstore import raw_store
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, PhoneNumberFactory
from kartoteka.testing.mail.receiving import CUSTOMER
from kartoteka.testing.mail.sending import add_message
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


def archive_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_contact_export_holds_their_data_messages_and_files(admin, case, mailbox, data_dir):
    # given
    room = mailroom(case, mailbox)
    jan = case.reporter
    PhoneNumberFactory(contact=jan, number="+48600100200")
    case_note_add(case=case, by=admin, text="Klient bywa nerwowy.", internal=True)
    case_note_add(case=case, by=admin, text="Wysłaliśmy fakturę.", internal=False)
    # when
    response = client_for(admin).post(reverse("privacy:contact-export", args=[jan.pk]))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="contact-{jan.pk}-')
    packed = archive_of(response)
    data = json.loads(packed.read("data.json"))
    assert data["contacts"][0]["last_name"] == "Kowalski"
    assert data["contacts"][0]["emails"] == [CUSTOMER]
    assert data["contacts"][0]["phones"] == [{"number": "+48600100200", "kind": "mobile"}]
    assert [c["number"] for c in data["cases"]] == [case.number]
    assert [c["text"] for c in data["cases"][0]["comments"]] == ["Wysłaliśmy fakturę."]
    exported = {m["id"] for m in data["messages"]}
    assert exported == {room.from_jan.pk, room.to_jan.pk, room.shared_with_jan.pk}
    assert sorted(packed.namelist()) == sorted(
        [
            "data.json",
            "README.txt",
            f"emails/{room.from_jan.pk}.eml",
            f"emails/{room.to_jan.pk}.eml",
            f"emails/{room.shared_with_jan.pk}.eml",
            f"attachments/message-{room.from_jan.pk}/dowod-jana.pdf",
        ]
    )
    assert b"80010112345" in packed.read(f"emails/{room.from_jan.pk}.eml")
    assert packed.read(f"attachments/message-{room.from_jan.pk}/dowod-jana.pdf") == b"skan dowodu"
    assert b"nerwowy" not in packed.read("data.json")


def test_contact_export_leaves_out_another_customers_message_in_the_same_case(
    admin, case, mailbox, data_dir
):
    # given: Anna of another customer wrote into Jan's case
    mailroom(case, mailbox)
    # when
    response = client_for(admin).post(reverse("privacy:contact-export", args=[case.reporter.pk]))
    # then
    packed = archive_of(response)
    text = b"".join(packed.read(name) for name in packed.namelist())
    assert OTHER.encode() not in text
    assert b"Nowak" not in text


def test_account_export_holds_all_its_contacts_and_is_recorded(admin, case, mailbox, data_dir):
    # given
    account = AccountFactory(name="Klient S.A.")
    Contact.objects.filter(pk=case.reporter.pk).update(account=account)
    case.account = account
    case.save()
    room = mailroom(case, mailbox)
    # when
    response = client_for(admin).post(reverse("privacy:account-export", args=[account.pk]))
    # then
    data = json.loads(archive_of(response).read("data.json"))
    assert data["account"]["name"] == "Klient S.A."
    assert [c["last_name"] for c in data["contacts"]] == ["Kowalski"]
    assert room.from_anna.pk not in {m["id"] for m in data["messages"]}
    record = Account.history.filter(id=account.pk).latest("history_date")
    assert (record.history_user, record.history_change_reason) == (
        admin,
        "personal data exported",
    )


def test_contact_export_is_recorded_in_the_contacts_history(manager, customer, data_dir):
    client_for(manager).post(reverse("privacy:contact-export", args=[customer.pk]))
    record = Contact.history.filter(id=customer.pk).latest("history_date")
    assert (record.history_user, record.history_change_reason) == (
        manager,
        "personal data exported",
    )


def test_an_agent_may_not_export(agent, customer):
    response = client_for(agent).post(reverse("privacy:contact-export", args=[customer.pk]))
    assert response.status_code == 403


def test_an_outsider_gets_404_for_a_restricted_account(outsider, admin):
    account = AccountFactory(restricted=True, manager=admin)
    response = client_for(outsider).post(reverse("privacy:account-export", args=[account.pk]))
    assert response.status_code == 404


def test_a_wrong_id_gets_404(admin):
    response = client_for(admin).post(reverse("privacy:contact-export", args=[987654]))
    assert response.status_code == 404


def test_export_is_only_a_post(admin, customer):
    response = client_for(admin).get(reverse("privacy:contact-export", args=[customer.pk]))
    assert response.status_code == 405


def test_the_readme_is_in_the_exporting_users_language(customer, data_dir):
    polish_admin = UserFactory(username="szef", role=User.Role.ADMINISTRATOR, language="pl")
    response = client_for(polish_admin).post(reverse("privacy:contact-export", args=[customer.pk]))
    readme = archive_of(response).read("README.txt").decode()
    assert readme.startswith("Dane osobowe przechowywane o: Jan Kowalski\n")


def test_a_hostile_file_name_stays_inside_its_folder(admin, customer, case, data_dir):
    # given
    message = add_message(case, from_address=CUSTOMER, raw_sha256=raw_store(b"x"))
    Attachment.objects.create(
        message=message,
        filename="../../..\\etc/passwd\u202egpj.exe",
        content_type="application/pdf",
        size=4,
        sha256=blob_store(b"boom"),
    )
    # when
    response = client_for(admin).post(reverse("privacy:contact-export", args=[customer.pk]))
    # then
    names = archive_of(response).namelist()
    assert f"attachments/message-{message.pk}/passwdgpj.exe" in names
    assert [name for name in names if ".." in name] == []


def test_a_file_missing_from_the_store_is_listed_not_fatal(admin, customer, case, data_dir):
    message = add_message(case, from_address=CUSTOMER, raw_sha256="f" * 64)
    response = client_for(admin).post(reverse("privacy:contact-export", args=[customer.pk]))
    data = json.loads(archive_of(response).read("data.json"))
    assert data["missing_files"] == [f"emails/{message.pk}.eml"]
    assert data["messages"][0]["raw_file"] == ""


def test_the_export_holds_the_customers_documents_every_version_and_the_confidential(admin, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kartoteka.documents.models import DocumentType
    from kartoteka.documents.services import document_create, file_version_add

    # given: an offer with two versions and a confidential contract naming nobody, which an
    # administrator sees (and so exports)
    account = AccountFactory(name="Klient S.A.")
    kind = DocumentType.objects.first()
    offer = document_create(
        by=agent, account=account, document_type=kind, title="Oferta",
        files=[SimpleUploadedFile("oferta.txt", b"Cena 100 PLN")],
    )  # fmt: skip
    file_version_add(
        by=agent, document=offer, upload=SimpleUploadedFile("oferta.txt", b"Cena 90 PLN")
    )
    document_create(
        by=agent, account=account, document_type=kind, title="Umowa poufna", confidential=True,
        files=[SimpleUploadedFile("umowa.txt", b"Tajne warunki")],
    )  # fmt: skip
    # when
    packed = archive_of(
        client_for(admin).post(reverse("privacy:account-export", args=[account.pk]))
    )
    # then
    data = json.loads(packed.read("data.json"))
    assert sorted(d["title"] for d in data["documents"]) == ["Oferta", "Umowa poufna"]
    contents = sorted(packed.read(n) for n in packed.namelist() if n.startswith("documents/"))
    assert contents == [b"Cena 100 PLN", b"Cena 90 PLN", b"Tajne warunki"]


def test_a_managers_export_leaves_out_a_confidential_document_it_does_not_name(manager, agent):
    from kartoteka.documents.tests.conftest import make_document, upload

    # given: an offer and a confidential contract of the agent's, naming nobody else
    account = AccountFactory(name="Klient S.A.")
    make_document(by=agent, account=account, title="Oferta")
    make_document(
        by=agent, account=account, title="Umowa poufna", confidential=True,
        files=[upload("umowa.txt", b"Tajne warunki")],
    )  # fmt: skip
    # when
    packed = archive_of(
        client_for(manager).post(reverse("privacy:account-export", args=[account.pk]))
    )
    # then: the offer only, neither the contract's entry nor its file
    data = json.loads(packed.read("data.json"))
    assert [d["title"] for d in data["documents"]] == ["Oferta"]
    assert [n for n in packed.namelist() if n.startswith("documents/")] == [
        f"documents/{data['documents'][0]['id']}/v1-offer.txt"
    ]
