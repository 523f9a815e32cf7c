from __future__ import annotations

from collections import Counter
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.test import Client
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import regon as stdnum_regon

from kartoteka.cases.models import Case, CaseNote
from kartoteka.core.models import Dictionary
from kartoteka.customers.models import Account, Contact, EmailAddress, PhoneNumber, Segment
from kartoteka.demo.catalogue import DEMO_PASSWORD
from kartoteka.demo.mail import MAILBOX_ADDRESS
from kartoteka.demo.pdf import pdf_text
from kartoteka.demo.services import demo_load, demo_logins
from kartoteka.documents.models import Document, DocumentFile
from kartoteka.mail.models import Mailbox, Message
from kartoteka.people.models import Team, User

pytestmark = pytest.mark.django_db


def run_demo(*extra: str) -> str:
    out = StringIO()
    call_command(
        "demo", "--accounts", "20", "--contacts", "40", "--cases", "10", *extra, stdout=out
    )
    return out.getvalue()


def stored_counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "segments": Segment.objects.count(),
        "dictionaries": Dictionary.objects.count(),
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "emails": EmailAddress.objects.count(),
        "phones": PhoneNumber.objects.count(),
        "cases": Case.objects.count(),
        "documents": Document.objects.count(),
        "document_files": DocumentFile.objects.count(),
    }


def test_running_the_demo_twice_adds_nothing_the_second_time() -> None:
    # given
    first_output = run_demo()
    first = stored_counts()
    # when
    second_output = run_demo()
    # then
    assert stored_counts() == first
    # with Jan, who left the sales team (demo.activities), and three portal users (demo.portal)
    assert first["users"] == 12
    assert first["teams"] == 2
    assert first["segments"] == 4
    assert first["dictionaries"] == 7  # with two of the events (demo.activities)
    assert first["accounts"] == 20
    assert first["contacts"] == 41  # with the colleague who answered all (demo.newcomers)
    # 10 demo cases, 40 opened by demo email, 1 in the portal, 3 by the web form
    assert first["cases"] == 54
    assert first["documents"] > 0
    assert "Added 8 users, 20 accounts, 40 contacts, 10 cases and " in first_output
    assert "Added 0 users, 0 accounts, 0 contacts, 0 cases and 0 emails" in second_output
    assert "demo password: kartoteka-demo" in first_output


def test_the_same_seed_gives_the_same_companies() -> None:
    run_demo()
    names = list(Account.objects.order_by("nip").values_list("nip", "name", "city"))
    Case.objects.all().delete()
    Account.objects.all().delete()

    run_demo()

    assert list(Account.objects.order_by("nip").values_list("nip", "name", "city")) == names


def test_every_nip_and_regon_is_valid_and_unique() -> None:
    run_demo()
    nips = list(Account.objects.values_list("nip", flat=True))
    regons = list(Account.objects.values_list("regon", flat=True))
    assert all(stdnum_nip.is_valid(nip) and nip == stdnum_nip.compact(nip) for nip in nips)
    assert all(stdnum_regon.is_valid(regon) and len(regon) == 9 for regon in regons)
    assert len(set(nips)) == len(nips) == 20
    assert len(set(regons)) == len(regons) == 20


def test_email_addresses_are_lower_case_unique_and_at_the_accounts_domain() -> None:
    run_demo()
    addresses = list(EmailAddress.objects.values_list("address", flat=True))
    assert len(addresses) == len(set(addresses))
    assert all(address == address.lower() for address in addresses)
    for email in EmailAddress.objects.select_related("contact__account", "account"):
        account = email.account or email.contact.account
        assert email.address.split("@")[1] == account.website.removeprefix("https://www.")
    assert EmailAddress.objects.filter(account__isnull=False).count() == 20
    assert not Contact.objects.filter(emails__isnull=True).exists()


def test_contact_phones_are_valid_polish_mobile_numbers_in_e164() -> None:
    run_demo()
    for number in PhoneNumber.objects.values_list("number", flat=True):
        parsed = phonenumbers.parse(number)
        assert number == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert number[3] in "5678"
        assert phonenumbers.region_code_for_number(parsed) == "PL"
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE


def test_restricted_accounts_belong_to_their_managers_team() -> None:
    demo_load(accounts=200, contacts=0, cases=0)
    restricted = Account.objects.filter(restricted=True).select_related("manager")
    assert restricted.count() > 0
    assert all(a.team_id is not None and a.team_id == a.manager.team_id for a in restricted)
    assert Account.objects.filter(kind=Account.Kind.LEAD).count() in range(30, 80)


@pytest.mark.parametrize(
    ("username", "role"),
    [("admin", User.Role.ADMINISTRATOR), ("kierownik", User.Role.MANAGER), ("agent", "agent")],
)
def test_the_three_roles_log_in_with_the_demo_password(username: str, role: str) -> None:
    run_demo()
    assert User.objects.get(username=username).role == role
    assert Client().login(username=username, password=DEMO_PASSWORD) is True


def test_teams_have_supervisors_and_agents() -> None:
    run_demo()
    support = Team.objects.get(name="Obsługa klienta")
    sales = Team.objects.get(name="Sprzedaż")
    assert support.supervisor.username == "marta"
    assert sales.supervisor.username == "tomasz"
    assert set(support.members.values_list("username", flat=True)) == {"agent", "marta", "ola"}


def test_a_rerun_keeps_a_changed_password_and_stops_printing_that_login() -> None:
    run_demo()
    agent = User.objects.get(username="agent")
    agent.set_password("changed-by-agent")
    agent.save(update_fields=["password"])

    run_demo("--password", "something-else")

    assert Client().login(username="agent", password="changed-by-agent") is True
    portal = User.objects.get(
        role=User.Role.PORTAL, portal_contact__portal_role__sees_company_cases=True
    )
    assert [user.username for user in demo_logins()] == ["admin", "kierownik", portal.username]


def test_demo_cases_have_customers_numbers_notes_and_a_history() -> None:
    # when
    demo_load(accounts=20, contacts=40, cases=30)
    # then
    cases = list(Case.objects.select_related("account", "status").order_by("number"))
    # 30 demo cases, then 40 opened by demo email, 1 in the portal, 3 sent through the web form
    assert [case.number for case in cases] == list(range(1, 75))
    assert all(case.account is not None for case in cases)
    assert {case.status.name for case in cases} >= {"New"}
    assert len({case.status.name for case in cases}) >= 3
    assert CaseNote.objects.count() > 0
    assert Case.history.filter(history_type="~").count() > 0


def test_agents_of_the_demo_work_with_cases() -> None:
    demo_load(accounts=0, contacts=0, cases=0)
    assert set(
        User.objects.filter(can_work_with_cases=True).values_list("username", flat=True)
    ) == {"agent", "marta", "ola", "tomasz", "bartek", "zofia"}


def test_a_rerun_adds_no_email() -> None:
    run_demo()
    stored = Message.objects.count()
    assert stored > 0

    output = run_demo()

    assert Message.objects.count() == stored
    assert "0 cases and 0 emails" in output


def test_demo_conversations_land_in_cases_and_strangers_in_triage() -> None:
    run_demo()

    mailbox = Mailbox.objects.get(address=MAILBOX_ADDRESS)
    assert mailbox.is_default
    assert mailbox.protocol == Mailbox.Protocol.NONE
    demo = Message.objects.filter(source="demo", mailbox=mailbox)
    placed = demo.filter(case__isnull=False)
    assert placed.count() >= 40  # every demo contact writes once, some twice
    # 40 cases, one of them merged into another case of its customer by the demo desk
    assert placed.values("case").distinct().count() == 39
    assert Case.objects.filter(merged_into__isnull=False).count() == 1
    replies = placed.filter(subject__startswith="Re: ")
    assert replies.exists()
    for reply in replies.select_related("case"):
        # appended to the case of the first message (plus the merged one's, if any)
        first = placed.filter(case=reply.case, subject=reply.subject.removeprefix("Re: "))
        assert first.exists()
    known = set(EmailAddress.objects.values_list("address", flat=True))
    triage = demo.filter(state=Message.State.TRIAGE)
    assert triage.count() == 6
    assert all(m.case_id is None for m in triage)
    assert not known & {m.from_address for m in triage}
    # two vacation notices naming no case are set aside, findable by administrators
    ignored = demo.filter(state=Message.State.IGNORED)
    assert ignored.count() == 2
    assert all(m.auto_reply and m.case_id is None for m in ignored)


def test_the_demo_desk_has_canned_responses_a_merge_replies_and_discarded_spam() -> None:
    from kartoteka.cases.models import CaseEvent
    from kartoteka.mail.models import CannedResponse

    # when
    demo_load(accounts=20, contacts=40, cases=10)
    # then: texts to insert, with placeholders the composer fills
    assert CannedResponse.objects.filter(active=True).count() == 4
    assert all("{" in canned.body for canned in CannedResponse.objects.all())
    # a duplicate case merged into the older one, both histories say so
    merged = Case.objects.get(merged_into__isnull=False)
    assert merged.merged_into.account == merged.account
    assert merged.messages.count() == 0
    assert CaseEvent.objects.filter(case=merged, kind=CaseEvent.Kind.MERGED_INTO).exists()
    assert CaseEvent.objects.filter(
        case=merged.merged_into, kind=CaseEvent.Kind.MERGED_FROM
    ).exists()
    # replies recorded as sent, never handed to a server (and the outbox's refused one,
    # ``demo.outbox``)
    sent = Message.objects.filter(direction=Message.Direction.OUTBOUND, case__isnull=False)
    assert sent.count() == 6
    assert (
        sorted(sent.values_list("state", flat=True))
        == [Message.State.FAILED] + [Message.State.SENT] * 5
    )
    # spam waits, restorable, out of triage
    spam = Message.objects.get(state=Message.State.DISCARDED)
    assert spam.discarded_by.username == "agent"
    assert Message.objects.filter(state=Message.State.TRIAGE).count() == 6
    # and a second run adds nothing
    demo_load(accounts=20, contacts=40, cases=10)
    assert CannedResponse.objects.count() == 4
    assert sent.count() == 6


def test_the_demo_team_has_rules_followers_a_stream_and_news_under_the_bell(
    django_capture_on_commit_callbacks,
) -> None:
    from kartoteka.cases.models import CaseFollower
    from kartoteka.notifications.models import Notification
    from kartoteka.workflows.models import Rule

    # when: the demo is loaded and the worker follows up what it committed
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(accounts=20, contacts=40, cases=10)
    # then: new email cases are shared out in turn; urgent mail reaches the manager
    assert list(
        Rule.objects.exclude(trigger=Rule.Trigger.SCHEDULED)
        .order_by("position")
        .values_list("trigger", flat=True)
    ) == [Rule.Trigger.CASE_CREATED, Rule.Trigger.MESSAGE_RECEIVED]
    # the supervisor follows every new case; the stream has notes and a public comment
    assert User.objects.get(username="marta").auto_follow_new_cases
    notes = CaseNote.objects.filter(text__contains="@")
    assert {note.internal for note in CaseNote.objects.filter(author__username="agent")} >= {False}
    assert sorted(user.username for note in notes for user in note.mentioned.all()) == [
        "agent",
        "kierownik",
    ]
    # the printed logins find news waiting: a mention, an assignment
    agent_news = set(
        Notification.objects.filter(recipient__username="agent", read_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    assert agent_news == {Notification.Kind.MENTION, Notification.Kind.ASSIGNED}
    assert Notification.objects.filter(
        recipient__username="kierownik", kind=Notification.Kind.MENTION
    ).exists()
    assert CaseFollower.objects.filter(user__username="agent").count() >= 2
    # and a second run adds nothing
    count = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(accounts=20, contacts=40, cases=10)
    assert (Rule.objects.count(), Notification.objects.count()) == (3, count)


def test_demo_customers_have_offers_invoices_and_orders_with_readable_pdfs(
    django_capture_on_commit_callbacks,
) -> None:
    # when: the demo is loaded and the worker extracts the text of what it committed
    with django_capture_on_commit_callbacks(execute=True):
        demo_load(accounts=20, contacts=40, cases=10)
    # then: every customer (not lead) has one to three of them, besides the contract
    regular = Document.objects.filter(confidential=False).select_related("account")
    per_account = Counter(document.account for document in regular)
    customers = Account.objects.filter(kind=Account.Kind.CUSTOMER)
    assert set(per_account) == set(customers)
    assert set(per_account.values()) <= {1, 2, 3}
    assert {d.document_type.name for d in regular} == {"Offer", "Invoice", "Order"}
    assert any(
        title.startswith("Faktura VAT FV/2026/")
        for title in regular.values_list("title", flat=True)
    )
    # each one's PDF names its number, the customer and its NIP, items and amounts in PLN
    for document in regular:
        text = document.files.get(version=1).text
        assert document.title.split()[-1] in text
        assert pdf_text(document.account.name) in text
        assert f"NIP: {document.account.nip}" in text
        assert "Razem brutto:" in text
        assert " PLN" in text
    assert set(DocumentFile.objects.values_list("text_state", flat=True)) == {"done"}
    # some belong to one of the customer's cases, some have a corrected second version
    linked = regular.filter(case__isnull=False).select_related("case")
    assert linked.exists()
    assert all(document.case.account_id == document.account_id for document in linked)
    corrected = DocumentFile.objects.filter(version=2)
    assert corrected.exists()
    assert all("Wersja 2" in row.text for row in corrected)


def test_the_confidential_contract_is_seen_by_its_author_and_the_named_agent_only() -> None:
    # when
    demo_load(accounts=20, contacts=40, cases=10)
    # then
    contract = Document.objects.get(confidential=True)
    assert contract.title == "Umowa serwisowa 2027 — projekt"
    assert contract.author.username == "kierownik"
    assert [user.username for user in contract.shared_users.all()] == ["agent"]
    people = {user.username: user for user in User.objects.all()}
    for username, sees in [("kierownik", True), ("agent", True), ("ola", False), ("tomasz", False)]:
        assert Document.objects.visible_to(people[username]).filter(pk=contract.pk).exists() is sees
    # the other agent still sees the customer's other documents
    assert Document.objects.visible_to(people["ola"]).filter(account=contract.account).exists()


def test_the_same_seed_gives_the_same_documents_and_a_rerun_adds_none() -> None:
    demo_load(accounts=20, contacts=40, cases=10)
    first = list(Document.objects.order_by("title").values_list("account__nip", "title", "date"))
    files = DocumentFile.objects.count()
    assert files > len(first) > 10  # some documents have a second version

    demo_load(accounts=20, contacts=40, cases=10)

    assert DocumentFile.objects.count() == files
    assert Document.objects.count() == len(first)
    Document.objects.all().delete()
    demo_load(accounts=20, contacts=40, cases=10)
    again = list(Document.objects.order_by("title").values_list("account__nip", "title", "date"))
    assert again == first


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("turn", ["first", "after a flush"])
def test_the_demo_has_documents_in_transactional_tests_too(turn: str) -> None:
    # Transactional tests end by emptying every table; the next one must again start with
    # the document types the migrations create, or the demo would find none to use.
    demo_load(accounts=10, contacts=0, cases=0)

    assert Document.objects.filter(confidential=False).exists()


def test_demo_customers_have_correspondence_filed_without_a_case() -> None:
    from django.urls import reverse

    from kartoteka.demo.archive import ARCHIVE_ADDRESS

    # when
    run_demo()

    # then: the sales team's mail, copied to the archive mailbox, filed to its customers
    archive = Mailbox.objects.get(address=ARCHIVE_ADDRESS)
    assert (archive.purpose, archive.is_default) == (Mailbox.Purpose.ARCHIVE, False)
    filed = Message.objects.filter(mailbox=archive)
    assert filed.count() >= 16
    assert set(filed.values_list("state", flat=True)) == {Message.State.ARCHIVED}
    assert not filed.filter(case__isnull=False).exists()
    assert not filed.filter(account__isnull=True).exists()
    assert filed.values("account").distinct().count() == 8
    assert set(filed.values_list("direction", flat=True)) == {"in", "out"}
    assert filed.filter(attachments__filename__endswith=".pdf").exists()
    # shown in the Correspondence tab of its customer
    message = filed.filter(account__restricted=False).select_related("account").first()
    client = Client()
    client.force_login(User.objects.get(username="agent"))
    page = client.get(
        reverse("customers:account-detail", args=[message.account_id]), {"tab": "correspondence"}
    )
    assert reverse("mail:message-detail", args=[message.pk]) in page.text
