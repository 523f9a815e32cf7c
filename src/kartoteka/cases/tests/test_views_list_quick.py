"""The case list's quick views (mine, unassigned, open, followed) and the filter by several
statuses at once, which the list, the CSV export and bulk deletion all follow."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from kartoteka.cases.following import case_follow
from kartoteka.cases.models import Status
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("cases:case-list")
EXPORT_URL = reverse("cases:case-export")


def status(name: str) -> Status:
    return Status.objects.get(name=name)


def listed(response) -> list[str]:
    return [case.subject for case in response.context["page_obj"].object_list]


def exported(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]]


@pytest.fixture
def four_cases(agent, manager):
    """Mine (open), Mine closed, Nobody's (open) and the manager's, which the agent follows."""
    make_case("Moja otwarta", by=agent, assignee=agent, status=status("Open"))
    make_case("Moja zamknięta", by=agent, assignee=agent, status=status("Closed"))
    make_case("Niczyja", by=manager, status=status("Waiting for customer"))
    followed = make_case("Kierownika", by=manager, assignee=manager, status=status("New"))
    case_follow(case=followed, user=agent)


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", ["Moja otwarta"]),
        ("unassigned", ["Niczyja"]),
        ("open", ["Kierownika", "Niczyja", "Moja otwarta"]),
        ("followed", ["Kierownika"]),
        ("", ["Kierownika", "Niczyja", "Moja zamknięta", "Moja otwarta"]),
    ],
)
def test_quick_view_shows_only_its_cases(agent, four_cases, view, expected):
    # when
    response = client_for(agent).get(LIST_URL, {"view": view})

    # then: newest first, as the list sorts
    assert listed(response) == expected


def test_quick_views_are_links_and_the_current_one_is_marked(agent, four_cases):
    # when
    response = client_for(agent).get(LIST_URL, {"view": "mine"})

    # then
    assert f'<a href="{LIST_URL}?view=mine" aria-current="page">Mine</a>' in response.text
    assert f'<a href="{LIST_URL}?view=unassigned" >Unassigned</a>' in response.text
    # and the filter form keeps the view when other filters change
    assert '<input type="hidden" name="view" value="mine">' in response.text


def test_an_unknown_quick_view_says_what_is_wrong(agent, four_cases):
    # when
    response = client_for(agent).get(LIST_URL, {"view": "wszystkie"})

    # then
    assert listed(response) == []
    assert "View: Select a valid choice. wszystkie is not one of the available choices." in (
        response.text
    )


def test_status_filter_takes_several_statuses(agent, four_cases):
    # when
    response = client_for(agent).get(LIST_URL, {"status": [status("Open").pk, status("Closed").pk]})

    # then
    assert listed(response) == ["Moja zamknięta", "Moja otwarta"]
    assert 'name="status" id="id_status" multiple' in response.text


def test_status_filter_with_a_status_that_does_not_exist_says_so(agent, four_cases):
    # when
    response = client_for(agent).get(LIST_URL, {"status": [status("Open").pk, 999999]})

    # then
    assert listed(response) == []
    assert (
        "Status: Select a valid choice. That choice is not one of the available choices."
        in response.text
    )


def test_export_follows_several_statuses_and_the_quick_view(agent, four_cases):
    # when
    response = client_for(agent).get(
        EXPORT_URL, {"status": [status("Open").pk, status("Closed").pk], "view": "mine"}
    )

    # then
    assert exported(response) == ["Moja otwarta"]


def test_bulk_delete_confirmation_names_the_statuses_and_the_view(manager, four_cases):
    # when
    response = client_for(manager).get(
        reverse("cases:case-bulk-delete"),
        {"scope": "matching", "status": [status("Open").pk, status("New").pk], "view": "open"},
    )

    # then
    assert response.context["count"] == 2
    assert ("Status", "Open, New") in response.context["summary"] or (
        "Status",
        "New, Open",
    ) in response.context["summary"]
    assert ("View", "Open") in response.context["summary"]


def test_outsider_sees_no_unassigned_case_of_a_restricted_account(outsider, support_team):
    # given
    make_case("Tajna", account=AccountFactory(restricted=True, team=support_team))
    make_case("Jawna", account=AccountFactory())

    # when
    response = client_for(outsider).get(LIST_URL, {"view": "unassigned"})

    # then
    assert listed(response) == ["Jawna"]


@pytest.mark.parametrize("rows", [3, 20])
def test_quick_view_query_count_does_not_grow_with_rows(agent, rows, django_assert_num_queries):
    # given
    for n in range(rows):
        make_case(f"Sprawa {n}", by=agent, assignee=agent)
    client = client_for(agent)
    new = status("New").pk

    # when / then: as the plain list (session, user, count, page, the filters' choices), and
    # one more to check that the chosen statuses exist
    with django_assert_num_queries(17):
        response = client.get(LIST_URL, {"view": "mine", "status": new})
    assert len(listed(response)) == rows
