"""An archive mailbox (a BCC or journal address, a user's own folder): its mail is filed to
the customer of its correspondents without a case, answer or notification; shown in the
customer file; turned into a case by hand; never stored twice."""

from __future__ import annotations

from functools import partial

import pytest
from django.test import Client
from django.urls import reverse

from kartoteka.cases import happenings
from kartoteka.cases.models import Case
from kartoteka.customers.models import Account, Contact, EmailAddress
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.receiving.fetch import fetch_mailbox
from kartoteka.mail.receiving.inbound import Receipt, message_receive
from kartoteka.mail.search_entries import message_index
from kartoteka.mail.tests.test_inbound import email as inbound_email
from kartoteka.notifications.models import Notification
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT

pytestmark = pytest.mark.usefixtures("data_dir")

JOURNAL = "archiwum@firma.example"
STRANGER = "nowy@nieznany.example"


@pytest.fixture
def archive_box(db: None) -> Mailbox:
    return Mailbox.objects.create(
        name="archiwum",
        address=JOURNAL,
        protocol=Mailbox.Protocol.NONE,
        purpose=Mailbox.Purpose.ARCHIVE,
    )


@pytest.fixture
def reported(monkeypatch: pytest.MonkeyPatch) -> list[happenings.Happening]:
    """What receiving reports to the follow-up (rules, notifications, acknowledgements)."""
    seen: list[happenings.Happening] = []
    monkeypatch.setattr(happenings, "_follow_up", seen.append)
    return seen


# A customer's order to a colleague (the archive's copy; the group mailbox's with ``to=SUPPORT``).
email = partial(
    inbound_email,
    to="Anna Nowak <agent@firma.example>",
    subject="Zamówienie 4/2026",
    message_id="<zamowienie-4@klient.example>",
)


def receive(raw: bytes, mailbox: Mailbox | None) -> Receipt:
    return message_receive(raw=raw, mailbox=mailbox, source="test")


def filed(
    account: Account, *, subject: str = "Zamówienie 4/2026", direction: str = "in"
) -> Message:
    """A message an archive mailbox filed to ``account`` (and indexed, as the pipeline does)."""
    message = Message.objects.create(
        account=account,
        direction=direction,
        state=Message.State.ARCHIVED,
        message_id=f"{subject}@klient.example",
        subject=subject,
        from_name="Jan Kowalski",
        from_address=CUSTOMER,
        to=[{"name": "Anna Nowak", "address": "agent@firma.example"}],
        text="Dzień dobry, w załączniku zamówienie.",
        text_new="Dzień dobry, w załączniku zamówienie.",
        raw_sha256="0" * 64,
    )
    message_index(message)
    return message


# Receiving


def test_a_customers_mail_is_filed_to_its_customer_without_case_answer_or_notice(
    archive_box, customer, agent, reported
) -> None:
    # when
    receipt = receive(email(attachment=b"%PDF-1.4 zamowienie"), archive_box)

    # then
    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, receipt.case_number) == ("archived", None)
    assert receipt.reason == f"archive: with {CUSTOMER}"
    assert (message.state, message.direction) == (Message.State.ARCHIVED, "in")
    assert (message.case, message.account) == (None, customer.account)
    assert [a.filename for a in message.attachments.all()] == ["faktura.pdf"]
    assert Case.objects.count() == 0
    assert reported == []
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert Notification.objects.count() == 0


def test_a_colleagues_journaled_mail_is_filed_as_sent_to_its_recipients_customer(
    archive_box, customer, agent, reported
) -> None:
    # given: the agent's own mail, copied (BCC) to the journal address
    raw = email(sender=f"Anna Nowak <{agent.email}>", to=f"Jan <{CUSTOMER}>")

    # when
    receipt = receive(raw, archive_box)

    # then
    message = Message.objects.get(pk=receipt.message_pk)
    assert receipt.reason.startswith(f"archive: sent to {CUSTOMER}; sender not verified")
    assert (message.direction, message.state) == ("out", Message.State.ARCHIVED)
    assert message.account == customer.account
    assert reported == []


def test_unknown_correspondents_wait_in_triage_as_today(archive_box, customer) -> None:
    receipt = receive(email(sender=f"Nowy <{STRANGER}>"), archive_box)

    message = Message.objects.get(pk=receipt.message_pk)
    assert (receipt.action, receipt.reason) == ("triage", "archive: no known correspondent")
    assert (message.state, message.account, message.direction) == ("triage", None, "in")


def test_a_new_person_copying_a_known_contact_is_filed_to_that_customer(
    archive_box, customer
) -> None:
    receipt = receive(email(sender=f"Nowy <{STRANGER}>", cc=CUSTOMER), archive_box)

    assert Message.objects.get(pk=receipt.message_pk).account == customer.account


def test_a_suspicious_from_is_still_filed_and_keeps_its_mark(archive_box, customer) -> None:
    # given: the name claims the customer's address, the address is someone else's; the
    # customer is copied
    raw = email(sender=f'"{CUSTOMER}" <mallory@obcy.example>', cc=CUSTOMER)

    # when
    receipt = receive(raw, archive_box)

    # then
    message = Message.objects.get(pk=receipt.message_pk)
    assert message.state == Message.State.ARCHIVED
    assert message.account == customer.account
    assert message.sender_suspicion == Message.SenderSuspicion.NAME_IS_ADDRESS
    assert receipt.reason.endswith("suspicious sender: the sender's name is another email address")


def test_several_customers_file_to_the_first_known_address(archive_box, customer) -> None:
    other = ContactFactory()
    EmailAddress.objects.create(contact=other, address="ewa@inny.example")

    receipt = receive(email(to="ewa@inny.example", cc="agent@firma.example"), archive_box)

    message = Message.objects.get(pk=receipt.message_pk)
    assert message.account == customer.account
    assert "2 customers among the correspondents" in receipt.reason


def test_the_same_message_fetched_twice_is_stored_once(archive_box, customer) -> None:
    first = receive(email(), archive_box)
    again = receive(email(headers={"Received": "from mx2.firma.example"}), archive_box)

    assert (first.action, again.action) == ("archived", "duplicate")
    assert again.message_pk == first.message_pk
    assert Message.objects.count() == 1


def test_a_copy_in_two_archive_mailboxes_is_stored_once(archive_box, customer) -> None:
    # given: the same mail in the journal and in a colleague's own folder (with its Bcc kept)
    own = Mailbox.objects.create(
        name="anna", address="agent@firma.example", purpose=Mailbox.Purpose.ARCHIVE
    )
    receive(email(), archive_box)

    # when
    again = receive(email(headers={"Bcc": JOURNAL}), own)

    # then
    assert again.action == "duplicate"
    assert Message.objects.count() == 1


def test_mail_the_group_mailbox_placed_is_not_filed_again(mailbox, archive_box, customer) -> None:
    placed = receive(email(to=SUPPORT), mailbox)

    copy = receive(email(to=SUPPORT, headers={"Received": "from journal"}), archive_box)

    assert (placed.action, copy.action) == ("created", "duplicate")
    assert Message.objects.count() == 1


def test_a_filed_copy_becomes_the_cases_message_when_the_group_mailbox_gets_it(
    mailbox, archive_box, customer
) -> None:
    # given: the journal's copy came first
    first = receive(email(to=SUPPORT), archive_box)

    # when
    placed = receive(email(to=SUPPORT, headers={"Received": "from mx"}), mailbox)

    # then: one message, now in its new case, shown once in the customer file
    message = Message.objects.get()
    assert placed.action == "created"
    assert message.pk == first.message_pk
    assert (message.state, message.mailbox, message.case.number) == (
        Message.State.PLACED,
        mailbox,
        placed.case_number,
    )
    assert message.account == customer.account


def test_another_message_reusing_a_filed_message_id_is_kept_apart(
    mailbox, archive_box, customer
) -> None:
    receive(email(to=SUPPORT, subject="Oryginał"), archive_box)

    forged = receive(email(to=SUPPORT, subject="Podróbka"), mailbox)

    assert forged.action == "created"
    assert Message.objects.count() == 2


def test_an_archive_mailbox_never_becomes_the_default_and_sends_nothing(archive_box) -> None:
    from kartoteka.mail.mailboxes import mailbox_create
    from kartoteka.mail.sending.outbound import mailboxes_for_sending

    archive_box.delete()
    journal = mailbox_create(
        name="archiwum", address=JOURNAL, protocol="none", purpose=Mailbox.Purpose.ARCHIVE
    )

    assert journal.is_default is False
    assert list(mailboxes_for_sending()) == []


def test_the_administrator_makes_a_mailbox_an_archive_in_its_form(admin) -> None:
    # given
    data = {
        "name": "Archiwum",
        "address": JOURNAL,
        "protocol": "none",
        "security": "ssl",
        "imap_folder": "INBOX",
        "after_fetch": "seen",
        "smtp_security": "starttls",
        "fetch_every_minutes": "2",
        "active": "on",
        "unknown_sender": "triage",
        "purpose": "archive",
    }
    client = client_for(admin)

    # when
    created = client.post(reverse("mail:mailbox-create"), data)
    edit_url = reverse("mail:mailbox-edit", args=[Mailbox.objects.get().pk])
    refused = client.post(edit_url, {**data, "is_default": "on"})

    # then
    assert created.status_code == 302
    assert Mailbox.objects.get().purpose == Mailbox.Purpose.ARCHIVE
    assert refused.status_code == 200
    assert "An archive mailbox sends nothing, so it cannot be the default." in refused.text
    assert 'value="archive" selected' in client.get(edit_url).text


@pytest.mark.skipif("not __import__('shutil').which('dovecot', path='/usr/sbin:/usr/bin')")
def test_a_users_own_imap_folder_is_filed_once(account, make_mailbox, customer, agent) -> None:
    # given: the colleague's Sent folder with a mail to the customer, read as an archive
    account.create_folder("Sent")
    account.append(email(sender=agent.email, to=CUSTOMER, headers={"Bcc": JOURNAL}), folder="Sent")
    account.append(email(sender=agent.email, to=STRANGER, message_id="<x@f>"), folder="Sent")
    box = make_mailbox(purpose=Mailbox.Purpose.ARCHIVE, imap_folder="Sent")

    # when
    first = fetch_mailbox(box)
    second = fetch_mailbox(box)

    # then
    assert (first.stored, first.error, second.fetched) == (2, "", 0)
    sent = Message.objects.get(message_id="zamowienie-4@klient.example")
    assert (sent.direction, sent.state, sent.account) == ("out", "archived", customer.account)
    assert Message.objects.get(message_id="x@f").state == Message.State.TRIAGE
    assert box.is_default is False


# Visibility


@pytest.fixture
def hidden(support_team) -> Account:
    """A restricted customer of the support team (the outsider is in sales)."""
    return AccountFactory(name="Tajny klient", restricted=True, team=support_team)


def test_filed_mail_is_seen_by_whoever_sees_its_customer(agent, outsider, clerk, hidden) -> None:
    message = filed(hidden)

    assert list(Message.objects.visible_to(agent)) == [message]
    assert list(Message.objects.visible_to(outsider)) == []
    assert list(Message.objects.visible_to(clerk)) == []


# The customer file


def file_url(account: Account, **params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return reverse("customers:account-detail", args=[account.pk]) + (f"?{query}" if query else "")


def test_the_correspondence_tab_shows_filed_mail_linked_to_its_page(agent, customer) -> None:
    # given
    received = filed(customer.account, subject="Zamówienie kwietniowe")
    sent = filed(customer.account, subject="Potwierdzenie zamówienia", direction="out")

    # when
    text = client_for(agent).get(file_url(customer.account, tab="correspondence")).text

    # then
    assert text.index("Potwierdzenie zamówienia") < text.index("Zamówienie kwietniowe")
    for message in (received, sent):
        assert reverse("mail:message-detail", args=[message.pk]) in text
    assert "without a case" in text


def test_filed_mail_is_found_by_the_files_search_and_on_the_contacts_page(agent, customer) -> None:
    filed(customer.account, subject="Reklamacja palet")
    client = client_for(agent)

    searched = client.get(file_url(customer.account, q="palet")).text
    contact_page = client.get(reverse("customers:contact-detail", args=[customer.pk])).text

    assert "Reklamacja palet" in searched
    assert "Reklamacja palet" in contact_page


def test_the_file_makes_the_same_queries_for_few_and_many_filed_messages(agent, customer) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        client = client_for(agent)
        client.get(file_url(customer.account, tab="correspondence"))
        with CaptureQueriesContext(connection) as captured:
            client.get(file_url(customer.account, tab="correspondence"))
        return len(captured)

    for n in range(5):
        filed(customer.account, subject=f"A {n}")
    few = queries()
    for n in range(60):
        filed(customer.account, subject=f"B {n}")
    assert queries() == few


def test_an_outsider_sees_neither_the_file_nor_the_message(outsider, hidden) -> None:
    message = filed(hidden)
    client = client_for(outsider)

    assert client.get(file_url(hidden)).status_code == 404
    assert client.get(reverse("mail:message-detail", args=[message.pk])).status_code == 404


# The message's page and turning it into a case


def test_the_message_page_shows_the_filed_mail_and_its_attachment(
    archive_box, customer, agent
) -> None:
    receipt = receive(email(attachment=b"%PDF-1.4 zamowienie"), archive_box)

    response = client_for(agent).get(reverse("mail:message-detail", args=[receipt.message_pk]))

    assert response.status_code == 200
    assert "Zamówienie 4/2026" in response.text
    assert "Turn into a case" in response.text
    attachment = Message.objects.get().attachments.get()
    download = reverse("mail:attachment-download", args=[attachment.pk])
    assert download in response.text
    assert client_for(agent).get(download).status_code == 200


def test_turn_into_a_case_makes_a_case_of_the_customer_holding_the_message(
    archive_box, customer, agent
) -> None:
    # given
    receipt = receive(email(subject="Re: Zamówienie 4/2026"), archive_box)

    # when
    response = client_for(agent).post(reverse("mail:message-to-case", args=[receipt.message_pk]))

    # then
    message = Message.objects.select_related("case").get()
    case = message.case
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert (case.subject, case.account, case.reporter) == (
        "Zamówienie 4/2026",
        customer.account,
        customer,
    )
    assert (message.state, message.account) == (Message.State.PLACED, customer.account)


def test_turn_into_a_case_brings_the_whole_filed_conversation_along(
    archive_box, customer, agent
) -> None:
    # given: the customer's order, our answer, their thanks — and another matter, all filed
    order = receive(email(), archive_box)
    receive(
        email(
            sender=agent.email,
            to=CUSTOMER,
            subject="Re: Zamówienie 4/2026",
            message_id="<odpowiedz@firma.example>",
            in_reply_to="<zamowienie-4@klient.example>",
        ),
        archive_box,
    )
    thanks = receive(
        email(
            subject="Re: Re: Zamówienie 4/2026",
            message_id="<dzieki@klient.example>",
            in_reply_to="<odpowiedz@firma.example>",
        ),
        archive_box,
    )
    other = receive(
        email(subject="Faktura 12/2026", message_id="<faktura@klient.example>"), archive_box
    )

    # when: the answer in the middle is turned into a case
    answer = Message.objects.get(subject="Re: Zamówienie 4/2026")
    client_for(agent).post(reverse("mail:message-to-case", args=[answer.pk]))

    # then: the conversation is in the case, the other matter stays filed
    case = Case.objects.get()
    in_case = set(case.messages.values_list("pk", flat=True))
    assert in_case == {order.message_pk, answer.pk, thanks.message_pk}
    assert Message.objects.get(pk=other.message_pk).state == Message.State.ARCHIVED


def test_turning_our_sent_copy_into_a_case_keeps_it_sent(archive_box, customer, agent) -> None:
    receipt = receive(email(sender=agent.email, to=CUSTOMER), archive_box)

    client_for(agent).post(reverse("mail:message-to-case", args=[receipt.message_pk]))

    message = Message.objects.select_related("case").get()
    assert (message.state, message.direction) == (Message.State.SENT, "out")
    assert list(message.case.contacts.all()) == [customer]


def test_turn_into_a_case_twice_makes_one_case(archive_box, customer, agent) -> None:
    receipt = receive(email(), archive_box)
    client = client_for(agent)
    url = reverse("mail:message-to-case", args=[receipt.message_pk])

    client.post(url)
    again = client.post(url)

    assert Case.objects.count() == 1
    assert again.url == Case.objects.get().get_absolute_url()


def test_turn_into_a_case_is_404_for_a_message_the_user_may_not_see(outsider, hidden) -> None:
    message = filed(hidden)

    response = client_for(outsider).post(reverse("mail:message-to-case", args=[message.pk]))

    assert response.status_code == 404
    assert Case.objects.count() == 0


def test_turn_into_a_case_is_a_post_with_a_csrf_token(agent, customer) -> None:
    message = filed(customer.account)
    url = reverse("mail:message-to-case", args=[message.pk])
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert Case.objects.count() == 0


def test_a_filed_message_can_be_added_to_an_existing_case(agent, customer) -> None:
    from kartoteka.testing.cases import make_case

    message = filed(customer.account)
    case = make_case("Zamówienia 2026", account=customer.account)

    response = client_for(agent).post(
        reverse("mail:message-move", args=[message.pk]), {"source": "", "target": case.number}
    )

    message.refresh_from_db()
    assert response.status_code == 302
    assert (message.case, message.state) == (case, Message.State.PLACED)


def test_a_contact_without_a_customer_files_nothing(archive_box) -> None:
    loner = Contact.objects.create(last_name="Samotny")
    EmailAddress.objects.create(contact=loner, address=CUSTOMER)

    assert receive(email(), archive_box).action == "triage"


def test_filed_mail_of_a_deleted_customer_is_not_left_to_every_case_worker(agent, admin) -> None:
    account = AccountFactory()
    message = filed(account)

    Account.objects.filter(pk=account.pk).delete()

    assert list(Message.objects.visible_to(agent)) == []
    assert list(Message.objects.visible_to(admin)) == [message]


def test_the_migration_gives_every_stored_message_its_cases_customer(customer) -> None:
    import importlib

    from django.apps import apps

    from kartoteka.testing.cases import make_case
    from kartoteka.testing.mail.sending import add_message

    # given: messages stored before ``Message.account`` existed
    case = make_case("Drukarka", account=customer.account)
    without_customer = make_case("Bez klienta")
    in_case, in_other = add_message(case), add_message(without_customer)
    waiting = filed(customer.account)
    Message.objects.filter(pk__in=[in_case.pk, in_other.pk]).update(account=None)
    Message.objects.filter(pk=waiting.pk).update(account=None, state=Message.State.TRIAGE)
    migration = importlib.import_module("kartoteka.mail.migrations.0006_message_account")

    # when
    migration.account_from_case(apps, None)

    # then
    accounts = dict(Message.objects.values_list("pk", "account_id"))
    assert accounts == {in_case.pk: customer.account_id, in_other.pk: None, waiting.pk: None}


def test_filed_mail_is_found_by_the_global_search_for_who_sees_its_customer(
    archive_box, customer, agent, outsider
) -> None:
    # given
    customer.account.restricted = True
    customer.account.team = agent.team
    customer.account.save(update_fields=["restricted", "team"])
    receipt = receive(email(subject="Reklamacja palet EUR"), archive_box)
    url = reverse("mail:message-detail", args=[receipt.message_pk])

    # when
    found = client_for(agent).get(reverse("search:search"), {"q": "palet"}).text
    hidden = client_for(outsider).get(reverse("search:search"), {"q": "palet"}).text

    # then
    assert url in found
    assert url not in hidden


def test_a_colleague_whose_own_folder_is_archived_still_gets_automatic_mail(db) -> None:
    from kartoteka.mail.sending.loop_guard import may_send_automatically

    Mailbox.objects.create(name="anna", address="anna@firma.example", purpose="archive")
    Mailbox.objects.create(name="pomoc", address=SUPPORT)

    assert may_send_automatically("anna@firma.example", case=None) == (True, "")
    assert may_send_automatically(SUPPORT, case=None)[0] is False
