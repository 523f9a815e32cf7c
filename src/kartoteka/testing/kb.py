"""Knowledge base articles for tests, made through the services (versions and the search
index are real), and the measure of suggestions on the labelled set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kartoteka.kb import services
from kartoteka.kb.models import Article, Category
from kartoteka.kb.suggestions import articles_suggested
from kartoteka.people.models import User
from kartoteka.testing.people import persona


def make_article(
    title: str = "Drukarka etykiet drukuje blado",
    body: str = "Wyczyść głowicę drukującą alkoholem izopropylowym.",
    *,
    by: User | None = None,
    status: str = Article.Status.PUBLISHED,
    visibility: str = Article.Visibility.PUBLIC,
    **values: Any,
) -> Article:
    return services.article_create(
        by=by or persona("admin"),
        title=title,
        body=body,
        status=status,
        visibility=visibility,
        **values,
    )


def make_category(name: str = "Drukarki", **values: Any) -> Category:
    return services.category_create(by=persona("admin"), name=name, **values)


def demo_articles(by: User | None = None) -> dict[str, Article]:
    """The demo knowledge base's articles (final texts), by their key."""
    from kartoteka.demo.kb_articles import ARTICLES, CATEGORIES

    categories = {
        slug: Category.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name, _description in CATEGORIES
    }
    return {
        demo.key: make_article(
            demo.title,
            demo.body,
            by=by,
            status=demo.status,
            visibility=demo.visibility,
            tags=demo.tags,
            category=categories[demo.category],
        )
        for demo in ARTICLES
    }


@dataclass
class Quality:
    precision_at_1: float
    precision_at_3: float
    mrr: float
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)


def labelled_quality(
    user: Any,
    articles: dict[str, Article],
    *,
    suggest: Callable[..., list[Article]] = articles_suggested,
) -> Quality:
    """How well ``suggest`` finds the labelled set's article (``kb.tests.labelled``) among
    its first three: precision at 1 and 3, mean reciprocal rank (of the first ten)."""
    from kartoteka.kb.tests.labelled import LABELLED

    keys = {article.pk: key for key, article in articles.items()}
    first = third = reciprocal = 0.0
    misses = []
    for text, expected in LABELLED:
        found = [keys.get(article.pk, "?") for article in suggest(text, user=user, limit=10)]
        if found[:1] == [expected]:
            first += 1
        if expected in found[:3]:
            third += 1
        else:
            misses.append((text, expected, found[:3]))
        if expected in found:
            reciprocal += 1 / (found.index(expected) + 1)
    count = len(LABELLED)
    return Quality(first / count, third / count, reciprocal / count, misses)
