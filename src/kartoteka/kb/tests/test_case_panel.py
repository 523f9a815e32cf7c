"""The knowledge base's panel on the case page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kartoteka.kb.models import CaseArticle
from kartoteka.testing.cases import make_case
from kartoteka.testing.clients import client_for
from kartoteka.testing.customers import AccountFactory
from kartoteka.testing.kb import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(agent):
    return make_case("Drukarka etykiet drukuje blado", by=agent)


@pytest.fixture
def hidden_case(support_team):
    return make_case("Tajna", account=AccountFactory(restricted=True, team=support_team))


def test_case_page_loads_the_panel_by_htmx(agent, case):
    page = client_for(agent).get(case.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("kb:case-panel", args=[case.number])}"' in page
    assert "kb/kb.js" in page


def test_panel_suggests_articles_for_the_subject(agent, case):
    article = make_article("Drukarka etykiet drukuje blado", "Wyczyść głowicę.")
    make_article("Duplikat faktury", "Podaj numer faktury.")
    response = client_for(agent).get(reverse("kb:case-panel", args=[case.number]))
    html = response.content.decode()
    assert f'data-kb-suggested="{article.pk}"' in html
    assert "Duplikat faktury" not in html


def test_insert_buttons_carry_text_and_public_link(agent, case):
    public = make_article("Drukarka etykiet drukuje blado", "**Wyczyść** głowicę <b>.")
    internal = make_article("Drukarka etykiet — wewnętrzne", visibility="internal")
    html = client_for(agent).get(reverse("kb:case-panel", args=[case.number])).content.decode()
    assert 'data-kb-insert="Wyczyść głowicę &lt;b&gt;."' in html
    assert f"http://testserver{public.public_url()}" in html
    assert internal.public_url() not in html  # an internal article offers its text only


def test_link_and_unlink(agent, case):
    article = make_article()
    client = client_for(agent)
    response = client.post(reverse("kb:case-link", args=[case.number]), {"article": article.pk})
    assert response.status_code == 200
    assert f'data-kb-linked="{article.pk}"' in response.content.decode()
    assert CaseArticle.objects.get().linked_by == agent
    client.post(reverse("kb:case-unlink", args=[case.number]), {"article": article.pk})
    assert not CaseArticle.objects.exists()


def test_picker_finds_articles_as_one_types(agent, case):
    make_article("Terminal płatniczy nie łączy się")
    html = (
        client_for(agent)
        .get(reverse("kb:case-picker", args=[case.number]), {"q": "termin"})
        .content.decode()
    )
    assert "Terminal płatniczy nie łączy się" in html


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "kb:case-panel", {}),
        ("get", "kb:case-picker", {"q": "x"}),
        ("post", "kb:case-link", {"article": "ARTICLE"}),
        ("post", "kb:case-unlink", {"article": "ARTICLE"}),
    ],
)
def test_outsider_gets_404_for_a_case_they_cannot_see(outsider, hidden_case, method, name, data):
    article = make_article()
    data = {key: article.pk if value == "ARTICLE" else value for key, value in data.items()}
    client = client_for(outsider)
    response = getattr(client, method)(reverse(name, args=[hidden_case.number]), data)
    assert response.status_code == 404
    assert not CaseArticle.objects.exists()


def test_linking_an_unknown_or_malformed_article_is_404(agent, case):
    client = client_for(agent)
    for value in ("999999", "abc", ""):
        response = client.post(reverse("kb:case-link", args=[case.number]), {"article": value})
        assert response.status_code == 404


def test_portal_user_gets_404_on_the_panel(portal_user, case):
    response = client_for(portal_user).get(reverse("kb:case-panel", args=[case.number]))
    assert response.status_code == 404


def test_link_needs_csrf(agent, case):
    from django.test import Client

    article = make_article()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("kb:case-link", args=[case.number]), {"article": article.pk})
    assert response.status_code == 403


def test_panel_queries_stay_flat(agent, case, django_assert_max_num_queries):
    for n in range(10):
        article = make_article(f"Drukarka etykiet {n}")
        make_article(f"Drukarka etykiet drukuje {n}")
        CaseArticle.objects.create(case=case, article=article, linked_by=agent)
    client = client_for(agent)
    with django_assert_max_num_queries(10):
        client.get(reverse("kb:case-panel", args=[case.number]))
