"""The demo knowledge base: seven categories, thirty Polish articles of the company's help
desk (public, portal and internal ones, two drafts or archived, a few with an earlier
version in their history), and links from demo cases to the articles their subjects ask
for. Added once, to an installation without articles."""

from __future__ import annotations

from django.db import transaction

from kartoteka.cases.models import Case
from kartoteka.demo.kb_articles import ARTICLES, CATEGORIES
from kartoteka.kb import services
from kartoteka.kb.models import Article, Category
from kartoteka.kb.suggestions import articles_suggested
from kartoteka.people.models import User

LINKED_CASES = 12


@transaction.atomic
def demo_kb() -> int:
    """Write the demo knowledge base; returns how many articles were added (0 on a rerun)."""
    if Article.objects.exists():
        return 0
    author = User.objects.filter(username="admin").first()
    if author is None:
        return 0
    editor = User.objects.filter(username="marta").first() or author
    categories = {}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            category = Category.objects.create(
                slug=slug, name=name, description=description, position=position
            )
        categories[slug] = category
    for demo in ARTICLES:
        values = {
            "title": demo.title,
            "body": demo.earlier_body or demo.body,
            "tags": demo.tags,
            "language": "pl",
            "visibility": demo.visibility,
            "status": demo.status,
            "category": categories[demo.category],
        }
        article = services.article_create(by=author, **values)
        if demo.earlier_body:
            services.article_update(
                article=article, by=editor, body=demo.body, note="Uzupełnione kroki i wyjątki"
            )
    _link_cases(author)
    return len(ARTICLES)


def _link_cases(by: User) -> None:
    """Link the newest demo cases to the article best suggested for their subject."""
    cases = Case.objects.order_by("-number")[: LINKED_CASES * 3]
    linked = 0
    for case in cases:
        found = articles_suggested(case.subject, user=by, limit=1)
        if found:
            services.case_article_link(case=case, article=found[0], by=by)
            linked += 1
        if linked >= LINKED_CASES:
            break
