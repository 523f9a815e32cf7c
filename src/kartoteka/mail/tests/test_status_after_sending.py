""" "Send and set status": the case's status changes when the server accepts the reply, not
when it is queued; a reply that fails or is cancelled leaves the status as it was."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.cases.models import CaseEvent, Status
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.sending import outbox, outbox_actions
from kartoteka.mail.sending.status_after_sending import (
    CUSTOMER_WROTE,
    STATUS_CHANGED,
    status_after_sending_apply,
)
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.mail.composing import posted
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def mailbox(smtp_server) -> Mailbox:
    box = make_mailbox()
    smtp_server.point(box)
    return box


@pytest.fixture
def waiting() -> Status:
    return Status.objects.create(name="Czeka na dostawcę", position=60)


def send_from_composer(client, case, inbound: Message, status: Status) -> Message:
    url = reverse("mail:compose", args=[case.number])
    form = client.get(
        url, {"kind": "reply", "message": inbound.pk}, HTTP_HX_REQUEST="true"
    ).context["form"]
    response = client.post(url, posted(form, body="Zamówiliśmy część.", status=status.pk))
    assert response.status_code == 302
    return Message.objects.get(direction=Message.Direction.OUTBOUND)


def test_the_status_waits_for_the_server_and_is_set_when_it_accepts(
    agent, mailbox, smtp_server, waiting
) -> None:
    # given
    case = make_case("Drukarka nie drukuje")
    before = case.status
    inbound = make_inbound(case, mailbox=mailbox)

    # when: sent from the composer with a status
    message = send_from_composer(client_for(agent), case, inbound, waiting)

    # then: queued with the wanted status, the case's status unchanged, the page says so
    case.refresh_from_db()
    assert (message.state, message.status_after_sending, case.status) == (
        Message.State.QUEUED,
        waiting,
        before,
    )
    page = client_for(agent).get(case.get_absolute_url()).content.decode()
    assert "The status will change to “Czeka na dostawcę” when the reply" in page

    # when: the worker sends it
    outbox.outbox_send_due()

    # then: sent, and the status set by the author, recorded in the history
    case.refresh_from_db()
    message.refresh_from_db()
    assert (message.state, case.status) == (Message.State.SENT, waiting)
    record = case.history.first()
    assert (record.status_id, record.history_user) == (waiting.pk, agent)
    assert len(smtp_server.received) == 1
    page = client_for(agent).get(case.get_absolute_url()).content.decode()
    assert "The status will change" not in page


def test_a_refused_reply_leaves_the_status_and_the_case_says_so(
    agent, mailbox, smtp_server, waiting
) -> None:
    # given
    case = make_case("Drukarka nie drukuje")
    before = case.status
    inbound = make_inbound(case, mailbox=mailbox)
    message = send_from_composer(client_for(agent), case, inbound, waiting)
    smtp_server.mode = "refuse"

    # when
    outbox.outbox_send_due()

    # then
    case.refresh_from_db()
    message.refresh_from_db()
    assert message.state == Message.State.FAILED
    assert "550 5.1.1" in message.error
    assert case.status == before
    page = client_for(agent).get(case.get_absolute_url()).content.decode()
    assert "A reply was not sent." in page
    assert "The status “Czeka na dostawcę” was not set." in page
    assert "Recipient address rejected" in page


def test_a_cancelled_reply_never_sets_its_status(agent, manager, mailbox, waiting) -> None:
    # given
    case = make_case("Drukarka nie drukuje")
    before = case.status
    inbound = make_inbound(case, mailbox=mailbox)
    message = send_from_composer(client_for(agent), case, inbound, waiting)

    # when
    outbox_actions.outbox_cancel(message=message, by=manager)
    outbox.outbox_send_due()

    # then
    case.refresh_from_db()
    message.refresh_from_db()
    assert (message.state, case.status) == (Message.State.CANCELLED, before)
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.REPLY_CANCELLED)
    assert (event.actor, event.data["status"]) == (manager, "Czeka na dostawcę")
    history = client_for(agent).get(reverse("cases:case-history", args=[case.number]))
    assert "the status “Czeka na dostawcę” was not set" in history.content.decode()


def test_a_late_reply_does_not_close_a_case_the_customer_wrote_to_meanwhile(
    agent, mailbox, waiting
) -> None:
    # given: a reply that failed, then the customer wrote again
    case = make_case("Drukarka nie drukuje")
    before = case.status
    inbound = make_inbound(case, mailbox=mailbox)
    message = send_from_composer(client_for(agent), case, inbound, waiting)
    make_inbound(case, mailbox=mailbox, message_id="later@klient.example", text="Halo?")
    Message.objects.filter(pk=message.pk).update(state=Message.State.SENT)

    # when
    outcome = status_after_sending_apply(message_pk=message.pk)

    # then
    case.refresh_from_db()
    assert (outcome, case.status) == (CUSTOMER_WROTE, before)
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.STATUS_NOT_APPLIED)
    assert event.data["reason"] == CUSTOMER_WROTE


def test_a_late_reply_keeps_a_status_someone_set_meanwhile(agent, mailbox, waiting) -> None:
    # given
    case = make_case("Drukarka nie drukuje")
    inbound = make_inbound(case, mailbox=mailbox)
    message = send_from_composer(client_for(agent), case, inbound, waiting)
    chosen = Status.objects.create(name="W realizacji", position=65)
    case.status = chosen
    case.save(update_fields=["status"])
    Message.objects.filter(pk=message.pk).update(state=Message.State.SENT)

    # when
    outcome = status_after_sending_apply(message_pk=message.pk)

    # then
    case.refresh_from_db()
    assert (outcome, case.status) == (STATUS_CHANGED, chosen)


def test_a_failure_to_set_the_status_keeps_the_message_sent(
    agent, mailbox, waiting, monkeypatch
) -> None:
    # given: setting the status breaks
    case = make_case("Drukarka nie drukuje")
    inbound = make_inbound(case, mailbox=mailbox)
    message = send_from_composer(client_for(agent), case, inbound, waiting)

    def broken(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(
        "kartoteka.mail.sending.status_after_sending.status_after_sending_apply", broken
    )

    # when
    outbox.outbox_send_due()

    # then: recorded sent all the same (never to be sent twice by hand)
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_a_reply_without_a_change_of_status_stores_none(agent, mailbox) -> None:
    # given
    case = make_case("Drukarka nie drukuje")
    inbound = make_inbound(case, mailbox=mailbox)

    # when: the status chosen is the case's own
    message = send_from_composer(client_for(agent), case, inbound, case.status)

    # then
    assert message.status_after_sending is None
    assert message.status_when_queued == case.status
