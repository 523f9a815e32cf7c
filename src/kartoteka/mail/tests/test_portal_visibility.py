"""The portal branch of the messages' and attachments' doors: a portal user reads only the
emails of a case its customer's side has, the same rule as the customer notices'."""

from __future__ import annotations

import itertools

import pytest

from kartoteka.cases.models import Case
from kartoteka.customers.models import EmailAddress
from kartoteka.mail.models import Attachment, Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.customers import AccountFactory, ContactFactory
from kartoteka.testing.portal import portal_contact, portal_role

pytestmark = pytest.mark.django_db

CUSTOMER = "jan.kowalski@stalmar.example"
COLLEAGUE = "ewa@stalmar.example"
SUPPLIER = "serwis@dostawca.example"
US = "pomoc@firma.example"

_ids = itertools.count(1)


def email(
    case: Case | None, *, direction: str = "in", sender: str = CUSTOMER, to=(US,), cc=(), **fields
) -> Message:
    fields.setdefault(
        "state",
        Message.State.PLACED if direction == Message.Direction.INBOUND else Message.State.SENT,
    )
    return Message.objects.create(
        case=case,
        account_id=case.account_id if case is not None else None,
        direction=direction,
        message_id=f"m{next(_ids)}@test",
        from_address=sender,
        to=[{"name": "", "address": a} for a in to],
        cc=[{"name": "", "address": a} for a in cc],
        text="treść",
        **fields,
    )


@pytest.fixture
def company():
    account = AccountFactory(name="Stal-Mar")
    jan = ContactFactory(account=account, first_name="Jan", last_name="Kowalski")
    EmailAddress.objects.create(contact=jan, address=CUSTOMER)
    EmailAddress.objects.create(account=account, address="biuro@stalmar.example")
    return account


@pytest.fixture
def anna(company):
    return portal_contact(account=company, role=portal_role("Company"), address=COLLEAGUE)


@pytest.fixture
def case(agent, company):
    return make_case("Reklamacja", by=agent, account=company)


def seen(user) -> set[int]:
    return set(Message.objects.visible_to(user).values_list("pk", flat=True))


def test_customer_mail_and_our_replies_to_them_are_seen(case, anna):
    # given
    theirs = email(case)
    ours = email(case, direction="out", sender=US, to=(CUSTOMER,))
    shared_address = email(case, sender="BIURO@stalmar.example")
    copied = email(case, direction="out", sender=US, to=(SUPPLIER,), cc=(CUSTOMER,))
    # then
    assert seen(anna.portal_user) == {theirs.pk, ours.pk, shared_address.pk, copied.pk}


def test_forward_to_a_supplier_and_the_suppliers_answer_are_not_seen(case, anna):
    # given
    email(case, direction="out", sender=US, to=(SUPPLIER,))
    email(case, sender=SUPPLIER, to=(US,))
    # then
    assert seen(anna.portal_user) == set()


def test_automatic_failed_bounce_autoreply_and_triage_mail_are_not_seen(case, anna):
    # given
    email(case, direction="out", sender=US, to=(CUSTOMER,), automatic=True)
    email(case, direction="out", sender=US, to=(CUSTOMER,), state=Message.State.FAILED)
    email(case, bounce=True)
    email(case, auto_reply=True)
    email(case, state=Message.State.TRIAGE)
    email(case, state=Message.State.DISCARDED)
    email(None, state=Message.State.TRIAGE)
    # then
    assert seen(anna.portal_user) == set()


def test_a_name_that_looks_like_the_customers_address_is_not_theirs(case, anna):
    # given: a forward to a supplier whose display name is the customer's address
    Message.objects.create(
        case=case,
        direction="out",
        state=Message.State.SENT,
        message_id="forged-name@test",
        from_address=US,
        to=[{"name": CUSTOMER, "address": SUPPLIER}],
        cc=[],
    )
    # then
    assert seen(anna.portal_user) == set()


def test_an_address_with_like_wildcards_matches_only_itself(agent, company, anna):
    # given: "_" and "%" in a stored address are not wildcards
    odd = ContactFactory(account=company)
    EmailAddress.objects.create(contact=odd, address="a_b@stalmar.example")
    case = make_case("Dziwny adres", by=agent, account=company)
    email(case, direction="out", sender=US, to=("axb@obcy.example",))
    exact = email(case, direction="out", sender=US, to=("a_b@stalmar.example",))
    # then
    assert seen(anna.portal_user) == {exact.pk}


def test_mail_of_another_customers_case_is_not_seen(agent, anna):
    # given: a case of another customer, even with mail from Anna's own address
    other = make_case("Cudza", by=agent, account=AccountFactory())
    email(other, sender=COLLEAGUE)
    # then
    assert seen(anna.portal_user) == set()


def test_own_role_sees_mail_only_of_own_cases(agent, company, case):
    # given
    piotr = portal_contact(account=company, role=portal_role("Own", sees_company_cases=False))
    email(case)
    mine = make_case("Moja", by=agent, account=company, reporter=piotr)
    own_mail = email(mine)
    # then
    assert seen(piotr.portal_user) == {own_mail.pk}


def test_the_reporter_and_case_contacts_count_even_without_a_customer(agent):
    # given
    reporter = portal_contact(account=None, role=portal_role("Own", sees_company_cases=False))
    reporter.account = None
    reporter.save(update_fields=["account"])
    case = make_case("Bez klienta", by=agent, reporter=reporter)
    theirs = email(case, sender=reporter.portal_user.email)
    email(case, sender=SUPPLIER)
    # then
    assert seen(reporter.portal_user) == {theirs.pk}


def test_staff_branch_is_unchanged(case, agent):
    # given
    forward = email(case, direction="out", sender=US, to=(SUPPLIER,))
    # then
    assert forward.pk in seen(agent)


def test_attachments_follow_their_message(case, anna, agent):
    # given
    public = email(case)
    forward = email(case, direction="out", sender=US, to=(SUPPLIER,))
    shown = Attachment.objects.create(
        message=public, filename="zdjecie.jpg", content_type="image/jpeg", size=3, sha256="a" * 64
    )
    Attachment.objects.create(
        message=forward,
        filename="cennik.pdf",
        content_type="application/pdf",
        size=3,
        sha256="b" * 64,
    )
    # then
    assert list(Attachment.objects.visible_to(anna.portal_user).values_list("pk", flat=True)) == [
        shown.pk
    ]
    assert Attachment.objects.visible_to(agent).count() == 2
