"""The search page and the top bar's search box."""

from __future__ import annotations

import pytest

from kartoteka.customers.services import contact_create
from kartoteka.documents.tests.conftest import make_document
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory

pytestmark = pytest.mark.django_db


def test_every_staff_page_has_the_search_box_in_the_top_bar(agent) -> None:
    page = client_for(agent).get("/customers/")

    assert b'<form class="topbar-search" method="get" action="/search/" role="search">' in (
        page.content
    )


def test_the_page_shows_hits_grouped_and_linked_to_their_objects(agent) -> None:
    case = make_case("Przesyłka uszkodzona", by=agent)
    contact = contact_create(by=agent, data={"first_name": "Piotr", "last_name": "Przesyłka"})

    page = client_for(agent).get("/search/", {"q": "przesylka"})

    assert page.status_code == 200
    assert [group.kind for group in page.context["result"].groups] == ["case", "contact"]
    html = page.content.decode()
    assert f'<a href="/cases/{case.number}/">#{case.number} Przesyłka uszkodzona</a>' in html
    assert f'<a href="/customers/contacts/{contact.pk}/">Piotr Przesyłka</a>' in html


def test_a_kinds_own_page_lists_more_of_that_kind(agent) -> None:
    for number in range(7):
        make_case(f"Toner {number}", by=agent)

    page = client_for(agent).get("/search/", {"q": "toner", "kind": "case"})

    assert len(page.context["result"].groups[0].hits) == 7


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", ""),
        ("   ", ""),
        ("a", "Type at least 2 letters or digits to search."),
        ('"', "Type at least 2 letters or digits to search."),
        ("*", "Type at least 2 letters or digits to search."),
        ("-", "Type at least 2 letters or digits to search."),
        ("x" * 10_000, "Only the beginning of the search text was used."),
        ("drukarka " * 50, "Only the beginning of the search text was used."),
    ],
)
def test_empty_short_and_long_searches_get_a_clear_answer(agent, text, problem) -> None:
    page = client_for(agent).get("/search/", {"q": text})

    assert (page.status_code, page.context["result"].problem) == (200, problem)


@pytest.mark.parametrize(
    "text",
    [
        'drukarka"',
        "druk*",
        "NEAR(drukarka",
        "drukarka OR",
        "-drukarka",
        "drukarka AND NOT",
        "drukarka\x00",
        "'; DROP TABLE core_searchentry; --",
        "drukarka:*",
        "drukarka & | ! <->",
        "{keys}: drukarka",
        "^drukarka",
    ],
)
def test_query_syntax_is_taken_as_plain_words(agent, text) -> None:
    # given a case whose subject holds every word of the queries
    case = make_case("Drukarka near or and not keys drop table core searchentry", by=agent)
    # when
    page = client_for(agent).get("/search/", {"q": text})
    # then the operators were words like any other
    assert page.status_code == 200
    hits = [found.hit.object_id for group in page.context["result"].groups for found in group.hits]
    assert hits == [case.pk]


def test_a_confidential_document_leaves_no_trace_on_the_page(agent, outsider) -> None:
    make_document(by=agent, account=AccountFactory(name="Drukpol"), title="Poufny aneks")

    mine = client_for(agent).get("/search/", {"q": "aneks"}).content.decode()
    make_document(
        by=agent, account=AccountFactory(name="Inny"), title="Tajny aneks", confidential=True
    )
    theirs = client_for(outsider).get("/search/", {"q": "tajny aneks"}).content.decode()

    assert "Poufny aneks" in mine
    assert "Tajny" not in theirs
    assert "Nothing found." in theirs


def test_the_page_is_for_staff_only(portal_user, client) -> None:
    assert client_for(portal_user).get("/search/", {"q": "x"}).status_code == 404
    assert client.get("/search/", {"q": "x"}).status_code == 302


def test_a_nul_in_the_search_is_dropped_from_the_page(agent) -> None:
    page = client_for(agent).get("/search/", {"q": "druk\x00arka"})

    assert (page.status_code, "\x00" in page.content.decode()) == (200, False)
    assert page.context["result"].text == "drukarka"
