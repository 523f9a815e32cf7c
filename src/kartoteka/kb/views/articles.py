"""Staff pages of the knowledge base: the article list, an article, editing with a preview,
its history with a diff and restore, its files and its numbers."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kartoteka.core.access import staff_member_required
from kartoteka.core.downloads import file_response
from kartoteka.core.pagination import CappedPaginator
from kartoteka.kb import selectors, services
from kartoteka.kb.forms import ArticleFilterForm, ArticleForm, AttachmentForm
from kartoteka.kb.models import user_may_publish
from kartoteka.kb.rendering import render_markdown
from kartoteka.people.access import StaffRequest

PAGE_SIZE = 50
PREVIEW_LIMIT = 200_000


@staff_member_required
@require_GET
def article_list(request: StaffRequest) -> HttpResponse:
    form = ArticleFilterForm(request.GET)
    articles = selectors.article_list(request.user, form.filters())
    page = CappedPaginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "kb", "form": form, "page_obj": page, "articles": page.object_list}
    if request.htmx:
        return render(request, "kb/article_list.html#results", context)
    return render(request, "kb/article_list.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def article_create(request: StaffRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(by=request.user, **form.service_values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Article “%(title)s” saved.") % {"title": article.title})
            return redirect(article)
    context = {"nav": "kb", "form": form, "article": None}
    return render(request, "kb/article_form.html", context, status=400 if form.errors else 200)


@staff_member_required
@require_GET
def article_detail(request: StaffRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(request.user, pk)
    services.article_viewed(article)
    context = {
        "nav": "kb",
        "article": article,
        "html": render_markdown(article.body),
        "attachments": article.attachments.all(),
        "attachment_form": AttachmentForm(),
        "stats": selectors.article_stats(article),
        "may_publish": user_may_publish(request.user),
    }
    return render(request, "kb/article_detail.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def article_edit(request: StaffRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(request.user, pk)
    form = ArticleForm(request.POST or None, instance=article, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            services.article_update(
                article=article, by=request.user, note=form.cleaned_data["note"], **values
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Article saved."))
            return redirect(article)
    context = {"nav": "kb", "form": form, "article": article}
    return render(request, "kb/article_form.html", context, status=400 if form.errors else 200)


@staff_member_required
@require_POST
def article_preview(request: StaffRequest) -> HttpResponse:
    """The text of the editor as the article will show it (htmx)."""
    html = render_markdown(request.POST.get("body", "")[:PREVIEW_LIMIT])
    return render(request, "kb/article_form.html#preview", {"html": html})


@staff_member_required
@require_http_methods(["GET", "POST"])
def article_delete(request: StaffRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(request.user, pk)
    if not user_may_publish(request.user):
        raise PermissionDenied
    if request.method == "POST":
        services.article_delete(article=article, by=request.user)
        messages.success(request, _("Article deleted."))
        return redirect("kb:article-list")
    return render(request, "kb/article_delete.html", {"nav": "kb", "article": article})


@staff_member_required
@require_GET
def article_history(request: StaffRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(request.user, pk)
    versions = list(article.versions.select_related("author"))
    context = {"nav": "kb", "article": article, "versions": versions}
    return render(request, "kb/article_history.html", context)


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """The lines of ``new`` against ``old``: ("same" | "added" | "removed", line)."""
    lines: list[tuple[str, str]] = []
    before, after = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [("same", line) for line in before[a1:a2]]
            continue
        lines += [("removed", line) for line in before[a1:a2]]
        lines += [("added", line) for line in after[b1:b2]]
    return lines


@staff_member_required
@require_GET
def article_version(request: StaffRequest, pk: int, number: int) -> HttpResponse:
    """One version against the one before it (or against ``?against=N``)."""
    article = selectors.article_get_for_user(request.user, pk)
    version = article.versions.select_related("author").filter(number=number).first()
    if version is None:
        return render(request, "404.html", status=404)
    against_number = request.GET.get("against", "")
    against = None
    if against_number.isdigit():
        against = article.versions.filter(number=int(against_number)).first()
    if against is None:
        against = article.versions.filter(number__lt=number).order_by("-number").first()
    context = {
        "nav": "kb",
        "article": article,
        "version": version,
        "against": against,
        "title_changed": against is not None and against.title != version.title,
        "lines": _diff(against.body if against else "", version.body),
    }
    return render(request, "kb/article_version.html", context)


@staff_member_required
@require_POST
def article_restore(request: StaffRequest, pk: int, number: int) -> HttpResponse:
    article = selectors.article_get_for_user(request.user, pk)
    version = article.versions.filter(number=number).first()
    if version is None:
        return render(request, "404.html", status=404)
    services.article_restore(article=article, version=version, by=request.user)
    messages.success(request, _("Version %(number)s restored.") % {"number": number})
    return redirect(article)


@staff_member_required
@require_POST
def attachment_add(request: StaffRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                article=article, by=request.user, file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("File attached."))
    else:
        messages.error(request, _("Choose a file to attach."))
    return redirect(article)


@staff_member_required
@require_POST
def attachment_delete(request: StaffRequest, pk: int, attachment: int) -> HttpResponse:
    found = selectors.attachment_get_for_user(request.user, pk, attachment)
    services.attachment_delete(attachment=found, by=request.user)
    messages.success(request, _("File removed."))
    return redirect(found.article)


@staff_member_required
@require_GET
def attachment_download(request: StaffRequest, pk: int, attachment: int) -> FileResponse:
    found = selectors.attachment_get_for_user(request.user, pk, attachment)
    return file_response(
        found.file.open("rb"), filename=found.name, content_type=found.content_type
    )
