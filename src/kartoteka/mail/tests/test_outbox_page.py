"""The outbox page: who may watch it, what each view lists, retry and cancel (their races
with the worker's claim), hostile ids, and a query count that does not grow with rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kartoteka.cases.models import CaseEvent
from kartoteka.mail.models import Mailbox, Message
from kartoteka.mail.sending import outbox, outbox_actions, outbox_selectors
from kartoteka.mail.sending.outbound import reply_create
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.mail.sending import make_inbound, make_mailbox

pytestmark = pytest.mark.django_db

REFUSAL = (
    "550 5.1.1 <biuro@klient.example>: Recipient address rejected: "
    "User unknown in virtual mailbox table"
)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path


@pytest.fixture
def mailbox() -> Mailbox:
    return make_mailbox()


def reply(mailbox: Mailbox, by, *, subject: str = "Drukarka nie drukuje", account=None):
    case = make_case(subject, account=account)
    make_inbound(case, mailbox=mailbox, message_id=f"{subject}@klient.example")
    return reply_create(case=case, by=by, text="Proszę zrestartować drukarkę.")


def failed(message: Message, error: str = REFUSAL) -> Message:
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.FAILED, error=error, attempts=1, next_attempt_at=None
    )
    message.refresh_from_db()
    return message


def url(name: str = "outbox", *args: object) -> str:
    return reverse(f"mail:{name}", args=args)


# Who may watch


@pytest.mark.parametrize(("persona", "status"), [("agent", 403), ("clerk", 403)])
def test_staff_who_do_not_see_everything_are_refused(request, persona, status) -> None:
    response = client_for(request.getfixturevalue(persona)).get(url())
    assert response.status_code == status


def test_a_portal_user_finds_no_outbox(portal_user) -> None:
    assert client_for(portal_user).get(url()).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client) -> None:
    response = client.get(url())
    assert response.status_code == 302
    assert "/login/" in response.url


@pytest.mark.parametrize("persona", ["admin", "manager"])
def test_administrators_and_managers_see_failed_mail_with_the_servers_answer(
    request, persona, mailbox, agent
) -> None:
    # given
    message = failed(reply(mailbox, agent))

    # when
    response = client_for(request.getfixturevalue(persona)).get(url(), {"view": "failed"})

    # then
    assert response.status_code == 200
    assert [m.pk for m in response.context["page_obj"].object_list] == [message.pk]
    content = response.content.decode()
    assert "User unknown in virtual mailbox table" in content
    assert f'href="{message.case.get_absolute_url()}#message-{message.pk}"' in content


def test_the_navigation_links_the_outbox_for_those_who_watch(agent, manager) -> None:
    manager_page = client_for(manager).get(reverse("cases:case-list")).content.decode()
    agent_page = client_for(agent).get(reverse("cases:case-list")).content.decode()
    assert f'href="{url()}"' in manager_page
    assert f'hx-get="{url("outbox-count")}"' in manager_page
    assert f'href="{url()}"' not in agent_page


def test_the_navigation_count_of_failed_mail_comes_after_the_page(mailbox, agent, manager):
    # given
    client = client_for(manager)
    assert client.get(url("outbox-count")).content == b""
    failed(reply(mailbox, agent, subject="Jeden"))
    failed(reply(mailbox, agent, subject="Dwa"))

    # when
    response = client.get(url("outbox-count"))

    # then
    assert response.content.decode() == (
        '<span class="nav-count nav-count-failed" aria-label="2 messages failed">2</span>'
    )
    assert client_for(agent).get(url("outbox-count")).status_code == 403


def test_the_selector_shows_only_messages_of_visible_cases(mailbox, agent, outsider) -> None:
    # given: a reply in a case of Support's restricted customer, and one in an open case
    restricted = AccountFactory(name="Tajny Klient", restricted=True, team=agent.team)
    hidden = failed(reply(mailbox, agent, subject="Tajne", account=restricted))
    shown = failed(reply(mailbox, agent, subject="Jawne"))

    # when: the rows as the outsider (another team) may see them
    rows = outbox_selectors.outbox_messages(user=outsider, view=outbox_selectors.FAILED)

    # then
    assert [m.pk for m in rows] == [shown.pk]
    assert hidden.pk not in outbox_selectors.outbox_messages(
        user=outsider, view=outbox_selectors.FAILED
    ).values_list("pk", flat=True)


def test_a_manager_sees_restricted_customers_mail_as_they_see_their_cases(
    mailbox, agent, manager
) -> None:
    # given: managers see every customer (``account_visibility``), restricted ones too
    restricted = AccountFactory(name="Tajny Klient", restricted=True, team=agent.team)
    message = failed(reply(mailbox, agent, subject="Tajne", account=restricted))

    # when
    response = client_for(manager).get(url(), {"view": "failed"})

    # then
    assert [m.pk for m in response.context["page_obj"].object_list] == [message.pk]


# The views


def test_each_view_lists_its_own_messages(mailbox, agent, admin) -> None:
    # given
    queued = reply(mailbox, agent, subject="Czeka")
    refused = failed(reply(mailbox, agent, subject="Odrzucona"))
    sent = reply(mailbox, agent, subject="Wysłana")
    old = reply(mailbox, agent, subject="Stara")
    now = timezone.now()
    Message.objects.filter(pk=sent.pk).update(state=Message.State.SENT, sent_at=now)
    Message.objects.filter(pk=old.pk).update(
        state=Message.State.SENT, sent_at=now - timedelta(days=10)
    )
    cancelled = reply(mailbox, agent, subject="Anulowana")
    outbox_actions.outbox_cancel(message=cancelled, by=admin)
    client = client_for(admin)

    def listed(**query: object) -> list[int]:
        return [m.pk for m in client.get(url(), query).context["page_obj"].object_list]

    # then
    assert listed(view="queued") == [queued.pk]
    assert listed(view="failed") == [refused.pk]
    assert listed(view="sent") == [sent.pk]
    assert listed(view="sent", days=30) == [sent.pk, old.pk]
    assert listed(view="cancelled") == [cancelled.pk]
    assert listed() == [refused.pk]  # failed first


@pytest.mark.parametrize(
    "query",
    [
        {"view": "everything"},
        {"view": "sent", "days": "-5"},
        {"view": "sent", "days": "99999999999999999999"},
        {"view": "sent", "days": "7; DROP TABLE mail_message"},
        {"page": "ź"},
        {"page": "999999"},
        {"view": "\x00"},
    ],
)
def test_hostile_filters_show_the_default_view(query, mailbox, agent, admin) -> None:
    message = failed(reply(mailbox, agent))
    response = client_for(admin).get(url(), query)
    assert response.status_code == 200
    assert [m.pk for m in response.context["page_obj"].object_list] == [message.pk]


def test_the_query_count_does_not_grow_with_rows(
    mailbox, agent, admin, django_assert_num_queries
) -> None:
    for number in range(12):
        failed(reply(mailbox, agent, subject=f"Sprawa {number}"))
    client = client_for(admin)
    client.get(url())  # sessions and the like warmed up
    # session, user, count, page (case, mailbox, author, status joined); the navigation's
    # counts: triage, the bell's notifications (the failed mail's comes after the page)
    with django_assert_num_queries(6):
        response = client.get(url(), {"view": "failed"})
    assert len(response.context["page_obj"].object_list) == 12


# Retry and cancel


def test_retry_queues_a_failed_message_due_now_with_its_attempts_and_a_history_line(
    mailbox, agent, admin, frozen_now
) -> None:
    # given
    message = failed(reply(mailbox, agent))

    # when
    response = client_for(admin).post(url("outbox-retry", message.pk), {"view": "failed"})

    # then
    assert response.status_code == 302
    assert response.url == f"{url()}?view=failed"
    message.refresh_from_db()
    assert (message.state, message.next_attempt_at, message.attempts) == (
        Message.State.QUEUED,
        frozen_now,
        1,
    )
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.REPLY_RETRIED)
    assert (event.case, event.actor, event.data["message"]) == (message.case, admin, message.pk)


def test_retry_makes_a_long_queued_message_due_now(mailbox, agent, admin, frozen_now) -> None:
    message = reply(mailbox, agent)
    later = frozen_now + timedelta(minutes=32)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=later, attempts=6)

    outbox_actions.outbox_retry(message=message, by=admin)

    message.refresh_from_db()
    assert (message.state, message.next_attempt_at, message.attempts) == (
        Message.State.QUEUED,
        frozen_now,
        6,
    )


def test_retry_from_the_case_page_goes_back_to_the_case(mailbox, agent, admin) -> None:
    message = failed(reply(mailbox, agent))
    response = client_for(admin).post(url("outbox-retry", message.pk), {"back": "case"})
    assert response.url == message.case.get_absolute_url()


def test_a_message_being_sent_is_neither_retried_nor_cancelled(mailbox, agent, admin) -> None:
    # given: a worker claimed it and died (its lease ran out)
    message = reply(mailbox, agent)
    assert outbox.outbox_claim(message.pk, now=timezone.now())
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    client = client_for(admin)

    # when
    retried = client.post(url("outbox-retry", message.pk), follow=True)
    cancelled = client.post(url("outbox-cancel", message.pk), follow=True)

    # then: left to the reconciliation, which marks it failed for a person to check
    message.refresh_from_db()
    assert message.state == Message.State.SENDING
    assert "being sent right now" in retried.content.decode()
    assert "being sent right now" in cancelled.content.decode()
    queued = client.get(url(), {"view": "queued"}).content.decode()
    assert "Interrupted while sending: it may have arrived." in queued
    assert outbox.outbox_reconcile() == 1
    message.refresh_from_db()
    assert (message.state, message.error) == (Message.State.FAILED, outbox.interrupted_reason())


def test_a_sent_message_is_not_sent_again(mailbox, agent, admin) -> None:
    message = reply(mailbox, agent)
    Message.objects.filter(pk=message.pk).update(state=Message.State.SENT)
    with pytest.raises(ValidationError, match="sent meanwhile"):
        outbox_actions.outbox_retry(message=message, by=admin)
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_an_erased_message_is_not_retried(mailbox, agent, admin) -> None:
    message = failed(reply(mailbox, agent))
    Message.objects.filter(pk=message.pk).update(raw_sha256="")
    message.refresh_from_db()
    response = client_for(admin).post(url("outbox-retry", message.pk), follow=True)
    assert "Nothing is left to send" in response.content.decode()
    message.refresh_from_db()
    assert message.state == Message.State.FAILED


def test_cancel_withdraws_a_failed_message_with_a_history_line(mailbox, agent, manager) -> None:
    message = failed(reply(mailbox, agent))
    response = client_for(manager).post(url("outbox-cancel", message.pk))
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.state, message.next_attempt_at) == (Message.State.CANCELLED, None)
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.REPLY_CANCELLED)
    assert (event.case, event.actor) == (message.case, manager)


def test_a_cancelled_message_is_never_claimed(mailbox, agent, admin, smtp_server) -> None:
    # given
    smtp_server.point(mailbox)
    message = reply(mailbox, agent)

    # when
    outbox_actions.outbox_cancel(message=message, by=admin)
    outcome = outbox.outbox_send_due()

    # then
    assert outcome.sent == 0
    assert outbox.outbox_claim(message.pk, now=timezone.now()) is False
    assert smtp_server.received == []


def test_cancel_after_the_worker_listed_it_wins_over_its_claim(
    mailbox, agent, admin, smtp_server, monkeypatch
) -> None:
    # given: the worker lists the message as due; a person cancels it before its claim
    smtp_server.point(mailbox)
    message = reply(mailbox, agent)
    claim = outbox.outbox_claim

    def cancelled_first(message_pk, *, now):
        outbox_actions.outbox_cancel(message=Message.objects.get(pk=message_pk), by=admin)
        return claim(message_pk, now=now)

    monkeypatch.setattr(outbox, "outbox_claim", cancelled_first)

    # when
    outcome = outbox.outbox_send_due()

    # then
    message.refresh_from_db()
    assert (outcome.sent, message.state) == (0, Message.State.CANCELLED)
    assert smtp_server.received == []


def test_a_claim_before_the_cancel_wins_and_the_cancel_is_refused(mailbox, agent, admin) -> None:
    message = reply(mailbox, agent)
    assert outbox.outbox_claim(message.pk, now=timezone.now())
    with pytest.raises(ValidationError, match="being sent right now"):
        outbox_actions.outbox_cancel(message=message, by=admin)
    message.refresh_from_db()
    assert message.state == Message.State.SENDING
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.REPLY_CANCELLED).exists()


# Hostile ids and methods


def test_actions_take_post_only(mailbox, agent, admin) -> None:
    message = failed(reply(mailbox, agent))
    client = client_for(admin)
    assert client.get(url("outbox-retry", message.pk)).status_code == 405
    assert client.get(url("outbox-cancel", message.pk)).status_code == 405


def test_actions_check_the_csrf_token(mailbox, agent, admin) -> None:
    from django.test import Client

    message = failed(reply(mailbox, agent))
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(url("outbox-retry", message.pk)).status_code == 403
    message.refresh_from_db()
    assert message.state == Message.State.FAILED


@pytest.mark.parametrize("name", ["outbox-retry", "outbox-cancel"])
def test_agents_cannot_act_on_a_message(name, mailbox, agent) -> None:
    message = failed(reply(mailbox, agent))
    assert client_for(agent).post(url(name, message.pk)).status_code == 403
    message.refresh_from_db()
    assert message.state == Message.State.FAILED


@pytest.mark.parametrize("name", ["outbox-retry", "outbox-cancel"])
def test_an_unknown_or_received_message_is_not_found(name, mailbox, agent, admin) -> None:
    case = make_case("Drukarka")
    received = make_inbound(case, mailbox=mailbox)
    client = client_for(admin)
    assert client.post(url(name, 987654321)).status_code == 404
    assert client.post(url(name, received.pk)).status_code == 404
    received.refresh_from_db()
    assert received.state == Message.State.PLACED


def test_someone_elses_invisible_message_is_not_found(mailbox, agent, outsider) -> None:
    # given: a failed reply of Support's restricted customer
    restricted = AccountFactory(name="Tajny Klient", restricted=True, team=agent.team)
    message = failed(reply(mailbox, agent, subject="Tajne", account=restricted))

    # then: the outbox's door for the outsider is shut (404, as for any unseen row)
    with pytest.raises(Http404):
        outbox_selectors.outbox_message_get_for_user(outsider, message.pk)


def test_an_id_too_large_for_the_database_is_not_found(admin) -> None:
    response = client_for(admin).post(f"{url()}99999999999999999999999/retry/")
    assert response.status_code == 404


# The case list and the case page


def test_the_case_list_marks_a_case_whose_reply_failed(mailbox, agent) -> None:
    # given
    broken = failed(reply(mailbox, agent, subject="Zepsuta")).case
    fine = reply(mailbox, agent, subject="Dobra").case
    for number in range(10):
        failed(reply(mailbox, agent, subject=f"Zepsuta {number}"))
    client = client_for(agent)
    client.get(reverse("cases:case-list"))

    # when
    response = client.get(reverse("cases:case-list"))

    # then
    rows = {case.number: case.reply_failed for case in response.context["page_obj"].object_list}
    assert rows[broken.number] is True
    assert rows[fine.number] is False
    assert response.content.decode().count("reply-failed-mark") == 11


def test_the_case_list_query_count_is_the_same_for_one_and_many_failed(mailbox, agent) -> None:
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(agent)
        client.get(reverse("cases:case-list"))
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("cases:case-list"))
        return len(queries)

    failed(reply(mailbox, agent, subject="Zepsuta"))
    one = count()
    for number in range(8):
        failed(reply(mailbox, agent, subject=f"Zepsuta {number}"))
    assert count() == one


def test_the_case_page_offers_retry_only_to_those_who_may(mailbox, agent, manager) -> None:
    message = failed(reply(mailbox, agent))
    for_manager = client_for(manager).get(message.case.get_absolute_url()).content.decode()
    for_agent = client_for(agent).get(message.case.get_absolute_url()).content.decode()
    assert "User unknown in virtual mailbox table" in for_manager
    assert "User unknown in virtual mailbox table" in for_agent
    assert url("outbox-retry", message.pk) in for_manager
    assert url("outbox-retry", message.pk) not in for_agent


@pytest.mark.django_db(transaction=True)
def test_a_cancel_and_a_claim_at_one_moment_never_both_win(agent, admin) -> None:
    # given: queued replies; for each, a worker's claim and a person's cancel start together
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the race needs concurrent writers (PostgreSQL)")
    mailbox = make_mailbox()
    messages = [reply(mailbox, agent, subject=f"Wyścig {number}") for number in range(8)]
    outcomes: list[tuple[int, str, bool]] = []
    errors: list[BaseException] = []

    def claim(message: Message, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            outcomes.append(
                (message.pk, "claim", outbox.outbox_claim(message.pk, now=timezone.now()))
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def cancel(message: Message, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            try:
                outbox_actions.outbox_cancel(message=message, by=admin)
            except ValidationError:
                outcomes.append((message.pk, "cancel", False))
            else:
                outcomes.append((message.pk, "cancel", True))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    for message in messages:
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=claim, args=(message, barrier)),
            threading.Thread(target=cancel, args=(message, barrier)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then: exactly one of the two won each race, and the state says which
    assert errors == []
    for message in messages:
        won = [kind for pk, kind, ok in outcomes if pk == message.pk and ok]
        assert len(won) == 1
        message.refresh_from_db()
        expected = Message.State.SENDING if won == ["claim"] else Message.State.CANCELLED
        assert message.state == expected
