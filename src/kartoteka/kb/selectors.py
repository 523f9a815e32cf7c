"""Reads of the knowledge base, every one through ``Article.objects.visible_to``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from kartoteka.kb import search
from kartoteka.kb.models import Article, ArticleAttachment, CaseArticle, Category

SEARCH_LIMIT = 500


def article_get_for_user(user: Any, pk: int) -> Article:
    """The article if ``user`` may see it, else 404."""
    article = (
        Article.objects.visible_to(user).select_related("category", "author").filter(pk=pk).first()
    )
    if article is None:
        raise Http404
    return article


def article_by_slug_for_user(user: Any, slug: str) -> Article:
    article = Article.objects.visible_to(user).select_related("category").filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


def attachment_get_for_user(user: Any, article_pk: int, pk: int) -> ArticleAttachment:
    article = article_get_for_user(user, article_pk)
    attachment = article.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def _ordered(articles: QuerySet[Article], ids: list[int]) -> QuerySet[Article]:
    if not ids:
        return articles.none()
    order = Case(
        *[When(pk=pk, then=Value(position)) for position, pk in enumerate(ids)],
        output_field=IntegerField(),
    )
    return articles.filter(pk__in=ids).order_by(order)


def article_search(articles: QuerySet[Article], text: str) -> QuerySet[Article]:
    """``articles`` holding every word of ``text``, best first (at most ``SEARCH_LIMIT``)."""
    ranked = search.search_ids(text, articles, limit=SEARCH_LIMIT)
    return _ordered(articles, [row.article_id for row in ranked])


@dataclass(frozen=True)
class ArticleFilters:
    q: str = ""
    category: int | None = None
    status: str = ""
    visibility: str = ""
    language: str = ""


def article_list(user: Any, filters: ArticleFilters) -> QuerySet[Article]:
    articles = Article.objects.visible_to(user).select_related("category", "author")
    if filters.category:
        articles = articles.filter(category_id=filters.category)
    if filters.status:
        articles = articles.filter(status=filters.status)
    if filters.visibility:
        articles = articles.filter(visibility=filters.visibility)
    if filters.language:
        articles = articles.filter(language=filters.language)
    if filters.q.strip():
        return article_search(articles, filters.q)
    return articles


def categories_with_counts(user: Any) -> QuerySet[Category]:
    """The categories with how many articles ``user`` sees in each."""
    visible = Article.objects.visible_to(user).values("pk")
    return Category.objects.annotate(
        shown=Count("articles", filter=Q(articles__in=visible), distinct=True)
    )


def case_articles(case: Any) -> QuerySet[CaseArticle]:
    return CaseArticle.objects.filter(case=case).select_related("article", "linked_by")


@dataclass(frozen=True)
class ArticleStats:
    views: int
    linked: int
    openings: int
    deflections: int


def article_stats(article: Article) -> ArticleStats:
    """Views, cases linked, portal suggestion openings, and the drafts in which the article
    was opened that never became a case (deflections; a draft still being written counts
    too)."""
    openings = article.openings.count()
    deflected = (
        article.openings.filter(case__isnull=True).values("user", "draft").distinct().count()
    )
    return ArticleStats(
        views=article.view_count,
        linked=article.case_links.count(),
        openings=openings,
        deflections=deflected,
    )
