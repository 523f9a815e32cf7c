"""Erasing a contact's personal data (right to erasure): gone everywhere, the cases still
readable, the shared files kept, refused under a legal hold."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from kartoteka.cases.events import contacts_changed_event
from kartoteka.cases.models import CaseNote, Status
from kartoteka.customers.forms import AccountForm
from kartoteka.customers.models import Contact
from kartoteka.customers.services import account_update
from kartoteka.desk.privacy.erase import ERASED
from kartoteka.desk.tests.privacy.mailroom import mailroom
from kartoteka.mail.blobstore import blob_path
from kartoteka.mail.models import Attachment, Draft, Message
from kartoteka.mail.rawstore import raw_path
from kartoteka.mail.sending.outbox_actions import outbox_retry
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, PhoneNumberFactory
from kartoteka.testing.mail.receiving import CUSTOMER
from kartoteka.testing.mail.sending import add_message
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


def erase(user, contact: Contact, capture):
    with capture(execute=True):
        return client_for(user).post(reverse("privacy:contact-erase", args=[contact.pk]))


def database_dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def test_erasure_leaves_nothing_of_them_in_the_database(
    admin, customer, case, mailbox, data_dir, django_capture_on_commit_callbacks
):
    # given: Jan in every place that keeps personal data
    mailroom(case, mailbox)
    PhoneNumberFactory(contact=customer, number="+48600100200")
    customer.position, customer.notes = "Księgowy", "Dzwonić po 10"
    customer.portal_user = UserFactory(
        username="jan.kowalski", role=User.Role.PORTAL, last_name="Kowalski", email=CUSTOMER
    )
    customer.save()  # a history record with the old data
    case.notify_addresses = f"{CUSTOMER}, biuro@klient.example"
    case.save()  # and one of the case
    contacts_changed_event(case=case, by=admin, old=[customer], new=[])
    Draft.objects.create(case=case, author=admin, to=CUSTOMER, body="Panie Jan Kowalski,")
    Notification.objects.create(
        recipient=admin, case=case, kind=Notification.Kind.MESSAGE, text="Jan Kowalski napisał"
    )
    # when
    response = erase(admin, customer, django_capture_on_commit_callbacks)
    # then
    assert response.status_code == 302
    dump = database_dump()
    traces = ("Kowalski", CUSTOMER, "80010112345", "dowod-jana", "600100200", "Dzwonić", "Księg")
    assert [trace for trace in traces if trace in dump] == []
    assert Contact.objects.get(pk=customer.pk).last_name == f"Erased contact #{customer.pk}"
    case.refresh_from_db()
    assert case.notify_addresses == "biuro@klient.example"


@pytest.mark.parametrize("state", [Message.State.QUEUED, Message.State.FAILED])
def test_a_message_to_them_waiting_or_failed_in_the_outbox_is_cancelled_never_to_be_sent(
    admin, customer, case, state, django_capture_on_commit_callbacks
):
    # given: a reply that was to close the case when sent
    closed = Status.objects.get(name="Closed")
    unsent = add_message(
        case,
        direction=Message.Direction.OUTBOUND,
        state=state,
        to=[{"name": "Jan", "address": CUSTOMER}],
    )
    Message.objects.filter(pk=unsent.pk).update(status_after_sending=closed)
    # when
    erase(admin, customer, django_capture_on_commit_callbacks)
    # then: no "Send again" is offered for it, and the case keeps its status
    unsent.refresh_from_db()
    assert (unsent.state, unsent.to, unsent.status_after_sending) == (
        Message.State.CANCELLED,
        [{"name": f"Erased contact #{customer.pk}", "address": ""}],
        None,
    )
    assert unsent.error == "Not sent: the recipient's personal data was erased."
    with pytest.raises(ValidationError):
        outbox_retry(message=unsent, by=admin)


def test_the_case_reads_on_with_the_other_messages(
    admin, customer, case, mailbox, data_dir, django_capture_on_commit_callbacks
):
    # given
    room = mailroom(case, mailbox)
    # when
    erase(admin, customer, django_capture_on_commit_callbacks)
    # then
    room.from_jan.refresh_from_db()
    room.to_jan.refresh_from_db()
    room.from_anna.refresh_from_db()
    name = f"Erased contact #{customer.pk}"
    assert (room.from_jan.from_name, room.from_jan.from_address) == (name, "")
    assert (room.from_jan.text, room.from_jan.subject) == (ERASED, f"[KART#{case.number}] Faktura")
    assert room.to_jan.to == [{"name": name, "address": ""}]
    assert room.to_jan.text == f"Dzień dobry Panie {ERASED}, faktura jest w załączniku."
    assert room.from_anna.text == "U nas też nie działa."
    assert list(case.messages.order_by("pk").values_list("pk", flat=True)) == [
        room.from_jan.pk, room.to_jan.pk, room.from_anna.pk, room.shared_with_jan.pk,
        room.shared_with_anna.pk,
    ]  # fmt: skip
    case.refresh_from_db()
    assert case.subject == "Drukarka"


def test_the_case_history_says_who_erased(
    admin, customer, case, mailbox, data_dir, django_capture_on_commit_callbacks
):
    erase(admin, customer, django_capture_on_commit_callbacks)
    note = CaseNote.objects.get(case=case)
    assert (note.author, note.internal, note.text) == (
        admin,
        True,
        f"Personal data of a contact erased by {admin}.",
    )


def test_files_go_unless_another_message_refers_to_them(
    admin, customer, case, mailbox, data_dir, django_capture_on_commit_callbacks
):
    # given
    room = mailroom(case, mailbox)
    blob = blob_path(Attachment.objects.get(message=room.from_jan).sha256)
    gone = [raw_path(room.from_jan.raw_sha256), raw_path(room.to_jan.raw_sha256), blob]
    kept = [raw_path(room.shared_with_anna.raw_sha256), raw_path(room.from_anna.raw_sha256)]
    assert all(path.is_file() for path in gone + kept)
    # when
    erase(admin, customer, django_capture_on_commit_callbacks)
    # then
    assert [path.is_file() for path in gone] == [False, False, False]
    assert [path.is_file() for path in kept] == [True, True]
    assert Message.objects.get(pk=room.shared_with_jan.pk).raw_sha256 == ""


def test_a_legal_hold_refuses_the_erasure(
    admin, customer, case, mailbox, data_dir, django_capture_on_commit_callbacks
):
    # given
    customer.account = AccountFactory(name="Klient S.A.", legal_hold=True)
    customer.save()
    room = mailroom(case, mailbox)
    # when
    response = erase(admin, customer, django_capture_on_commit_callbacks)
    # then
    assert response.status_code == 409
    assert "under a legal hold" in response.content.decode()
    customer.refresh_from_db()
    assert customer.last_name == "Kowalski"
    assert Message.objects.get(pk=room.from_jan.pk).from_address == CUSTOMER
    assert raw_path(room.from_jan.raw_sha256).is_file()


def test_the_confirm_page_asks_first(admin, customer):
    response = client_for(admin).get(reverse("privacy:contact-erase", args=[customer.pk]))
    assert response.status_code == 200
    assert Contact.objects.get(pk=customer.pk).last_name == "Kowalski"


def test_only_administrators_erase(manager, customer):
    response = client_for(manager).post(reverse("privacy:contact-erase", args=[customer.pk]))
    assert response.status_code == 403
    assert Contact.objects.get(pk=customer.pk).last_name == "Kowalski"


def test_an_outsider_gets_404(outsider, admin, customer):
    customer.account = AccountFactory(restricted=True, manager=admin)
    customer.save()
    response = client_for(outsider).post(reverse("privacy:contact-erase", args=[customer.pk]))
    assert response.status_code == 404


def test_only_administrators_see_the_legal_hold_on_the_account_form(admin, agent):
    assert "legal_hold" in AccountForm(user=admin).fields
    assert "legal_hold" not in AccountForm(user=agent).fields


def test_only_administrators_set_a_legal_hold(admin, manager):
    account = AccountFactory()
    with pytest.raises(ValidationError) as refused:
        account_update(account=account, by=manager, data={"legal_hold": True})
    assert refused.value.message_dict == {
        "legal_hold": ["Only administrators may set or lift a legal hold."]
    }
    account_update(account=account, by=admin, data={"legal_hold": True})
    account.refresh_from_db()
    assert account.legal_hold is True


def test_the_contact_page_offers_export_and_erase_to_administrators(admin, agent, customer):
    export = reverse("privacy:contact-export", args=[customer.pk])
    erase_url = reverse("privacy:contact-erase", args=[customer.pk])
    page = reverse("customers:contact-detail", args=[customer.pk])
    shown_to_admin = client_for(admin).get(page).content.decode()
    shown_to_agent = client_for(agent).get(page).content.decode()
    assert (export in shown_to_admin, erase_url in shown_to_admin) == (True, True)
    assert (export in shown_to_agent, erase_url in shown_to_agent) == (False, False)


def test_the_account_snippet_offers_export_to_managers(manager, agent, rf):
    account = AccountFactory()
    export = reverse("privacy:account-export", args=[account.pk])
    for user, shown in ((manager, True), (agent, False)):
        request = rf.get("/")
        request.user = user
        html = render_to_string(
            "customers/privacy_actions.html", {"account": account}, request=request
        )
        assert (export in html) is shown
