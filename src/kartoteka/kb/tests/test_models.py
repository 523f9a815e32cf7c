"""Who sees which article: ``Article.objects.visible_to``."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from kartoteka.kb.models import Article
from kartoteka.testing.kb import make_article
from kartoteka.testing.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(admin) -> dict[str, Article]:
    made = {}
    for status in Article.Status.values:
        for visibility in Article.Visibility.values:
            made[f"{status}-{visibility}"] = make_article(
                f"{status} {visibility}", status=status, visibility=visibility
            )
    return made


def _seen(user) -> set[str]:
    return set(Article.objects.visible_to(user).values_list("title", flat=True))


def test_staff_see_every_article(articles, clerk):
    assert _seen(clerk) == {article.title for article in articles.values()}


def test_portal_user_sees_published_portal_and_public_articles(articles, portal_user):
    assert _seen(portal_user) == {"published portal", "published public"}


def test_anonymous_visitor_sees_published_public_articles_only(articles):
    assert _seen(AnonymousUser()) == {"published public"}
    assert _seen(None) == {"published public"}


def test_inactive_portal_user_sees_nothing_more_than_the_public(articles):
    inactive = UserFactory(username="gone", role="portal", is_active=False)
    assert _seen(inactive) == set()


def test_public_url_is_clean(admin):
    from kartoteka.testing.kb import make_category

    category = make_category("Faktury i płatności")
    article = make_article("Duplikat zagubionej faktury", category=category)
    assert article.public_url() == "/help/faktury-i-platnosci/duplikat-zagubionej-faktury/"
