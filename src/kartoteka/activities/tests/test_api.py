"""The activities API: events (list, one, record), tasks with their filters, threads, and the
read-only lists — each only for who may see it; ids of others' objects are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from kartoteka.activities.models import Event, EventType, Task
from kartoteka.customers.models import Account
from kartoteka.people.models import User
from kartoteka.testing.activities import ProductFactory, ResourceFactory, at, call_recorded
from kartoteka.testing.clients import api_schema
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def alfa(db: None) -> Account:
    return AccountFactory(name="Alfa")


@pytest.fixture
def restricted(support_team, supervisor) -> Account:
    return AccountFactory(name="Tajna", restricted=True, team=support_team)


def call_type() -> EventType:
    return EventType.objects.get(name="Phone call")


def record(user: User, **fields) -> tuple[int, dict]:
    response = api_for(user).post("/api/v1/events/", fields, format="json")
    return response.status_code, response.json()


def test_recording_a_call_that_plans_the_next_one(agent, alfa) -> None:
    # given
    anna = ContactFactory(account=alfa, first_name="Anna", last_name="Nowak")
    toner = ProductFactory(name="Toner", code="T-1")
    # when
    status, body = record(
        agent,
        account=alfa.pk,
        type=call_type().pk,
        starts_at="2026-12-01T10:00:00+01:00",
        result="Zamówią",
        contacts=[anna.pk],
        products=[toner.pk],
        amount="1250.50",
        thread_title="Toner na 2027",
        next_task={"type": call_type().pk, "due_at": "2026-12-03T10:00:00+01:00"},
    )
    # then
    assert status == 201, body
    assert (body["account"], body["type"]["name"], body["result"], body["amount"]) == (
        alfa.pk, "Phone call", "Zamówią", "1250.50",
    )  # fmt: skip
    assert body["ends_at"] == "2026-12-01T10:15:00+01:00"
    assert body["thread"]["title"] == "Toner na 2027"
    assert body["contacts"] == [{"id": anna.pk, "name": str(anna)}]
    assert body["products"] == [{"id": toner.pk, "name": "Toner (T-1)"}]
    task = Task.objects.get()
    assert (task.assignee, task.planned_by_event_id, task.state) == (agent, body["id"], "open")


def test_another_customers_contact_is_refused_with_a_clear_message(agent, alfa) -> None:
    # given: a contact of another customer the agent sees
    stranger = ContactFactory(account=AccountFactory(name="Beta"))
    # when
    status, body = record(
        agent,
        account=alfa.pk,
        type=call_type().pk,
        starts_at="2026-12-01T10:00:00+01:00",
        contacts=[stranger.pk],
    )
    # then
    assert status == 400
    assert body == {"contacts": ["Only this customer's people can take part."]}
    assert Event.objects.count() == 0


def test_a_hidden_account_reads_like_one_that_does_not_exist(outsider, restricted) -> None:
    # when: the outsider names a restricted account, and a number nobody has
    hidden_status, hidden = record(
        outsider, account=restricted.pk, type=call_type().pk, starts_at="2026-12-01T10:00:00Z"
    )
    missing_status, missing = record(
        outsider, account=999999, type=call_type().pk, starts_at="2026-12-01T10:00:00Z"
    )
    # then: the same refusal, only the number differs
    assert (hidden_status, missing_status) == (400, 400)
    assert hidden["account"] == [f'Invalid pk "{restricted.pk}" - object does not exist.']
    assert missing["account"] == ['Invalid pk "999999" - object does not exist.']


def test_a_hidden_contact_case_or_thread_does_not_exist_for_the_user(
    agent, outsider, alfa, restricted
) -> None:
    # given: a contact and a thread of the restricted customer
    secret_contact = ContactFactory(account=restricted)
    secret_thread = call_recorded(agent, restricted, starts_at=at(1, 9)).thread
    # when
    status, body = record(
        outsider,
        account=alfa.pk,
        type=call_type().pk,
        starts_at="2026-12-01T10:00:00Z",
        contacts=[secret_contact.pk],
        thread=secret_thread.pk,
    )
    # then
    assert status == 400
    assert body == {
        "contacts": [f'Invalid pk "{secret_contact.pk}" - object does not exist.'],
        "thread": [f'Invalid pk "{secret_thread.pk}" - object does not exist.'],
    }


def test_bad_input_is_named_field_by_field(agent, alfa) -> None:
    status, body = record(
        agent,
        account=alfa.pk,
        type=call_type().pk,
        starts_at="jutro",
        amount="-5",
        next_task={"type": call_type().pk},
    )
    assert status == 400
    assert sorted(body) == ["amount", "next_task", "starts_at"]
    assert body["amount"] == ["Ensure this value is greater than or equal to 0."]


def test_planning_a_task_and_closing_the_thread_at_once_is_refused(agent, alfa) -> None:
    status, body = record(
        agent,
        account=alfa.pk,
        type=call_type().pk,
        starts_at="2026-12-01T10:00:00Z",
        close_thread=True,
        next_task={"type": call_type().pk, "due_at": "2026-12-03T10:00:00Z"},
    )
    assert (status, body) == (
        400,
        {"close_thread": ["Either plan a next task or close the thread, not both."]},
    )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("agent", True), ("supervisor", True), ("admin", True), ("outsider", False)],
)
def test_a_confidential_event_is_listed_and_found_only_for_who_may_see_it(
    request, persona, sees, agent, alfa
) -> None:
    # given
    secret = call_recorded(agent, alfa, starts_at=at(1, 10), result="Poufne", confidential=True)
    call_recorded(agent, alfa, starts_at=at(2, 10), result="Jawne")
    client = api_for(request.getfixturevalue(persona))
    # when
    listed = [row["result"] for row in client.get("/api/v1/events/").json()["results"]]
    one = client.get(f"/api/v1/events/{secret.pk}/")
    # then
    assert listed == (["Jawne", "Poufne"] if sees else ["Jawne"])
    assert one.status_code == (200 if sees else 404)


def test_the_events_and_tasks_of_a_restricted_customer_are_404_for_an_outsider(
    agent, outsider, restricted
) -> None:
    call = call_recorded(agent, restricted, starts_at=at(1, 10), next_in=timedelta(days=1))
    client = api_for(outsider)
    assert client.get(f"/api/v1/events/{call.pk}/").status_code == 404
    assert client.get(f"/api/v1/tasks/{call.planned_tasks.get().pk}/").status_code == 404
    assert client.get("/api/v1/threads/").json()["results"] == []


def test_tasks_filter_by_assignee_state_and_due_time(agent, supervisor, alfa) -> None:
    # given: the agent's tasks due on the 3rd and the 6th, the supervisor's on the 4th
    call_recorded(agent, alfa, starts_at=at(1, 10), next_in=timedelta(days=2))
    call_recorded(agent, alfa, starts_at=at(1, 11), next_in=timedelta(days=5))
    call_recorded(supervisor, alfa, starts_at=at(1, 12), next_in=timedelta(days=3))
    client = api_for(agent)

    def due(**params) -> list[str]:
        response = client.get("/api/v1/tasks/", params)
        assert response.status_code == 200, response.json()
        return [row["due_at"][:13] for row in response.json()["results"]]

    # then
    assert due() == ["2026-12-03T10", "2026-12-04T12", "2026-12-06T11"]
    assert due(assignee="me") == ["2026-12-03T10", "2026-12-06T11"]
    assert due(assignee=supervisor.pk) == ["2026-12-04T12"]
    assert due(due_after="2026-12-04T00:00:00+01:00", due_before="2026-12-05T00:00:00+01:00") == [
        "2026-12-04T12"
    ]
    assert due(state="done") == []


def test_a_bad_task_filter_is_a_400_naming_it(agent) -> None:
    response = api_for(agent).get("/api/v1/tasks/", {"assignee": "ktoś", "state": "zrobione"})
    assert response.status_code == 400
    assert sorted(response.json()) == ["assignee", "state"]
    assert response.json()["assignee"] == ['Give "me" or a user id.']


def test_threads_by_customer_and_state(agent, alfa) -> None:
    call_recorded(agent, alfa, starts_at=at(1, 10), thread_title="Otwarty")
    call_recorded(agent, alfa, starts_at=at(1, 11), thread_title="Zamknięty", close_thread=True)
    call_recorded(agent, AccountFactory(), starts_at=at(1, 12), thread_title="Inny klient")
    client = api_for(agent)
    rows = client.get("/api/v1/threads/", {"account": alfa.pk, "state": "open"}).json()["results"]
    assert [(row["title"], row["state"]) for row in rows] == [("Otwarty", "open")]


def test_the_lists_of_types_products_and_resources(agent) -> None:
    ProductFactory(name="Toner", code="T-1", unit_price="99.90")
    ResourceFactory(name="Sala Duża")
    client = api_for(agent)
    types = client.get("/api/v1/event-types/").json()
    products = client.get("/api/v1/products/").json()
    resources = client.get("/api/v1/resources/").json()
    assert [row["name"] for row in types][:2] == ["Phone call", "Meeting"]
    assert types[0]["default_duration"] == "00:15:00"
    assert [(row["code"], row["unit_price"], row["currency"]) for row in products] == [
        ("T-1", "99.90", "PLN")
    ]
    assert [(row["name"], row["kind"]) for row in resources] == [("Sala Duża", "room")]


def test_portal_users_and_anonymous_requests_are_refused(portal_user) -> None:
    assert api_for(portal_user).get("/api/v1/events/").status_code == 403
    assert APIClient().get("/api/v1/tasks/").status_code in (401, 403)


def test_the_event_list_makes_the_same_queries_for_2_and_12_events(agent, alfa) -> None:
    client = api_for(agent)
    anna = ContactFactory(account=alfa)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/events/").status_code == 200
        return len(captured)

    def add(count: int, day: int) -> None:
        for minute in range(count):
            call_recorded(
                agent, alfa, starts_at=at(day, 10, minute), contacts=[anna],
                products=[ProductFactory()],
            )  # fmt: skip

    add(2, 1)
    few = queries()
    add(10, 2)
    assert queries() == few


def test_the_task_list_makes_the_same_queries_for_2_and_12_tasks(agent, alfa) -> None:
    client = api_for(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/tasks/").status_code == 200
        return len(captured)

    for minute in range(2):
        call_recorded(agent, alfa, starts_at=at(1, 10, minute), next_in=timedelta(days=1))
    few = queries()
    for minute in range(10):
        call_recorded(agent, alfa, starts_at=at(2, 10, minute), next_in=timedelta(days=1))
    assert queries() == few


def test_the_schema_describes_the_activities_endpoints() -> None:
    paths = api_schema()["paths"]
    assert {path: sorted(paths[path]) for path in paths if "event" in path or "task" in path} == {
        "/api/v1/events/": ["get", "post"],
        "/api/v1/events/{id}/": ["get"],
        "/api/v1/event-types/": ["get"],
        "/api/v1/tasks/": ["get"],
        "/api/v1/tasks/{id}/": ["get"],
    }
    parameters = {p["name"] for p in paths["/api/v1/tasks/"]["get"]["parameters"]}
    assert parameters == {"assignee", "account", "state", "due_before", "due_after", "page"}
