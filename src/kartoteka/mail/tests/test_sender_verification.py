"""Mail must prove a sender that claims to be us: Authentication-Results, DKIM, odd From headers."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import dkim
import dkim.dnsplug
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kartoteka.cases.models import Case, Status
from kartoteka.cases.services import case_update
from kartoteka.customers.models import Account
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.reading.parsing import parse
from kartoteka.mail.receiving.inbound import Receipt, message_receive
from kartoteka.mail.receiving.knowledge import receiving_context
from kartoteka.mail.receiving.sender_check import dkim_verify, sender_check
from kartoteka.testing.mail.receiving import CUSTOMER, SUPPORT
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.usefixtures("data_dir")

SELECTOR = b"test"


def email(
    *,
    sender: str,
    subject: str = "Drukarka",
    message_id: str = "<one@firma.example>",
    results: tuple[str, ...] = (),
    reply_to: str = "",
    body: str = "Proszę zamknąć sprawę.\n",
) -> bytes:
    message = EmailMessage()
    for value in results:
        message["Authentication-Results"] = value
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0100"
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message.as_bytes()


def receive(raw: bytes, mailbox: Mailbox) -> Receipt:
    return message_receive(raw=raw, mailbox=mailbox, source="test")


@pytest.fixture
def closed_restricted_case(case: Case) -> Case:
    assert case.account is not None
    Account.objects.filter(pk=case.account.pk).update(restricted=True)
    return case_update(case=case, by=None, data={"status": Status.objects.get(name="Closed")})


@pytest.fixture
def trusting_mailbox(mailbox: Mailbox) -> Mailbox:
    mailbox.trusted_authserv_ids = "mx.firma.example"
    mailbox.save(update_fields=["trusted_authserv_ids"])
    return mailbox


# Mail claiming to be us


def test_a_spoofed_staff_address_naming_a_closed_restricted_case_waits_in_triage(
    mailbox, admin, closed_restricted_case
) -> None:
    # given: anyone writes "From: admin@firma.example" with the case's tag
    case = closed_restricted_case
    raw = email(sender=f"Admin <{admin.email}>", subject=f"Re: [KART#{case.number}] Drukarka")
    # when
    receipt = receive(raw, mailbox)
    # then: not appended, the case stays closed, the message is marked
    assert (receipt.action, receipt.case_number) == ("triage", None)
    assert receipt.reason == (
        "sender not verified: claims to be us (no trusted Authentication-Results)"
    )
    case.refresh_from_db()
    assert case.status.name == "Closed"
    assert case.messages.count() == 0
    message = Message.objects.get(pk=receipt.message_pk)
    assert (message.state, message.case, message.sender_held) == ("triage", None, True)
    assert message.sender_verification == Message.SenderVerification.NOT_VERIFIED


def test_an_address_of_our_domain_that_is_no_user_must_prove_itself_too(mailbox, case) -> None:
    raw = email(sender="prezes@firma.example", subject=f"[KART#{case.number}]")
    receipt = receive(raw, mailbox)
    assert receipt.action == "triage"
    assert Message.objects.get(pk=receipt.message_pk).sender_claims_own is True


def test_staff_mail_verified_by_a_trusted_server_appends(
    trusting_mailbox, admin, closed_restricted_case
) -> None:
    # given: the same message, with the receiving server's word that DKIM passed
    case = closed_restricted_case
    raw = email(
        sender=f"Admin <{admin.email}>",
        subject=f"Re: [KART#{case.number}] Drukarka",
        results=("mx.firma.example; dkim=pass header.d=firma.example header.s=sel",),
    )
    # when
    receipt = receive(raw, trusting_mailbox)
    # then
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    message = Message.objects.get(pk=receipt.message_pk)
    assert message.sender_verification == Message.SenderVerification.VERIFIED
    assert message.sender_evidence == "mx.firma.example: dkim=pass header.d=firma.example"
    assert message.sender_held is False


def test_a_verified_colleague_is_no_participant_of_a_case_hidden_from_them(
    trusting_mailbox, agent, closed_restricted_case
) -> None:
    # given: a restricted customer's case the agent may not see
    case = closed_restricted_case
    raw = email(
        sender=agent.email,
        subject=f"Re: [KART#{case.number}] Drukarka",
        results=("mx.firma.example; dkim=pass header.d=firma.example",),
    )
    # when
    receipt = receive(raw, trusting_mailbox)
    # then
    assert (receipt.action, receipt.reason) == (
        "triage",
        f"points to case {case.number}, sender not a participant",
    )
    case.refresh_from_db()
    assert case.status.name == "Closed"


def test_dmarc_pass_verifies(trusting_mailbox, admin, case) -> None:
    raw = email(
        sender=admin.email,
        subject=f"[KART#{case.number}]",
        results=("mx.firma.example; spf=fail; dmarc=pass header.from=firma.example",),
    )
    assert receive(raw, trusting_mailbox).action == "appended"


@pytest.mark.parametrize(
    "results",
    [
        "mx.evil.example; dkim=pass header.d=firma.example",  # a server nobody trusts
        "mx.firma.example; dkim=pass header.d=evil.example",  # signed by another domain
        "mx.firma.example; dkim=fail header.d=firma.example",
        "mx.firma.example; dmarc=pass header.from=evil.example",
        "mx.firma.example; dkim=pass header.d=example",  # a bare top-level domain
        "mx.firma.example; dkim=pass (unclosed comment header.d=firma.example",
        "",
    ],
)
def test_results_that_prove_nothing_leave_the_message_in_triage(
    trusting_mailbox, admin, case, results
) -> None:
    raw = email(sender=admin.email, subject=f"[KART#{case.number}]", results=(results,))
    receipt = receive(raw, trusting_mailbox)
    assert receipt.action == "triage"
    assert receipt.reason.startswith("sender not verified: claims to be us")


def test_thousands_of_forged_results_are_read_no_further_than_the_first_ones(
    trusting_mailbox, admin, case
) -> None:
    forged = ("mx.evil.example; dkim=pass header.d=firma.example",) * 5000
    raw = email(sender=admin.email, subject=f"[KART#{case.number}]", results=forged)
    parsed = parse(raw)
    assert len(parsed.authentication_results) == 50
    assert receive(raw, trusting_mailbox).action == "triage"


def test_a_verified_staff_user_without_a_case_tag_still_goes_to_triage(
    trusting_mailbox, admin
) -> None:
    raw = email(sender=admin.email, results=("mx.firma.example; dkim=pass header.d=firma.example",))
    receipt = receive(raw, trusting_mailbox)
    assert (receipt.action, receipt.reason) == ("triage", "sent by a staff user, names no case")


# Customers' mail is placed as before


def test_customer_mail_without_results_is_placed_as_before(mailbox, case) -> None:
    raw = email(sender=f"Jan Kowalski <{CUSTOMER}>", subject=f"Re: [KART#{case.number}]")
    receipt = receive(raw, mailbox)
    assert (receipt.action, receipt.case_number) == ("appended", case.number)
    message = Message.objects.get(pk=receipt.message_pk)
    assert (message.sender_verification, message.sender_claims_own, message.sender_suspicion) == (
        Message.SenderVerification.NOT_VERIFIED,
        False,
        "",
    )


def test_a_colleague_on_a_public_mail_domain_does_not_make_that_domain_ours(db) -> None:
    # given
    UserFactory(username="jan", email="jan.kowalski@gmail.com")
    context = receiving_context()
    # when
    colleague = sender_check(parse(email(sender="jan.kowalski@gmail.com")), None, context)
    stranger = sender_check(parse(email(sender="someone@gmail.com")), None, context)
    # then
    assert (colleague.claims_own, stranger.claims_own) == (True, False)
    assert "gmail.com" not in context.own_domains


# Odd From headers


def test_an_address_written_as_the_name_is_only_a_name(mailbox, customer, case) -> None:
    # given: the customer's address before the real one in angle brackets
    raw = email(sender="jan@klient.example <m-s@evil.example>", subject=f"Re: [KART#{case.number}]")
    # when
    receipt = receive(raw, mailbox)
    # then
    message = Message.objects.get(pk=receipt.message_pk)
    assert (message.from_name, message.from_address) == ("jan@klient.example", "m-s@evil.example")
    assert message.sender_suspicion == Message.SenderSuspicion.NAME_IS_ADDRESS
    assert (receipt.action, receipt.reason) == (
        "triage",
        "suspicious sender: the sender's name is another email address",
    )


def test_a_from_with_several_addresses_is_suspicious_and_not_placed(mailbox, case) -> None:
    # given: a participant's address first, another one after it
    raw = email(sender=f"{CUSTOMER}, other@evil.example", subject=f"Re: [KART#{case.number}]")
    # when
    receipt = receive(raw, mailbox)
    # then
    assert receipt.action == "triage"
    message = Message.objects.get(pk=receipt.message_pk)
    assert message.sender_suspicion == Message.SenderSuspicion.SEVERAL_ADDRESSES
    assert case.messages.count() == 0


def test_the_suspicion_values_are_the_models_choices() -> None:
    from kartoteka.mail.reading import sender

    assert set(Message.SenderSuspicion.values) == {
        "",
        sender.SEVERAL_ADDRESSES,
        sender.NAME_IS_ADDRESS,
    }


# DKIM checked by Kartoteka itself


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signed(raw: bytes, key: rsa.RSAPrivateKey, *, domain: bytes = b"firma.example") -> bytes:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    signature = dkim.sign(
        raw,
        SELECTOR,
        domain,
        pem,
        include_headers=[b"from", b"to", b"subject", b"message-id", b"date"],
    )
    return signature + raw


def dns_of(key: rsa.RSAPrivateKey, *, domain: bytes = b"firma.example"):
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    asked: list[bytes] = []

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        asked.append(name)
        return record if name == SELECTOR + b"._domainkey." + domain + b"." else None

    lookup.asked = asked  # type: ignore[attr-defined]
    return lookup


def test_a_message_signed_with_the_domains_key_verifies(key) -> None:
    raw = signed(email(sender="admin@firma.example"), key)
    lookup = dns_of(key)
    assert dkim_verify(raw, "firma.example", dns_lookup=lookup) == (
        True,
        "DKIM: valid signature d=firma.example",
    )
    assert lookup.asked == [b"test._domainkey.firma.example."]


def test_a_tampered_body_fails_dkim(key) -> None:
    raw = signed(email(sender="admin@firma.example"), key)
    tampered = raw.replace(b"zamkn", b"otworzy")
    assert dkim_verify(tampered, "firma.example", dns_lookup=dns_of(key)) == (
        False,
        "DKIM: invalid d=firma.example (body hash mismatch)",
    )


def test_a_valid_signature_of_another_domain_proves_nothing(key) -> None:
    raw = signed(email(sender="admin@firma.example"), key, domain=b"evil.example")
    lookup = dns_of(key, domain=b"evil.example")
    assert dkim_verify(raw, "firma.example", dns_lookup=lookup) == (
        False,
        "DKIM: valid d=evil.example",
    )


def test_unsigned_and_broken_messages_are_not_verified(key) -> None:
    lookup = dns_of(key)
    assert dkim_verify(email(sender="a@firma.example"), "firma.example", dns_lookup=lookup) == (
        False,
        "DKIM: no signature",
    )
    broken = b"DKIM-Signature: v=1; garbage\r\n" + email(sender="a@firma.example")
    verified, evidence = dkim_verify(broken, "firma.example", dns_lookup=lookup)
    assert (verified, evidence) == (False, "DKIM: invalid d=? (b' garbage')")


def test_a_mailbox_checking_dkim_appends_signed_staff_mail(
    mailbox, admin, case, key, monkeypatch
) -> None:
    # given: the mailbox checks DKIM; DNS answers with the test's key
    mailbox.verify_dkim = True
    mailbox.save(update_fields=["verify_dkim"])
    monkeypatch.setattr(dkim.dnsplug, "get_txt", dns_of(key))
    raw = email(sender=admin.email, subject=f"[KART#{case.number}]")
    # when
    good = receive(signed(raw, key), mailbox)
    bad = receive(signed(raw, key).replace(b"zamkn", b"otworzy"), mailbox)
    # then
    assert (good.action, bad.action) == ("appended", "triage")
