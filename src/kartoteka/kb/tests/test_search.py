"""Full-text search over the knowledge base's own index."""

from __future__ import annotations

import pytest

from kartoteka.kb import search, services
from kartoteka.kb.models import Article, ArticleTerm, Term
from kartoteka.kb.selectors import article_search
from kartoteka.testing.kb import make_article

pytestmark = pytest.mark.django_db


def _titles(text: str, user=None) -> list[str]:
    return [article.title for article in article_search(Article.objects.all(), text)]


def test_search_ignores_case_and_polish_diacritics(admin):
    make_article("Przesyłka z Łodzi uszkodzona", "Karton zgnieciony.")
    assert _titles("przesylka lodzi") == ["Przesyłka z Łodzi uszkodzona"]
    assert _titles("PRZESYŁKA") == ["Przesyłka z Łodzi uszkodzona"]


def test_inflected_forms_match(admin):
    make_article("Drukarka etykiet", "Głowica drukująca.")
    assert _titles("drukarki etykietach") == ["Drukarka etykiet"]


def test_every_word_must_match(admin):
    make_article("Drukarka etykiet", "Czyszczenie głowicy.")
    make_article("Czytnik kodów", "Konfiguracja czytnika.")
    assert _titles("drukarka czytnik") == []


def test_title_weighs_more_than_text(admin):
    make_article("Inne sprawy", "Tu jest mowa o fakturze korygującej.")
    make_article("Faktura korygująca", "Jak zamówić.")
    assert _titles("faktura") == ["Faktura korygująca", "Inne sprawy"]


def test_last_word_is_read_as_a_beginning(admin):
    make_article("Terminal płatniczy", "Brak połączenia.")
    assert _titles("termi") == ["Terminal płatniczy"]
    assert _titles("te") == ["Terminal płatniczy"]


def test_empty_and_hostile_queries_find_nothing(admin):
    make_article("Terminal płatniczy", "Brak połączenia.")
    assert _titles("") == []
    assert _titles("%' OR 1=1 --") == []
    assert _titles("*" * 5000) == []


def test_index_follows_edits_and_deletes(admin):
    article = make_article("Stary tytuł", "treść")
    services.article_update(article=article, by=admin, title="Nowy nagłówek")
    assert _titles("stary") == []
    assert _titles("naglowek") == ["Nowy nagłówek"]
    assert Term.objects.get(term="star").articles == 0
    services.article_delete(article=article, by=admin)
    assert ArticleTerm.objects.count() == 0
    assert set(Term.objects.values_list("articles", flat=True)) == {0}


def test_rebuild_writes_the_same_index(admin):
    make_article("Drukarka etykiet", "Głowica drukująca, głowica.")
    make_article("Czytnik kodów", "Drukarka obok.")
    before = sorted(ArticleTerm.objects.values_list("article", "term", "weight"))
    terms = sorted(Term.objects.filter(articles__gt=0).values_list("term", "articles"))
    assert search.index_rebuild() == 2
    assert sorted(ArticleTerm.objects.values_list("article", "term", "weight")) == before
    assert sorted(Term.objects.values_list("term", "articles")) == terms


def test_reindex_command(admin):
    from io import StringIO

    from django.core.management import call_command

    make_article("Drukarka etykiet")
    ArticleTerm.objects.all().delete()
    out = StringIO()
    call_command("kb_reindex", stdout=out)
    assert out.getvalue().startswith("1 articles indexed")
    assert _titles("drukarka") == ["Drukarka etykiet"]
