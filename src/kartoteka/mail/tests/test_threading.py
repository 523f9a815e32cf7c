"""The threading decision: pure, so every case is a ParsedMessage and a Knowledge, no database."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kartoteka.mail.reading.message_ids import signed_message_id
from kartoteka.mail.reading.parsed import Address
from kartoteka.mail.reading.threading import (
    Decision,
    Knowledge,
    clean_subject,
    decide,
    referenced_ids,
    subject_tags,
)
from kartoteka.testing.mail.parsed import parsed_message

CUSTOMER = "jan@klient.example"
COLLEAGUE = "ewa@klient.example"
STRANGER = "mallory@obcy.example"
SUPPORT = "pomoc@firma.example"


message = parsed_message


def knowing(**changes: Any) -> Knowledge:
    base = Knowledge(prefix="KART", own_addresses=frozenset({SUPPORT}))
    return replace(base, **changes)


def case_7(*participants: str) -> dict[int, frozenset[str]]:
    return {7: frozenset(participants)}


def ours(case_number: int = 7) -> str:
    return signed_message_id(case_number=case_number, message_pk=31, domain="firma.example")


# (0) our own mail, bounces


def test_mail_from_our_own_mailbox_is_ignored() -> None:
    # given
    sent_by_us = message(from_=Address("Pomoc", SUPPORT), subject="[KART#7] Odpowiedź")
    # when
    decision = decide(sent_by_us, knowing(case_participants=case_7(SUPPORT)))
    # then
    assert decision == Decision("ignore", f"sent by our own mailbox {SUPPORT}")


def test_our_own_signed_message_coming_back_is_ignored() -> None:
    decision = decide(message(message_id=ours()), knowing(case_participants=case_7(CUSTOMER)))
    assert decision == Decision("ignore", "our own message came back")


def test_bounce_of_our_signed_message_appends_without_moving_the_status() -> None:
    # given
    bounce = message(
        from_=Address("Mail Delivery System", "mailer-daemon@klient.example"),
        bounce=True,
        bounced_message_id=ours(),
    )
    # when
    decision = decide(bounce, knowing(case_participants=case_7()))
    # then
    assert decision == Decision("append", "bounce of a message of case 7", case_number=7)
    assert decision.moves_status is False


def test_bounce_of_a_stored_message_appends_to_its_case() -> None:
    bounce = message(bounce=True, bounced_message_id="<out-1@firma.example>")
    known = knowing(referenced_cases={"out-1@firma.example": 7}, case_participants=case_7())
    assert decide(bounce, known).case_number == 7


def test_bounce_of_an_unknown_message_goes_to_triage() -> None:
    bounce = message(bounce=True, bounced_message_id="nobody@example")
    assert decide(bounce, knowing()) == Decision("triage", "bounce of a message not found")


# (1) signed Message-ID


def test_reply_with_our_signed_id_lands_in_its_case_without_a_tag() -> None:
    # given the customer's reply to our message, its subject without a tag
    reply = message(subject="Re: drukarka", in_reply_to=ours())
    # when
    decision = decide(reply, knowing(case_participants=case_7(CUSTOMER)))
    # then
    assert decision == Decision(
        "append", "reply to our message in case 7", case_number=7, moves_status=True
    )


def test_reply_with_our_signed_id_from_a_stranger_joins_the_case_as_a_newcomer() -> None:
    # given a stranger's address: a signed id cannot be forged, so it is believed
    reply = message(subject="Re: drukarka", in_reply_to=ours(), from_=Address("", STRANGER))
    # when
    decision = decide(reply, knowing(case_participants=case_7(CUSTOMER)))
    # then
    assert decision == Decision(
        "append",
        "reply to our message in case 7, new participant",
        case_number=7,
        moves_status=True,
        newcomer="address",
    )


def test_signed_id_lets_a_newcomer_in_even_for_only_known_participants() -> None:
    reply = message(in_reply_to=ours(), from_=Address("", STRANGER))
    known = knowing(case_participants=case_7(CUSTOMER), only_known_participants=True)
    decision = decide(reply, known)
    assert (decision.action, decision.case_number, decision.newcomer) == ("append", 7, "address")


def test_signed_id_deep_in_references_is_found() -> None:
    reply = message(references=(ours(), "other@klient.example"), in_reply_to="x@klient.example")
    assert decide(reply, knowing(case_participants=case_7())).case_number == 7


def test_signed_id_with_a_tampered_case_number_is_not_believed() -> None:
    # given an id of case 7 rewritten to name case 8, the sender a stranger of case 8
    forged = ours(7).replace("kart.7.", "kart.8.", 1)
    reply = message(in_reply_to=forged, from_=Address("", STRANGER))
    known = knowing(case_participants={8: frozenset({CUSTOMER})})
    # then it counts for nothing: an unknown sender goes to triage
    assert decide(reply, known) == Decision("triage", "unknown sender")


def test_signed_id_of_a_deleted_case_falls_through_to_the_next_rule() -> None:
    reply = message(in_reply_to=ours(7), subject="Re: [KART#9] drukarka")
    known = knowing(case_participants={9: frozenset({CUSTOMER})})
    assert decide(reply, known).case_number == 9


# (2) stored Message-IDs


def test_in_reply_to_a_stored_inbound_id_appends_for_a_participant() -> None:
    reply = message(in_reply_to="first@klient.example")
    known = knowing(
        referenced_cases={"first@klient.example": 7}, case_participants=case_7(CUSTOMER)
    )
    assert decide(reply, known) == Decision(
        "append", "reply to a stored message of case 7", case_number=7, moves_status=True
    )


STORED = {"first@klient.example": 7}


def test_in_reply_to_a_stored_id_from_someone_new_joins_the_case_as_an_extra_address() -> None:
    # given someone of another domain the customer forwarded the thread to
    reply = message(in_reply_to="first@klient.example", from_=Address("", STRANGER))
    known = knowing(
        referenced_cases=STORED,
        case_participants=case_7(CUSTOMER),
        customer_domains={7: frozenset({"klient.example"})},
    )
    # when
    decision = decide(reply, known)
    # then
    assert decision == Decision(
        "append",
        "reply to a stored message of case 7, new participant",
        case_number=7,
        moves_status=True,
        newcomer="address",
    )


def test_a_new_colleague_of_the_customers_domain_joins_as_a_contact() -> None:
    # given a colleague of the customer nobody knows yet, answering all
    reply = message(references=("first@klient.example",), from_=Address("Ewa Bąk", COLLEAGUE))
    known = knowing(
        referenced_cases=STORED,
        case_participants=case_7(CUSTOMER),
        customer_domains={7: frozenset({"klient.example"})},
    )
    # when
    decision = decide(reply, known)
    # then
    assert (decision.action, decision.case_number, decision.newcomer) == ("append", 7, "contact")
    assert decision.moves_status is True


def test_a_free_mail_domain_is_never_the_customers_own() -> None:
    # given a customer whose people write from gmail.com (a domain gathered by mistake)
    reply = message(in_reply_to="first@klient.example", from_=Address("", "ktos@gmail.com"))
    known = knowing(
        referenced_cases=STORED,
        case_participants=case_7("jan@gmail.com"),
        customer_domains={7: frozenset({"gmail.com"})},
    )
    # then the newcomer is an address of the case, not a contact of the customer
    assert decide(reply, known).newcomer == "address"


def test_a_newcomer_whose_address_someone_already_owns_joins_as_an_address() -> None:
    # given the sender of the customer's domain is a contact of another customer
    reply = message(in_reply_to="first@klient.example", from_=Address("", COLLEAGUE))
    known = knowing(
        referenced_cases=STORED,
        case_participants=case_7(CUSTOMER),
        customer_domains={7: frozenset({"klient.example"})},
        sender_contact_id=5,
        sender_account_id=9,
    )
    assert decide(reply, known).newcomer == "address"


def test_in_reply_to_a_stored_id_from_a_stranger_waits_for_only_known_participants() -> None:
    reply = message(in_reply_to="first@klient.example", from_=Address("", STRANGER))
    known = knowing(
        referenced_cases=STORED,
        case_participants=case_7(CUSTOMER),
        only_known_participants=True,
    )
    assert decide(reply, known) == Decision(
        "triage", "points to case 7, sender not a participant", forged=True, points_to_case=7
    )


def test_a_participants_reply_is_appended_for_only_known_participants() -> None:
    reply = message(in_reply_to="first@klient.example")
    known = knowing(
        referenced_cases=STORED, case_participants=case_7(CUSTOMER), only_known_participants=True
    )
    assert decide(reply, known) == Decision(
        "append", "reply to a stored message of case 7", case_number=7, moves_status=True
    )


def test_a_strangers_auto_reply_to_a_stored_id_still_waits_in_triage() -> None:
    out_of_office = message(
        auto_reply=True, in_reply_to="first@klient.example", from_=Address("", STRANGER)
    )
    known = knowing(referenced_cases=STORED, case_participants=case_7(CUSTOMER))
    decision = decide(out_of_office, known)
    assert (decision.action, decision.forged, decision.points_to_case) == ("triage", True, 7)


def test_a_strangers_auto_reply_to_our_signed_id_is_appended_without_joining() -> None:
    out_of_office = message(auto_reply=True, in_reply_to=ours(), from_=Address("", STRANGER))
    decision = decide(out_of_office, knowing(case_participants=case_7(CUSTOMER)))
    assert decision == Decision(
        "append", "automatic reply, reply to our message in case 7", case_number=7
    )


def test_a_reply_to_that_diverts_answers_outside_the_case_waits_in_triage() -> None:
    # given a From of the customer's domain nobody knows, whose answers would go elsewhere
    reply = message(
        in_reply_to="first@klient.example",
        from_=Address("Prezes", "prezes@klient.example"),
        reply_to=(Address("", "prezes@evil.example"),),
    )
    known = knowing(
        referenced_cases=STORED,
        case_participants=case_7(CUSTOMER),
        customer_domains={7: frozenset({"klient.example"})},
    )
    # then
    decision = decide(reply, known)
    assert (decision.action, decision.forged, decision.points_to_case) == ("triage", True, 7)


def test_a_reply_to_the_sender_or_a_participant_lets_the_newcomer_in() -> None:
    # given a list member whose list sets Reply-To to the list, already in the conversation
    reply = message(
        in_reply_to="first@klient.example",
        from_=Address("", STRANGER),
        reply_to=(Address("", STRANGER), Address("", "lista@klient.example")),
    )
    known = knowing(
        referenced_cases=STORED, case_participants=case_7(CUSTOMER, "lista@klient.example")
    )
    assert decide(reply, known).newcomer == "address"


def test_a_stored_reference_without_a_sender_address_waits_in_triage() -> None:
    reply = message(in_reply_to="first@klient.example", from_=None)
    known = knowing(referenced_cases=STORED, case_participants=case_7(CUSTOMER))
    assert decide(reply, known).action == "triage"


def test_a_doubtful_sender_naming_a_stored_id_waits_in_triage() -> None:
    # given mail claiming a colleague's address that nothing proved
    reply = message(in_reply_to="first@klient.example", from_=Address("", "agent@firma.example"))
    doubt = "claims a staff address, not verified"
    known = knowing(referenced_cases=STORED, case_participants=case_7(), sender_doubt=doubt)
    assert decide(reply, known) == Decision("triage", doubt)


def test_a_tag_and_a_stored_reference_from_a_stranger_join_by_the_reference() -> None:
    reply = message(
        subject="Re: [KART#7] drukarka",
        references=("first@klient.example",),
        from_=Address("", STRANGER),
    )
    known = knowing(referenced_cases=STORED, case_participants=case_7(CUSTOMER))
    decision = decide(reply, known)
    assert (decision.action, decision.case_number, decision.newcomer) == ("append", 7, "address")


def test_references_are_read_with_angle_brackets_tolerated() -> None:
    reply = message(references=("<first@klient.example>",))
    known = knowing(
        referenced_cases={"first@klient.example": 7}, case_participants=case_7(CUSTOMER)
    )
    assert decide(reply, known).case_number == 7


# (3) subject tag


@pytest.mark.parametrize(
    "subject",
    [
        "[KART#7] Drukarka",
        "Re: [KART#7] Drukarka",
        "RE: Odp: AW: Fwd: PD: Vs: Sv: Antw: [KART#7] Drukarka",
        "Drukarka [KART #7]",
        "Re: [kart#7] drukarka",
        "[OTHER#12] Re: [KART#7] [ACME#3]",
    ],
)
def test_tag_from_a_participant_appends(subject: str) -> None:
    decision = decide(message(subject=subject), knowing(case_participants=case_7(CUSTOMER)))
    assert decision == Decision("append", "subject tag of case 7", case_number=7, moves_status=True)


def test_tag_from_a_stranger_goes_to_triage_marked_forged() -> None:
    # given
    forged = message(subject="Re: [KART#7] pilne", from_=Address("", STRANGER))
    # when
    decision = decide(forged, knowing(case_participants=case_7(CUSTOMER)))
    # then
    assert decision.action == "triage"
    assert decision.forged is True
    assert decision.reason == "points to case 7, sender not a participant"
    assert decision.case_number is None


def test_tag_from_a_stranger_who_is_a_known_contact_elsewhere_still_goes_to_triage() -> None:
    forged = message(subject="[KART#7] pilne", from_=Address("", STRANGER))
    known = knowing(case_participants=case_7(CUSTOMER), sender_contact_id=5, sender_account_id=9)
    assert decide(forged, known).forged is True


def test_tag_from_a_staff_user_appends() -> None:
    note = message(subject="[KART#7] notatka", from_=Address("", "agent@firma.example"))
    known = knowing(case_participants=case_7(CUSTOMER), sender_is_staff=True)
    assert decide(note, known).case_number == 7


def test_tag_from_an_address_already_in_the_conversation_appends() -> None:
    # given a colleague the customer copied earlier (its address is among the case's)
    reply = message(subject="Re: [KART#7]", from_=Address("", COLLEAGUE))
    assert decide(reply, knowing(case_participants=case_7(CUSTOMER, COLLEAGUE))).case_number == 7


def test_tag_with_an_old_accepted_prefix_appends() -> None:
    reply = message(subject="Re: [HELP#7] drukarka")
    known = knowing(old_prefixes=("HELP",), case_participants=case_7(CUSTOMER))
    assert decide(reply, known).case_number == 7


def test_tag_with_a_foreign_prefix_is_not_ours() -> None:
    reply = message(subject="Re: [TICKET#7] drukarka")
    known = knowing(case_participants=case_7(CUSTOMER), sender_contact_id=5)
    assert decide(reply, known).action == "create"


def test_tag_of_a_case_that_does_not_exist_is_passed_over() -> None:
    reply = message(subject="[KART#404] drukarka")
    assert decide(reply, knowing(sender_contact_id=5)) == Decision(
        "create", "new case from a known sender", contact_id=5
    )


def test_of_several_tags_the_one_whose_case_has_the_sender_is_taken() -> None:
    reply = message(subject="[KART#8] [KART#7] drukarka")
    known = knowing(case_participants={8: frozenset({COLLEAGUE}), 7: frozenset({CUSTOMER})})
    assert decide(reply, known).case_number == 7


def test_subject_tags_list_ours_first_then_old_prefixes_each_once() -> None:
    known = knowing(old_prefixes=("HELP",))
    assert subject_tags("[HELP#3] [KART#7] [KART # 7] [X#1]", known) == [7, 3]


# (4) new case or triage


def test_known_contact_makes_a_new_case_with_contact_and_account() -> None:
    decision = decide(message(), knowing(sender_contact_id=5, sender_account_id=9))
    assert decision == Decision(
        "create", "new case from a known sender", contact_id=5, account_id=9
    )


def test_shared_address_of_an_account_makes_a_case_of_that_account() -> None:
    decision = decide(message(), knowing(sender_account_id=9))
    assert (decision.action, decision.contact_id, decision.account_id) == ("create", None, 9)


def test_unknown_sender_goes_to_triage() -> None:
    assert decide(message(), knowing()) == Decision("triage", "unknown sender")


def test_unknown_sender_to_a_public_mailbox_makes_a_case_and_a_contact() -> None:
    decision = decide(message(), knowing(unknown_sender_creates_case=True))
    assert decision == Decision(
        "create", "new case and contact for an unknown sender", new_contact=True
    )


def test_message_without_a_sender_goes_to_triage_even_from_a_public_mailbox() -> None:
    decision = decide(message(from_=None), knowing(unknown_sender_creates_case=True))
    assert decision == Decision("triage", "no sender address")


def test_staff_user_writing_without_a_case_goes_to_triage() -> None:
    decision = decide(message(), knowing(sender_is_staff=True, unknown_sender_creates_case=True))
    assert decision == Decision("triage", "sent by a staff user, names no case")


# Automatic replies


def test_auto_reply_appends_without_moving_the_status() -> None:
    out_of_office = message(auto_reply=True, in_reply_to=ours())
    decision = decide(out_of_office, knowing(case_participants=case_7(CUSTOMER)))
    assert decision == Decision(
        "append", "automatic reply, reply to our message in case 7", case_number=7
    )
    assert decision.moves_status is False


def test_auto_reply_with_a_tag_appends_without_moving_the_status() -> None:
    out_of_office = message(auto_reply=True, subject="Autoreply: [KART#7]")
    decision = decide(out_of_office, knowing(case_participants=case_7(CUSTOMER)))
    assert (decision.action, decision.case_number, decision.moves_status) == ("append", 7, False)


def test_auto_reply_to_nothing_is_ignored_never_a_new_case() -> None:
    out_of_office = message(auto_reply=True)
    decision = decide(out_of_office, knowing(sender_contact_id=5))
    assert decision == Decision("ignore", "automatic reply not related to any case")


# Helpers


def test_referenced_ids_list_in_reply_to_references_newest_first_and_the_bounced_id() -> None:
    bounce = message(
        in_reply_to="<c@x>",
        references=("a@x", "b@x", "c@x"),
        bounced_message_id="<d@x>",
    )
    assert referenced_ids(bounce) == ["c@x", "b@x", "a@x", "d@x"]


@pytest.mark.parametrize(
    ("subject", "cleaned"),
    [
        ("Re: Odp: Fwd: Drukarka", "Drukarka"),
        ("AW: WG: Angebot", "Angebot"),
        ("RE[2]: PD: Vs: faktura", "faktura"),
        ("Reklamacja: drukarka", "Reklamacja: drukarka"),
        ("  ", ""),
    ],
)
def test_clean_subject_strips_reply_and_forward_prefixes(subject: str, cleaned: str) -> None:
    assert clean_subject(subject) == cleaned


def test_only_the_200_newest_references_are_looked_up() -> None:
    # given In-Reply-To and 1,000 references, oldest first
    references = tuple(f"r{number}@klient.example" for number in range(1_000))
    many = message(in_reply_to="reply@klient.example", references=references)

    # when
    ids = referenced_ids(many)

    # then
    assert len(ids) == 200
    assert ids[:3] == ["reply@klient.example", "r999@klient.example", "r998@klient.example"]
    assert ids[-1] == "r801@klient.example"
