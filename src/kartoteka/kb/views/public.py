"""The public help pages (``/help/``): anonymous visitors read the published public
articles, a signed-in portal user also the portal ones (and staff see what a customer sees
plus the portal articles). Clean addresses: ``/help/<category>/<article>/``.

An article opened from a portal suggestion carries ``?draft=<token>`` (the case the customer
is writing): for a signed-in portal user that opening is recorded, to count the cases the
article spared (``SuggestionOpening``).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kartoteka.core.downloads import file_response
from kartoteka.kb import selectors, services
from kartoteka.kb.models import Article, Category
from kartoteka.kb.rendering import render_markdown

PAGE_SIZE = 30
DRAFT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _reader(request: HttpRequest) -> Any:
    """Whose eyes the help pages read with: staff read them as a portal user would (a
    staff member's internal articles never show on public pages)."""
    user = request.user
    if user.is_authenticated and getattr(user, "is_staff_member", False):
        return _PortalEyes()
    return user


class _PortalEyes:
    """A stand-in reader who sees what a portal user sees."""

    is_authenticated = True
    is_staff_member = False
    is_active = True

    @property
    def role(self) -> str:
        from kartoteka.people.models import User

        return str(User.Role.PORTAL)


def _articles(request: HttpRequest) -> Any:
    return Article.objects.visible_to(_reader(request)).select_related("category")


@require_GET
def help_home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    articles = _articles(request)
    found = None
    if query.strip():
        found = Paginator(selectors.article_search(articles, query), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    context = {
        "q": query,
        "found": found,
        "categories": [
            category
            for category in selectors.categories_with_counts(_reader(request))
            if getattr(category, "shown", 0)
        ],
        "recent": articles.order_by("-published_at", "-pk")[:10],
    }
    return render(request, "kb/public_home.html", context)


@require_GET
def help_category(request: HttpRequest, category: str) -> HttpResponse:
    found = Category.objects.filter(slug=category).first()
    if found is None:
        raise Http404
    articles = _articles(request).filter(category=found).order_by("title")
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    if not page.object_list and page.number == 1:
        raise Http404  # nothing of it is public: the category is not either
    return render(request, "kb/public_category.html", {"category": found, "page_obj": page})


@require_GET
def help_article(request: HttpRequest, category: str, slug: str) -> HttpResponse:
    article = selectors.article_by_slug_for_user(_reader(request), slug)
    canonical = article.public_url()
    if request.path != canonical:
        return redirect(canonical, permanent=True)
    services.article_viewed(article)
    draft = request.GET.get("draft", "")
    user = request.user
    portal_user = user.is_authenticated and not getattr(user, "is_staff_member", False)
    if draft and DRAFT.match(draft) and portal_user:
        services.suggestion_opening_record(article=article, draft=draft, user=user)  # type: ignore[arg-type]
    context = {
        "article": article,
        "html": render_markdown(article.body),
        "attachments": article.attachments.all(),
    }
    return render(request, "kb/public_article.html", context)


@require_GET
def help_attachment(request: HttpRequest, article: int, pk: int) -> FileResponse:
    found = selectors.attachment_get_for_user(_reader(request), article, pk)
    return file_response(
        found.file.open("rb"), filename=found.name, content_type=found.content_type
    )
