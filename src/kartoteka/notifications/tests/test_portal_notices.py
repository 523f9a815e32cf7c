"""Emails to portal users about the staff's public answers: a public comment or a reply email
reaches the case's portal followers once, in their language, with the case's tag and a link
to the portal; an internal note never does, nor does the staff's in-app notification."""

from __future__ import annotations

import pytest

from kartoteka.cases.following import case_follow
from kartoteka.cases.models import Case
from kartoteka.cases.services import case_note_add, case_settings
from kartoteka.mail.models import Message
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.notifications.models import Notification
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.portal import portal_contact, portal_role

pytestmark = pytest.mark.django_db

SECRET = "NOTATKA WEWNĘTRZNA: rabat 30% tylko dla nich"


@pytest.fixture(autouse=True)
def _installation(settings, tmp_path, mailbox) -> None:
    settings.DATA_DIR = tmp_path
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def company():
    return AccountFactory(name="Stal-Mar", country="PL")


@pytest.fixture
def anna(company):
    return portal_contact(
        account=company, role=portal_role("Company"), address="anna@stalmar.example"
    )


@pytest.fixture
def piotr(company):
    return portal_contact(
        account=company,
        role=portal_role("Company"),
        address="piotr@stalmar.example",
        first_name="Piotr",
        language="pl",
    )


@pytest.fixture
def case(agent, company, anna, piotr) -> Case:
    case = make_case("Pęknięta obudowa", by=agent, account=company, reporter=anna)
    case_follow(case=case, user=anna.portal_user)
    case_follow(case=case, user=piotr.portal_user)
    return case


def portal_emails(case: Case) -> list[Message]:
    return list(Message.objects.filter(case=case, direction="out", automatic=True).order_by("pk"))


def recipients(messages: list[Message]) -> list[str]:
    return [entry["address"] for message in messages for entry in message.to]


def test_public_comment_reaches_each_portal_follower_with_tag_and_link(
    agent, case, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=agent, text="Wyślemy nową obudowę jutro.", internal=False)
    # then
    emails = portal_emails(case)
    tag = case.tag(case_settings().prefix)
    assert recipients(emails) == ["anna@stalmar.example", "piotr@stalmar.example"]
    assert all(tag in email.subject for email in emails)
    assert "Wyślemy nową obudowę jutro." in emails[0].text
    assert f"https://crm.firma.example/portal/cases/{case.number}/" in emails[0].text
    assert emails[0].subject.startswith(f"{tag} New answer")
    # Piotr reads Polish
    assert emails[1].subject == f"{tag} Nowa odpowiedź: Pęknięta obudowa"


def test_internal_note_reaches_nobody(agent, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=agent, text=SECRET)
    assert portal_emails(case) == []
    assert not Message.objects.filter(text__contains="rabat").exists()


def test_portal_users_author_is_not_told_of_their_own_comment(
    case, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=anna.portal_user, text="Dziękuję", internal=False)
    assert recipients(portal_emails(case)) == ["piotr@stalmar.example"]


def test_reply_email_skips_its_own_recipients(agent, case, django_capture_on_commit_callbacks):
    # when our reply goes to Anna (the reporter)
    with django_capture_on_commit_callbacks(execute=True):
        reply_create(
            case=case, by=agent, text="Obudowa jest w drodze.", to=["anna@stalmar.example"]
        )
    # then only Piotr is told by the portal notice; Anna has the reply itself
    automatic = portal_emails(case)
    assert recipients(automatic) == ["piotr@stalmar.example"]
    assert "Obudowa jest w drodze." in automatic[0].text


def test_forward_to_a_supplier_reaches_no_portal_user(
    agent, case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply_create(
            case=case,
            by=agent,
            text="Proszę o wycenę, nasza marża 40%",
            to=["serwis@dostawca.example"],
            forward=True,
        )
    assert portal_emails(case) == []


def test_follower_who_switched_emails_off_is_not_told(
    agent, case, piotr, django_capture_on_commit_callbacks
):
    user = piotr.portal_user
    user.notification_email = User.NotificationEmail.OFF
    user.save(update_fields=["notification_email"])
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=agent, text="Odpowiedź", internal=False)
    assert recipients(portal_emails(case)) == ["anna@stalmar.example"]


def test_follower_who_no_longer_sees_the_case_is_not_told(
    agent, case, piotr, django_capture_on_commit_callbacks
):
    piotr.portal_role = portal_role("Own", sees_company_cases=False)
    piotr.save(update_fields=["portal_role"])
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=agent, text="Odpowiedź", internal=False)
    assert recipients(portal_emails(case)) == ["anna@stalmar.example"]


def test_customer_notice_recipient_is_not_told_twice(
    agent, case, django_capture_on_commit_callbacks
):
    # given the case tells its reporter (Anna) about comments
    Case.objects.filter(pk=case.pk).update(notify=True, notify_reporter=True)
    case.refresh_from_db()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=agent, text="Odpowiedź dla wszystkich", internal=False)
    # then Anna gets the customer notice, Piotr the portal one: one email each
    assert sorted(recipients(portal_emails(case))) == [
        "anna@stalmar.example",
        "piotr@stalmar.example",
    ]


def test_staff_notifications_never_go_to_portal_followers(
    agent, case, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_note_add(case=case, by=agent, text="Odpowiedź", internal=False)
    assert not Notification.objects.filter(recipient__role=User.Role.PORTAL).exists()
