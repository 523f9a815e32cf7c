from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kartoteka.cases.models import Case, CaseGroup, CaseType, Category, Priority, Status
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("cases:case-list")
DELETE_URL = reverse("cases:case-bulk-delete")
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


def listed(response) -> list[str]:
    return [case.subject for case in response.context["page_obj"].object_list]


def named(model, name: str):
    return model.objects.get(name=name)


def created_at(case: Case, moment: dt.datetime) -> None:
    Case.objects.filter(pk=case.pk).update(created_at=moment)


# Filters


@pytest.fixture
def two_cases(agent, manager):
    """Alfa and Beta, different in every filtered property."""
    alfa = make_case(
        "Alfa awaria drukarki",
        by=agent,
        account=AccountFactory(name="Alfa sp. z o.o."),
        status=named(Status, "Open"),
        priority=named(Priority, "High"),
        case_type=named(CaseType, "Problem"),
        category=named(Category, "Technical"),
        group=named(CaseGroup, "Sales"),
        assignee=agent,
    )
    beta = make_case("Beta faktura", by=manager, account=AccountFactory(name="Beta S.A."))
    return alfa, beta


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("subject", "AWARIA"),
        ("status", lambda: named(Status, "Open").pk),
        ("priority", lambda: named(Priority, "High").pk),
        ("case_type", lambda: named(CaseType, "Problem").pk),
        ("category", lambda: named(Category, "Technical").pk),
        ("group", lambda: named(CaseGroup, "Sales").pk),
        ("account", lambda: Case.objects.get(subject__startswith="Alfa").account_id),
        ("assignee", lambda: Case.objects.get(subject__startswith="Alfa").assignee_id),
        ("created_by", lambda: Case.objects.get(subject__startswith="Alfa").created_by_id),
    ],
)
def test_each_filter_keeps_only_the_matching_case(agent, two_cases, param, value):
    # given
    value = value() if callable(value) else value

    # when
    response = client_for(agent).get(LIST_URL, {param: value})

    # then
    assert response.status_code == 200
    assert listed(response) == ["Alfa awaria drukarki"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ŁÓDŹ", ["Awaria"]),
        ("lodz", ["Awaria"]),
        ("łódź", ["Awaria"]),
        pytest.param("ą" * 1000, [], id="a-ogonek-x1000"),
    ],
)
def test_customer_filter_ignores_letter_case_and_polish_accents(agent, text, expected):
    # given
    make_case("Awaria", by=agent, account=AccountFactory(name="Łódź Serwis"))
    make_case("Faktura", by=agent, account=AccountFactory(name="Gdańsk Serwis"))

    # when
    response = client_for(agent).get(LIST_URL, {"customer": text})

    # then
    assert response.status_code == 200
    assert listed(response) == expected


def test_number_filter_finds_part_of_the_number_typed_as_a_tag(agent):
    # given
    cases = {n: make_case(f"Sprawa {n}") for n in range(1, 13)}

    # when
    response = client_for(agent).get(LIST_URL, {"number": "[KART#1"})

    # then: 12, 11, 10 and 1 contain the digit 1
    assert listed(response) == ["Sprawa 12", "Sprawa 11", "Sprawa 10", "Sprawa 1"]
    assert cases[12].number == 12


def test_created_range_includes_both_days_in_the_users_time_zone(agent):
    # given
    before = make_case("Przed")
    first = make_case("Pierwszego")
    last = make_case("Ostatniego")
    after = make_case("Po")
    created_at(before, dt.datetime(2026, 3, 31, 23, 59, tzinfo=WARSAW))
    created_at(first, dt.datetime(2026, 4, 1, 0, 0, tzinfo=WARSAW))
    created_at(last, dt.datetime(2026, 4, 30, 23, 59, tzinfo=WARSAW))
    created_at(after, dt.datetime(2026, 5, 1, 0, 0, tzinfo=WARSAW))
    agent.time_zone = "Europe/Warsaw"
    agent.save(update_fields=["time_zone"])

    # when
    response = client_for(agent).get(
        LIST_URL, {"created_from": "2026-04-01", "created_to": "2026-04-30"}
    )

    # then
    assert listed(response) == ["Ostatniego", "Pierwszego"]


@pytest.mark.parametrize(
    ("quick", "expected"),
    [
        ("today", ["Dziś"]),
        ("week", ["Dziś", "W tym tygodniu"]),
        ("month", ["Dziś", "W tym tygodniu", "W tym miesiącu"]),
    ],
)
def test_quick_ranges_start_today_on_monday_and_on_the_first(agent, quick, expected):
    # given: "now" is Thursday 2026-04-16, noon, in Warsaw
    now = dt.datetime(2026, 4, 16, 12, 0, tzinfo=WARSAW)
    for subject, moment in [
        ("Dziś", now),
        ("W tym tygodniu", dt.datetime(2026, 4, 13, 0, 1, tzinfo=WARSAW)),
        ("W tym miesiącu", dt.datetime(2026, 4, 1, 0, 1, tzinfo=WARSAW)),
        ("W zeszłym miesiącu", dt.datetime(2026, 3, 31, 23, 59, tzinfo=WARSAW)),
    ]:
        created_at(make_case(subject), moment)

    # when
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: now)
        response = client_for(agent).get(LIST_URL, {"created": quick, "ordering": "-created_at"})

    # then
    assert listed(response) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "999999"}, "Status: Select a valid choice."),
        ({"created_from": "abc"}, "Created from: Enter a valid date."),
        ({"number": "x"}, "Number: Enter digits of the case number, e.g. 3932."),
        (
            {"created_from": "2026-05-02", "created_to": "2026-05-01"},
            "Created to: The end of the range is before its start.",
        ),
        ({"created": "yesterday"}, "Created: Select a valid choice."),
    ],
)
def test_invalid_filter_says_what_is_wrong_and_lists_nothing(agent, params, message):
    # given
    make_case("Widoczna")

    # when
    response = client_for(agent).get(LIST_URL, params)

    # then
    assert response.status_code == 200
    assert listed(response) == []
    assert message in response.text
    assert "a filter is not valid; correct it or clear the filters" in response.text


def test_sorting_by_subject_descending(agent):
    # given
    for subject in ["Beta", "Alfa", "Gamma"]:
        make_case(subject)

    # when
    response = client_for(agent).get(LIST_URL, {"ordering": "-subject"})

    # then
    assert listed(response) == ["Gamma", "Beta", "Alfa"]


def test_list_shows_the_number_tag_pills_and_customer_link(agent):
    # given
    account = AccountFactory(name="Alfa")
    case = make_case("Drukarka", account=account, annotation="Pilne dla zarządu")

    # when
    response = client_for(agent).get(LIST_URL)

    # then
    assert f'<a class="case-tag" href="/cases/{case.number}/">#{case.number}</a>' in response.text
    assert '<span class="pill">New</span>' in response.text
    assert '<span class="pill pill-priority">Normal</span>' in response.text
    assert f'<a href="{account.get_absolute_url()}">Alfa</a>' in response.text
    assert "<td>Pilne dla zarządu</td>" in response.text


def test_list_pages_by_50(agent):
    # given
    for n in range(55):
        make_case(f"Sprawa {n}")

    # when
    response = client_for(agent).get(LIST_URL, {"page": 2})

    # then
    assert len(listed(response)) == 5
    assert "Page 2 of 2" in response.text
    assert "55 cases" in response.text


def test_htmx_request_gets_only_the_results_partial(agent):
    # given
    make_case("Alfa")

    # when
    response = client_for(agent).get(LIST_URL, {"subject": "Alf"}, headers={"HX-Request": "true"})

    # then
    assert response.text.lstrip().startswith('<div id="results" class="results">')
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"].split(", ")


def test_filter_form_pushes_its_state_to_the_url(agent):
    # when
    response = client_for(agent).get(LIST_URL)

    # then
    assert 'hx-push-url="true"' in response.text
    assert f'<a href="{LIST_URL}">Clear</a>' in response.text


def test_export_and_bulk_links_carry_the_filter(manager):
    # given
    make_case("Alfa")

    # when
    response = client_for(manager).get(LIST_URL, {"subject": "Alfa", "page": "1"})

    # then
    assert f'action="{reverse("cases:case-export")}"' in response.text
    assert '<input type="hidden" name="subject" value="Alfa">' in response.text
    assert f'href="{DELETE_URL}?subject=Alfa&amp;scope=matching"' in response.text


def test_empty_list_says_how_to_add_a_case(agent):
    # when
    response = client_for(agent).get(LIST_URL)

    # then
    create_url = reverse("cases:case-create")
    assert f'No cases yet — <a href="{create_url}">add one</a>.' in response.text


def _populate(count: int) -> None:
    account = AccountFactory()
    assignee = UserFactory(can_work_with_cases=True)
    for n in range(count):
        make_case(f"Sprawa {n}", account=account, assignee=assignee)


@pytest.mark.parametrize("rows", [5, 40])
def test_list_query_count_does_not_grow_with_rows(manager, rows, django_assert_num_queries):
    # given
    _populate(rows)
    client = client_for(manager)

    # when / then: session, user, count, page with its relations, and the choices of the
    # type, status, priority, category and group filters (customer, assignee and created-by
    # are pickers: nothing to read when none is chosen)
    with django_assert_num_queries(16):
        response = client.get(LIST_URL)
    assert len(listed(response)) == rows


@pytest.mark.parametrize("rows", [5, 40])
def test_htmx_list_query_count_does_not_grow_with_rows(manager, rows, django_assert_num_queries):
    # given
    _populate(rows)
    client = client_for(manager)

    # when / then: session, user, count, page
    with django_assert_num_queries(9):
        response = client.get(LIST_URL, headers={"HX-Request": "true"})
    # and what came back is the results fragment with every row, not the page
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results" class="results">')
    assert "<html" not in response.text
    assert response.text.count('class="case-tag"') == rows
    assert "Sprawa 0" in response.text


# Access


def test_outsider_does_not_see_cases_of_a_restricted_account_of_another_team(
    outsider, support_team
):
    # given
    make_case("Jawna", account=AccountFactory())
    make_case("Tajna", account=AccountFactory(restricted=True, team=support_team))

    # when
    response = client_for(outsider).get(LIST_URL)

    # then
    assert listed(response) == ["Jawna"]
    assert "Tajna" not in response.text


@pytest.mark.parametrize("persona", ["clerk", "portal_user"])
@pytest.mark.parametrize("url", [LIST_URL, reverse("cases:case-export"), DELETE_URL])
def test_users_without_case_rights_get_404(request, persona, url):
    # given
    user = request.getfixturevalue(persona)

    # when
    response = client_for(user).get(url)

    # then
    assert response.status_code == 404


def test_anonymous_user_is_sent_to_login(client):
    # when
    response = client.get(LIST_URL)

    # then
    assert response.status_code == 302
    assert response.url == f"/login/?next={LIST_URL}"


def test_agent_sees_no_delete_actions(agent):
    # given
    make_case()

    # when
    response = client_for(agent).get(LIST_URL)

    # then
    assert "Delete selected" not in response.text
    assert 'name="selected"' not in response.text


# Bulk delete


@pytest.mark.parametrize("method", ["get", "post"])
def test_agent_may_not_bulk_delete(agent, method):
    # given
    case = make_case()

    # when
    response = getattr(client_for(agent), method)(
        DELETE_URL, {"scope": "selected", "selected": case.number, "confirmed": "1", "count": 1}
    )

    # then
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_delete_selected_asks_first_stating_how_many(manager):
    # given
    first, second, _third = make_case("A"), make_case("B"), make_case("C")

    # when
    response = client_for(manager).post(
        DELETE_URL, {"scope": "selected", "selected": [first.number, second.number]}
    )

    # then
    assert response.status_code == 200
    assert "Delete the 2 selected cases?" in response.text
    assert '<input type="hidden" name="count" value="2">' in response.text
    assert Case.objects.count() == 3


def test_delete_selected_after_confirmation(manager):
    # given
    first, second, third = make_case("A"), make_case("B"), make_case("C")

    # when
    response = client_for(manager).post(
        DELETE_URL,
        {
            "scope": "selected",
            "selected": [first.number, third.number],
            "count": "2",
            "confirmed": "1",
        },
        follow=True,
    )

    # then
    assert list(Case.objects.values_list("subject", flat=True)) == ["B"]
    assert "2 cases deleted." in response.text
    assert second.number in Case.objects.values_list("number", flat=True)


def test_delete_with_nothing_selected_says_so(manager):
    # when
    response = client_for(manager).post(DELETE_URL, {"scope": "selected"}, follow=True)

    # then
    assert "Select the cases to delete first." in response.text


def test_delete_matching_confirmation_states_the_count_and_the_filter(manager):
    # given
    for subject in ["Awaria 1", "Awaria 2", "Faktura"]:
        make_case(subject, status=named(Status, "Open"))

    # when
    response = client_for(manager).get(
        DELETE_URL, {"scope": "matching", "subject": "awaria", "status": named(Status, "Open").pk}
    )

    # then
    assert "Delete all 2 cases matching the filter?" in response.text
    assert "<dt>Subject</dt><dd>awaria</dd><dt>Status</dt><dd>Open</dd>" in response.text
    assert '<input type="hidden" name="subject" value="awaria">' in response.text
    assert '<input type="hidden" name="count" value="2">' in response.text


def test_delete_matching_deletes_exactly_the_filtered_set(manager):
    # given
    opened = named(Status, "Open")
    make_case("Awaria 1", status=opened)
    make_case("Awaria 2", status=opened)
    make_case("Awaria 3")  # another status
    make_case("Faktura", status=opened)

    # when
    response = client_for(manager).post(
        DELETE_URL,
        {
            "scope": "matching",
            "subject": "awaria",
            "status": opened.pk,
            "count": "2",
            "confirmed": "1",
        },
    )

    # then
    assert response.status_code == 302
    assert sorted(Case.objects.values_list("subject", flat=True)) == ["Awaria 3", "Faktura"]
    deleted_by = Case.history.filter(history_type="-").values_list("history_user__username")
    assert list(deleted_by) == [("manager",), ("manager",)]


def test_delete_matching_asks_again_when_the_count_changed(manager):
    # given: the manager saw 1 matching case; another arrived since
    make_case("Awaria 1")
    make_case("Awaria 2")

    # when
    response = client_for(manager).post(
        DELETE_URL, {"scope": "matching", "subject": "awaria", "count": "1", "confirmed": "1"}
    )

    # then
    assert response.status_code == 200
    assert (
        "The cases changed meanwhile: you confirmed 1, now there are 2. "
        "Check them and confirm again."
    ) in response.text
    assert '<input type="hidden" name="count" value="2">' in response.text
    assert Case.objects.count() == 2


def test_delete_matching_with_an_invalid_filter_deletes_nothing(manager):
    # given
    make_case("Awaria")

    # when
    response = client_for(manager).post(
        DELETE_URL, {"scope": "matching", "created_from": "abc", "count": "1", "confirmed": "1"}
    )

    # then
    assert response.status_code == 400
    assert "Created from: Enter a valid date." in response.text
    assert Case.objects.count() == 1
