"""Events in the global search: written when recorded, found by their type (in any language),
customer, texts, products and people; a confidential one only by whoever may see it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kartoteka.activities.models import Event
from kartoteka.core.search_index import index_count, index_remove
from kartoteka.search.selectors import global_search
from kartoteka.testing.activities import ProductFactory, at, call_recorded
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def event_titles(user, text: str) -> list[str]:
    result = global_search(user=user, text=text)
    return [
        found.hit.title for group in result.groups if group.kind == "event" for found in group.hits
    ]


def test_a_recorded_event_is_found_by_its_texts_products_and_people(agent) -> None:
    # given
    alfa = AccountFactory(name="Alfa Druk")
    anna = ContactFactory(account=alfa, first_name="Anna", last_name="Wiśniewska")
    toner = ProductFactory(name="Toner Laserowy", code="TL-7")
    call_recorded(
        agent,
        alfa,
        starts_at=at(1, 10),
        description="Pytanie o rabat",
        result="Zamówią w styczniu",
        contacts=[anna],
        products=[toner],
        thread_title="Odnowienie umowy",
    )
    # then: each text finds it, written without Polish letters
    for text in (
        "rabat",
        "zamowia styczniu",
        "wisniewska",
        "toner",
        "TL-7",
        "odnowienie",
        "alfa druk",
    ):
        assert event_titles(agent, text) == ["📞 Phone call: Alfa Druk"], text
    assert index_count("event") == 1


@pytest.mark.parametrize("language", ["pl", "cs", "en"])
def test_the_type_is_found_by_its_name_in_every_language(agent, language) -> None:
    # given: the name a user of that language reads
    with translation.override(language):
        name = translation.gettext("Phone call")
    call_recorded(agent, AccountFactory(name="Beta"), starts_at=at(1, 10))
    # then
    assert event_titles(agent, name) == ["📞 Phone call: Beta"]


@pytest.mark.parametrize(
    ("persona", "found"),
    [("agent", True), ("supervisor", True), ("admin", True), ("outsider", False), ("clerk", False)],
)
def test_a_confidential_event_is_found_only_by_who_may_see_it(
    request, persona, found, agent
) -> None:
    # given: the agent's confidential call
    call_recorded(
        agent, AccountFactory(name="Gamma"), starts_at=at(1, 10), result="Tajny rabat Zebra",
        confidential=True,
    )  # fmt: skip
    user = request.getfixturevalue(persona)
    # when: the search page
    html = client_for(user).get(reverse("search:search"), {"q": "zebra"}).text
    # then: neither the title nor the excerpt for whoever may not see it
    assert ("Tajny rabat" in html) is found
    assert ("Gamma" in html) is found
    assert event_titles(user, "zebra") == (["📞 Phone call: Gamma"] if found else [])


def test_an_event_of_a_restricted_customer_is_not_found_by_an_outsider(
    agent, outsider, support_team
) -> None:
    secret = AccountFactory(name="Delta", restricted=True, team=support_team)
    call_recorded(agent, secret, starts_at=at(1, 10), result="Negocjacje Kappa")
    assert event_titles(agent, "kappa") == ["📞 Phone call: Delta"]
    assert event_titles(outsider, "kappa") == []


def test_the_search_page_lists_events_as_a_group_of_their_own(agent) -> None:
    call_recorded(agent, AccountFactory(name="Epsilon"), starts_at=at(1, 10), result="Omega")
    html = client_for(agent).get(reverse("search:search"), {"q": "omega"}).text
    assert '<h2 id="search-group-event">Events</h2>' in html


def test_search_rebuild_writes_the_events_again(agent, capsys) -> None:
    # given: an event whose entry was lost
    event = call_recorded(agent, AccountFactory(name="Zeta"), starts_at=at(1, 10), result="Sigma")
    index_remove("event", [event.pk])
    with pytest.raises(CommandError, match="out of step: event"):
        call_command("search_rebuild", "--check", kind=["event"])
    # when
    call_command("search_rebuild", kind=["event"])
    # then
    assert event_titles(agent, "sigma") == ["📞 Phone call: Zeta"]
    call_command("search_rebuild", "--check", kind=["event"])
    assert "event: 1 entries, 1 objects" in capsys.readouterr().out


def test_the_search_makes_the_same_queries_for_2_and_20_events_found(agent) -> None:
    account = AccountFactory(name="Eta")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            global_search(user=agent, text="lambda", kind="event", per_kind=50)
        return len(captured)

    for minute in range(2):
        call_recorded(agent, account, starts_at=at(1, 10, minute), result="Lambda")
    few = queries()
    for minute in range(18):
        call_recorded(agent, account, starts_at=at(2, 10, minute), result="Lambda")
    assert Event.objects.count() == 20
    assert queries() == few
