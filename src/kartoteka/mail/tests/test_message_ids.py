from __future__ import annotations

import pytest

from kartoteka.mail.reading.message_ids import read_signed, signed_message_id


def test_our_message_id_names_its_case_and_message() -> None:
    message_id = signed_message_id(case_number=3932, message_pk=17, domain="firma.pl")
    reference = read_signed(f"<{message_id}>")
    assert (reference.case_number, reference.message_pk) == (3932, 17)
    assert message_id.endswith("@firma.pl")


def test_each_message_id_is_new() -> None:
    first = signed_message_id(case_number=1, message_pk=1, domain="firma.pl")
    second = signed_message_id(case_number=1, message_pk=1, domain="firma.pl")
    assert first != second


def test_a_forged_case_number_is_not_believed() -> None:
    # given a real id whose case number a sender changed to reach another case
    message_id = signed_message_id(case_number=3932, message_pk=17, domain="firma.pl")
    forged = message_id.replace("kart.3932.", "kart.3933.", 1)
    # then
    assert read_signed(forged) is None


@pytest.mark.parametrize(
    "foreign",
    ["CAB123@mail.gmail.com", "kart.1.2.3@x", "kart.1.2.abcdefgh.aaaaaaaaaaaaaaaaaaaa@x", ""],
)
def test_foreign_or_malformed_ids_name_no_case(foreign: str) -> None:
    assert read_signed(foreign) is None


def test_another_installation_secret_does_not_verify(settings) -> None:
    message_id = signed_message_id(case_number=5, message_pk=6, domain="firma.pl")
    settings.SECRET_KEY = "another-installation" * 3
    assert read_signed(message_id) is None
