"""``/api/v1/triage/``: received messages waiting for a person to place them."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from kartoteka.cases.services import case_create
from kartoteka.mail.models import Attachment, Mailbox, Message
from kartoteka.mail.selectors import triage_list
from kartoteka.people.models import User
from kartoteka.testing.customers import AccountFactory

TRIAGE = "/api/v1/triage/"


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mailbox(db: None) -> Mailbox:
    return Mailbox.objects.create(name="pomoc", address="pomoc@firma.example")


def stored(mailbox: Mailbox, number: int = 1, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "mailbox": mailbox,
        "direction": Message.Direction.INBOUND,
        "state": Message.State.TRIAGE,
        "reason": "unknown sender",
        "message_id": f"m{number}@klient.example",
        "subject": f"Wiadomość {number}",
        "from_name": "Mallory",
        "from_address": "mallory@obcy.example",
        "to": [{"name": "", "address": "pomoc@firma.example"}],
        "text": "Treść",
        "text_new": "Treść",
        "raw_sha256": "0" * 64,
    }
    values.update(fields)
    return Message.objects.create(**values)


def test_triage_list_shows_waiting_messages_newest_first(agent, mailbox) -> None:
    # given
    older = stored(mailbox, 1)
    named = case_create(by=None, subject="x")
    reason = f"points to case {named.number}, sender not a participant"
    newer = stored(mailbox, 2, reason=reason, forged=True, points_to_case=named)
    stored(mailbox, 3, state=Message.State.PLACED, case=named)
    stored(mailbox, 4, state=Message.State.IGNORED)
    # when
    response = api_for(agent).get(TRIAGE)
    # then
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert rows[0] == {
        "id": newer.pk,
        "mailbox": {"id": mailbox.pk, "name": "pomoc", "address": "pomoc@firma.example"},
        "subject": "Wiadomość 2",
        "sender": {"name": "Mallory", "address": "mallory@obcy.example"},
        "to": [{"name": "", "address": "pomoc@firma.example"}],
        "cc": [],
        "date": None,
        "received_at": rows[0]["received_at"],
        "reason": reason,
        "forged": True,
        "points_to_case": named.number,
        "auto_reply": False,
        "bounce": False,
        "sender_verification": "",
        "sender_claims_own": False,
        "sender_suspicion": "",
    }
    assert (rows[1]["forged"], rows[1]["points_to_case"]) == (False, None)


def test_triage_says_why_a_sender_is_doubted(agent, mailbox) -> None:
    # given: mail claiming our own domain without proof, and a From that names two people
    stored(
        mailbox, 1, from_address="admin@firma.example", sender_claims_own=True,
        sender_verification=Message.SenderVerification.NOT_VERIFIED,
    )  # fmt: skip
    stored(mailbox, 2, sender_suspicion=Message.SenderSuspicion.NAME_IS_ADDRESS)
    # when
    rows = api_for(agent).get(TRIAGE).json()["results"]
    # then
    proof = [
        (r["sender_claims_own"], r["sender_verification"], r["sender_suspicion"]) for r in rows
    ]
    assert proof == [(False, "", "name-is-address"), (True, "not-verified", "")]


def test_triage_retrieve_gives_text_html_and_attachments(agent, mailbox) -> None:
    # given
    message = stored(mailbox, html="<p>Treść</p>")
    attachment = Attachment.objects.create(
        message=message, filename="a.pdf", content_type="application/pdf", size=3, sha256="1" * 64
    )
    # when
    response = api_for(agent).get(f"{TRIAGE}{message.pk}/")
    # then
    body = response.json()
    assert response.status_code == 200
    assert (body["text"], body["text_new"], body["html"], body["message_id"]) == (
        "Treść",
        "Treść",
        "<p>Treść</p>",
        "m1@klient.example",
    )
    assert body["attachments"] == [
        {
            "id": attachment.pk,
            "filename": "a.pdf",
            "content_type": "application/pdf",
            "size": 3,
            "sha256": "1" * 64,
            "inline": False,
            "content_id": "",
        }
    ]


def test_triage_retrieve_holds_remote_images(agent, mailbox) -> None:
    message = stored(mailbox, html='<p>Cena<img src="http://tracker.example/open?id=7"></p>')
    body = api_for(agent).get(f"{TRIAGE}{message.pk}/").json()
    assert body["html"] == '<p>Cena<img data-remote-src="http://tracker.example/open?id=7"></p>'
    assert body["remote_images"] == 1


def test_a_placed_message_is_not_in_triage_so_retrieve_is_404(agent, mailbox) -> None:
    message = stored(mailbox, state=Message.State.PLACED, case=case_create(by=None, subject="x"))
    assert api_for(agent).get(f"{TRIAGE}{message.pk}/").status_code == 404


def test_outsider_gets_404_for_a_message_of_a_hidden_case(outsider, support_team, mailbox) -> None:
    # given a message of a restricted Support account's case, wrongly left in triage state
    hidden = case_create(
        by=None, subject="Tajna", account=AccountFactory(restricted=True, team=support_team)
    )
    message = stored(mailbox, case=hidden)
    # then
    assert api_for(outsider).get(f"{TRIAGE}{message.pk}/").status_code == 404
    assert api_for(outsider).get(TRIAGE).json()["results"] == []


@pytest.mark.parametrize("url", [TRIAGE, f"{TRIAGE}1/"])
def test_clerk_without_case_rights_is_refused_with_403(clerk, url: str) -> None:
    assert api_for(clerk).get(url).status_code == 403


def test_portal_user_is_refused_with_403(portal_user) -> None:
    assert api_for(portal_user).get(TRIAGE).status_code == 403


def test_anonymous_request_is_a_401(db: None) -> None:
    assert APIClient().get(TRIAGE).status_code == 401


def test_triage_list_is_paged_by_fifty(agent, mailbox) -> None:
    for number in range(51):
        stored(mailbox, number)
    body = api_for(agent).get(TRIAGE).json()
    assert (body["count"], len(body["results"])) == (51, 50)


@pytest.mark.parametrize("rows", [1, 20])
def test_triage_list_query_count_does_not_grow_with_rows(
    agent, mailbox, django_assert_num_queries, rows: int
) -> None:
    for number in range(rows):
        stored(mailbox, number)
    client = api_for(agent)
    # count and page (the user is given, the mailbox joined)
    with django_assert_num_queries(2):
        response = client.get(TRIAGE)
    assert len(response.json()["results"]) == rows


def test_triage_list_selector_is_empty_for_who_does_not_work_with_cases(clerk, mailbox) -> None:
    stored(mailbox)
    assert list(triage_list(clerk)) == []


def test_a_forged_message_keeps_a_hidden_cases_number_from_who_may_not_see_it(
    outsider, mailbox, support_team
) -> None:
    # given: a forged message naming a restricted case of the Support team
    hidden_account = AccountFactory(name="Tajny Klient", restricted=True, team=support_team)
    hidden = case_create(by=None, subject="Tajna sprawa", account=hidden_account)
    reason = f"points to case {hidden.number}, sender not a participant"
    stored(mailbox, 1, reason=reason, forged=True, points_to_case=hidden)
    # when: the outsider (Sales) lists triage
    response = api_for(outsider).get(TRIAGE)
    # then: the message is there, forged, with neither the number nor a reason naming it
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert (row["forged"], row["points_to_case"]) == (True, None)
    assert row["reason"] == "names a case, sender not a participant"
