"""The merge page: choose the target, confirm with both cases, merge."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kartoteka.mail.models import Message
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory


def merge_url(case) -> str:
    return reverse("desk:case-merge", args=[case.number])


def toasts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def hidden_account(support_team):
    return AccountFactory(name="Tajny Klient", restricted=True, team=support_team)


def test_the_merge_page_finds_cases_and_confirms_with_both(agent) -> None:
    # given
    source, target = make_case("Drukarka"), make_case("Drukarka w biurze")
    client = client_for(agent)
    # when
    found = client.get(merge_url(source), {"q": "drukarka"})
    confirm = client.get(merge_url(source), {"target": target.number})
    # then
    assert found.context["cases"] == [target]
    content = confirm.content.decode()
    assert f"Merge into case #{target.number}" in content
    assert "Drukarka w biurze" in content


def test_the_htmx_search_answers_with_the_results_only(agent) -> None:
    source, _target = make_case("Drukarka"), make_case("Drukarka w biurze")
    response = client_for(agent).get(
        merge_url(source), {"q": "biurze"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().lstrip().startswith('<div id="case-results"')


def test_merging_from_the_page(agent) -> None:
    # given
    source, target = make_case("A"), make_case("B")
    Message.objects.create(
        case=source,
        direction=Message.Direction.INBOUND,
        state=Message.State.PLACED,
        message_id="m@x",
        raw_sha256="0" * 64,
    )
    # when
    response = client_for(agent).post(merge_url(source), {"target": target.number})
    # then
    assert response.url == target.get_absolute_url()
    assert toasts(response) == [f"Case #{source.number} merged into this case. 1 message moved."]
    source.refresh_from_db()
    assert source.merged_into_id == target.pk


def test_the_confirmation_of_cases_of_different_customers_says_why_not(agent) -> None:
    source = make_case("A", account=AccountFactory())
    target = make_case("B", account=AccountFactory())
    response = client_for(agent).get(merge_url(source), {"target": target.number})
    assert "belong to different customers" in response.context["problem"]
    posted = client_for(agent).post(merge_url(source), {"target": target.number})
    assert posted.status_code == 400
    source.refresh_from_db()
    assert source.merged_into_id is None


def test_merging_into_itself_is_refused(agent) -> None:
    case = make_case("A")
    response = client_for(agent).post(merge_url(case), {"target": case.number})
    assert response.status_code == 400
    assert "A case cannot be merged into itself." in response.content.decode()


@pytest.mark.parametrize("which", ["hidden", "missing"])
def test_merging_into_a_hidden_or_missing_case_is_refused(outsider, hidden_account, which) -> None:
    source = make_case("Jawna")
    hidden = make_case("Tajna", account=hidden_account)
    number = hidden.number if which == "hidden" else 999_999
    response = client_for(outsider).post(merge_url(source), {"target": number})
    assert response.status_code == 400
    hidden.refresh_from_db()
    source.refresh_from_db()
    assert (source.merged_into_id, hidden.events.count()) == (None, 0)


def test_a_hidden_case_cannot_be_merged_away(outsider, hidden_account) -> None:
    source = make_case("Tajna", account=hidden_account)
    target = make_case("Jawna")
    assert client_for(outsider).get(merge_url(source)).status_code == 404
    assert (
        client_for(outsider).post(merge_url(source), {"target": target.number}).status_code == 404
    )


def test_clerk_is_refused(clerk) -> None:
    source, target = make_case("A"), make_case("B")
    assert client_for(clerk).post(merge_url(source), {"target": target.number}).status_code == 404


@pytest.mark.parametrize("persona", ["agent", "supervisor", "manager", "admin"])
def test_case_workers_open_the_merge_page(db, request, persona) -> None:
    case = make_case("A")
    assert client_for(request.getfixturevalue(persona)).get(merge_url(case)).status_code == 200
