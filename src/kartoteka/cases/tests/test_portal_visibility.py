"""The portal branch of the cases' doors: which cases, notes and attachments a portal user sees.

A portal user sees their customer's cases when their role sees the company's cases, else
those they reported or take part in; never another customer's case, never an internal note,
never a file the staff attached.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kartoteka.cases.models import Case, CaseAttachment, CaseNote
from kartoteka.cases.services import case_attachment_add, case_note_add
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.portal import portal_contact, portal_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return AccountFactory(name="Stal-Mar sp. z o.o.")


@pytest.fixture
def anna(company):
    return portal_contact(account=company, role=portal_role("Company", sees_company_cases=True))


@pytest.fixture
def piotr(company):
    """Anna's colleague whose role shows only his own cases."""
    return portal_contact(
        account=company,
        role=portal_role("Own cases", sees_company_cases=False),
        first_name="Piotr",
        last_name="Zieliński",
    )


def numbers(queryset) -> set[int]:
    return set(queryset.values_list("number", flat=True))


def test_company_role_sees_every_case_of_the_customer_and_no_other(agent, company, anna):
    # given
    first = make_case("Faktura", by=agent, account=company)
    second = make_case("Dostawa", by=agent, account=company)
    make_case("Cudza sprawa", by=agent, account=AccountFactory())
    make_case("Bez klienta", by=agent)
    # when
    seen = numbers(Case.objects.visible_to(anna.portal_user))
    # then
    assert seen == {first.number, second.number}


def test_own_role_sees_only_cases_reported_or_taken_part_in(agent, company, piotr):
    # given
    reported = make_case("Zgłoszona", by=agent, account=company, reporter=piotr)
    taking_part = make_case("Uczestniczy", by=agent, account=company, contacts=(piotr,))
    make_case("Kolegi", by=agent, account=company)
    # when
    seen = numbers(Case.objects.visible_to(piotr.portal_user))
    # then
    assert seen == {reported.number, taking_part.number}


def test_contact_who_moved_to_another_customer_no_longer_sees_the_old_ones(agent, piotr):
    # given
    old = make_case("U starego klienta", by=agent, account=piotr.account, reporter=piotr)
    piotr.account = AccountFactory()
    piotr.save(update_fields=["account"])
    # when
    seen = numbers(Case.objects.visible_to(piotr.portal_user))
    # then
    assert old.number not in seen
    assert seen == set()


def test_contact_without_a_role_sees_only_own_cases(agent, company):
    # given
    contact = portal_contact(account=company)
    contact.portal_role = None
    contact.save(update_fields=["portal_role"])
    own = make_case("Moja", by=agent, account=company, reporter=contact)
    make_case("Firmowa", by=agent, account=company)
    # when
    seen = numbers(Case.objects.visible_to(contact.portal_user))
    # then
    assert seen == {own.number}


def test_inactive_login_and_login_without_contact_see_nothing(agent, company, anna, portal_user):
    # given
    make_case("Faktura", by=agent, account=company)
    user = anna.portal_user
    user.is_active = False
    user.save(update_fields=["is_active"])
    # then
    assert numbers(Case.objects.visible_to(user)) == set()
    assert numbers(Case.objects.visible_to(portal_user)) == set()


def test_staff_branch_is_unchanged(agent, company):
    # given
    case = make_case("Faktura", by=agent, account=company)
    # then
    assert numbers(Case.objects.visible_to(agent)) >= {case.number}


def test_portal_user_sees_public_comments_never_internal_notes(agent, company, anna):
    # given
    case = make_case("Faktura", by=agent, account=company)
    public = case_note_add(case=case, by=agent, text="Korekta wysłana", internal=False)
    case_note_add(case=case, by=agent, text="TAJNE: klient zalega z płatnościami")
    other = make_case("Cudza", by=agent, account=AccountFactory())
    case_note_add(case=other, by=agent, text="Publiczny u innego klienta", internal=False)
    # when
    seen = list(CaseNote.objects.visible_to(anna.portal_user).values_list("pk", flat=True))
    # then
    assert seen == [public.pk]


def test_own_role_sees_no_comment_of_a_colleagues_case(agent, company, piotr):
    # given
    colleagues = make_case("Kolegi", by=agent, account=company)
    case_note_add(case=colleagues, by=agent, text="Publiczny", internal=False)
    # then
    assert CaseNote.objects.visible_to(piotr.portal_user).count() == 0


def test_portal_user_sees_only_files_shown_to_the_customer(agent, company, anna, piotr):
    # given: a staff file kept internal, one shown to the customer, and the customer's own
    case = make_case("Faktura", by=agent, account=company, reporter=piotr)
    staff_file = case_attachment_add(
        case=case, by=agent, file=SimpleUploadedFile("wewnetrzny.xlsx", b"internal")
    )
    manual = case_attachment_add(
        case=case, by=agent, file=SimpleUploadedFile("instrukcja.pdf", b"%PDF-1.4"), shared=True
    )
    customer_file = case_attachment_add(
        case=case,
        by=piotr.portal_user,
        file=SimpleUploadedFile("skan.pdf", b"%PDF-1.4"),
        shared=True,
    )
    # when
    seen_by_anna = set(
        CaseAttachment.objects.visible_to(anna.portal_user).values_list("pk", flat=True)
    )
    seen_by_agent = set(CaseAttachment.objects.visible_to(agent).values_list("pk", flat=True))
    # then
    assert seen_by_anna == {manual.pk, customer_file.pk}
    assert seen_by_agent == {staff_file.pk, manual.pk, customer_file.pk}


def test_files_of_another_customers_case_are_not_seen(agent, anna):
    # given
    stranger = portal_contact(account=AccountFactory(), first_name="Obcy")
    case = make_case("Cudza", by=agent, account=stranger.account, reporter=stranger)
    case_attachment_add(
        case=case,
        by=stranger.portal_user,
        file=SimpleUploadedFile("skan.pdf", b"%PDF-1.4"),
        shared=True,
    )
    # then
    assert CaseAttachment.objects.visible_to(anna.portal_user).count() == 0


def test_contact_of_the_customer_without_login_changes_nothing(agent, company, anna):
    # given
    ContactFactory(account=company)
    case = make_case("Faktura", by=agent, account=company)
    # then
    assert numbers(Case.objects.visible_to(anna.portal_user)) == {case.number}


def test_the_reporters_portal_login_follows_a_new_case(
    agent, company, anna, piotr, django_capture_on_commit_callbacks
):
    # given / when: a case reported by Anna (by email, say), and one Piotr may not see
    with django_capture_on_commit_callbacks(execute=True):
        reported = make_case("Zgłoszona mailem", by=agent, account=company, reporter=anna)
        other = make_case("Innego klienta", by=agent, account=AccountFactory(), reporter=None)
    # then
    followers = set(reported.followers.values_list("user_id", flat=True))
    assert anna.portal_user.pk in followers
    assert piotr.portal_user.pk not in followers
    assert not other.followers.filter(user__role="portal").exists()
