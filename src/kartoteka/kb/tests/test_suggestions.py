"""Suggestions: the distinctive words of a long text, visibility, and quality on the
labelled set."""

from __future__ import annotations

import pytest

from kartoteka.kb.models import Article
from kartoteka.kb.suggestions import articles_suggested
from kartoteka.kb.tests.labelled import LABELLED
from kartoteka.testing.kb import demo_articles, labelled_quality, make_article

pytestmark = pytest.mark.django_db


def test_labelled_set_is_large_enough_and_names_published_articles(admin):
    articles = demo_articles(admin)
    assert len(LABELLED) >= 40
    for _text, key in LABELLED:
        assert articles[key].status == Article.Status.PUBLISHED


def test_suggestions_find_the_right_article_on_the_labelled_set(admin):
    # given the demo knowledge base
    articles = demo_articles(admin)
    # when each labelled case text asks for suggestions
    quality = labelled_quality(admin, articles)
    # then the right article is among the first three for nearly all of them
    print(quality)
    assert quality.precision_at_3 >= 0.85, quality.misses
    assert quality.mrr >= 0.75


def _long_case_text() -> str:
    filler = (
        "Dzień dobry, piszę w imieniu naszego magazynu w sprawie, która od kilku dni "
        "utrudnia nam pracę i prosimy o pilną pomoc, bo kolejka zamówień rośnie. "
    )
    core = "Drukarka etykiet drukuje bardzo blado, widać białe pionowe paski na etykietach. "
    return (filler * 10 + core + filler * 10)[:2500]


def test_long_text_finds_the_article_by_its_distinctive_words(admin):
    make_article("Drukarka etykiet drukuje blado", "Wyczyść głowicę drukującą.")
    make_article("Zamówienia w magazynie", "Jak sprawdzić status zamówienia w magazynie.")
    found = articles_suggested(_long_case_text(), user=admin, limit=1)
    assert [article.title for article in found] == ["Drukarka etykiet drukuje blado"]


def test_suggestions_respect_visibility_and_publication(admin, portal_user):
    make_article("Terminal płatniczy — internal", visibility="internal")
    make_article("Terminal płatniczy — portal", visibility="portal")
    make_article("Terminal płatniczy — draft", status="draft", visibility="public")
    text = "terminal płatniczy nie działa"
    assert {a.title for a in articles_suggested(text, user=portal_user)} == {
        "Terminal płatniczy — portal"
    }
    assert {a.title for a in articles_suggested(text, user=None)} == set()
    assert {a.title for a in articles_suggested(text, user=admin)} == {
        "Terminal płatniczy — internal",
        "Terminal płatniczy — portal",
    }


def test_language_and_exclusions(admin):
    polish = make_article("Terminal płatniczy", language="pl")
    make_article("Platební terminál terminal", language="cs")
    assert articles_suggested("terminal", user=admin, language="pl") == [polish]
    assert articles_suggested("terminal płatniczy", user=admin, exclude_ids=[polish.pk]) != [polish]


def test_empty_or_unknown_text_suggests_nothing(admin):
    make_article()
    assert articles_suggested("", user=admin) == []
    assert articles_suggested("zzzz qqqq", user=admin) == []
    assert articles_suggested("drukarka", user=admin, limit=0) == []


def test_suggestions_take_three_statements_whatever_the_length(admin, django_assert_num_queries):
    make_article()
    with django_assert_num_queries(4):
        articles_suggested(_long_case_text(), user=admin)
