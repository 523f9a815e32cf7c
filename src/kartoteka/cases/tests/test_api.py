from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kartoteka.cases import services
from kartoteka.cases.models import (
    Case,
    CaseGroup,
    CaseSettings,
    CaseType,
    Category,
    Priority,
    Status,
)
from kartoteka.people.models import User
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import api_schema
from kartoteka.testing.customers import AccountFactory, ContactFactory

CASES = "/api/v1/cases/"
IN_TWO_WEEKS = timezone.localdate() + dt.timedelta(days=14)


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def subjects(response) -> list[str]:
    return [row["subject"] for row in response.json()["results"]]


def named(obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "name": str(obj)}


def set_last_number(value: int) -> None:
    CaseSettings.objects.filter(pk=1).update(last_number=value)


def default(model: type[Any]) -> Any:
    return model.objects.get(is_default=True)


@pytest.fixture
def waiting(db: None) -> Status:
    return Status.objects.create(name="Waiting for parts", position=10, overdue_after_days=14)


@pytest.fixture
def hidden_case(support_team) -> Case:
    """A case of a restricted Support account: the outsider (Sales) must not see it."""
    return make_case("Tajna sprawa", account=AccountFactory(restricted=True, team=support_team))


# Who gets in


def test_case_list_leaves_out_a_case_of_a_restricted_account_of_another_team(
    outsider, hidden_case
) -> None:
    # given
    make_case("Jawna sprawa", account=AccountFactory())
    # when
    response = api_for(outsider).get(CASES)
    # then
    assert response.status_code == 200
    assert subjects(response) == ["Jawna sprawa"]


def test_case_list_shows_a_case_of_a_restricted_account_to_its_team(agent, hidden_case) -> None:
    # given
    make_case("Jawna sprawa", account=AccountFactory())
    # when
    response = api_for(agent).get(CASES)
    # then
    assert subjects(response) == ["Jawna sprawa", "Tajna sprawa"]


@pytest.mark.parametrize(
    "url",
    [
        CASES,
        "/api/v1/cases/{number}/",
        "/api/v1/cases/{number}/history/",
        "/api/v1/case-settings/",
        "/api/v1/case-settings/statuses/",
        "/api/v1/case-settings/priorities/",
    ],
)
def test_clerk_without_case_rights_is_refused_with_403(clerk, url: str) -> None:
    # given
    case = make_case()
    # when
    response = api_for(clerk).get(url.format(number=case.number))
    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}


def test_clerk_cannot_create_a_case(clerk) -> None:
    # when
    response = api_for(clerk).post(CASES, {"subject": "Nowa sprawa"}, format="json")
    # then
    assert response.status_code == 403
    assert Case.objects.exists() is False


def test_portal_user_is_refused_with_403(portal_user) -> None:
    # given
    portal_user.can_work_with_cases = True
    portal_user.save(update_fields=["can_work_with_cases"])
    token = Token.objects.create(user=portal_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    make_case()
    # when
    response = client.get(CASES)
    # then
    assert response.status_code == 403


def test_anonymous_request_is_a_401(db: None) -> None:
    # when
    response = APIClient().get(CASES)
    # then
    assert response.status_code == 401


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_outsider_gets_404_for_a_case_of_a_restricted_account(
    outsider, hidden_case, method: str
) -> None:
    # when
    response = getattr(api_for(outsider), method)(
        f"{CASES}{hidden_case.number}/", {"subject": "Zmiana"}, format="json"
    )
    # then
    assert response.status_code == 404
    assert Case.objects.get().subject == "Tajna sprawa"


def test_outsider_gets_404_for_the_history_of_a_hidden_case(outsider, hidden_case) -> None:
    # when
    response = api_for(outsider).get(f"{CASES}{hidden_case.number}/history/")
    # then
    assert response.status_code == 404


def test_unknown_number_is_a_404(agent) -> None:
    # when
    response = api_for(agent).get(f"{CASES}999999/")
    # then
    assert response.status_code == 404


# The list and its filters


def test_case_list_is_paged_by_fifty_newest_first(agent) -> None:
    # given
    set_last_number(0)
    for index in range(51):
        make_case(f"Sprawa {index + 1}")
    client = api_for(agent)
    # when
    first = client.get(CASES).json()
    second = client.get(CASES, {"page": 2}).json()
    # then
    assert (first["count"], len(first["results"]), first["previous"]) == (51, 50, None)
    assert first["next"] == "http://testserver/api/v1/cases/?page=2"
    assert first["results"][0]["number"] == 51
    assert (second["count"], second["next"]) == (51, None)
    assert second["previous"] == "http://testserver/api/v1/cases/"
    assert [row["number"] for row in second["results"]] == [1]


def test_case_list_filters_by_part_of_the_number(agent) -> None:
    # given
    for last, subject in [(1038, "A"), (3931, "B"), (5000, "C")]:
        set_last_number(last)
        make_case(subject)
    # when
    response = api_for(agent).get(CASES, {"number": "#39"})
    # then
    assert [(row["number"], row["subject"]) for row in response.json()["results"]] == [
        (3932, "B"),
        (1039, "A"),
    ]


def test_case_list_with_a_number_without_digits_is_a_400(agent) -> None:
    # given
    make_case()
    # when
    response = api_for(agent).get(CASES, {"number": "abc"})
    # then
    assert response.status_code == 400
    assert response.json() == {"number": ["Enter digits of the case number, e.g. 3932."]}


def test_case_list_filters_by_part_of_the_subject_ignoring_case(agent) -> None:
    # given
    make_case("Drukarka nie drukuje")
    make_case("Faktura za marzec")
    # when
    response = api_for(agent).get(CASES, {"subject": "DRUKARK"})
    # then
    assert subjects(response) == ["Drukarka nie drukuje"]


def test_case_list_filters_by_creator(agent, manager) -> None:
    # given
    make_case("Od agenta", by=agent)
    make_case("Od kierownika", by=manager)
    # when
    response = api_for(agent).get(CASES, {"created_by": manager.pk})
    # then
    assert subjects(response) == ["Od kierownika"]


@pytest.mark.parametrize(
    ("parameter", "model"),
    [
        ("case_type", CaseType),
        ("status", Status),
        ("priority", Priority),
        ("category", Category),
        ("group", CaseGroup),
    ],
)
def test_case_list_filters_by_a_lookup_value(agent, parameter: str, model: type[Any]) -> None:
    # given
    chosen = model.objects.create(name="Wybrana wartość", position=50)
    make_case("Z wybraną", **{parameter: chosen})
    make_case("Z domyślną")
    # when
    response = api_for(agent).get(CASES, {parameter: chosen.pk})
    # then
    assert subjects(response) == ["Z wybraną"]


def test_case_list_filters_by_customer(agent) -> None:
    # given
    budimex = AccountFactory(name="Budimex S.A.")
    make_case("Budimex", account=budimex)
    make_case("Inny klient", account=AccountFactory())
    make_case("Bez klienta")
    # when
    response = api_for(agent).get(CASES, {"account": budimex.pk})
    # then
    assert subjects(response) == ["Budimex"]


def test_case_list_filters_by_assignee(agent, supervisor) -> None:
    # given
    make_case("Dla agenta", assignee=agent)
    make_case("Dla kierownika zespołu", assignee=supervisor)
    make_case("Nieprzypisana")
    # when
    response = api_for(agent).get(CASES, {"assignee": agent.pk})
    # then
    assert subjects(response) == ["Dla agenta"]


def test_case_list_filters_by_a_creation_date_range(agent) -> None:
    # given
    for subject, day in [("Marzec", 10), ("Kwiecień", 11), ("Maj", 12)]:
        case = make_case(subject)
        moment = dt.datetime(2025, 3, day, 12, tzinfo=timezone.get_current_timezone())
        Case.objects.filter(pk=case.pk).update(created_at=moment)
    # when
    response = api_for(agent).get(CASES, {"created_from": "2025-03-11", "created_to": "2025-03-12"})
    # then
    assert subjects(response) == ["Maj", "Kwiecień"]


@pytest.mark.parametrize("quick_range", ["today", "week", "month"])
def test_case_list_filters_by_a_quick_range(agent, quick_range: str) -> None:
    # given
    old = make_case("Sprzed 40 dni")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    make_case("Dzisiejsza")
    # when
    response = api_for(agent).get(CASES, {"created": quick_range})
    # then
    assert subjects(response) == ["Dzisiejsza"]


def test_case_list_orders_by_subject(agent) -> None:
    # given
    for subject in ["Beta", "Alfa", "Gamma"]:
        make_case(subject)
    # when
    response = api_for(agent).get(CASES, {"ordering": "subject"})
    # then
    assert subjects(response) == ["Alfa", "Beta", "Gamma"]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (
            {"status": "999999"},
            {"status": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        (
            {"status": "x"},
            {"status": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        ({"created_from": "abc"}, {"created_from": ["Enter a valid date."]}),
        (
            {"created_from": "2025-03-12", "created_to": "2025-03-11"},
            {"created_to": ["The end of the range is before its start."]},
        ),
        (
            {"created": "year"},
            {"created": ["Select a valid choice. year is not one of the available choices."]},
        ),
        (
            {"ordering": "password"},
            {"ordering": ["Select a valid choice. password is not one of the available choices."]},
        ),
    ],
)
def test_case_list_rejects_a_bad_filter_with_400_naming_the_field(
    agent, query: dict[str, str], errors: dict[str, list[str]]
) -> None:
    # when
    response = api_for(agent).get(CASES, query)
    # then
    assert response.status_code == 400
    assert response.json() == errors


def test_case_list_filtered_by_a_hidden_customer_is_a_400_like_a_missing_one(
    outsider, hidden_case
) -> None:
    # when
    response = api_for(outsider).get(CASES, {"account": hidden_case.account_id})
    # then
    assert response.status_code == 400
    assert response.json() == {
        "account": ["Select a valid choice. That choice is not one of the available choices."]
    }


# One case


def test_case_detail_shows_every_field(agent, manager, waiting) -> None:
    # given
    set_last_number(3931)
    budimex = AccountFactory(name="Budimex S.A.")
    jan = ContactFactory(account=budimex, first_name="Jan", last_name="Kowalski")
    case = make_case(
        "Drukarka nie drukuje",
        by=manager,
        account=budimex,
        contacts=(jan,),
        description="Od wczoraj.",
        status=waiting,
        reporter=jan,
        assignee=agent,
        due_date=IN_TWO_WEEKS,
        annotation="Pilne dla zarządu",
    )
    # when
    response = api_for(agent).get(f"{CASES}3932/")
    # then
    body = response.json()
    created_at, updated_at = body.pop("created_at"), body.pop("updated_at")
    assert body == {
        "number": 3932,
        "subject": "Drukarka nie drukuje",
        "description": "Od wczoraj.",
        "status": {"id": waiting.pk, "name": "Waiting for parts"},
        "priority": named(default(Priority)),
        "case_type": named(default(CaseType)),
        "category": named(default(Category)),
        "group": named(default(CaseGroup)),
        "account": {"id": budimex.pk, "name": "Budimex S.A."},
        "contacts": [{"id": jan.pk, "name": "Jan Kowalski"}],
        "reporter": {"id": jan.pk, "name": "Jan Kowalski"},
        "assignee": {"id": agent.pk, "name": str(agent)},
        "created_by": {"id": manager.pk, "name": str(manager)},
        "due_date": IN_TWO_WEEKS.isoformat(),
        "annotation": "Pilne dla zarządu",
        "overdue_since": None,
        "notify": False,
        "notify_reporter": True,
        "notify_contact": None,
        "notify_addresses": "",
        "notify_text": "",
        "url": "http://testserver/cases/3932/",
    }
    assert (created_at[:19], updated_at[:19]) == (
        case.created_at.astimezone().isoformat()[:19],
        case.updated_at.astimezone().isoformat()[:19],
    )


# Creating


def test_create_case_with_a_subject_only_takes_the_default_of_every_list(agent) -> None:
    # given
    set_last_number(41)
    # when
    response = api_for(agent).post(CASES, {"subject": "  Nowa sprawa "}, format="json")
    # then
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.number, case.subject, case.created_by, case.account) == (
        42,
        "Nowa sprawa",
        agent,
        None,
    )
    body = response.json()
    assert (body["number"], body["status"], body["priority"]) == (
        42,
        named(default(Status)),
        named(default(Priority)),
    )
    assert (body["case_type"], body["category"], body["group"]) == (
        named(default(CaseType)),
        named(default(Category)),
        named(default(CaseGroup)),
    )


def test_create_case_with_every_field(agent, waiting) -> None:
    # given
    budimex = AccountFactory(name="Budimex S.A.")
    jan = ContactFactory(account=budimex, first_name="Jan", last_name="Kowalski")
    high = Priority.objects.create(name="Krytyczny", position=9)
    # when
    response = api_for(agent).post(
        CASES,
        {
            "subject": "Awaria serwera",
            "description": "Serwer nie wstaje.",
            "status": waiting.pk,
            "priority": high.pk,
            "case_type": None,
            "account": budimex.pk,
            "contacts": [jan.pk],
            "reporter": jan.pk,
            "assignee": agent.pk,
            "due_date": IN_TWO_WEEKS.isoformat(),
            "annotation": "VIP",
        },
        format="json",
    )
    # then
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.status, case.priority, case.case_type, case.category) == (
        waiting,
        high,
        None,
        default(Category),
    )
    assert (case.account, case.reporter, case.assignee, case.due_date, case.annotation) == (
        budimex,
        jan,
        agent,
        IN_TWO_WEEKS,
        "VIP",
    )
    assert list(case.contacts.all()) == [jan]


def test_create_case_for_an_account_the_user_cannot_see_says_it_does_not_exist(
    outsider, support_team
) -> None:
    # given
    hidden = AccountFactory(restricted=True, team=support_team)
    # when
    response = api_for(outsider).post(
        CASES, {"subject": "Nowa", "account": hidden.pk}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"account": [f'Invalid pk "{hidden.pk}" - object does not exist.']}
    assert Case.objects.exists() is False


def test_create_case_with_an_unknown_status_names_the_field(agent) -> None:
    # when
    response = api_for(agent).post(CASES, {"subject": "Nowa", "status": 999999}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"status": ['Invalid pk "999999" - object does not exist.']}


def test_create_case_with_a_status_of_the_wrong_type_names_the_field(agent) -> None:
    # when
    response = api_for(agent).post(CASES, {"subject": "Nowa", "status": "x"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"status": ["Incorrect type. Expected pk value, received str."]}


def test_create_case_with_a_contact_of_another_customer_is_refused_by_the_service(agent) -> None:
    # given
    budimex = AccountFactory(name="Budimex S.A.")
    stranger = ContactFactory(first_name="Anna", last_name="Nowak")
    # when
    response = api_for(agent).post(
        CASES,
        {"subject": "Nowa", "account": budimex.pk, "contacts": [stranger.pk]},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"contacts": ["Not contacts of Budimex S.A.: Anna Nowak."]}
    assert Case.objects.exists() is False


def test_create_case_without_a_subject_is_refused(agent) -> None:
    # when
    response = api_for(agent).post(CASES, {"subject": ""}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"subject": ["This field may not be blank."]}


def test_create_case_ignores_a_number_sent_by_the_client(agent) -> None:
    # given
    set_last_number(7)
    # when
    response = api_for(agent).post(CASES, {"subject": "Nowa", "number": 1}, format="json")
    # then
    assert (response.status_code, response.json()["number"]) == (201, 8)


# Changing


def test_patch_changes_the_status_only(agent, waiting) -> None:
    # given
    case = make_case("Drukarka", annotation="Zostaje")
    # when
    response = api_for(agent).patch(f"{CASES}{case.number}/", {"status": waiting.pk}, format="json")
    # then
    assert response.status_code == 200
    assert response.json()["status"] == {"id": waiting.pk, "name": "Waiting for parts"}
    case.refresh_from_db()
    assert (case.status, case.subject, case.annotation) == (waiting, "Drukarka", "Zostaje")


def test_patch_to_another_customer_is_refused(agent) -> None:
    # given
    budimex = AccountFactory(name="Budimex S.A.")
    case = make_case(account=budimex)
    other = AccountFactory()
    # when
    response = api_for(agent).patch(f"{CASES}{case.number}/", {"account": other.pk}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"account": ["The customer of a case cannot change."]}
    case.refresh_from_db()
    assert case.account == budimex


def test_patch_giving_a_customer_to_a_case_without_one_is_refused(agent) -> None:
    # given
    case = make_case()
    # when
    response = api_for(agent).patch(
        f"{CASES}{case.number}/", {"account": AccountFactory().pk}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"account": ["The customer of a case cannot change."]}


def test_put_with_the_same_customer_is_accepted(agent) -> None:
    # given
    budimex = AccountFactory(name="Budimex S.A.")
    case = make_case(account=budimex)
    # when
    response = api_for(agent).put(
        f"{CASES}{case.number}/", {"subject": "Nowy temat", "account": budimex.pk}, format="json"
    )
    # then
    assert response.status_code == 200
    assert (response.json()["subject"], response.json()["account"]["id"]) == (
        "Nowy temat",
        budimex.pk,
    )


def test_put_requires_the_subject(agent) -> None:
    # given
    case = make_case()
    # when
    response = api_for(agent).put(f"{CASES}{case.number}/", {"annotation": "x"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"subject": ["This field is required."]}


def test_patch_with_a_null_status_is_refused(agent) -> None:
    # given
    case = make_case()
    # when
    response = api_for(agent).patch(f"{CASES}{case.number}/", {"status": None}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"status": ["This field may not be null."]}


def test_patch_replaces_the_contacts(agent) -> None:
    # given
    budimex = AccountFactory()
    jan = ContactFactory(account=budimex, first_name="Jan", last_name="Kowalski")
    anna = ContactFactory(account=budimex, first_name="Anna", last_name="Nowak")
    case = make_case(account=budimex, contacts=(jan,))
    # when
    response = api_for(agent).patch(
        f"{CASES}{case.number}/", {"contacts": [anna.pk]}, format="json"
    )
    # then
    assert response.status_code == 200
    assert response.json()["contacts"] == [{"id": anna.pk, "name": "Anna Nowak"}]
    assert list(case.contacts.all()) == [anna]


def test_assigning_a_clerk_without_case_rights_is_refused(agent, clerk) -> None:
    # given
    case = make_case()
    # when
    response = api_for(agent).patch(f"{CASES}{case.number}/", {"assignee": clerk.pk}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"assignee": [f'Invalid pk "{clerk.pk}" - object does not exist.']}


# Deleting


def test_agent_may_not_delete_a_case(agent) -> None:
    # given
    case = make_case()
    # when
    response = api_for(agent).delete(f"{CASES}{case.number}/")
    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "Only managers and administrators may delete a case."}
    assert Case.objects.filter(pk=case.pk).exists() is True


@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_manager_and_admin_delete_a_case(db, request, persona: str) -> None:
    # given
    user = request.getfixturevalue(persona)
    case = make_case()
    # when
    response = api_for(user).delete(f"{CASES}{case.number}/")
    # then
    assert response.status_code == 204
    assert Case.objects.exists() is False
    assert Case.history.filter(number=case.number).latest().history_type == "-"


# History


def test_history_after_a_status_change_shows_the_old_and_new_names(agent, waiting) -> None:
    # given
    case = make_case(by=agent)
    before = default(Status)
    api_for(agent).patch(f"{CASES}{case.number}/", {"status": waiting.pk}, format="json")
    # when
    response = api_for(agent).get(f"{CASES}{case.number}/history/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    changed, created = body["results"]
    assert (changed["type"], changed["who"]) == ("changed", {"id": agent.pk, "name": str(agent)})
    assert changed["changes"] == [
        {
            "field": "status",
            "old": {"id": before.pk, "name": before.name},
            "new": {"id": waiting.pk, "name": "Waiting for parts"},
        }
    ]
    assert created["type"] == "created"
    assert {"field": "status", "old": None, "new": {"id": before.pk, "name": before.name}} in (
        created["changes"]
    )
    assert changed["when"] > created["when"]


def test_history_shows_contacts_assignee_and_plain_values(agent) -> None:
    # given
    budimex = AccountFactory()
    jan = ContactFactory(account=budimex, first_name="Jan", last_name="Kowalski")
    anna = ContactFactory(account=budimex, first_name="Anna", last_name="Nowak")
    case = make_case(account=budimex, contacts=(jan,))
    services.case_update(
        case=case,
        by=agent,
        data={"assignee": agent, "due_date": IN_TWO_WEEKS, "annotation": "VIP"},
        contacts=[anna, jan],
    )
    # when
    response = api_for(agent).get(f"{CASES}{case.number}/history/")
    # then
    contacts_change, fields_change, contacts_set, created = response.json()["results"]
    assert (contacts_change["type"], contacts_change["event"]) == ("event", "contacts_changed")
    assert contacts_change["changes"] == [
        {
            "field": "contacts",
            "old": [{"id": jan.pk, "name": "Jan Kowalski"}],
            "new": sorted(
                [{"id": jan.pk, "name": "Jan Kowalski"}, {"id": anna.pk, "name": "Anna Nowak"}],
                key=lambda contact: contact["id"],
            ),
        }
    ]
    assert fields_change["changes"] == [
        {"field": "assignee", "old": None, "new": {"id": agent.pk, "name": str(agent)}},
        {"field": "due_date", "old": None, "new": IN_TWO_WEEKS.isoformat()},
        {"field": "annotation", "old": "", "new": "VIP"},
    ]
    assert contacts_set["changes"] == [
        {"field": "contacts", "old": [], "new": [{"id": jan.pk, "name": "Jan Kowalski"}]}
    ]
    assert (created["type"], created["who"]) == ("created", None)


def test_history_pages_compare_the_last_entry_with_the_next_page(agent) -> None:
    # given
    case = make_case(by=agent)
    for index in range(1, 52):
        services.case_update(case=case, by=agent, data={"annotation": str(index)})
    client = api_for(agent)
    # when
    first = client.get(f"{CASES}{case.number}/history/").json()
    second = client.get(f"{CASES}{case.number}/history/", {"page": 2}).json()
    # then
    assert (first["count"], len(first["results"]), len(second["results"])) == (52, 50, 2)
    assert first["results"][0]["changes"] == [{"field": "annotation", "old": "50", "new": "51"}]
    assert first["results"][-1]["changes"] == [{"field": "annotation", "old": "1", "new": "2"}]
    assert second["results"][0]["changes"] == [{"field": "annotation", "old": "", "new": "1"}]
    assert second["results"][1]["type"] == "created"


# Lookup lists and settings


def test_priorities_are_listed_in_their_order(agent) -> None:
    # given
    Priority.objects.all().delete()
    low = Priority.objects.create(name="Niski", position=2)
    urgent = Priority.objects.create(
        name="Pilny", names={"en": "Urgent"}, position=1, is_default=True
    )
    # when
    response = api_for(agent).get("/api/v1/case-settings/priorities/")
    # then
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": urgent.pk,
            "name": "Pilny",
            "names": {"en": "Urgent"},
            "local_name": "Urgent",
            "position": 1,
            "is_default": True,
        },
        {
            "id": low.pk,
            "name": "Niski",
            "names": {},
            "local_name": "Niski",
            "position": 2,
            "is_default": False,
        },
    ]


@pytest.mark.parametrize(
    ("segment", "model"),
    [("types", CaseType), ("categories", Category), ("groups", CaseGroup)],
)
def test_each_lookup_list_is_listed(agent, segment: str, model: type[Any]) -> None:
    # given
    model.objects.all().delete()
    value = model.objects.create(name="Jedyna", position=0, is_default=True)
    # when
    response = api_for(agent).get(f"/api/v1/case-settings/{segment}/")
    # then
    assert response.json() == [
        {
            "id": value.pk,
            "name": "Jedyna",
            "names": {},
            "local_name": "Jedyna",
            "position": 0,
            "is_default": True,
        }
    ]


def test_statuses_show_whether_they_close_a_case_and_when_it_is_overdue(agent, waiting) -> None:
    # when
    response = api_for(agent).get("/api/v1/case-settings/statuses/")
    # then
    assert response.status_code == 200
    assert response.json()[-1] == {
        "id": waiting.pk,
        "name": "Waiting for parts",
        "names": {},
        "local_name": "Waiting for parts",
        "position": 10,
        "is_default": False,
        "closes_case": False,
        "overdue_after_days": 14,
    }
    assert [row["closes_case"] for row in response.json()].count(True) == 1


def test_case_settings_show_the_prefix_and_the_statuses_for_mail(agent, waiting) -> None:
    # given
    CaseSettings.objects.filter(pk=1).update(prefix="ACME", incoming_status=waiting)
    reply = CaseSettings.objects.get().reply_status
    # when
    response = api_for(agent).get("/api/v1/case-settings/")
    # then
    assert response.json() == {
        "prefix": "ACME",
        "incoming_status": {"id": waiting.pk, "name": "Waiting for parts"},
        "reply_status": {"id": reply.pk, "name": reply.name},
    }


# Schema


def test_schema_lists_the_case_endpoints(db: None) -> None:
    # when
    paths = api_schema()["paths"]
    # then
    assert {path: sorted(methods) for path, methods in paths.items() if "case" in path} == {
        "/api/v1/cases/": ["get", "post"],
        "/api/v1/cases/{number}/": ["delete", "get", "patch", "put"],
        "/api/v1/cases/{number}/history/": ["get"],
        "/api/v1/cases/{number}/messages/": ["get", "post"],
        "/api/v1/cases/{number}/notes/": ["get", "post"],
        "/api/v1/cases/{number}/messages/{id}/": ["get"],
        "/api/v1/case-settings/": ["get"],
        "/api/v1/case-settings/priorities/": ["get"],
        "/api/v1/case-settings/types/": ["get"],
        "/api/v1/case-settings/categories/": ["get"],
        "/api/v1/case-settings/groups/": ["get"],
        "/api/v1/case-settings/statuses/": ["get"],
    }
    parameters = [parameter["name"] for parameter in paths["/api/v1/cases/"]["get"]["parameters"]]
    assert sorted(parameters) == [
        "account", "assignee", "case_type", "category", "created", "created_by", "created_from",
        "created_to", "customer", "following", "group", "number", "ordering", "overdue", "page",
        "priority", "status", "subject", "view",
    ]  # fmt: skip


# Query counts: a page costs the same whatever it holds.


@pytest.mark.parametrize("rows", [3, 20])
def test_case_list_query_count_does_not_grow_with_rows(
    agent, manager, django_assert_num_queries, rows: int
) -> None:
    # given
    for _index in range(rows):
        account = AccountFactory()
        jan = ContactFactory(account=account)
        make_case(by=manager, account=account, contacts=(jan,), reporter=jan, assignee=agent)
    client = api_for(agent)
    # when
    # count, cases with their lookups, people and customer, their contacts
    with django_assert_num_queries(8):
        response = client.get(CASES)
    # then
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("changes", [3, 20])
def test_case_history_query_count_does_not_grow_with_changes(
    agent, supervisor, waiting, django_assert_num_queries, changes: int
) -> None:
    # given
    account = AccountFactory()
    people = ContactFactory.create_batch(2, account=account)
    case = make_case(by=agent, account=account)
    statuses = [default(Status), waiting]
    for index in range(changes):
        services.case_update(
            case=case,
            by=agent,
            data={
                "status": statuses[index % 2],
                "assignee": [agent, supervisor][index % 2],
                "annotation": str(index),
            },
            contacts=people[: index % 2 + 1],
        )
    client = api_for(agent)
    # when
    # the case (with its contacts, notes and attachments), the records, the names of
    # statuses, priorities, types, categories, groups, contacts and users, events, notes
    with django_assert_num_queries(14):
        response = client.get(f"{CASES}{case.number}/history/")
    # then
    assert response.json()["count"] == 1 + 2 * changes
