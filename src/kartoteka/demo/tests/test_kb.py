"""The demo knowledge base."""

from __future__ import annotations

import pytest

from kartoteka.demo.kb import demo_kb
from kartoteka.demo.services import demo_load
from kartoteka.kb.models import Article, ArticleVersion, CaseArticle, Category

pytestmark = pytest.mark.django_db


def test_demo_has_thirty_polish_articles_in_categories_with_history_and_case_links() -> None:
    demo_load(accounts=20, contacts=40, cases=40)
    assert Article.objects.filter(language="pl").count() == 30
    assert Category.objects.count() == 7
    assert not Article.objects.filter(category__isnull=True).exists()
    statuses = set(Article.objects.values_list("status", flat=True))
    assert statuses == {"draft", "published", "archived"}
    visibilities = set(Article.objects.values_list("visibility", flat=True))
    assert visibilities == {"internal", "portal", "public"}
    assert ArticleVersion.objects.filter(number=2).count() == 3
    assert CaseArticle.objects.count() >= 5


def test_a_rerun_adds_no_article() -> None:
    demo_load(accounts=0, contacts=0, cases=0)
    assert demo_kb() == 0
    assert Article.objects.count() == 30
