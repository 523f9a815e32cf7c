"""Reading who sent a message from its headers (pure: ``reading.sender``)."""

from __future__ import annotations

import pytest

from kartoteka.mail.reading.header_values import parse_addresses
from kartoteka.mail.reading.parsed import Address
from kartoteka.mail.reading.sender import (
    NAME_IS_ADDRESS,
    SEVERAL_ADDRESSES,
    aligned,
    from_read,
    results_verify,
)


def read(value: str):
    return from_read(value, parse_addresses(value))


JAN = "jan@klient.example"
EVIL = "m-s@evil.example"
HUBERT = "hubert@customer.example"


@pytest.mark.parametrize(
    ("value", "sender", "suspicion"),
    [
        (f"Jan <{JAN}>", Address("Jan", JAN), ""),
        (f'"{JAN}" <{JAN}>', Address(JAN, JAN), ""),
        (f'"Kowalski, Jan" <{JAN}>', Address("Kowalski, Jan", JAN), ""),
        (f'"Jan ({JAN}) via Docs" <{EVIL}>', Address(f"Jan ({JAN}) via Docs", EVIL), ""),
        (f"{HUBERT} <{EVIL}>", Address(HUBERT, EVIL), NAME_IS_ADDRESS),
        (f'"Hubert <{HUBERT}>" <{EVIL}>', Address(f"Hubert <{HUBERT}>", EVIL), NAME_IS_ADDRESS),
        (f"=?utf-8?q?hubert=40customer.example?= <{EVIL}>", Address(HUBERT, EVIL), NAME_IS_ADDRESS),
        (f"{JAN}, {EVIL}", Address("", JAN), SEVERAL_ADDRESSES),
        (f"{JAN},", Address("", JAN), ""),
    ],
)
def test_the_from_header_is_judged(value, sender, suspicion) -> None:
    judged = read(value)
    assert (judged.sender, judged.suspicion) == (sender, suspicion)


def test_an_empty_from_has_no_sender() -> None:
    assert read("").sender is None


@pytest.mark.parametrize(
    ("signer", "from_domain", "expected"),
    [
        ("firma.example", "firma.example", True),
        ("firma.example", "mail.firma.example", True),
        ("mail.firma.example", "firma.example", True),
        ("evil.example", "firma.example", False),
        ("example", "firma.example", False),
        ("irma.example", "firma.example", False),
        ("", "firma.example", False),
    ],
)
def test_dkim_alignment(signer, from_domain, expected) -> None:
    assert aligned(signer, from_domain) is expected


def test_only_trusted_servers_are_believed() -> None:
    headers = [
        "mx.evil.example; dkim=pass header.d=firma.example",
        "MX.Firma.Example; dkim=pass header.i=@firma.example",
    ]
    proof = results_verify(
        headers, trusted=frozenset({"mx.firma.example"}), from_domain="firma.example"
    )
    assert (proof.verified, proof.evidence) == (
        True,
        "mx.firma.example: dkim=pass header.d=firma.example",
    )


def test_unreadable_results_count_as_absent() -> None:
    proof = results_verify(
        ["", ";", "mx.firma.example; dkim", "\x00"],
        trusted=frozenset({"mx.firma.example"}),
        from_domain="firma.example",
    )
    assert (proof.verified, proof.evidence) == (False, "no trusted Authentication-Results")


def test_real_mail_is_suspicious_only_where_its_from_header_is_odd() -> None:
    # given: the shared corpora of real mail (over a thousand messages)
    from kartoteka.mail.reading.parsing import parse
    from kartoteka.testing.mail.corpora import corpora_dir, message_files

    folder = corpora_dir()
    # when
    suspicious = {
        path.relative_to(folder).as_posix(): judged.from_suspicion
        for path in message_files(folder)
        if (judged := parse(path.read_bytes())).from_suspicion
    }
    # then: two spoofs, a From of two addresses, and a bounce whose postmaster is named as
    # another postmaster's address (bounces are placed before the sender is doubted)
    assert suspicious == {
        "flufl_bounce/dsn_03.txt": NAME_IS_ADDRESS,
        "ruby-mail/spec/fixtures/emails/plain_emails/raw_email_with_at_display_name.eml": (
            SEVERAL_ADDRESSES
        ),
        "spamassassin-t/t/data/spam/013": NAME_IS_ADDRESS,
        "spamassassin-t/t/data/spam/fromnamespoof/spoof1": NAME_IS_ADDRESS,
    }
