"""The knowledge base's panel on the case page (loaded by htmx, so the page's own queries do
not grow): the linked articles, a search to link one, the articles suggested for the case's
subject and first message, and buttons that put an article's text or address into the reply
being written (``kb/static/kb/kb.js``)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from kartoteka.cases.models import Case
from kartoteka.core.access import case_worker_required
from kartoteka.kb import selectors, services
from kartoteka.kb.models import Article
from kartoteka.kb.rendering import plain_text
from kartoteka.kb.suggestions import articles_suggested
from kartoteka.mail.models import Message
from kartoteka.people.access import StaffRequest

SUGGESTED = 5
PICKED = 10
FIRST_MESSAGE_LIMIT = 20_000


def _case(request: StaffRequest, number: int) -> Case:
    case = Case.objects.visible_to(request.user).filter(number=number).first()
    if case is None:
        raise Http404
    return case


def _case_text(request: StaffRequest, case: Case) -> str:
    """The case's subject and its first received message (else its description)."""
    first = (
        Message.objects.visible_to(request.user)
        .filter(case=case, direction=Message.Direction.INBOUND)
        .order_by("pk")
        .values_list("text", flat=True)
        .first()
    )
    return f"{case.subject}\n{(first or case.description)[:FIRST_MESSAGE_LIMIT]}"


def _insertable(request: StaffRequest, article: Article) -> dict[str, object]:
    shared = article.visibility != Article.Visibility.INTERNAL
    return {
        "article": article,
        "text": plain_text(article.body),
        "link": request.build_absolute_uri(article.public_url()) if shared else "",
    }


def _panel(request: StaffRequest, case: Case, *, status: int = 200) -> HttpResponse:
    links = list(selectors.case_articles(case).select_related("article__category"))
    linked_ids = [link.article_id for link in links]
    suggested = articles_suggested(
        _case_text(request, case), user=request.user, limit=SUGGESTED, exclude_ids=linked_ids
    )
    context = {
        "case": case,
        "links": [_insertable(request, link.article) | {"linked": link} for link in links],
        "suggested": [_insertable(request, article) for article in suggested],
    }
    return render(request, "kb/case_panel.html", context, status=status)


@case_worker_required
@require_GET
def case_panel(request: StaffRequest, number: int) -> HttpResponse:
    return _panel(request, _case(request, number))


@case_worker_required
@require_GET
def case_picker(request: StaffRequest, number: int) -> HttpResponse:
    """Articles for the panel's search box, as one types."""
    case = _case(request, number)
    text = request.GET.get("q", "")[:200]
    articles = Article.objects.visible_to(request.user).exclude(status=Article.Status.ARCHIVED)
    found = list(selectors.article_search(articles, text)[:PICKED]) if text.strip() else []
    return render(request, "kb/case_panel.html#picked", {"case": case, "found": found, "q": text})


def _article(request: StaffRequest) -> Article:
    pk = request.POST.get("article", "")
    if not pk.isdigit():
        raise Http404
    return selectors.article_get_for_user(request.user, int(pk))


@case_worker_required
@require_POST
def case_link(request: StaffRequest, number: int) -> HttpResponse:
    case = _case(request, number)
    services.case_article_link(case=case, article=_article(request), by=request.user)
    return _panel(request, case)


@case_worker_required
@require_POST
def case_unlink(request: StaffRequest, number: int) -> HttpResponse:
    case = _case(request, number)
    services.case_article_unlink(case=case, article=_article(request), by=request.user)
    return _panel(request, case)
